"""PTM, passenger transfer message: who on an inbound flight connects to what.

Accepted shape::

    PTM
    KQ116/15SEP NBOAMS PART1          inbound flight/date, origin+destination, part
    KL673/15 YYZ 5Y 7B OKELLO/GRACE/JOHN/MARY/PAUL
    -MWANGI/PETER                     more names for the line above
    KL1547/15 FCO 1C ABEBE/SELAM
    ENDPART1                          or ENDPTM on the last part

A transfer line is: onward ``FLIGHT/DD``, destination, seats as count+class (one
token, several classes may run together: ``2C2Y``), optionally children and infants
among them (``1CHD``, ``1INF``, either order; infants hold no seat), optionally bags
as ``nB`` with their weight (``6B120K``, ``6B/120``, ``K`` kilograms by default,
``L`` pounds), then name groups ``SURNAME[/GIVEN...]`` separated by spaces, one
passenger per given name; a given name may hold a space (``ODHIAMBO/GRACE ACHIENG``,
see ``names.parse_name_groups``).  Names are optional, but when present they must
account for every seat (or every seat and infant), so a line cut short is caught.

Continuation: a line starting with ``-`` carries more name groups for the transfer
line above it (whole groups only; a group is never split across lines).  A line
starting with ``.`` is rejected: in PNLs that starts an element, and reading it as
names here would hide a telex of the wrong type.

A part with no transfers says ``NIL`` on its own line.  A later PTM for the same
inbound flight replaces the earlier one and a repeated part is a duplicate: both are
for the caller to decide, using ``part`` and ``last_part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from movements.domain.phrases import N_, Phrase
from movements.ingest.names import PersonName, parse_name_groups
from movements.ingest.telex_common import (
    DayMonth,
    Envelope,
    Flight,
    FlightDay,
    Line,
    Message,
    first_body_line,
    parse_flight_date,
    parse_flight_day,
    parse_part,
    parse_station,
    plural,
    read_message,
    resolved,
    split_end,
    unfold,
)

_ROUTE = re.compile(r"[A-Z]{6}")
_SEATS = re.compile(r"(?:[0-9]{1,3}[A-Z])+")
_SEAT = re.compile(r"(?P<count>[0-9]{1,3})(?P<cabin>[A-Z])")
_BAGS = re.compile(r"(?P<bags>[0-9]{1,3})B(?:/?(?P<weight>[0-9]{1,5})(?P<unit>[KL])?)?")
_MINORS = re.compile(r"(?P<count>[0-9]{1,3})(?P<kind>CHD|INF)")
_STARTS = re.compile(r"[A-Z0-9]{2}[A-Z]?[0-9]{1,4}[A-Z]?/[0-9]|[-.]|END|NIL$")


@dataclass(frozen=True, slots=True)
class SeatCount:
    count: int
    cabin_class: str


@dataclass(frozen=True, slots=True)
class Transfer:
    line_no: int  # where the transfer line is, for messages about it later
    onward: FlightDay
    destination: str
    seats: tuple[SeatCount, ...]
    bags: int | None
    names: tuple[PersonName, ...]  # empty, or one per seat (and per infant, if named)
    bag_weight: int | None = None
    bag_unit: str = "K"  # K kilograms, L pounds
    children: int = 0  # of the seats, children
    infants: int = 0  # without a seat

    @property
    def passengers(self) -> int:
        return sum(seat.count for seat in self.seats)


@dataclass(frozen=True, slots=True)
class Ptm:
    KIND: ClassVar[str] = "PTM"
    envelope: Envelope
    flight: Flight  # the inbound flight
    flight_day: DayMonth
    origin: str
    destination: str
    part: int
    last_part: bool  # ENDPTM rather than ENDPARTn
    transfers: tuple[Transfer, ...]
    flight_date: date | None = None  # flight_day resolved against the reference


def parse_ptm(text: str, reference: date | None = None) -> Ptm:
    return ptm_from_message(read_message(text, expect="PTM"), reference)


def ptm_from_message(message: Message, reference: date | None = None) -> Ptm:
    flight_line = first_body_line(message)
    tokens = flight_line.tokens
    if len(tokens) != 3:
        raise flight_line.error(N_("flight line must be FLIGHT/DDMMM ORIGINDEST PARTn,"
                                " like KQ116/15SEP NBOAMS PART1"))
    flight, flight_day = parse_flight_date(tokens[0], flight_line)
    if _ROUTE.fullmatch(tokens[1]) is None:
        raise flight_line.error(Phrase.of(
            N_("route %(tokens)s is not origin+destination like NBOAMS"),
            tokens=repr(tokens[1])))
    part = parse_part(tokens[2], flight_line)
    lines, last_part = split_end(message.body[1:], "PTM", part, flight_line)
    transfers = _transfers(lines, flight_line)
    flight_date = None
    if reference is not None:
        flight_date = resolved(flight_line, lambda: flight_day.resolve(reference))
    return Ptm(message.envelope, flight, flight_day, tokens[1][:3], tokens[1][3:], part,
               last_part, transfers, flight_date)


@dataclass
class _Draft:
    line: Line
    onward: FlightDay
    destination: str
    seats: tuple[SeatCount, ...]
    bags: int | None
    bag_weight: int | None = None
    bag_unit: str = "K"
    children: int = 0
    infants: int = 0
    tokens: list[tuple[str, Line]] = field(default_factory=list)

    def freeze(self) -> Transfer:
        seated = sum(seat.count for seat in self.seats)
        names = parse_name_groups(self.tokens, seated)
        if self.infants and len(names) != seated:
            names = parse_name_groups(self.tokens, seated + self.infants)
        transfer = Transfer(self.line.no, self.onward, self.destination, self.seats,
                            self.bags, names, self.bag_weight, self.bag_unit,
                            self.children, self.infants)
        if names and len(names) not in (seated, seated + self.infants):
            raise self.line.error(Phrase.of(
                N_("%(first)s for %(second)s"),
                first=plural(len(names), "name"),
                second=plural(transfer.passengers, "passenger")))
        return transfer


def _transfers(lines: tuple[Line, ...], flight_line: Line) -> tuple[Transfer, ...]:
    if not lines:
        raise flight_line.error(N_("PTM part has no transfer lines (write NIL if none)"))
    if lines[0].text == "NIL":
        if len(lines) > 1:
            raise lines[1].error(N_("text after NIL"))
        return ()
    drafts: list[_Draft] = []
    for line in unfold(lines, lambda text: _STARTS.match(text) is not None):
        if line.text.startswith("-"):
            if not drafts:
                raise line.error(N_("name continuation before any transfer line"))
            more = line.text[1:].strip()
            if not more:
                raise line.error(N_("empty name continuation"))
            drafts[-1].tokens.extend((token, line) for token in more.split(" "))
        elif line.text.startswith("."):
            raise line.error(N_("'.' starts a PNL element; PTM names continue on '-' lines"))
        else:
            drafts.append(_transfer_line(line))
    return tuple(draft.freeze() for draft in drafts)


def _transfer_line(line: Line) -> _Draft:
    tokens = line.tokens
    if len(tokens) < 3:
        raise line.error(N_("transfer line must be FLIGHT/DD DEST SEATS [BAGS] [NAMES],"
                         " like KL673/15 YYZ 4Y 6B OKELLO/GRACE/JOHN/MARY/PAUL"))
    onward = parse_flight_day(tokens[0], line, N_("onward flight"))
    destination = parse_station(tokens[1], line, N_("destination"))
    if _SEATS.fullmatch(tokens[2]) is None:
        raise line.error(Phrase.of(
            N_("seats %(tokens)s are not count+class like 4Y"),
            tokens=repr(tokens[2])))
    seats = tuple(SeatCount(int(m["count"]), m["cabin"]) for m in _SEAT.finditer(tokens[2]))
    if any(seat.count == 0 for seat in seats):
        raise line.error(Phrase.of(
            N_("seats %(tokens)s count a class with zero passengers"),
            tokens=repr(tokens[2])))
    at = 3
    draft = _Draft(line, onward, destination, seats, None)
    seen: set[str] = set()
    while at < len(tokens) and (m := _MINORS.fullmatch(tokens[at])):
        if m["kind"] in seen:
            raise line.error(Phrase.of(
                N_("second %(kind)s count on one transfer line"),
                kind=str(m['kind'])))
        seen.add(m["kind"])
        if m["kind"] == "CHD":
            draft.children = int(m["count"])
        else:
            draft.infants = int(m["count"])
        at += 1
    if draft.children > sum(seat.count for seat in seats):
        raise line.error(Phrase.of(
            N_("%(children)s children but %(tokens)s seats"),
            children=str(draft.children), tokens=str(tokens[2])))
    if at < len(tokens) and (m := _BAGS.fullmatch(tokens[at])):
        draft.bags = int(m["bags"])
        draft.bag_weight = int(m["weight"]) if m["weight"] else None
        draft.bag_unit = m["unit"] or "K"
        at += 1
    draft.tokens.extend((token, line) for token in tokens[at:])
    return draft
