"""Apply airline telexes to the movements, from plain data (the domain never parses).

``movements.ingest`` parses Type B text and hands these actions plain dataclasses:
``MovementReport`` (an MVT) and ``PaxList`` (a PNL, ADL, PTM or PSM, all its parts
assembled).  The orchestration, duplicates and multi-part assembly live in
``movements.ingest.apply``; everything of one telex runs in one ``Tx``.

Finding the movement: airport + carrier + flight number (leading zeros ignored) +
date, on the *side* the telex is about: ``departure`` (DEPARTURE, TRANSIT_OUT: the
flight leaves the airport) or ``arrival`` (ARRIVAL, TRANSIT_IN).  The date is the
movement's operational date; an arriving flight may also be dated the day before
(it left the origin that day), a departing one by the UTC date of its scheduled
departure.  No movement: the telex is refused (``TelexRefused``, with the line).

MVT (times are UTC datetimes here):

* at the airport's station: ``AD`` sets the departure's ``actual_at`` (off-block) and
  state DEP; ``ED`` its ``estimated_at`` (and DEL when later than scheduled);
  ``AA`` sets the arrival's ``actual_at`` (on-block, else touchdown) and state ARR;
* from another station: ``EA`` to this airport sets the arrival's ``estimated_at``,
  and ``AD`` moves a not yet airborne arrival to AIR.
* ``MVT COR`` (``correction``) replaces what the MVT it corrects set: every value the
  correction carries is written over the earlier one (times may move backwards), and
  the audit entry and the outcome name the telex corrected.  An element the corrected
  MVT had and the correction leaves out is reported in the outcome and left as it is
  (its earlier value may have come from the feed or a coordinator since).

Passenger lists (PNL, ADL, PTM, PSM) are applied by ``telex_lists``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import RuleViolation
from ..events import AlertRaised
from ..input_rules import is_airport
from ..models import (
    Airport,
    Alert,
    Movement,
    MovementKind,
    Role,
    TelexMessage,
)
from ..phrases import N_, Phrase, joined, phrase_data
from ..uow import Tx
from ..vocabulary import FlightState, TelexOutcome
from . import movements as mv
from ._common import require_role

ARRIVAL, DEPARTURE = "arrival", "departure"
SIDE_KINDS = {
    ARRIVAL: (MovementKind.TRANSIT_IN, MovementKind.ARRIVAL),
    DEPARTURE: (MovementKind.TRANSIT_OUT, MovementKind.DEPARTURE),
}

# -- outcomes of a telex (stored on TelexMessage.outcome) ------------------------------
APPLIED, DUPLICATE, REJECTED, PENDING, SUPERSEDED = (
    TelexOutcome.APPLIED, TelexOutcome.DUPLICATE, TelexOutcome.REJECTED, TelexOutcome.PENDING,
    TelexOutcome.SUPERSEDED)


class TelexRefused(RuleViolation):
    """The telex cannot be applied; ``line_no`` is the line in the text as received."""

    def __init__(self, line_no: int | None, message: str | Phrase) -> None:
        reason = message if isinstance(message, Phrase) else Phrase(message)
        super().__init__(Phrase.of(N_("line %(line)s: %(reason)s"), line=line_no, reason=reason)
                         if line_no else reason)
        self.line_no = line_no
        self.reason = str(message)


# -- the plain data the parsers' side hands over ---------------------------------------

@dataclass(frozen=True, slots=True)
class FlightRef:
    """A flight on a date: ``KQ116`` on 2026-09-15.  ``number`` has no leading zeros."""

    carrier: str
    number: str
    date: date

    @property
    def designator(self) -> str:
        return f"{self.carrier}{self.number}"

    def __str__(self) -> str:
        return f"{self.designator}/{self.date:%d%b}".upper()


@dataclass(frozen=True, slots=True)
class TelexHeader:
    """What identifies a received telex: its type, flight, part, and its text."""

    kind: str | None  # MVT, PTM, PNL, ADL, PSM (None when unreadable)
    flight: FlightRef | None
    part: int | None
    last_part: bool
    sha256: str
    raw: str
    line_no: int | None = None  # the flight line

    @property
    def multi_part(self) -> bool:
        return self.part is not None and not (self.part == 1 and self.last_part)


@dataclass(frozen=True, slots=True)
class MovementReport:
    """An MVT's facts, times as aware UTC datetimes."""

    flight: FlightRef
    station: str
    line_no: int
    registration: str | None = None
    off_block: datetime | None = None
    airborne: datetime | None = None
    touchdown: datetime | None = None
    on_block: datetime | None = None
    estimated_departure: datetime | None = None
    estimated_arrival: datetime | None = None
    estimated_arrival_station: str | None = None
    correction: bool = False  # MVT COR
    corrects: int | None = None  # the TelexMessage id of the MVT corrected
    not_repeated: tuple[str, ...] = ()  # elements the corrected MVT had, the COR has not


