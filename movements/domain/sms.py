"""SMS length in segments, as networks count it (3GPP TS 23.038 and TS 23.040).

A text that the GSM 7-bit default alphabet (with its extension table) can carry is sent
as GSM-7: 160 septets in one SMS, 153 per part when concatenated (the user data header
takes 7); an extension character (``€ [ ] { } | ^ ~ \\``) takes two septets.  Any other
character (Arabic, Persian, Ge'ez, most accented capitals, emoji) makes the whole SMS
UCS-2: 70 UTF-16 units in one, 67 per part.  The GSM codec is gsm0338's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

GSM7 = "GSM-7"
UCS2 = "UCS-2"
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True, slots=True)
class Length:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def measure(text: str) -> Length:
    """The encoding an SMS of ``text`` needs, its length in that encoding's units, and
    the number of segments (SMS) it is sent as; an empty text is one segment."""
    try:
        units = len(text.encode("gsm03.38"))
        encoding = GSM7
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-le")) // 2
        encoding = UCS2
    single, part = _LIMITS[encoding]
    segments = 1 if units <= single else math.ceil(units / part)
    return Length(encoding, units, segments)


__all__ = ["GSM7", "UCS2", "Length", "measure"]
