"""MVT, aircraft movement message (a subset of IATA AHM 780).

Accepted shape: the flight line, then element lines, each kind at most once::

    MVT
    KL1234/15.PHBXA.AMS            flight/day of scheduled departure.registration.station
    AD151022/151035 EA1310 TIA     off-block[/airborne], [EO take-off,] [EA estimate]
    DL93/11/0030/0015              delay codes, then none or one HHMM duration per code
    PX123/4                        passengers on board[/of whom infants][/more figures]
    SI CREW CHANGE                 free text; every line after SI belongs to it
    AT GATE D7

The other element lines::

    AA152350/160005                touchdown[/on-block]
    ED151200                       estimated departure (may carry EA like AD)
    EA1310 TIA                     estimated arrival, when not on the AD or ED line

A space between the two-letter code and its data (``PX 123``) is tolerated.  The other
AHM 780 lines the console does not act on (``NI`` next information, ``EDL`` extended
delay, ``EB`` estimated on-block, ``FR`` forced return, ``RR`` return to ramp, ``DV``
diversion, ``TOB``, ``FLD``) are kept verbatim in ``other``; an unknown line is refused.

``MVT COR`` (or a ``COR`` line before ``MVT``) is a corrected repeat of an earlier MVT:
``correction`` is True and the caller replaces what the earlier message set.  ``PDM``
marks a possible duplicate (``envelope.possible_duplicate``).

Times are UTC, ``HHMM`` or ``DDHHMM``.  A ``HHMM`` time takes its day from the time
it follows (airborne follows off-block, on-block follows touchdown, EA follows the
airborne time, else off-block, else ED) and rolls over to the next day when it is
earlier than that time (``AA2350/0005``); a time that follows nothing belongs to the
flight's day.  So an arrival on the day after the flight's day must be sent as
``DDHHMM`` (``AA160130``): ``AA0130`` alone would be read as the flight's day.

``MvtTime`` keeps what the telex says (day of month, hour, minute, and whether an
implicit rollover happened); with a ``reference`` date the parser also resolves each
time to an aware UTC ``datetime``: the flight's day becomes the date nearest the
reference, and every other day the date nearest the flight's date.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from movements.domain.phrases import N_, Phrase
from movements.ingest.telex_common import (
    Envelope,
    Flight,
    FlightDay,
    Line,
    Message,
    first_body_line,
    parse_flight_day,
    parse_station,
    plural,
    read_message,
    resolve_day,
    resolved,
    said,
)

_TIME = re.compile(r"(?P<day>[0-9]{2})?(?P<hour>[0-9]{2})(?P<minute>[0-9]{2})")
_EA = re.compile(r"EA ?(?P<time>[0-9]+) ?(?P<station>[^0-9 ]\S*)")
_REGISTRATION = re.compile(r"[A-Z0-9]{2,10}")
_DELAY_CODE = re.compile(r"[0-9]{2}[A-Z]?|[A-Z]{2}")
_DURATION = re.compile(r"(?P<hours>[0-9]{2})(?P<minutes>[0-9]{2})")
_PAX = re.compile(r"[0-9]{1,4}(?:/[0-9]{1,4})*")
_EO = re.compile(r"EO ?(?P<time>[0-9]+)")
#: AHM 780 lines read but not acted on: kept verbatim.
KEPT_LINES = ("NI", "EDL", "EB", "FR", "RR", "DV", "TOB", "FLD")


@dataclass(frozen=True, slots=True)
class MvtTime:
    """A UTC time: ``day`` of month, plus one day when ``next_day`` (implicit rollover)."""

    day: int
    hour: int
    minute: int
    next_day: bool = False
    utc: datetime | None = None  # set when the parser was given a reference date


@dataclass(frozen=True, slots=True)
class EstimatedArrival:
    time: MvtTime
    station: str


@dataclass(frozen=True, slots=True)
class Delay:
    code: str  # IATA delay code as sent, e.g. "93"
    minutes: int | None  # the duration attributed to this code, if given


@dataclass(frozen=True, slots=True)
class Mvt:
    KIND: ClassVar[str] = "MVT"
    envelope: Envelope
    flight: Flight
    flight_day: int  # day of month of the scheduled departure (UTC)
    registration: str
    station: str
    flight_date: date | None = None  # flight_day resolved against the reference
    off_block: MvtTime | None = None
    airborne: MvtTime | None = None
    touchdown: MvtTime | None = None
    on_block: MvtTime | None = None
    estimated_departure: MvtTime | None = None
    estimated_arrival: EstimatedArrival | None = None
    delays: tuple[Delay, ...] = ()
    passengers: int | None = None  # PX: total on board, infants included
    infants: int | None = None  # PX131/4: 4 of the 131 are infants
    passenger_figures: tuple[int, ...] = ()  # further PX sub-fields, kept as sent
    supplementary: str | None = None  # SI text, its lines joined with "\n"
    estimated_takeoff: MvtTime | None = None  # EO on the AD/ED line
    other: tuple[tuple[str, str], ...] = ()  # (code, data) of lines kept verbatim

    @property
    def correction(self) -> bool:
        return self.envelope.correction


@dataclass(frozen=True, slots=True)
class _RawTime:
    day: int | None
    hour: int
    minute: int


def parse_mvt(text: str, reference: date | None = None) -> Mvt:
    """Parse an MVT; with ``reference`` (e.g. the day received) times get ``utc``."""
    return mvt_from_message(read_message(text, expect="MVT"), reference)


def mvt_from_message(message: Message, reference: date | None = None) -> Mvt:
    flight_line = first_body_line(message)
    flight, registration, station = _flight_line(flight_line)
    elements = _Elements()
    rest = message.body[1:]
    if not rest:
        raise flight_line.error(N_("MVT has nothing after the flight line"))
    for index, line in enumerate(rest):
        code = line.text[:2]
        if code == "SI":
            # Free text keeps its own spacing; only the layout around it is dropped.
            more = [later.raw for later in rest[index + 1:]]
            elements.supplementary = "\n".join([line.raw[2:].strip(), *more]).strip()
            break
        kept = next((k for k in KEPT_LINES if line.text.startswith(k)), None)
        if kept is not None and (kept != "EB" or line.text[2:3] in " 0123456789") and \
                line.text[len(kept):].strip():
            elements.other.append((kept, line.text[len(kept):].strip()))
            continue
        handler = _HANDLERS.get(code)
        if handler is None:
            raise line.error(Phrase.of(
                N_("unknown MVT line (expected AD, AA, ED, EA, EO, DL, PX, SI or one of "
                   "%(lines)s)"),
                lines=", ".join(KEPT_LINES)))
        handler(elements, line, line.text[2:].strip())
    mvt = elements.settle(message.envelope, flight.flight, flight.day, registration, station)
    if reference is None:
        return mvt
    return resolved(flight_line, lambda: _with_utc(mvt, reference))


def _flight_line(line: Line) -> tuple[FlightDay, str, str]:
    parts = line.text.split(".")
    if len(parts) != 3 or " " in line.text:
        raise line.error(N_("flight line must be FLIGHT/DD.REGISTRATION.STATION,"
                         " like KL1234/15.PHBXA.AMS"))
    flight = parse_flight_day(parts[0], line, N_("flight"))
    if _REGISTRATION.fullmatch(parts[1]) is None:
        raise line.error(Phrase.of(
            N_("registration %(parts)s is not 2-10 letters and digits"),
            parts=repr(parts[1])))
    return flight, parts[1], parse_station(parts[2], line)


def _time(token: str, line: Line, what: str | Phrase) -> _RawTime:
    m = _TIME.fullmatch(token)
    if m is None:
        raise line.error(Phrase.of(N_('%(what)s is not HHMM or DDHHMM'), what=said(what)))
    day = int(m["day"]) if m["day"] is not None else None
    hour, minute = int(m["hour"]), int(m["minute"])
    if hour > 23 or minute > 59 or (day is not None and not 1 <= day <= 31):
        raise line.error(Phrase.of(
            N_("%(what)s %(token)s is not a valid time"),
            what=said(what), token=str(token)))
    return _RawTime(day, hour, minute)


#: The time each element of a pair names (``AD0915/0925``: off-block/airborne).
_TIME_OF = {N_("off-block"): N_("off-block time"), N_("airborne"): N_("airborne time"),
            N_("touchdown"): N_("touchdown time"), N_("on-block"): N_("on-block time")}


def _pair(data: str, line: Line, first: str, second: str) -> tuple[_RawTime, _RawTime | None]:
    times = data.split("/")
    if len(times) > 2:
        raise line.error(Phrase.of(
            N_("expected %(first)s[/%(second)s], got %(count)s times"),
            first=said(first), second=said(second), count=len(times)))
    earlier = _time(times[0], line, _TIME_OF[first])
    later = _time(times[1], line, _TIME_OF[second]) if len(times) == 2 else None
    return earlier, later


class _Elements:
    """The elements as read, line by line; ``settle`` infers the days."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.off_block: _RawTime | None = None
        self.airborne: _RawTime | None = None
        self.touchdown: _RawTime | None = None
        self.on_block: _RawTime | None = None
        self.estimated_departure: _RawTime | None = None
        self.estimated_arrival: tuple[_RawTime, str] | None = None
        self.delays: tuple[Delay, ...] = ()
        self.passengers: int | None = None
        self.infants: int | None = None
        self.passenger_figures: tuple[int, ...] = ()
        self.supplementary: str | None = None
        self.estimated_takeoff: _RawTime | None = None
        self.other: list[tuple[str, str]] = []

    def once(self, code: str, line: Line) -> None:
        if code in self.seen:
            raise line.error(Phrase.of(N_('second %(code)s in one MVT'), code=str(code)))
        self.seen.add(code)

    def departure(self, line: Line, data: str) -> None:
        self.once("AD", line)
        times, _, tail = data.partition(" ")
        self.off_block, self.airborne = _pair(times, line, "off-block", "airborne")
        self.tail(line, tail)

    def tail(self, line: Line, tail: str) -> None:
        """What may follow the times of an AD or ED line: EO, then EA."""
        if tail.startswith("EO"):
            m = _EO.match(tail)
            if m is None:
                raise line.error(Phrase.of(
                    N_("%(tail)s is not an estimated take-off like EO1425"),
                    tail=repr(tail)))
            self.once("EO", line)
            self.estimated_takeoff = _time(m["time"], line, N_("estimated take-off time"))
            tail = tail[m.end():].strip()
        if tail:
            self.estimate(line, tail)

    def arrival(self, line: Line, data: str) -> None:
        self.once("AA", line)
        self.touchdown, self.on_block = _pair(data, line, "touchdown", "on-block")

    def estimated_dep(self, line: Line, data: str) -> None:
        self.once("ED", line)
        time, _, tail = data.partition(" ")
        self.estimated_departure = _time(time, line, N_("estimated departure time"))
        self.tail(line, tail)

    def estimate(self, line: Line, text: str) -> None:
        m = _EA.fullmatch(text)
        if m is None:
            raise line.error(Phrase.of(
                N_("%(text)s is not an estimated arrival like EA1310 TIA"),
                text=repr(text)))
        self.once("EA", line)
        station = parse_station(m["station"], line, N_("arrival station"))
        self.estimated_arrival = (_time(m["time"], line, N_("estimated arrival time")), station)

    def estimate_line(self, line: Line, data: str) -> None:
        self.estimate(line, line.text)

    def takeoff_line(self, line: Line, data: str) -> None:
        self.tail(line, line.text)

    def delay(self, line: Line, data: str) -> None:
        self.once("DL", line)
        codes: list[str] = []
        durations: list[int] = []
        for item in data.split("/"):
            if (m := _DURATION.fullmatch(item)) and codes:
                if int(m["minutes"]) > 59:
                    raise line.error(Phrase.of(
                        N_("delay duration %(item)s is not HHMM"),
                        item=str(item)))
                durations.append(int(m["hours"]) * 60 + int(m["minutes"]))
            elif _DELAY_CODE.fullmatch(item) and not durations:
                codes.append(item)
            else:
                raise line.error(Phrase.of(
                    N_("delay item %(item)s is neither a delay code nor, after the codes, an "
                       "HHMM duration"),
                    item=repr(item)))
        if durations and len(durations) != len(codes):
            raise line.error(Phrase.of(
                N_("%(first)s but %(second)s"),
                first=plural(len(codes), "delay code"),
                second=plural(len(durations), "duration")))
        self.delays = tuple(Delay(code, durations[i] if durations else None)
                            for i, code in enumerate(codes))

    def pax(self, line: Line, data: str) -> None:
        self.once("PX", line)
        if _PAX.fullmatch(data) is None:
            raise line.error(N_("passengers on board is not a number (or TOTAL/INFANTS,"
                             " like PX131/4)"))
        total, *figures = (int(f) for f in data.split("/"))
        if figures and figures[0] > total:
            raise line.error(Phrase.of(
                N_("%(figures)s infants of %(total)s passengers on board"),
                figures=str(figures[0]), total=str(total)))
        self.passengers = total
        self.infants = figures[0] if figures else None
        self.passenger_figures = tuple(figures[1:])

    def settle(self, envelope: Envelope, flight: Flight, day: int, registration: str,
               station: str) -> Mvt:
        def at(raw: _RawTime | None, before: MvtTime | None) -> MvtTime | None:
            if raw is None:
                return None
            if raw.day is not None:
                return MvtTime(raw.day, raw.hour, raw.minute)
            if before is None:
                return MvtTime(day, raw.hour, raw.minute)
            earlier = (raw.hour, raw.minute) < (before.hour, before.minute)
            return MvtTime(before.day, raw.hour, raw.minute, before.next_day or earlier)

        off_block = at(self.off_block, None)
        airborne = at(self.airborne, off_block)
        touchdown = at(self.touchdown, None)
        estimated_departure = at(self.estimated_departure, None)
        estimated_arrival = None
        if self.estimated_arrival is not None:
            raw, arrival_station = self.estimated_arrival
            ea = at(raw, airborne or off_block or estimated_departure)
            if ea is not None:
                estimated_arrival = EstimatedArrival(ea, arrival_station)
        return Mvt(envelope, flight, day, registration, station,
                   off_block=off_block, airborne=airborne, touchdown=touchdown,
                   on_block=at(self.on_block, touchdown),
                   estimated_departure=estimated_departure,
                   estimated_arrival=estimated_arrival, delays=self.delays,
                   passengers=self.passengers, infants=self.infants,
                   passenger_figures=self.passenger_figures,
                   supplementary=self.supplementary,
                   estimated_takeoff=at(self.estimated_takeoff,
                                        off_block or estimated_departure),
                   other=tuple(self.other))