@dataclass(frozen=True, slots=True)
class PaxEntry:
    """One passenger named by a list."""

    line_no: int
    surname: str
    given_name: str | None
    title: str | None = None
    group: str = ""  # names sent together (one name element, one PTM name group)
    action: str | None = None  # ADL: ADD, DEL, CHG
    locator: str | None = None
    destination: str | None = None
    seat: str | None = None
    remarks: tuple[tuple[str, str], ...] = ()  # (SSR code, text) as sent
    onward: FlightRef | None = None
    inbound: FlightRef | None = None
    birth_date: date | None = None  # an infant's or a child's
    lap_of: str | None = None  # an infant (INFT): the name of the adult whose lap

    @property
    def name(self) -> str:
        return f"{self.surname}/{self.given_name}" if self.given_name else self.surname


@dataclass(frozen=True, slots=True)
class PaxList:
    kind: str  # PNL, ADL, PTM, PSM
    flight: FlightRef
    side: str  # arrival or departure
    entries: tuple[PaxEntry, ...]
    line_no: int  # the flight line
    partial: bool = False  # a PTM transfer line gave counts without names


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying one telex did, for its stored outcome and the reply."""

    movement_ids: tuple[int, ...]
    summary: Phrase
    notes: tuple[Phrase, ...] = ()

    @property
    def phrase(self) -> Phrase:
        """The summary and the notes, joined with ``"; "``, for the reader's language."""
        return joined(self.summary, *self.notes)

    @property
    def detail(self) -> str:
        """The same in English (what ``TelexMessage.detail`` keeps)."""
        return self.phrase.english()


# -- the telex log ---------------------------------------------------------------------

def latest_applied(tx: Tx, kind: str, flight: FlightRef, airport_id: int
                   ) -> TelexMessage | None:
    """The last telex of ``kind`` applied for the flight at the airport (what a COR
    corrects)."""
    return tx.session.scalars(select(TelexMessage).where(
        TelexMessage.airport_id == airport_id,
        TelexMessage.message_type == kind, TelexMessage.outcome == APPLIED,
        TelexMessage.flight == flight.designator, TelexMessage.flight_date == flight.date,
    ).order_by(TelexMessage.id.desc())).first()


def store_message(tx: Tx, header: TelexHeader, outcome: str,
                  detail: str | Phrase | None = None, movement_id: int | None = None, *,
                  airport_id: int | None = None) -> TelexMessage:
    """Keep a received telex and its outcome; a ``detail`` phrase is stored as English
    (``detail``) and as the phrase (``detail_phrase``, for the reader's language)."""
    phrase = detail if isinstance(detail, Phrase) else None
    detail = detail.english() if isinstance(detail, Phrase) else detail
    row = TelexMessage(
        received_at=tx.now, message_type=header.kind, airport_id=airport_id,
        flight=header.flight.designator if header.flight else None,
        flight_date=header.flight.date if header.flight else None, part=header.part,
        sha256=header.sha256, raw=header.raw, outcome=outcome,
        detail=(detail or None), movement_id=movement_id,
        detail_phrase=phrase_data(phrase) if phrase is not None else None)
    tx.session.add(row)
    tx.session.flush()
    return row


