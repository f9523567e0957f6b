"""The content types the web edge answers with, each said once.

Litestar appends ``; charset=utf-8`` to every ``text/*`` media type by itself
(``litestar/response/base.py``, ``ASGIResponse``), also when the type already names a
charset: a handler that passed ``text/csv; charset=utf-8`` sent
``text/csv; charset=utf-8; charset=utf-8``.  So these carry no parameters;
``tests/web/test_content_types.py`` walks every route and checks the header it gets.
"""

from __future__ import annotations

from typing import Final

HTML: Final = "text/html"
TEXT: Final = "text/plain"
CSV: Final = "text/csv"
PDF: Final = "application/pdf"
