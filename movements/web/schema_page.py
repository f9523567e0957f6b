"""The API documentation at ``/schema``: Swagger UI served from our own static files.

Litestar's own render plugins load their viewers from a CDN and start them with an inline
script; the console's Content-Security-Policy (``script-src 'self'``, no CDN) blocks
both, which left the page blank (issue 13.7).  This plugin serves the vendored
swagger-ui-dist (static/vendor, checked by SHA256SUMS) and starts it from
``static/schema.js``, which reads the schema's address from a data attribute.  The routes
sit behind the sign-in like every other page.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

SWAGGER_UI = "5.35.0"
JS = f"/static/vendor/swagger-ui-bundle-{SWAGGER_UI}.js"
CSS = f"/static/vendor/swagger-ui-{SWAGGER_UI}.css"
START = "/static/schema.js"
OWN_CSS = "/static/schema.css"  # touch-sized controls


class VendoredSwagger(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` and ``/schema/swagger``, no inline script, no CDN."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"],
                         favicon='<link rel="icon" href="/static/favicon.svg">', style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]
               ) -> bytes:
        title = escape(str(openapi_schema["info"]["title"]))
        spec = escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API</title>{self.favicon}
<link rel="stylesheet" href="{CSS}"><link rel="stylesheet" href="{OWN_CSS}">
<script src="{JS}" defer></script><script src="{START}" defer></script>
</head><body><div id="swagger" data-spec="{spec}"></div></body></html>""".encode()