def finish(tx: Tx, rows: Iterable[TelexMessage], outcome: str, detail: Phrase,
           movement_id: int | None) -> None:
    """Set the outcome of the rows of one message (its parts), the detail in English and
    as a phrase."""
    for row in rows:
        row.outcome = outcome
        row.detail = detail.english()
        row.detail_phrase = phrase_data(detail)
        row.movement_id = movement_id
    tx.session.flush()


def find_duplicate(tx: Tx, header: TelexHeader) -> TelexMessage | None:
    """The same telex again: the same normalised text for the same flight date (applied
    or waiting), or, while a multi-part message is being assembled, the same part."""
    same_text = select(TelexMessage).where(
        TelexMessage.sha256 == header.sha256,
        TelexMessage.outcome.in_((APPLIED, PENDING)))
    if header.flight is not None:
        same_text = same_text.where(TelexMessage.flight_date == header.flight.date)
    found = tx.session.scalars(same_text.order_by(TelexMessage.id)).first()
    if found is not None or not header.multi_part or header.flight is None:
        return found
    if header.kind == "PSM" and header.part == 1:
        return None  # PSM PART1 again starts over (see supersede_pending)
    return tx.session.scalars(_pending(header).where(TelexMessage.part == header.part)).first()


def _pending(header: TelexHeader) -> Select[TelexMessage]:
    assert header.flight is not None
    return select(TelexMessage).where(
        TelexMessage.outcome == PENDING, TelexMessage.message_type == header.kind,
        TelexMessage.flight == header.flight.designator,
        TelexMessage.flight_date == header.flight.date).order_by(TelexMessage.id)


def pending_parts(tx: Tx, header: TelexHeader) -> list[TelexMessage]:
    return list(tx.session.scalars(_pending(header)))


def supersede_pending(tx: Tx, header: TelexHeader, by: Phrase) -> int:
    """PSM PART1 received again: the parts waiting for the earlier PSM are dropped."""
    rows = pending_parts(tx, header)
    detail = Phrase.of(N_("superseded by %(telex)s"), telex=by)
    for row in rows:
        row.outcome = SUPERSEDED
        row.detail = detail.english()
        row.detail_phrase = phrase_data(detail)
    tx.session.flush()
    return len(rows)


def missing_parts(parts: Sequence[tuple[int, bool]]) -> list[int] | None:
    """[(part, last)] -> the part numbers still missing, or None when the last part has
    not come yet (so the count is unknown)."""
    numbers = {p for p, _ in parts}
    last = [p for p, is_last in parts if is_last]
    if not last:
        return None
    return [n for n in range(1, max(last) + 1) if n not in numbers]


def store_rejected(tx: Tx, header: TelexHeader, reason: str,
                   assembling: bool = False, airport_id: int | None = None,
                   phrase: Phrase | None = None) -> TelexMessage:
    """After the telex's own transaction rolled back: keep the raw text and the reason
    (English, and ``phrase`` when the refusal had one, for the reader's language).
    The parts of a message that was being assembled with it are rejected too."""
    if assembling and header.flight is not None and header.kind is not None:
        for row in pending_parts(tx, header):
            row.outcome = REJECTED
            row.detail = f"the message was rejected with a later part: {reason}"
            row.detail_phrase = phrase_data(Phrase.of(
                N_("the message was rejected with a later part: %(reason)s"),
                reason=phrase or reason))
    row = store_message(tx, header, REJECTED, reason, airport_id=airport_id)
    row.detail_phrase = phrase_data(phrase) if phrase is not None else None
    return row


# -- finding the movement --------------------------------------------------------------

def number_key(flight_number: str) -> str:
    return flight_number.strip().upper().lstrip("0") or "0"


def flight_movements(session: Session, airport: Airport, flight: FlightRef, side: str
                     ) -> list[Movement]:
    return _on_side(_flight_rows(session, airport, flight), flight, side)


def _flight_rows(session: Session, airport: Airport, flight: FlightRef) -> list[Movement]:
    day = timedelta(days=1)
    return [m for m in session.scalars(select(Movement).where(
        Movement.airport_id == airport.id, Movement.carrier == flight.carrier.upper(),
        Movement.operational_date.between(flight.date - day, flight.date + day),
    ).order_by(Movement.id)) if number_key(m.flight_number) == number_key(flight.number)]


