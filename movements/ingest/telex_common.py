"""What every Type B parser shares: lines, the SITA envelope, flights, dates, parts.

Telexes reach the console through e-mail gateways, SITA printers and copy-paste, so
the *layout* is read tolerantly: lines break on CRLF, CR or LF alike, a leading BOM
and the SOH/STX/ETX bytes of a SITA frame are dropped, blank lines are skipped, and
surrounding or repeated whitespace counts as one space.  The *content* is read
strictly: every token must have its documented shape, or the parser raises
``TelexError`` naming the line.  Telexes are upper case, so lower-case structure
(``mvt``, ``15sep``) is rejected rather than guessed at; names pass through as sent.

Envelope lines allowed before the message identifier (all optional), as SITA, ARINC
and the e-mail gateways write them::

    =HEADER / =PRIORITY / =DESTINATION TYPE B / =ORIGIN / =MSGID / =SMI / =TEXT
                              a gateway's envelope: "=" section lines, each followed
                              by its values ("STX,AMSKLXH"), up to "=TEXT"
    QU                        a priority code alone, or before the addresses
    QU AMSKLXH AMSOPXH        7-character addresses (several lines may follow)
    .NBOKQXH 150830 AB12/001  originator, then optionally DDHHMM and the sender's
                              message identity (kept verbatim)
    PDM                       possible duplicate message (may also follow the type)
    COR                       a corrected repeat of an earlier message (may also
                              follow the type: ``MVT COR``)
    MVT                       the identifier: MVT, PTM, PNL, ADL or PSM

The message ends at its last line, at a line ``NNNN`` (teleprinter end of message)
or at a line ``=`` (the end some gateways append); blank lines after that are ignored
and anything else there is refused.  E-mail gateways fold a Type B line longer than
69 characters: ``unfold`` joins a line the type cannot start with the long line above
it (see each parser).

Dates in telexes carry no year (``15SEP``) or no month (``/15``); ``resolve_day`` and
``resolve_day_month`` pick the calendar date nearest a reference date, which is how a
person reading the telex on the day would understand it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime
from typing import TypeVar

from movements.domain.phrases import N_, Phrase
from movements.ingest.errors import TelexError

KINDS = ("MVT", "PTM", "PNL", "ADL", "PSM")
MONTHS = {name: no for no, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    start=1)}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SITA_FRAMING = str.maketrans("", "", "\x01\x02\x03")
_ADDRESS_LINE = re.compile(r"(?:(?P<priority>Q[A-Z]) )?(?P<addresses>[A-Z0-9]{7}(?: [A-Z0-9]{7})*)")
_ORIGIN_LINE = re.compile(
    r"\.(?P<origin>[A-Z0-9]{7})(?: (?P<stamp>[0-9]{6}))?(?: (?P<ident>\S.*))?")
# Airline designator (2 characters, or 3 letters for ICAO), 1-4 digits, optional suffix.
FLIGHT_PATTERN = r"[A-Z0-9]{2}[A-Z]?[0-9]{1,4}[A-Z]?"
_FLIGHT = re.compile(r"(?P<carrier>[A-Z0-9]{2}[A-Z]?)(?P<number>[0-9]{1,4})(?P<suffix>[A-Z]?)")
_DAY = re.compile(r"[0-9]{1,2}")
_DAY_MONTH = re.compile(r"(?P<day>[0-9]{1,2})(?P<month>[A-Z]{3})")
_STATION = re.compile(r"[A-Z]{3}")
_PART = re.compile(r"PART(?P<part>[0-9]{1,3})")
_END = re.compile(r"END(?:PART(?P<part>[0-9]{1,3})|(?P<kind>[A-Z]{3}))")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the received text. ``raw`` is shown in errors; ``text`` is parsed."""

    no: int
    raw: str
    text: str
    indented: bool = False  # began with white space (a folded line's rest, see unfold)

    def error(self, reason: str | Phrase) -> TelexError:
        """The error of this line; ``reason`` a phrase or a msgid (marked ``N_``)."""
        return TelexError(self.no, self.raw, reason)

    @property
    def tokens(self) -> list[str]:
        return self.text.split(" ") if self.text else []


