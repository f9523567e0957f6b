"""The web edge's way into the one render layer (``movements.realtime.fragments``).

Handlers draw a swappable partial through ``partials(request).<partial>(...)``, the same
renderer the live push uses, and a whole page through ``page(request, template, ...)``;
they never reach for the Jinja environment themselves.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from movements.realtime.fragments import Fragments
from movements.web.auth import current_user


def partials(connection: ASGIConnection[Any, Any, Any, Any]) -> Fragments:
    """The app's partial renderers, for this request's reader: in their language when the
    renderer and the user carry one (per-user languages; English otherwise)."""
    fragments: Fragments = connection.app.state.fragments
    user = current_user(connection)
    locale = getattr(user, "locale", None)
    in_locale = getattr(fragments, "in_locale", None)
    if isinstance(locale, str) and locale and callable(in_locale):
        return in_locale(locale)  # type: ignore[no-any-return]
    return fragments


def page(connection: ASGIConnection[Any, Any, Any, Any], template: str,
         **context: Any) -> str:
    """A whole page (``template`` under movements/web/templates) for this request's
    reader, through the render layer (``Fragments.page``)."""
    return partials(connection).page(template, **context)


__all__ = ["page", "partials"]
