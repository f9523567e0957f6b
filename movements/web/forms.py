"""Reading a submitted form: typed form bodies (``TypedForm`` with ``FORM``), or
``read_form`` where a form is read whole; every text field in Unicode NFC
(``domain.text.nfc``).

Browsers send what the keyboard or the clipboard produced; a name pasted from a PDF or
typed on macOS may be decomposed.  Handlers read forms through :func:`read_form` so
that no text reaches an action in another form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import RequestEncodingType
from litestar.params import Body

from movements.domain.text import nfc


async def read_form(request: Request[Any, Any, Any]) -> FormMultiDict:
    """The request's form with every ``str`` value NFC-normalised (uploads unchanged).

    Password fields stay byte for byte as typed: a password set before this existed
    must keep matching its hash."""
    form = await request.form()
    return FormMultiDict([(k, nfc(v) if isinstance(v, str) and "password" not in k else v)
                          for k, v in form.multi_items()])


#: How a handler takes a typed form: ``data: Annotated[SomeForm, FORM]`` (Litestar's
#: URL-encoded body, converted by msgspec into the dataclass).  Fields are text: numbers
#: and choices are parsed by the domain's rules, whose refusals name the field as people
#: see it; a field sent twice is Litestar's 400 naming the key.
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


@dataclass
class TypedForm:
    """Base of the typed form bodies: every text field NFC (as ``read_form``), password
    fields byte for byte.  Unknown fields (``_csrf``, ``_idem``) are not part of it."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and "password" not in f.name:
                setattr(self, f.name, nfc(value))

    def items(self) -> list[tuple[str, str]]:
        """The fields sent (not None), for the idempotency hash (``once.request_hash``)."""
        return [(k, v) for k, v in asdict(self).items() if v is not None]
