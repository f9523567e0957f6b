"""PNL (passenger name list) and ADL (its additions and deletions).

Accepted shape::

    PNL
    KL1234/15SEP AMS PART1                flight/date, boarding station, part
    RBD C/CJD Y/YBM                       optional header blocks kept in ``header``:
    AVAIL                                 RBD, CFG, AVAIL and its availability lines
    AMS TIA C012 Y138                     (AMS TIA C012 Y138)
    -TIA012Y PAD001                       destination, booked, class[, suffixes]
    1OKELLO/GRACE MRS .L/ABC123           count + SURNAME/GIVEN[ TITLE]..., elements
    .R/WCHC HK1 NEEDS AISLE CHAIR         elements may also stand on their own lines
    .RN/ AT THE DOOR                      continues the .R/ before it, text as sent
    3OKELLO/JOHN/MARY/PAUL-A3KENYAGRP     three passengers; group code, size, name
    .I/KQ116Y15NBO .O/KL673Y15YYZ         inbound and onward connections
    1ИВАНОВА/МАРИЯ MS                     any script passes through
    ENDPNL                                or ENDPART1 when more parts follow

An ADL has the same lines plus section lines ``ADD``, ``DEL`` and ``CHG``; every
name belongs to the latest section and the latest destination line, whichever
order they come in (``ADD`` then ``-TIA12Y``, or ``-TIA12Y`` then ``ADD``).  It ends
with ``ENDADL`` or ``ENDPARTn``.

Name element: a count (1-999) that must equal the number of given names, the names
(see ``names.py``), an optional group suffix ``-<letter><size><name>`` attached or
after a space, then elements.  Elements start with ``.CODE/`` and run to the next
element or the end of the line; they may follow the names on the same line or stand
on the lines below, and always belong to the name element above them:

* ``.L/ABC123``            booking locator; a second and further ``.L/`` (the
                           reservation system's, ``.L/7HHKQ2/1A``) are kept in
                           ``locators``; ``locator`` is the first (the carrier's)
* ``.R/CODE free text``    SSR remark: 4-letter code, then the text as sent;
                           ``.R/INFT HK1 02FEB26 MENSAH/KOFI`` is an infant on the
                           name's lap (``infants``: name, birth date), ``.R/CHLD HK1
                           05MAY18`` gives a child's birth date (``child_birth``)
* ``.RN/...``              continues the previous remark, joined without a separator
                           because Type B cuts long lines mid-word
* ``.I/KQ116Y15NBO``       inbound: flight, class, day, boarding station (or 2)
* ``.O/KL673Y15YYZ``       onward (``.O2/``... for further legs): flight, class, day,
                           destination (or boarding+destination), optional HHMM
                           departure and status (``...YYZ1410HK``)
* every other element of the standard (``.A/ .C/ .E/ .F/ .ID/ .M/ .N/ .P/ .S/ .U/
  .W/ .WL/ .X/``) is kept verbatim in ``other``; an unknown identifier is refused

Birth dates are ``DDMMMYY``; the two-digit year is read as 20YY (infants and the
children this console records were born this century).  A name followed by ``CHD``
is a child.  E-mail folding (a line of 69+ characters and its rest on the next line,
see ``telex_common.unfold``) is joined back.

Destination lines state the booked total for that destination and class; names of a
multi-part list are spread over parts, so the totals are reported, not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import ClassVar, Literal, TypeVar

from movements.domain.phrases import N_, Phrase
from movements.ingest.names import PersonName, parse_names
from movements.ingest.telex_common import (
    FLIGHT_PATTERN,
    MONTHS,
    DayMonth,
    Envelope,
    Flight,
    Line,
    Message,
    first_body_line,
    parse_day,
    parse_flight,
    parse_station_flight_line,
    plural,
    read_message,
    resolved,
    split_end,
    unfold,
)

Action = Literal["ADD", "DEL", "CHG"]
_ACTIONS: dict[str, Action] = {"ADD": "ADD", "DEL": "DEL", "CHG": "CHG"}

_DESTINATION = re.compile(r"-(?P<dest>[A-Z]{3})(?P<count>[0-9]{1,3})(?P<cabin>[A-Z])"
                          r"(?P<suffixes>(?: [A-Z]{1,4}[0-9]{1,3})*)")
_NAME_LINE = re.compile(r"(?P<count>[0-9]{1,3})(?P<rest>[^0-9].*)")
#: Element identifiers of the PNL/ADL standard; the longer ones first.
ELEMENT_CODES = ("RN", "ID", "WL", "O[2-9]", "A", "C", "E", "F", "I", "L", "M", "N", "O",
                 "P", "R", "S", "U", "W", "X")
_ELEMENT = re.compile(rf"\.(?P<code>{'|'.join(ELEMENT_CODES)})/")
_HEADER_START = ("RBD ", "CFG/", "AVAIL")
_BIRTH = re.compile(r"(?P<day>[0-9]{2})(?P<month>[A-Z]{3})(?P<year>[0-9]{2})")
_STATUS = re.compile(r"[A-Z]{2}[0-9]{1,3}")
_GROUP = re.compile(r"-(?P<code>[A-Z])(?P<size>[0-9]{1,3})(?P<name>[A-Z0-9]*)$")
_LOCATOR = re.compile(r"(?P<locator>[A-Z0-9]{5,8})(?:/[A-Z0-9]{2,3})?")
_REMARK = re.compile(r"(?P<code>[A-Z]{4})(?: (?P<text>.*)|(?P<tied>-[0-9].*))?")
# "-1OKELLO/GRACE" at the end of a remark: the passenger of the element it is for.
_ASSOCIATION = re.compile(r"\s*-(?P<count>[0-9]{1,3})(?P<name>[^0-9\s/][^/]*/[^/]*)$")
_CONNECTION = re.compile(
    rf"(?P<flight>{FLIGHT_PATTERN})(?P<cabin>[A-Z])(?P<day>[0-9]{{1,2}})"
    r"(?P<stations>[A-Z]{3}(?:[A-Z]{3})?)(?P<time>[0-9]{4})?(?P<status>[A-Z]{2}[0-9]{0,3})?"
)


@dataclass(frozen=True, slots=True)
class ClassTotal:
    """``-TIA12Y``: passengers booked to a destination in a class."""

    destination: str
    cabin_class: str
    count: int
    suffixes: tuple[str, ...] = ()  # PAD001, ID002...: kept as sent


@dataclass(frozen=True, slots=True)
class Infant:
    """``.R/INFT HK1 02FEB26 MENSAH/KOFI``: an infant travelling on the name's lap."""

    name: PersonName | None  # None: not given (the adult's surname applies)
    birth_date: date | None
    line_no: int
    on_lap_of: PersonName | None = None  # the element's passenger it travels with


