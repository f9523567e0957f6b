"""What every Type B parser shares: lines, the SITA envelope, flights, dates, parts.

Telexes reach the console through e-mail gateways, SITA printers and copy-paste, so
the *layout* is read tolerantly: lines break on CRLF, CR or LF alike, a leading BOM
and the SOH/STX/ETX bytes of a SITA frame are dropped, blank lines are skipped, and
surrounding or repeated whitespace counts as one space.  The *content* is read
strictly: every token must have its documented shape, or the parser raises
``TelexError`` naming the line.  Telexes are upper case, so lower-case structure
(``mvt``, ``15sep``) is rejected rather than guessed at; names pass through as sent.

Envelope lines allowed before the message identifier (all optional)::

    QU AMSKLXH AMSOPXH        priority code and 7-character addresses (may repeat)
    .NBOKQXH 150830           origin address, then optionally DDHHMM and a message id
    MVT                       the identifier: MVT, PTM, PNL, ADL or PSM

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

from movements.ingest.errors import TelexError

KINDS = ("MVT", "PTM", "PNL", "ADL", "PSM")
MONTHS = {name: no for no, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    start=1)}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SITA_FRAMING = str.maketrans("", "", "\x01\x02\x03")
_ADDRESS_LINE = re.compile(r"(?:(?P<priority>Q[A-Z]) )?(?P<addresses>[A-Z0-9]{7}(?: [A-Z0-9]{7})*)")
_ORIGIN_LINE = re.compile(r"\.(?P<origin>[A-Z0-9]{7})(?: (?P<stamp>[0-9]{6}))?(?: .*)?")
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

    def error(self, reason: str) -> TelexError:
        return TelexError(self.no, self.raw, reason)

    @property
    def tokens(self) -> list[str]:
        return self.text.split(" ") if self.text else []


def split_lines(text: str) -> list[Line]:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = []
    for no, raw in enumerate(_LINE_BREAK.split(text), start=1):
        cleaned = raw.translate(_SITA_FRAMING).strip()
        lines.append(Line(no, cleaned, " ".join(cleaned.split())))
    return lines


@dataclass(frozen=True, slots=True)
class Envelope:
    """The SITA header lines, when the telex came with them."""

    priority: str | None = None
    addresses: tuple[str, ...] = ()
    origin: str | None = None
    origin_time: str | None = None  # DDHHMM as sent, checked to be a valid time


@dataclass(frozen=True, slots=True)
class Message:
    envelope: Envelope
    identifier: Line
    body: tuple[Line, ...]  # the non-blank lines after the identifier


def read_message(text: object, expect: str | None = None) -> Message:
    """Skip the envelope, find the identifier; ``expect`` pins the telex type."""
    if not isinstance(text, str):
        # One error type for every rejection, even a caller handing over bytes.
        raise TelexError(1, "", f"a telex must be text (str), not {type(text).__name__}")
    lines = split_lines(text)
    priority: str | None = None
    addresses: list[str] = []
    origin: str | None = None
    origin_time: str | None = None
    last: Line | None = None
    for index, line in enumerate(lines):
        if not line.text:
            continue
        last = line
        if line.text in KINDS:
            if expect is not None and line.text != expect:
                raise line.error(f"this telex is {line.text}, expected {expect}")
            envelope = Envelope(priority, tuple(addresses), origin, origin_time)
            body = tuple(rest for rest in lines[index + 1:] if rest.text)
            return Message(envelope, line, body)
        if origin is None and (m := _ORIGIN_LINE.fullmatch(line.text)):
            origin, origin_time = m["origin"], m["stamp"]
            if origin_time is not None and not _valid_ddhhmm(origin_time):
                raise line.error("origin time is not DDHHMM")
        elif origin is None and (m := _ADDRESS_LINE.fullmatch(line.text)):
            if m["priority"] is not None:
                if priority is not None:
                    raise line.error("second priority code in the envelope")
                priority = m["priority"]
            addresses.extend(m["addresses"].split(" "))
        else:
            raise line.error("expected a message identifier (MVT, PTM, PNL, ADL or PSM)"
                             " or a SITA address/origin line")
    if last is None:
        raise TelexError(1, lines[0].raw, "empty telex")
    raise last.error("no message identifier (MVT, PTM, PNL, ADL or PSM) in the telex")


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


def parse_flight(token: str, line: Line, what: str = "flight") -> Flight:
    m = _FLIGHT.fullmatch(token)
    # An all-digit "carrier" would make 123456 a flight; designators have a letter.
    if m is None or m["carrier"].isdecimal():
        raise line.error(f"{what} {token!r} is not a flight designator like KL1234")
    return Flight(m["carrier"], int(m["number"]), m["suffix"])


def parse_day(token: str, line: Line, what: str) -> int:
    if _DAY.fullmatch(token) is None or not 1 <= int(token) <= 31:
        raise line.error(f"{what} {token!r} is not a day of month 01-31")
    return int(token)


def parse_flight_day(token: str, line: Line, what: str) -> FlightDay:
    """``KL673/15``."""
    flight, slash, day = token.partition("/")
    if not slash:
        raise line.error(f"{what} {token!r} is not FLIGHT/DD like KL673/15")
    return FlightDay(parse_flight(flight, line, what), parse_day(day, line, f"{what} day"))


def parse_flight_date(token: str, line: Line) -> tuple[Flight, DayMonth]:
    """``KL1234/15SEP``."""
    flight, slash, when = token.partition("/")
    m = _DAY_MONTH.fullmatch(when)
    if not slash or m is None or m["month"] not in MONTHS:
        raise line.error(f"{token!r} is not FLIGHT/DDMMM like KL1234/15SEP")
    day, month = int(m["day"]), MONTHS[m["month"]]
    # 2000 is a leap year: 29FEB is a date, 30FEB is not.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise line.error(f"{when!r} is not a date")
    return parse_flight(flight, line), DayMonth(day, month)


def parse_station(token: str, line: Line, what: str = "station") -> str:
    if _STATION.fullmatch(token) is None:
        raise line.error(f"{what} {token!r} is not a 3-letter airport code")
    return token


def parse_part(token: str, line: Line) -> int:
    m = _PART.fullmatch(token)
    if m is None or int(m["part"]) == 0:
        raise line.error(f"{token!r} is not a part number like PART1")
    return int(m["part"])


def parse_station_flight_line(line: Line) -> tuple[Flight, DayMonth, str, int]:
    """``KL1234/15SEP AMS PART1``: the second line of a PNL, ADL and PSM."""
    tokens = line.tokens
    if len(tokens) != 3:
        raise line.error("flight line must be FLIGHT/DDMMM STATION PARTn,"
                         " like KL1234/15SEP AMS PART1")
    flight, day_month = parse_flight_date(tokens[0], line)
    return flight, day_month, parse_station(tokens[1], line), parse_part(tokens[2], line)


def first_body_line(message: Message) -> Line:
    if not message.body:
        raise message.identifier.error(f"{message.identifier.text} has no flight line")
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
                raise line.error(f"ENDPART{int(m['part'])} does not match PART{part}")
            last_part = False
        elif m["kind"] == kind:
            last_part = True
        else:
            raise line.error(f"{kind} must end with END{kind} or ENDPART{part}")
        if index + 1 < len(lines):
            raise lines[index + 1].error(f"text after {line.text}")
        return lines[:index], last_part
    tail = lines[-1] if lines else fallback
    raise tail.error(f"telex ends without END{kind} or ENDPART{part} (cut short?)")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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
        raise line.error(f"cannot place the date near the reference date: {exc}") from None
