"""How refusals and failures are logged and shown.

A refusal (any 4xx: not found or out of scope, forbidden, conflict, invalid input) is
the system working: one INFO line, no stack, so probing ids cannot flood the log.  A
storage fault (503) is an operating state that ``StorageHealth`` reports once a minute;
a write that could not get the database in time (``Busy``, 503) is one line too.
Only a real server error (5xx otherwise) is logged with its traceback.
"""

from __future__ import annotations

import logging
import sys
from html import escape
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.htmx import HTMXDetails
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from movements import i18n
from movements.domain.errors import Busy, DomainError
from movements.domain.storage import StorageUnavailable
from movements.web.media import HTML

log = logging.getLogger("movements.refusals")

RETRY_AFTER_SECONDS = 60
REFUSAL_KEY = "movements.refusal"


def status_of(exc: BaseException | None) -> int:
    """The HTTP status an exception becomes (500 for anything unexpected)."""
    if isinstance(exc, DomainError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, UnicodeDecodeError):
        return 400  # bytes that should be text (web/input_guard.not_utf8)
    return 500


def log_exception(logger: Any, scope: Scope, tb: list[str]) -> None:
    """Litestar's exception logging hook (called inside the ``except`` block)."""
    exc = sys.exc_info()[1]
    status = status_of(exc)
    method = scope.get("method", "WS")
    if isinstance(exc, StorageUnavailable):
        return  # StorageHealth has said it (once a minute)
    if isinstance(exc, Busy):  # a write that waited its bound: retried by the client
        log.info("busy %s %s: 503, retry after %ss", method, scope.get("path"),
                 exc.retry_after)
        return
    if status < 500:  # the refusal_log middleware writes the line, with this detail
        detail = exc.message if isinstance(exc, DomainError) else \
            getattr(exc, "detail", "") or type(exc).__name__
        scope[REFUSAL_KEY] = str(detail).replace("\n", " ")[:300]  # type: ignore[literal-required]
        return
    logger.error("server error on %s %s:\n%s", method, scope.get("path"), "".join(tb))


def storage_unavailable(request: Request[Any, Any, Any], exc: StorageUnavailable, *,
                        html: bool) -> Response[Any]:
    """503 with the plain message: a small page for browsers, JSON otherwise."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    said = escape(i18n.refused(exc))  # in the reader's language
    if html or HTMXDetails(request):
        title = escape(i18n.gettext(i18n.N_("Cannot save right now")))
        body = (f"<!doctype html><html lang=\"{i18n.current()}\"><head>"
                f"<meta charset=\"utf-8\"><title>{title}</title></head><body><main>"
                f"<h1>{title}</h1><p role=\"alert\">{said}</p></main></body></html>")
        if HTMXDetails(request):
            body = f'<p class="message error" role="alert">{said}</p>'
        return Response(body, status_code=503, media_type=HTML,
                        headers=headers)
    return Response({"error": exc.message, "message": i18n.refused(exc), "field": None,
                     "status": 503}, status_code=503, headers=headers)


def refusal_log(app: ASGIApp) -> ASGIApp:
    """Middleware: one INFO line for every 4xx answer, raised or rendered (a form shown
    again with its message), with the refusal's reason when there is one."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        status = [0]

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        await app(scope, receive, watch)
        if 400 <= status[0] < 500:
            detail = scope.get(REFUSAL_KEY)  # type: ignore[misc]
            log.info("refused %s %s: %d%s", scope.get("method"), scope.get("path"),
                     status[0], f" {detail}" if detail else "")

    return wrapped