def split_lines(text: str) -> list[Line]:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = []
    for no, raw in enumerate(_LINE_BREAK.split(text), start=1):
        unframed = raw.translate(_SITA_FRAMING)
        cleaned = unframed.strip()
        indented = bool(cleaned) and unframed[:1].isspace()
        lines.append(Line(no, cleaned, " ".join(cleaned.split()), indented))
    return lines


@dataclass(frozen=True, slots=True)
class Envelope:
    """The Type B envelope and message-level indicators, when the telex came with them.

    ``possible_duplicate`` (PDM) and ``correction`` (COR) change how the message is
    applied; ``message_id`` (the originator's message identity) and ``extra`` (a
    gateway's ``=`` sections other than priority, destination, origin and message id)
    are kept verbatim and not used.
    """

    priority: str | None = None
    addresses: tuple[str, ...] = ()
    origin: str | None = None
    origin_time: str | None = None  # DDHHMM as sent, checked to be a valid time
    message_id: str | None = None
    possible_duplicate: bool = False
    correction: bool = False
    extra: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    envelope: Envelope
    identifier: Line
    body: tuple[Line, ...]  # the non-blank lines after the identifier

    @property
    def kind(self) -> str:
        return self.identifier.tokens[0]


_PRIORITY = re.compile(r"Q[A-Z]")
_INDICATORS = ("COR", "PDM")
_END_OF_MESSAGE = ("NNNN", "=")


class _EnvelopeReader:
    def __init__(self) -> None:
        self.priority: str | None = None
        self.addresses: list[str] = []
        self.origin: str | None = None
        self.origin_time: str | None = None
        self.message_id: str | None = None
        self.pdm = False
        self.cor = False
        self.extra: list[str] = []
        self.section: str | None = None  # inside a gateway's "=" section

    def envelope(self) -> Envelope:
        return Envelope(self.priority, tuple(self.addresses), self.origin, self.origin_time,
                        self.message_id, self.pdm, self.cor, tuple(self.extra))

    def set_priority(self, code: str, line: Line) -> None:
        if self.priority is not None and self.priority != code:
            raise line.error(N_("second priority code in the envelope"))
        self.priority = code

    def set_origin(self, origin: str, stamp: str | None, ident: str | None,
                   line: Line) -> None:
        if stamp is not None and not _valid_ddhhmm(stamp):
            raise line.error(N_("origin time is not DDHHMM"))
        self.origin, self.origin_time = origin, stamp
        self.message_id = ident or self.message_id

    def gateway(self, line: Line) -> None:
        """A line of a gateway envelope (``=PRIORITY`` then ``QU``...)."""
        text = line.text
        if text.startswith("="):
            self.section = text[1:].strip()
            if self.section == "TEXT":
                self.section = None
            return
        section = self.section or ""
        if section == "PRIORITY" and _PRIORITY.fullmatch(text):
            self.set_priority(text, line)
        elif section.startswith("DESTINATION"):
            self.addresses.extend(a.rpartition(",")[2] for a in text.split(" "))
        elif section == "ORIGIN" and re.fullmatch(r"[A-Z0-9]{7}", text):
            self.origin = text
        elif section == "MSGID":
            self.message_id = text
        else:
            self.extra.append(f"{section}: {text}")

    def read(self, line: Line) -> bool:
        """Take an envelope line; False when the line is not one."""
        text = line.text
        if text.startswith("=") and text != "=":
            self.gateway(line)
            return True
        if self.section is not None:
            self.gateway(line)
            return True
        if text in _INDICATORS:
            self.pdm = self.pdm or text == "PDM"
            self.cor = self.cor or text == "COR"
            return True
        if _PRIORITY.fullmatch(text):
            self.set_priority(text, line)
            return True
        if self.origin is None and (m := _ORIGIN_LINE.fullmatch(text)):
            self.set_origin(m["origin"], m["stamp"], m["ident"], line)
            return True
        if self.origin is None and (m := _ADDRESS_LINE.fullmatch(text)):
            if m["priority"] is not None:
                self.set_priority(m["priority"], line)
            self.addresses.extend(m["addresses"].split(" "))
            return True
        return False