def _on_side(found: list[Movement], flight: FlightRef, side: str) -> list[Movement]:
    day = timedelta(days=1)
    rows = [m for m in found if m.kind in SIDE_KINDS[side]]
    exact = [m for m in rows if m.operational_date == flight.date]
    if exact:
        return exact
    if side == ARRIVAL:
        return [m for m in rows if m.operational_date == flight.date + day]
    return [m for m in rows if m.scheduled_at.date() == flight.date]


def no_movement(flight: FlightRef, side: str, airport: Airport) -> Phrase:
    """The refusal of a telex for a flight the console has no movement for."""
    where = (Phrase.of(N_("arriving at %(airport)s"), airport=airport.iata) if side == ARRIVAL
             else Phrase.of(N_("leaving %(airport)s"), airport=airport.iata))
    return Phrase.of(N_("no movement %(flight)s on %(day)s %(where)s: plan the movement "
                        "first, then send the telex again"),
                     flight=flight.designator, day=f"{flight.date:%d %b %Y}", where=where)


def _airport(tx: Tx, code: str) -> Airport:
    return mv.airport_by_code(tx, code)


def unknown_airports_note(codes: Iterable[str | None]) -> Phrase | None:
    """A note naming the station codes a telex gave that are not airports of the IATA
    table (``input_rules.is_airport``), or None.  A telex is the airline's record: it is
    applied, not refused, for a code the table may not know yet, but never silently."""
    unknown = sorted({c for c in codes if c and not is_airport(c)})
    if not unknown:
        return None
    return Phrase.of(N_("%(codes)s: not an airport code in the IATA table; check the "
                        "telex with the airline"), codes=", ".join(unknown))


#: How far before its schedule a departure or arrival time from a telex may be before
#: the coordinator is told (hours).  Flights leave at most minutes early (the doors close
#: at STD; an early off-block of more than an hour is unheard of in scheduled service),
#: so two hours early is a wrong day, a wrong flight or a local time sent as UTC.
EARLY_LIMIT = timedelta(hours=2)
#: ... and how far after it (hours): IATA delay practice puts a flight delayed past
#: about 12 h on a new day (often as a new flight); beyond that it is likely a date
#: rolled over wrongly (AD152350 meant for the 14th).
LATE_LIMIT = timedelta(hours=12)


