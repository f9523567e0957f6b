"""Text as people write it, in one form: Unicode NFC.

A name typed on a Mac, pasted from a PDF or exported by another system may come
decomposed (NFD: ``e`` + U+0301 instead of ``é``); the same name then compares unequal,
matches no telex and prints with its marks beside the letter.  Every edge that takes text
in (forms, CSV/XLSX import, telexes) passes it through :func:`nfc`, and the documents do
again before drawing.
"""

from __future__ import annotations

import unicodedata
from typing import overload


@overload
def nfc(text: str) -> str: ...
@overload
def nfc(text: None) -> None: ...
def nfc(text: str | None) -> str | None:
    """``text`` in Unicode Normalization Form C (canonical composition); ``None`` stays
    ``None``.  Compatibility characters (ligatures, full-width forms) are kept: NFKC
    would change what a document says."""
    if text is None or text.isascii():
        return text
    return unicodedata.normalize("NFC", text)