def read_message(text: object, expect: str | None = None) -> Message:
    """Skip the envelope, find the identifier; ``expect`` pins the telex type."""
    if not isinstance(text, str):
        # One error type for every rejection, even a caller handing over bytes.
        raise TelexError(1, "", Phrase.of(
            N_("a telex must be text (str), not %(name)s"),
            name=str(type(text).__name__)))
    lines = split_lines(text)
    reader = _EnvelopeReader()
    last: Line | None = None
    for index, line in enumerate(lines):
        if not line.text:
            continue
        last = line
        kind, *indicators = line.tokens
        if reader.section is None and kind in KINDS and \
                all(i in _INDICATORS for i in indicators) and len(indicators) <= 2:
            if expect is not None and kind != expect:
                raise line.error(Phrase.of(
                    N_("this telex is %(kind)s, expected %(expect)s"),
                    kind=str(kind), expect=str(expect)))
            for indicator in indicators:
                reader.read(Line(line.no, indicator, indicator))
            body = _body(lines[index + 1:])
            return Message(reader.envelope(), line, body)
        if not reader.read(line):
            raise line.error(N_("expected a message identifier (MVT, PTM, PNL, ADL or PSM)"
                             " or a Type B envelope line (priority, address, originator,"
                             " PDM, COR)"))
    if last is None:
        raise TelexError(1, lines[0].raw, N_("empty telex"))
    raise last.error(N_("no message identifier (MVT, PTM, PNL, ADL or PSM) in the telex"))


def _body(lines: list[Line]) -> tuple[Line, ...]:
    """The non-blank lines up to an end-of-message line (NNNN or =)."""
    body: list[Line] = []
    for index, line in enumerate(lines):
        if line.text in _END_OF_MESSAGE:
            after = next((rest for rest in lines[index + 1:] if rest.text), None)
            if after is not None:
                raise after.error(Phrase.of(
                    N_("text after the end of the message (%(text)s)"),
                    text=str(line.text)))
            break
        if line.text:
            body.append(line)
    return tuple(body)


def unfold(lines: tuple[Line, ...], can_start: Callable[[str], bool]) -> tuple[Line, ...]:
    """Join the pieces an e-mail gateway folded off lines longer than 69 characters.

    A line the message type cannot start (``can_start`` is False), directly after a
    line of 69 characters or more, is the rest of that line: joined with a space when
    it was folded at a space (the piece arrived indented), else directly (cut at the
    69th character).  Errors keep pointing at the first line of the joined text.
    """
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and len(prev.raw) >= FOLD_WIDTH and not can_start(line.text):
            sep = " " if line.indented else ""
            raw = prev.raw + sep + line.raw
            out[-1] = Line(prev.no, raw, " ".join(raw.split()), prev.indented)
            continue
        out.append(line)
    return tuple(out)


FOLD_WIDTH = 69


def _valid_ddhhmm(stamp: str) -> bool:
    day, hour, minute = int(stamp[:2]), int(stamp[2:4]), int(stamp[4:])
    return 1 <= day <= 31 and hour < 24 and minute < 60


@dataclass(frozen=True, slots=True)
class Flight:
    """A flight designator. ``str()`` drops leading zeros so KL0673 == KL673."""

    carrier: str
    number: int
    suffix: str = ""

    def __str__(self) -> str:
        return f"{self.carrier}{self.number}{self.suffix}"


@dataclass(frozen=True, slots=True)
class FlightDay:
    """A flight on a day of month, as in ``KL673/15``."""

    flight: Flight
    day: int


@dataclass(frozen=True, slots=True)
class DayMonth:
    """A date without a year, as in ``15SEP``; always a real day (29FEB allowed)."""

    day: int
    month: int

    def resolve(self, reference: date) -> date:
        return resolve_day_month(self.day, self.month, reference)