def far_from_schedule(m: Movement, changes: dict[str, object]) -> Phrase | None:
    """A note when a time in ``changes`` (``actual_at``, ``estimated_at``; aware UTC) is
    more than ``EARLY_LIMIT`` before or ``LATE_LIMIT`` after the movement's schedule
    ("KL1234 departure: actual time 15 04:52Z is 5 h 30 min before the schedule
    15 10:22Z"), or None.  The time is applied: the coordinator checks it."""
    for key in ("actual_at", "estimated_at"):
        value = changes.get(key)
        if not isinstance(value, datetime) or m.scheduled_at is None:
            continue
        scheduled = m.scheduled_at if m.scheduled_at.tzinfo else \
            m.scheduled_at.replace(tzinfo=value.tzinfo)
        off = value - scheduled
        if -EARLY_LIMIT <= off <= LATE_LIMIT:
            continue
        minutes = int(abs(off).total_seconds() // 60)
        gap = f"{minutes // 60} h {minutes % 60:02d} min"
        msgid = N_("%(flight)s %(kind)s: %(field)s %(value)s is %(gap)s before the schedule "
                   "%(scheduled)s; applied, check it with the airline") if off < timedelta(0) \
            else N_("%(flight)s %(kind)s: %(field)s %(value)s is %(gap)s after the schedule "
                    "%(scheduled)s; applied, check it with the airline")
        return Phrase.of(msgid, flight=m.flight, kind=Phrase(m.kind.label),
                         field=Phrase(_SET_LABELS.get(key, key)), value=f"{value:%d %H:%MZ}",
                         gap=gap, scheduled=f"{scheduled:%d %H:%MZ}")
    return None


#: How far after the telex's arrival an actual time may lie before it is refused as a
#: time that has not happened yet: the airline's clock and ours may differ by minutes.
FUTURE_TOLERANCE = timedelta(minutes=10)


def future_actual(report: MovementReport, now: datetime) -> Phrase | None:
    """Why the MVT cannot be applied when one of its actual times (AD off-block or
    airborne, AA touchdown or on-block; aware UTC) lies more than ``FUTURE_TOLERANCE``
    after ``now`` (the telex's arrival), else None.  An actual is a fact that has
    happened (IATA AHM 780, MVT: AD/AA report what took place); hours ahead is a local
    time sent as UTC or a wrong day, and would mark a flight as gone that is still at
    its gate."""
    for element, value in (("AD", report.off_block), ("AD", report.airborne),
                           ("AA", report.touchdown), ("AA", report.on_block)):
        if value is None or value <= now + FUTURE_TOLERANCE:
            continue
        minutes = int((value - now).total_seconds() // 60)
        return Phrase.of(N_("%(element)s %(time)s is %(gap)s after the telex arrived "
                            "(%(now)s): an actual time cannot lie in the future; nothing "
                            "applied, check the telex with the airline (a local time sent "
                            "as UTC?)"),
                         element=element, time=f"{value:%d %H:%MZ}",
                         gap=f"{minutes // 60} h {minutes % 60:02d} min",
                         now=f"{now:%d %H:%MZ}")
    return None


# -- MVT -------------------------------------------------------------------------------

def apply_movement_report(tx: Tx, airport_code: str, report: MovementReport) -> Applied:
    """Apply one MVT (IATA AHM 780) at ``airport_code``: actual and estimated times and
    the flight state of the departing and arriving movements it names.  Coordinators
    and admins (``PermissionDenied``).  Raises ``TelexRefused`` (with the line) when no
    movement matches or an actual time lies in the future (``future_actual``); times
    far from the schedule are applied with a note and an alert (``far_from_schedule``)."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    airport = _airport(tx, airport_code)
    here = report.station == airport.iata
    dep: dict[str, object] = {}
    arr: dict[str, object] = {}
    advance_to_air = False
    if here and report.off_block is not None:
        dep.update(actual_at=report.off_block, flight_state=FlightState.DEPARTED)
    elif here and report.airborne is not None:
        dep.update(actual_at=report.airborne, flight_state=FlightState.DEPARTED)
    if here and report.estimated_departure is not None:
        dep["estimated_at"] = report.estimated_departure
    if here and (report.on_block or report.touchdown) is not None:
        arr.update(actual_at=report.on_block or report.touchdown, flight_state="ARR")
    if report.estimated_arrival is not None and \
            report.estimated_arrival_station == airport.iata:
        arr["estimated_at"] = report.estimated_arrival
    if not here and (report.off_block or report.airborne) is not None:
        advance_to_air = True

    source = "mvt"
    if report.correction:
        source = f"mvt COR of telex {report.corrects}" if report.corrects else "mvt COR"
    found = _flight_rows(tx.session, airport, report.flight)
    departures = _on_side(found, report.flight, DEPARTURE)
    arrivals = _on_side(found, report.flight, ARRIVAL)
    if not departures and not arrivals:
        side = DEPARTURE if here and (report.off_block or report.estimated_departure) \
            else ARRIVAL
        raise TelexRefused(report.line_no, no_movement(report.flight, side, airport))
    future = future_actual(report, tx.now)
    if future is not None:
        raise TelexRefused(report.line_no, future)
    changed: list[Phrase] = []
    notes: list[Phrase] = []
    if dep and not departures:
        notes.append(Phrase.of(N_("no departing movement %(flight)s: departure times not "
                                  "applied"), flight=str(report.flight)))
    for m in departures if dep else ():
        changes = dict(dep)
        if "estimated_at" in changes and "flight_state" not in changes \
                and m.flight_state == "SCH" and report.estimated_departure is not None \
                and report.estimated_departure > m.scheduled_at:
            changes["flight_state"] = "DEL"
        far = far_from_schedule(m, changes)
        if mv.update_flight(tx, m.id, changes, source=source):
            changed.append(_changed(m, changes))
            if far is not None:
                notes.append(far)
                _raise_far_alert(tx, m, far)
    if (arr or advance_to_air) and not arrivals and not departures:
        notes.append(Phrase.of(N_("no arriving movement %(flight)s: arrival times not "
                                  "applied"), flight=str(report.flight)))
    for m in arrivals:
        changes = dict(arr)
        if advance_to_air and "flight_state" not in changes and \
                m.flight_state in ("SCH", "DEL", "TOM"):
            changes["flight_state"] = "AIR"
        far = far_from_schedule(m, changes)
        if changes and mv.update_flight(tx, m.id, changes, source=source):
            changed.append(_changed(m, changes))
            if far is not None:
                notes.append(far)
                _raise_far_alert(tx, m, far)
    unknown = unknown_airports_note((report.station, report.estimated_arrival_station))
    if unknown is not None:
        notes.append(unknown)
    touched = tuple(m.id for m in (*departures, *arrivals))
    summary = joined(*changed) if changed else Phrase(N_("nothing new for the movements"))
    if report.correction:
        if report.not_repeated:
            notes.insert(0, Phrase.of(
                N_("the corrected telex also gave %(elements)s, which the correction does "
                   "not repeat: left as it is"), elements=", ".join(report.not_repeated)))
        notes.insert(0, Phrase.of(N_("correction of telex %(telex)s"), telex=report.corrects)
                     if report.corrects else
                     Phrase(N_("correction (no earlier MVT for this flight was applied)")))
    return Applied(touched, Phrase.of(N_("MVT %(flight)s: %(summary)s"),
                                      flight=str(report.flight), summary=summary),
                   tuple(notes))


#: The alert kind a telex time far from the schedule raises on the movement (an event
#: alert: it stays until a coordinator acknowledges it).
FAR_FROM_SCHEDULE = "telex_far_from_schedule"


def _raise_far_alert(tx: Tx, m: Movement, note: Phrase) -> None:
    """The note as an alert on the movement: the board row counts it, the movement's
    coordinator sees it on /alerts, the telex log keeps the same sentence."""
    alert = Alert(airport_id=m.airport_id, movement_id=m.id, passenger_id=None,
                  kind=FAR_FROM_SCHEDULE,
                  dedupe_key=f"{FAR_FROM_SCHEDULE}:{m.id}:{tx.now.isoformat()}",
                  message=note.english()[:500], message_phrase=phrase_data(note),
                  raised_at=tx.now)
    tx.session.add(alert)
    tx.session.flush()
    tx.record(AlertRaised, m, alert_id=alert.id, alert_kind=alert.kind)
    tx.audit("raise_alert", "alert", alert.id, after={"kind": alert.kind, "movement": m.id})


def _changed(m: Movement, changes: dict[str, object]) -> Phrase:
    # The fields by their labels, the movement's kind as a word: no stored names.
    return Phrase.of(N_("%(flight)s %(kind)s: %(changes)s"), flight=m.flight,
                     kind=Phrase(m.kind.label), changes=_describe(changes))


#: What an MVT sets, as a person names it (the times' labels are the movement's own).
_SET_LABELS = {**mv.TIME_LABELS, "flight_state": N_("flight state")}


def _describe(changes: dict[str, object]) -> Phrase:
    """``actual time 15 10:22Z, flight state DEP``: each field by its label, the value as
    data (a UTC day and time, or a flight state code)."""
    parts = []
    for key, value in changes.items():
        shown = f"{value:%d %H:%MZ}" if isinstance(value, datetime) else str(value)
        parts.append(Phrase.of(N_("%(field)s %(value)s"),
                               field=Phrase(_SET_LABELS.get(key, key)), value=shown))
    out = parts[0]
    for part in parts[1:]:
        out = Phrase.of(N_("%(first)s, %(next)s"), first=out, next=part)
    return out


_DESIGNATOR = re.compile(r"(?P<carrier>[A-Z0-9]{2}[A-Z]?)(?P<number>[0-9]{1,4}[A-Z]?)")


def ref_of(designator: str | None, day: date | None) -> FlightRef | None:
    """``KL673`` and a date as a FlightRef (None when either is missing or malformed)."""
    if not designator or day is None:
        return None
    m = _DESIGNATOR.fullmatch(designator)
    if m is None:
        return None
    return FlightRef(m["carrier"], m["number"], day)