_HANDLERS: dict[str, Callable[[_Elements, Line, str], None]] = {
    "AD": _Elements.departure,
    "AA": _Elements.arrival,
    "ED": _Elements.estimated_dep,
    "EA": _Elements.estimate_line,
    "EO": _Elements.takeoff_line,
    "DL": _Elements.delay,
    "PX": _Elements.pax,
}


def _with_utc(mvt: Mvt, reference: date) -> Mvt:
    flight_date = resolve_day(mvt.flight_day, reference)

    def placed(t: MvtTime) -> MvtTime:
        on = resolve_day(t.day, flight_date) + timedelta(days=int(t.next_day))
        return replace(t, utc=datetime(on.year, on.month, on.day, t.hour, t.minute,
                                       tzinfo=UTC))

    def utc(t: MvtTime | None) -> MvtTime | None:
        return None if t is None else placed(t)

    arrival = mvt.estimated_arrival
    return replace(
        mvt, flight_date=flight_date, off_block=utc(mvt.off_block),
        airborne=utc(mvt.airborne), touchdown=utc(mvt.touchdown),
        on_block=utc(mvt.on_block), estimated_departure=utc(mvt.estimated_departure),
        estimated_takeoff=utc(mvt.estimated_takeoff),
        estimated_arrival=None if arrival is None else replace(
            arrival, time=placed(arrival.time)),
    )