def parse_flight(token: str, line: Line, what: str | Phrase = "flight") -> Flight:
    m = _FLIGHT.fullmatch(token)
    # An all-digit "carrier" would make 123456 a flight; designators have a letter.
    if m is None or m["carrier"].isdecimal():
        raise line.error(Phrase.of(
            N_("%(what)s %(token)s is not a flight designator like KL1234"),
            what=said(what), token=repr(token)))
    return Flight(m["carrier"], int(m["number"]), m["suffix"])


def parse_day(token: str, line: Line, what: str | Phrase) -> int:
    if _DAY.fullmatch(token) is None or not 1 <= int(token) <= 31:
        raise line.error(Phrase.of(
            N_("%(what)s %(token)s is not a day of month 01-31"),
            what=said(what), token=repr(token)))
    return int(token)


def parse_flight_day(token: str, line: Line, what: str | Phrase) -> FlightDay:
    """``KL673/15``."""
    flight, slash, day = token.partition("/")
    if not slash:
        raise line.error(Phrase.of(
            N_("%(what)s %(token)s is not FLIGHT/DD like KL673/15"),
            what=said(what), token=repr(token)))
    day_of = Phrase.of(N_("%(what)s day"), what=said(what))
    return FlightDay(parse_flight(flight, line, what), parse_day(day, line, day_of))


def parse_flight_date(token: str, line: Line) -> tuple[Flight, DayMonth]:
    """``KL1234/15SEP``."""
    flight, slash, when = token.partition("/")
    m = _DAY_MONTH.fullmatch(when)
    if not slash or m is None or m["month"] not in MONTHS:
        raise line.error(Phrase.of(
            N_("%(token)s is not FLIGHT/DDMMM like KL1234/15SEP"),
            token=repr(token)))
    day, month = int(m["day"]), MONTHS[m["month"]]
    # 2000 is a leap year: 29FEB is a date, 30FEB is not.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise line.error(Phrase.of(N_('%(when)s is not a date'), when=repr(when)))
    return parse_flight(flight, line), DayMonth(day, month)


def parse_station(token: str, line: Line, what: str | Phrase = "station") -> str:
    if _STATION.fullmatch(token) is None:
        raise line.error(Phrase.of(
            N_("%(what)s %(token)s is not a 3-letter airport code"),
            what=said(what), token=repr(token)))
    return token


def parse_part(token: str, line: Line) -> int:
    m = _PART.fullmatch(token)
    if m is None or int(m["part"]) == 0:
        raise line.error(Phrase.of(
            N_("%(token)s is not a part number like PART1"),
            token=repr(token)))
    return int(m["part"])


def parse_station_flight_line(line: Line) -> tuple[Flight, DayMonth, str, int]:
    """``KL1234/15SEP AMS PART1``: the second line of a PNL, ADL and PSM."""
    tokens = line.tokens
    if len(tokens) != 3:
        raise line.error(N_("flight line must be FLIGHT/DDMMM STATION PARTn,"
                         " like KL1234/15SEP AMS PART1"))
    flight, day_month = parse_flight_date(tokens[0], line)
    return flight, day_month, parse_station(tokens[1], line), parse_part(tokens[2], line)


def first_body_line(message: Message) -> Line:
    if not message.body:
        raise message.identifier.error(Phrase.of(
            N_("%(kind)s has no flight line"),
            kind=str(message.kind)))
    return message.body[0]


