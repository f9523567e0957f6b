"""Pure parsers for the IATA Type B telexes the airline side sends.

``parse_telex(text, reference=None)`` finds the message identifier after any SITA
envelope lines and returns an ``Mvt``, ``Ptm``, ``Pnl``, ``Adl`` or ``Psm``; the
``parse_<type>`` functions do the same but insist on their type.  Every rejection is
a ``TelexError`` with the line number, the line and the reason, so a caller can
refuse the whole telex before touching the database.  No parser does I/O.

``reference`` is the date the telex is read against (usually the day it arrived):
telex dates carry no year, and MVT times no month; with it, the results carry
resolved ``flight_date`` values and MVT times carry aware UTC datetimes.  It must be
a ``date`` (a ``datetime`` counts by its date); anything else is a programming error
and raises ``TypeError`` rather than ``TelexError``.
"""

from __future__ import annotations

from datetime import date
from typing import TypeAlias

from movements.ingest.errors import TelexError
from movements.ingest.mvt import Delay, EstimatedArrival, Mvt, MvtTime, mvt_from_message, parse_mvt
from movements.ingest.names import PersonName
from movements.ingest.pnl import (
    Adl,
    ClassTotal,
    Connection,
    Element,
    Group,
    NameEntry,
    NameList,
    Pnl,
    Remark,
    adl_from_message,
    parse_adl,
    parse_pnl,
    pnl_from_message,
)
from movements.ingest.psm import Psm, PsmEntry, parse_psm, psm_from_message
from movements.ingest.ptm import Ptm, SeatCount, Transfer, parse_ptm, ptm_from_message
from movements.ingest.telex_common import (
    DayMonth,
    Envelope,
    Flight,
    FlightDay,
    read_message,
    resolve_day,
    resolve_day_month,
)

ParsedTelex: TypeAlias = Mvt | Ptm | Pnl | Adl | Psm


def parse_telex(text: str, reference: date | None = None) -> ParsedTelex:
    """Parse any supported telex; raises ``TelexError`` and nothing else."""
    message = read_message(text)
    kind = message.kind
    if kind == "MVT":
        return mvt_from_message(message, reference)
    if kind == "PTM":
        return ptm_from_message(message, reference)
    if kind == "PNL":
        return pnl_from_message(message, reference)
    if kind == "ADL":
        return adl_from_message(message, reference)
    return psm_from_message(message, reference)


__all__ = [
    "Adl",
    "ClassTotal",
    "Connection",
    "DayMonth",
    "Delay",
    "Element",
    "Envelope",
    "EstimatedArrival",
    "Flight",
    "FlightDay",
    "Group",
    "Mvt",
    "MvtTime",
    "NameEntry",
    "NameList",
    "ParsedTelex",
    "PersonName",
    "Pnl",
    "Psm",
    "PsmEntry",
    "Ptm",
    "Remark",
    "SeatCount",
    "TelexError",
    "Transfer",
    "parse_adl",
    "parse_mvt",
    "parse_pnl",
    "parse_psm",
    "parse_ptm",
    "parse_telex",
    "resolve_day",
    "resolve_day_month",
]
