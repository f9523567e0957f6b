"""The request's language before anyone is known: the browser's ``Accept-Language``.

Runs outside the session middleware, which then puts the signed-in person's own setting
in its place (``i18n.set_current``): a public page (sign-in, /verify) and a refusal to a
stranger speak the browser's language, everything else the person's.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from movements import i18n


def browser_language(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            header = next((v for k, v in scope.get("headers", [])
                           if k.lower() == b"accept-language"), b"")
            i18n.set_current(i18n.negotiate(header.decode("latin-1")))
        await app(scope, receive, send)

    return wrapped
