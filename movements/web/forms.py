"""Reading a submitted form: every text field in Unicode NFC (``domain.text.nfc``).

Browsers send what the keyboard or the clipboard produced; a name pasted from a PDF or
typed on macOS may be decomposed.  Handlers read forms through :func:`read_form` so
that no text reaches an action in another form.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict

from movements.domain.text import nfc


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The request's form with every ``str`` value NFC-normalised (uploads unchanged).

    Password fields stay byte for byte as typed: a password set before this existed
    must keep matching its hash."""
    form = await request.form()
    return FormMultiDict([(k, nfc(v) if isinstance(v, str) and "password" not in k else v)
                          for k, v in form.multi_items()])