@dataclass(frozen=True, slots=True)
class Group:
    """``-A3KENYAGRP``: group code letter, group size, group name."""

    code: str
    size: int
    name: str


@dataclass(frozen=True, slots=True)
class Remark:
    """``.R/UMNR HK1 AGE 08``: SSR code and the rest of the text as sent.

    A remark ending in a name association (``.R/WCHR HK1-1OKELLO/GRACE``) is for that
    passenger of the name element only: ``for_name`` is that passenger (one of the
    element's names) and ``text`` stops before the association."""

    code: str
    text: str
    for_name: PersonName | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """``.I/KQ116Y15NBO`` or ``.O/KL673Y15YYZ``.

    With one station, an inbound connection gives where the inbound flight boarded
    (``board``) and an onward one where it goes (``off``); with two, both are given.
    """

    flight: Flight
    cabin_class: str
    day: int
    board: str | None
    off: str | None
    departure_time: time | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Element:
    """An element kept verbatim (``.C/``, ``.W/``, ``.N/``)."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class NameEntry:
    """One name element with everything that belongs to it."""

    line_no: int
    action: Action | None  # ADD/DEL/CHG in an ADL, None in a PNL
    destination: str
    cabin_class: str
    names: tuple[PersonName, ...]  # one per passenger
    group: Group | None = None
    locators: tuple[str, ...] = ()  # .L/ in the order sent
    remarks: tuple[Remark, ...] = ()
    inbound: Connection | None = None
    onward: tuple[Connection, ...] = ()  # .O/ then .O2/, .O3/... in the order sent
    other: tuple[Element, ...] = ()
    infants: tuple[Infant, ...] = ()  # from .R/INFT, one per remark
    child_birth: date | None = None  # from .R/CHLD

    @property
    def locator(self) -> str | None:
        return self.locators[0] if self.locators else None


@dataclass(frozen=True, slots=True)
class NameList:
    """What a PNL and an ADL share; use ``Pnl`` and ``Adl`` to tell them apart."""

    KIND: ClassVar[str]
    envelope: Envelope
    flight: Flight
    flight_day: DayMonth
    station: str  # boarding station
    part: int
    last_part: bool  # ENDPNL/ENDADL rather than ENDPARTn
    totals: tuple[ClassTotal, ...]
    entries: tuple[NameEntry, ...]
    flight_date: date | None = None  # flight_day resolved against the reference
    header: tuple[str, ...] = ()  # RBD, CFG, AVAIL blocks as sent


@dataclass(frozen=True, slots=True)
class Pnl(NameList):
    KIND: ClassVar[str] = "PNL"


@dataclass(frozen=True, slots=True)
class Adl(NameList):
    KIND: ClassVar[str] = "ADL"


def parse_pnl(text: str, reference: date | None = None) -> Pnl:
    return pnl_from_message(read_message(text, expect="PNL"), reference)


def parse_adl(text: str, reference: date | None = None) -> Adl:
    return adl_from_message(read_message(text, expect="ADL"), reference)


_List = TypeVar("_List", Pnl, Adl)


def pnl_from_message(message: Message, reference: date | None = None) -> Pnl:
    return _name_list(message, Pnl, reference)


def adl_from_message(message: Message, reference: date | None = None) -> Adl:
    return _name_list(message, Adl, reference)


def _name_list(message: Message, result: type[_List], reference: date | None) -> _List:
    kind = result.KIND
    flight_line = first_body_line(message)
    flight, flight_day, station, part = parse_station_flight_line(flight_line)
    lines, last_part = split_end(message.body[1:], kind, part, flight_line)
    lines = unfold(lines, _can_start)
    # Header blocks (booking classes, configuration, availability) may follow the flight
    # line; they say nothing the team uses: kept as sent, rejected anywhere else.
    start = 0
    header: list[str] = []
    if lines and lines[0].text.startswith(_HEADER_START):
        while start < len(lines) and not lines[start].text.startswith("-") and \
                _ACTIONS.get(lines[start].text) is None:
            header.append(lines[start].text)
            start += 1
    reader = _Reader(kind)
    for line in lines[start:]:
        reader.read(line)
    if not reader.totals:
        raise (lines[-1] if lines else flight_line).error(
            Phrase.of(N_('%(kind)s has no destination line like -TIA12Y'), kind=str(kind)))
    flight_date = None
    if reference is not None:
        flight_date = resolved(flight_line, lambda: flight_day.resolve(reference))
    return result(envelope=message.envelope, flight=flight, flight_day=flight_day,
                  station=station, part=part, last_part=last_part,
                  totals=tuple(reader.totals),
                  entries=tuple(draft.freeze() for draft in reader.drafts),
                  flight_date=flight_date, header=tuple(header))


def _can_start(text: str) -> bool:
    return text[:1] in "-." or text[:1].isdigit() or text in _ACTIONS or \
        text.startswith(_HEADER_START)


@dataclass
class _Draft:
    line_no: int
    action: Action | None
    destination: str
    cabin_class: str
    names: tuple[PersonName, ...]
    group: Group | None
    locators: list[str] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    remark_lines: list[Line] = field(default_factory=list)
    inbound: Connection | None = None
    onward: list[Connection] = field(default_factory=list)
    other: list[Element] = field(default_factory=list)

    def freeze(self) -> NameEntry:
        pairs = [(_associate(r, line, self.names), line)
                 for r, line in zip(self.remarks, self.remark_lines, strict=True)]
        remarks = tuple(r for r, _ in pairs)
        infants = []
        for r, line in pairs:
            if r.code != "INFT":
                continue
            adult = r.for_name or (self.names[0] if len(self.names) == 1 else None)
            if adult is None:
                # With several names and no association, whose lap is not said.
                raise line.error(N_("INFT on a name element of several passengers without"
                                 " -1SURNAME/GIVEN saying whose lap"))
            infants.append(replace(_infant(r.text, line), on_lap_of=adult))
        child = [_birth_date(r.text, line) for r, line in pairs if r.code == "CHLD"]
        return NameEntry(self.line_no, self.action, self.destination, self.cabin_class,
                         self.names, self.group, tuple(self.locators), remarks,
                         self.inbound, tuple(self.onward), tuple(self.other),
                         tuple(infants), next((c for c in child if c is not None), None))

    def add(self, code: str, body: str, line: Line) -> None:
        if code == "RN":
            # Type B wraps at a fixed width, often mid-word: join exactly as sent.
            if not body.strip():
                raise line.error(N_("empty .RN/ element"))
            if not self.remarks:
                raise line.error(N_(".RN/ must continue an .R/ remark of the same name"))
            last = self.remarks[-1]
            self.remarks[-1] = Remark(last.code, last.text + body.rstrip())
            return
        body = body.strip()
        if not body:
            raise line.error(Phrase.of(N_('empty .%(code)s/ element'), code=str(code)))
        if code == "L":
            m = _LOCATOR.fullmatch(body)
            if m is None:
                raise line.error(Phrase.of(
                    N_("booking locator %(body)s is not 5-8 letters and digits"),
                    body=repr(body)))
            if m["locator"] not in self.locators:
                self.locators.append(m["locator"])
        elif code == "R":
            m = _REMARK.fullmatch(body)
            if m is None:
                raise line.error(Phrase.of(
                    N_("remark %(body)s does not start with a 4-letter SSR code"),
                    body=repr(body)))
            self.remarks.append(Remark(m["code"], m["text"] or m["tied"] or ""))
            self.remark_lines.append(line)
        elif code == "I":
            if self.inbound is not None:
                raise line.error(N_("second .I/ inbound connection for one name element"))
            self.inbound = _connection(body, line, inbound=True)
        elif code.startswith("O"):
            self.onward.append(_connection(body, line, inbound=False))
        else:
            self.other.append(Element(code, body))


class _Reader:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.totals: list[ClassTotal] = []
        self.drafts: list[_Draft] = []
        self.action: Action | None = None
        self.current: _Draft | None = None  # the name element elements attach to

    def read(self, line: Line) -> None:
        text = line.text
        if (action := _ACTIONS.get(text)) is not None:
            if self.kind != "ADL":
                raise line.error(Phrase.of(
                    N_("%(text)s sections belong in an ADL, not a %(kind)s"),
                    text=str(text), kind=str(self.kind)))
            self.action = action
            self.current = None
        elif text.startswith("-"):
            m = _DESTINATION.fullmatch(text)
            if m is None:
                raise line.error(N_("destination line must be -DESTcountCLASS, like -TIA12Y,"
                                 " optionally followed by suffixes like PAD001"))
            self.totals.append(ClassTotal(m["dest"], m["cabin"], int(m["count"]),
                                          tuple(m["suffixes"].split())))
            self.current = None
        elif text.startswith("."):
            if self.current is None:
                raise line.error(N_("element line with no name element above it"))
            if _ELEMENT.match(text) is None:
                raise line.error(Phrase.of(
                    N_("unknown element (expected one of %(elements)s)"),
                    elements="." + "/ .".join(c.replace("[2-9]", "2") for c in ELEMENT_CODES)
                    + "/"))
            for code, body in _elements(text):
                self.current.add(code, body, line)
        elif m := _NAME_LINE.fullmatch(text):
            self.current = self._name(line, int(m["count"]), m["rest"])
            self.drafts.append(self.current)
        else:
            raise line.error(Phrase.of(
                N_("expected a destination line (-TIA12Y), a name (1SURNAME/GIVEN), an element "
                   "(.L/ .R/ ...) or END%(kind)s"),
                kind=str(self.kind)))

    def _name(self, line: Line, count: int, rest: str) -> _Draft:
        if not self.totals:
            raise line.error(N_("name before any destination line like -TIA12Y"))
        if self.kind == "ADL" and self.action is None:
            raise line.error(N_("name before any ADD, DEL or CHG section line"))
        found = _ELEMENT.search(rest)
        segment = rest[: found.start()] if found else rest
        elements = _elements(rest[found.start():]) if found else []
        group = None
        if g := _GROUP.search(segment.rstrip()):
            group = Group(g["code"], int(g["size"]), g["name"])
            if group.size == 0:
                raise line.error(N_("group size is zero"))
            segment = segment.rstrip()[: g.start()]
        names = parse_names(segment.strip(), line)
        if count != len(names):
            raise line.error(Phrase.of(
                N_("name count %(count)s but %(first)s"),
                count=str(count), first=plural(len(names), 'given name')))
        last = self.totals[-1]
        draft = _Draft(line.no, self.action, last.destination, last.cabin_class, names,
                       group)
        for code, body in elements:
            draft.add(code, body, line)
        return draft


def _elements(text: str) -> list[tuple[str, str]]:
    """``.L/ABC123 .R/WCHC`` -> [("L", "ABC123 "), ("R", "WCHC")]; text starts at one."""
    found = list(_ELEMENT.finditer(text))
    ends = [m.start() for m in found[1:]] + [len(text)]
    return [(m["code"], text[m.end():end]) for m, end in zip(found, ends, strict=True)]


def _connection(body: str, line: Line, inbound: bool) -> Connection:
    m = _CONNECTION.fullmatch(body)
    if m is None:
        raise line.error(Phrase.of(
            N_("connection %(body)s is not FLIGHT CLASS DAY STATION, like KL673Y15YYZ"),
            body=repr(body)))
    flight = parse_flight(m["flight"], line, N_("connecting flight"))
    day = parse_day(m["day"], line, N_("connection day"))
    stations = m["stations"]
    if len(stations) == 6:
        board, off = stations[:3], stations[3:]
    elif inbound:
        board, off = stations, None
    else:
        board, off = None, stations
    departure = None
    if m["time"] is not None:
        hour, minute = int(m["time"][:2]), int(m["time"][2:])
        if hour > 23 or minute > 59:
            raise line.error(Phrase.of(
                N_("connection time %(time)s is not HHMM"),
                time=str(m['time'])))
        departure = time(hour, minute)
    return Connection(flight, m["cabin"], day, board, off, departure, m["status"])


def _birth_date(text: str, line: Line) -> date | None:
    """The DDMMMYY birth date in an INFT or CHLD remark, if there is one."""
    for token in text.split():
        m = _BIRTH.fullmatch(token)
        if m is None:
            continue
        if m["month"] not in MONTHS:
            raise line.error(Phrase.of(
                N_("birth date %(token)s is not DDMMMYY"),
                token=repr(token)))
        try:
            return date(2000 + int(m["year"]), MONTHS[m["month"]], int(m["day"]))
        except ValueError:
            raise line.error(Phrase.of(
                N_("birth date %(token)s is not a date"),
                token=repr(token))) from None
    return None


def _squash(text: str | None) -> str:
    return "".join((text or "").split())


def same_person(a: PersonName, b: PersonName) -> bool:
    """The same passenger, however the title was written (GRACE MRS, GRACEMRS)."""
    if _squash(a.surname) != _squash(b.surname):
        return False
    given_a = {_squash(a.given_name), _squash((a.given_name or "") + (a.title or ""))}
    given_b = {_squash(b.given_name), _squash((b.given_name or "") + (b.title or ""))}
    return bool(given_a & given_b)


def _associate(remark: Remark, line: Line, names: tuple[PersonName, ...]) -> Remark:
    """Split a trailing ``-1SURNAME/GIVEN`` off the remark and tie it to that passenger."""
    m = _ASSOCIATION.search(remark.text)
    if m is None:
        return remark
    who = parse_names(m["name"].strip(), line)
    match = next((n for n in names if same_person(n, who[0])), None) \
        if len(who) == 1 else None
    if match is None:
        raise line.error(Phrase.of(
            N_(".R/%(code)s is for %(name)s, who is not a passenger of this name element"),
            code=str(remark.code), name=str(m["name"].strip())))
    return Remark(remark.code, remark.text[:m.start()].strip(), match)


def birth_date_in(text: str) -> date | None:
    """The first valid DDMMMYY date in free text (a PSM's ``FT``), else None."""
    for token in text.split():
        m = _BIRTH.fullmatch(token)
        if m is not None and m["month"] in MONTHS:
            try:
                return date(2000 + int(m["year"]), MONTHS[m["month"]], int(m["day"]))
            except ValueError:
                continue
    return None


def _infant(text: str, line: Line) -> Infant:
    """``HK1 02FEB26 MENSAH/KOFI`` (status, birth date, name in any order after the
    status; each optional) -> Infant."""
    words = text.split()
    if words and _STATUS.fullmatch(words[0]):
        words = words[1:]
    birth = _birth_date(" ".join(words), line)
    rest = [w for w in words if _BIRTH.fullmatch(w) is None]
    name = None
    if rest:
        named = parse_names(" ".join(rest), line) if "/" in " ".join(rest) else None
        if named is None or len(named) != 1:
            raise line.error(Phrase.of(
                N_("INFT %(text)s: expected one infant as SURNAME/GIVEN and a DDMMMYY birth date"),
                text=repr(text)))
        name = named[0]
    return Infant(name, birth, line.no)
