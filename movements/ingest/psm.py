"""PSM, passenger service message: the special needs on a flight, per passenger.

Airlines vary in how they lay a PSM out; this console accepts one documented shape,
one line per passenger group and need set::

    PSM
    KL1234/15SEP AMS PART1
    WCHC 1 TIA OKELLO/GRACE MRS 12A ONWARD KL673/15 FT AISLE CHAIR AT DOOR
    FT BOARD FIRST                       continues the free text of the line above
    UMNR/LANG 1 YYZ OKELLO/PAUL MSTR 14C FT AGE 09 MEETING AUNT
    MEDA 2 TIA ИВАНОВА/МАРИЯ MS/ОЛЬГА MISS 21A 21B
    ENDPSM                               or ENDPART1 when more parts follow

Fields, space separated, in this order:

1. SSR codes: one or more 4-letter codes joined by ``/`` (``UMNR/LANG``)
2. passenger count (1-999), which must equal the number of names
3. destination (3 letters)
4. names ``SURNAME/GIVEN[ TITLE][/GIVEN[ TITLE]]...`` (see ``names.py``)
5. optional seats, none or exactly one per name (``12A 12B``)
6. optional ``ONWARD FLIGHT/DD``
7. optional ``FT`` and free text to the end of the line

A line whose first word is ``FT`` adds to the free text of the passenger line above
(joined with a space).  A line folded by an e-mail gateway at 69 characters is joined
back (``telex_common.unfold``).  ``PSM COR`` is a corrected PSM: like PART1 again, it
replaces the flight's PSM data.  A part without passengers says ``NIL`` alone.  A PART1
received again replaces the flight's earlier PSM data: that is for the caller, who
gets ``part`` and ``last_part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar

from movements.domain.phrases import N_, Phrase
from movements.ingest.names import PersonName, parse_names
from movements.ingest.telex_common import (
    DayMonth,
    Envelope,
    Flight,
    FlightDay,
    Line,
    Message,
    first_body_line,
    parse_flight_day,
    parse_station,
    parse_station_flight_line,
    plural,
    read_message,
    resolved,
    split_end,
    unfold,
)

_CODES = re.compile(r"[A-Z]{4}(?:/[A-Z]{4})*")
_COUNT = re.compile(r"[0-9]{1,3}")
_SEAT = re.compile(r"[0-9]{1,3}[A-Z]")
_KEYWORDS = ("ONWARD", "FT")
_STARTS = re.compile(r"[A-Z]{4}(?:/[A-Z]{4})* [0-9]|FT\b|END|NIL$")


@dataclass(frozen=True, slots=True)
class PsmEntry:
    line_no: int
    ssr_codes: tuple[str, ...]
    destination: str
    names: tuple[PersonName, ...]
    seats: tuple[str, ...]  # empty, or one per name in the same order
    onward: FlightDay | None
    free_text: str | None


@dataclass(frozen=True, slots=True)
class Psm:
    KIND: ClassVar[str] = "PSM"
    envelope: Envelope
    flight: Flight
    flight_day: DayMonth
    station: str
    part: int
    last_part: bool  # ENDPSM rather than ENDPARTn
    entries: tuple[PsmEntry, ...]
    flight_date: date | None = None  # flight_day resolved against the reference


def parse_psm(text: str, reference: date | None = None) -> Psm:
    return psm_from_message(read_message(text, expect="PSM"), reference)


def psm_from_message(message: Message, reference: date | None = None) -> Psm:
    flight_line = first_body_line(message)
    flight, flight_day, station, part = parse_station_flight_line(flight_line)
    lines, last_part = split_end(message.body[1:], "PSM", part, flight_line)
    entries = _entries(lines, flight_line)
    flight_date = None
    if reference is not None:
        flight_date = resolved(flight_line, lambda: flight_day.resolve(reference))
    return Psm(message.envelope, flight, flight_day, station, part, last_part, entries,
               flight_date)


def _entries(lines: tuple[Line, ...], flight_line: Line) -> tuple[PsmEntry, ...]:
    if not lines:
        raise flight_line.error(N_("PSM part has no passenger lines (write NIL if none)"))
    if lines[0].text == "NIL":
        if len(lines) > 1:
            raise lines[1].error(N_("text after NIL"))
        return ()
    entries: list[PsmEntry] = []
    for line in unfold(lines, lambda text: _STARTS.match(text) is not None):
        tokens = line.tokens
        if tokens[0] == "FT":
            if not entries:
                raise line.error(N_("free-text continuation before any passenger line"))
            more = " ".join(tokens[1:])
            if not more:
                raise line.error(N_("empty free-text continuation"))
            last = entries[-1]
            text = f"{last.free_text} {more}" if last.free_text else more
            entries[-1] = replace(last, free_text=text)
        else:
            entries.append(_entry(line))
    return tuple(entries)


def _entry(line: Line) -> PsmEntry:
    tokens = line.tokens
    if len(tokens) < 4:
        raise line.error(N_("passenger line must be SSR COUNT DEST SURNAME/GIVEN ...,"
                         " like WCHC 1 TIA OKELLO/GRACE MRS 12A"))
    if _CODES.fullmatch(tokens[0]) is None:
        raise line.error(Phrase.of(
            N_("%(tokens)s is not 4-letter SSR codes joined by '/'"),
            tokens=repr(tokens[0])))
    if _COUNT.fullmatch(tokens[1]) is None or int(tokens[1]) == 0:
        raise line.error(Phrase.of(
            N_("passenger count %(tokens)s is not a number from 1"),
            tokens=repr(tokens[1])))
    count = int(tokens[1])
    destination = parse_station(tokens[2], line, N_("destination"))
    at = 3
    while at < len(tokens) and not (_SEAT.fullmatch(tokens[at]) or tokens[at] in _KEYWORDS):
        at += 1
    if at == 3:
        raise line.error(N_("passenger line has no name"))
    names = parse_names(" ".join(tokens[3:at]), line)
    if len(names) != count:
        raise line.error(Phrase.of(
            N_("passenger count %(count)s but %(first)s"),
            count=str(count), first=plural(len(names), 'name')))
    seats = []
    while at < len(tokens) and _SEAT.fullmatch(tokens[at]):
        seats.append(tokens[at])
        at += 1
    if seats and len(seats) != count:
        raise line.error(Phrase.of(
            N_("%(first)s for %(second)s"),
            first=plural(len(seats), 'seat'), second=plural(count, 'passenger')))
    onward = None
    if at < len(tokens) and tokens[at] == "ONWARD":
        if at + 1 == len(tokens):
            raise line.error(N_("ONWARD without a flight"))
        onward = parse_flight_day(tokens[at + 1], line, N_("onward flight"))
        at += 2
    free_text = None
    if at < len(tokens) and tokens[at] == "FT":
        free_text = " ".join(tokens[at + 1:])
        if not free_text:
            raise line.error(N_("FT without text"))
        at = len(tokens)
    if at < len(tokens):
        raise line.error(Phrase.of(
            N_("unexpected %(tokens)s: after the names come seats, ONWARD FLIGHT/DD, then FT "
               "and free text"),
            tokens=repr(tokens[at])))
    return PsmEntry(line.no, tuple(tokens[0].split("/")), destination, names,
                    tuple(seats), onward, free_text)