def split_end(lines: tuple[Line, ...], kind: str, part: int,
              fallback: Line) -> tuple[tuple[Line, ...], bool]:
    """Cut the lines at ``END<kind>`` (the last part) or ``ENDPART<n>`` (more follow).

    The end line is mandatory: without it a telex cut short in transit would look
    complete and be applied half.
    """
    for index, line in enumerate(lines):
        m = _END.fullmatch(line.text)
        if m is None:
            continue
        if m["part"] is not None:
            if int(m["part"]) != part:
                raise line.error(Phrase.of(
                    N_("ENDPART%(end)s does not match PART%(part)s"),
                    end=str(int(m["part"])), part=str(part)))
            last_part = False
        elif m["kind"] == kind:
            last_part = True
        else:
            raise line.error(Phrase.of(
                N_("%(kind)s must end with END%(kind)s or ENDPART%(part)s"),
                kind=str(kind), part=str(part)))
        if index + 1 < len(lines):
            raise lines[index + 1].error(Phrase.of(N_('text after %(text)s'), text=str(line.text)))
        return lines[:index], last_part
    tail = lines[-1] if lines else fallback
    raise tail.error(Phrase.of(
        N_("telex ends without END%(kind)s or ENDPART%(part)s (cut short?)"),
        kind=str(kind), part=str(part)))


def said(what: str | Phrase) -> Phrase:
    """A field's name inside a parser's message (a msgid, marked ``N_`` where it is
    written), as a phrase so it is translated with the message."""
    return what if isinstance(what, Phrase) else Phrase(what)


# The default field names of parse_flight and parse_station, for extraction.
_DEFAULT_NAMES = (N_("flight"), N_("station"))

#: The counted nouns of the parsers' messages, singular and plural msgids.
_COUNTED = {
    "delay code": (N_("%(count)s delay code"), N_("%(count)s delay codes")),
    "duration": (N_("%(count)s duration"), N_("%(count)s durations")),
    "given name": (N_("%(count)s given name"), N_("%(count)s given names")),
    "name": (N_("%(count)s name"), N_("%(count)s names")),
    "seat": (N_("%(count)s seat"), N_("%(count)s seats")),
    "passenger": (N_("%(count)s passenger"), N_("%(count)s passengers")),
}


def plural(count: int, noun: str) -> Phrase:
    """``3 seats``: a count and a noun of ``_COUNTED`` as a phrase (translated where
    shown)."""
    one, many = _COUNTED[noun]
    return Phrase.of(one if count == 1 else many, count=count)


def resolve_day(day: int, reference: date) -> date:
    """The date with this day of month nearest ``reference`` (ties go to the earlier).

    Looks one month either side of the reference, skipping months too short for the
    day: ``31`` near 1 March 2025 is 31 January (31 February does not exist and
    31 March is further away).
    """
    if not 1 <= day <= 31:
        raise ValueError(f"day of month {day} is not 1-31")
    reference = _calendar_date(reference)
    candidates = []
    for shift in (-1, 0, 1):
        year, month0 = divmod(reference.year * 12 + reference.month - 1 + shift, 12)
        if MINYEAR <= year <= MAXYEAR and day <= calendar.monthrange(year, month0 + 1)[1]:
            candidates.append(date(year, month0 + 1, day))
    if not candidates:
        raise ValueError(f"no day {day} within a month of {reference.isoformat()}")
    return min(candidates, key=lambda d: (abs((d - reference).days), d))


def resolve_day_month(day: int, month: int, reference: date) -> date:
    """The date ``day``/``month`` nearest ``reference``, looking a year either side."""
    reference = _calendar_date(reference)
    candidates = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        if MINYEAR <= year <= MAXYEAR and 1 <= month <= 12 \
                and 1 <= day <= calendar.monthrange(year, month)[1]:
            candidates.append(date(year, month, day))
    if not candidates:
        raise ValueError(f"no date {day:02d}/{month:02d} within a year of {reference}")
    return min(candidates, key=lambda d: (abs((d - reference).days), d))


def _calendar_date(reference: date) -> date:
    if not isinstance(reference, date):
        raise TypeError(f"reference must be a date, not {type(reference).__name__}")
    # A datetime is a date too, but cannot be subtracted from one.
    return reference.date() if isinstance(reference, datetime) else reference


def resolved(line: Line, compute: Callable[[], T]) -> T:
    """Run a date resolution, turning an impossible reference into a TelexError."""
    try:
        return compute()
    except (ValueError, OverflowError) as exc:
        raise line.error(Phrase.of(
            N_("cannot place the date near the reference date: %(exc)s"),
            exc=str(exc))) from None
