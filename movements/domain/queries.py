"""Read models: plain dataclasses for the board, the movement page, the API and reports.

Queries take a sync ``Session`` (run through ``UnitOfWork.read``).  They load what a
screen needs in a few statements (selectinload), never one query per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import milestones as steps
from .models import (
    Airport,
    Alert,
    Booking,
    BookingStatus,
    EscortAssignment,
    Movement,
    MovementKind,
    Note,
    Passenger,
    Transit,
)
from .ssr import SSR_CODES, NeedGroup


@dataclass(frozen=True, slots=True)
class NeedView:
    code: str
    meaning: str
    team_action: str
    text: str | None
    health: bool


@dataclass(frozen=True, slots=True)
class MilestoneView:
    kind: str
    label: str
    at: datetime
    override_reason: str | None


@dataclass(frozen=True, slots=True)
class PassengerView:
    id: int
    booking_id: int
    booking_version: int
    passenger_version: int
    case_reference: str
    case_split: bool
    surname: str
    given_names: str
    native_name: str | None
    initials: str
    birth_date: date | None
    age: int | None
    sex: str
    nationality: str | None
    needs: tuple[NeedView, ...]
    groups: frozenset[str]
    medical_escort_required: bool
    victim_of_trafficking: bool
    unaccompanied_minor: bool
    release_to_name: str | None
    seat: str | None
    stop: str | None
    status: str
    no_show_reason: str | None
    milestones: tuple[MilestoneView, ...]
    next_step: str | None
    next_step_label: str | None
    escorts: tuple[tuple[str, str], ...]  # (kind, name)
    purged: bool
    steps_on: int | None = None  # an onward transit leg: the steps are ticked on the inbound
    timezone: str = "UTC"  # the airport's (IANA name): how its times print


@dataclass(frozen=True, slots=True)
class LinkedLeg:
    """The other leg of a transit, as the board row and the movement page show it."""

    id: int
    flight: str
    origin: str
    destination: str
    scheduled_at: datetime
    estimated_at: datetime | None
    actual_at: datetime | None
    gate: str | None
    flight_state: str
    connection_minutes: int


@dataclass(frozen=True, slots=True)
class MovementSummary:
    id: int
    version: int
    airport: str
    kind: str
    lane: str
    is_charter: bool
    flight: str
    operational_date: date
    origin: str
    destination: str
    scheduled_at: datetime
    estimated_at: datetime | None
    actual_at: datetime | None
    terminal: str | None
    pier: str | None
    gate: str | None
    flight_state: str
    stops: tuple[str, ...]
    passenger_count: int
    no_show_count: int
    done_count: int
    badges: dict[str, int]
    open_alerts: int
    case_references: tuple[str, ...]
    onward_id: int | None = None
    inbound_id: int | None = None
    linked: LinkedLeg | None = None
    case_split: bool = False
    timezone: str = "UTC"  # the airport's (IANA name): how its times print

    @property
    def shown_on_board(self) -> bool:
        """An onward transit leg is shown on its inbound leg's row, not on its own."""
        return not (self.kind == "transit_out" and self.inbound_id is not None)


@dataclass(frozen=True, slots=True)
class NoteView:
    text: str
    at: datetime
    passenger_id: int | None


@dataclass(frozen=True, slots=True)
class MovementDetail:
    movement: MovementSummary
    passengers: tuple[PassengerView, ...]
    onward: MovementSummary | None
    inbound: MovementSummary | None
    notes: tuple[NoteView, ...] = ()
    timezone: str = "UTC"  # always given: the airport row's zone

    @property
    def connection_minutes(self) -> int | None:
        legs = (self.movement, self.onward) if self.onward else (
            (self.inbound, self.movement) if self.inbound else (None, None))
        first, second = legs
        if first is None or second is None:
            return None
        arrive = first.actual_at or first.estimated_at or first.scheduled_at
        leave = second.estimated_at or second.scheduled_at
        return int((leave - arrive).total_seconds() // 60)

    def cases(self) -> list[tuple[str, list[PassengerView]]]:
        grouped: dict[str, list[PassengerView]] = {}
        for p in self.passengers:
            grouped.setdefault(p.case_reference, []).append(p)
        return list(grouped.items())


BADGE_ORDER = (NeedGroup.ESCORT, NeedGroup.MEDICAL, NeedGroup.STRETCHER_OXYGEN,
               NeedGroup.WHEELCHAIR, NeedGroup.MINOR, NeedGroup.MEET_ASSIST)


def _groups(p: Passenger) -> set[str]:
    groups: set[str] = set()
    for code in p.codes:
        info = SSR_CODES.get(code)
        if info:
            groups.update(g.value for g in info.groups)
    if p.medical_escort_required or p.chronic_condition is not None:
        groups.add(NeedGroup.MEDICAL.value)
    if p.medical_escort_required or p.operational_escort_required:
        groups.add(NeedGroup.ESCORT.value)
    return groups


def _movement_options() -> list[object]:
    return [
        selectinload(Movement.airport),
        selectinload(Movement.stops),
        selectinload(Movement.bookings).selectinload(Booking.milestones),
        selectinload(Movement.bookings).selectinload(Booking.passenger)
        .selectinload(Passenger.needs),
        selectinload(Movement.bookings).selectinload(Booking.passenger)
        .selectinload(Passenger.case),
    ]


def _connection(inbound: Movement, onward: Movement) -> int:
    arrive = inbound.actual_at or inbound.estimated_at or inbound.scheduled_at
    leave = onward.estimated_at or onward.scheduled_at
    return int((leave - arrive).total_seconds() // 60)


def _linked(m: Movement, other: Movement | None) -> LinkedLeg | None:
    if other is None:
        return None
    inbound, onward = (m, other) if m.kind is MovementKind.TRANSIT_IN else (other, m)
    return LinkedLeg(id=other.id, flight=other.flight, origin=other.origin,
                     destination=other.destination, scheduled_at=other.scheduled_at,
                     estimated_at=other.estimated_at, actual_at=other.actual_at,
                     gate=other.gate, flight_state=other.flight_state,
                     connection_minutes=_connection(inbound, onward))


def _summary(m: Movement, alerts: int, links: dict[int, tuple[int | None, int | None]],
             legs: dict[int, Movement] | None = None) -> MovementSummary:
    badges: Counter[str] = Counter()
    active = [b for b in m.bookings if b.status is not BookingStatus.CANCELLED]
    for b in active:
        for g in _groups(b.passenger):
            badges[g] += 1
    last = steps.sequence_for(m.kind)
    final = last[-1].key if last else None
    done = sum(1 for b in active if final and any(x.kind == final for x in b.milestones))
    inbound_id, onward_id = links.get(m.id, (None, None))
    return MovementSummary(
        id=m.id, version=m.version, airport=m.airport.iata, kind=m.kind.value, lane=m.lane,
        is_charter=m.is_charter, flight=m.flight, operational_date=m.operational_date,
        origin=m.origin, destination=m.destination, scheduled_at=m.scheduled_at,
        estimated_at=m.estimated_at, actual_at=m.actual_at, terminal=m.terminal, pier=m.pier,
        gate=m.gate, flight_state=m.flight_state,
        stops=tuple(s.airport_code for s in m.stops),
        passenger_count=sum(1 for b in active if b.status is BookingStatus.BOOKED),
        no_show_count=sum(1 for b in active if b.status is BookingStatus.NO_SHOW),
        done_count=done,
        badges={g.value: badges[g.value] for g in BADGE_ORDER if badges[g.value]},
        open_alerts=alerts,
        case_references=tuple(sorted({b.passenger.case.reference for b in active})),
        inbound_id=inbound_id, onward_id=onward_id,
        linked=_linked(m, (legs or {}).get(onward_id or inbound_id or -1)),
        case_split=any(b.passenger.case.split_flagged for b in active),
        timezone=m.airport.timezone,
    )


def _links(session: Session, ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """movement id -> (inbound id, onward id) for transit legs."""
    if not ids:
        return {}
    out: dict[int, tuple[int | None, int | None]] = {}
    rows = session.execute(select(Transit.inbound_movement_id, Transit.onward_movement_id).where(
        (Transit.inbound_movement_id.in_(ids)) | (Transit.onward_movement_id.in_(ids))))
    for inbound, onward in rows:
        out[inbound] = (None, onward)
        out[onward] = (inbound, None)
    return out


def _legs(session: Session, links: dict[int, tuple[int | None, int | None]]
          ) -> dict[int, Movement]:
    wanted = {i for pair in links.values() for i in pair if i is not None}
    if not wanted:
        return {}
    return {m.id: m for m in session.scalars(select(Movement).where(Movement.id.in_(wanted)))}


def _open_alerts(session: Session, ids: list[int]) -> Counter[int]:
    if not ids:
        return Counter()
    rows = session.scalars(select(Alert.movement_id).where(
        Alert.movement_id.in_(ids), Alert.cleared_at.is_(None)))
    return Counter(r for r in rows if r is not None)


def airport_by_code(session: Session, code: str) -> Airport | None:
    return session.scalar(select(Airport).where(Airport.iata == code.upper()))


def board(session: Session, airport: str, day: date) -> list[MovementSummary]:
    """Every movement of one airport's day, ordered by best-known time."""
    stmt = (select(Movement).join(Airport).where(Airport.iata == airport.upper(),
                                                 Movement.operational_date == day)
            .options(*_movement_options()))  # type: ignore[arg-type]
    movements = list(session.scalars(stmt).unique())
    ids = [m.id for m in movements]
    alerts = _open_alerts(session, ids)
    links = _links(session, ids)
    legs = _legs(session, links)
    rows = [_summary(m, alerts[m.id], links, legs) for m in movements]
    return sorted(rows, key=lambda r: (r.actual_at or r.estimated_at or r.scheduled_at, r.id))


def movement_summary(session: Session, movement_id: int) -> MovementSummary | None:
    m = session.scalar(select(Movement).where(Movement.id == movement_id)
                       .options(*_movement_options()))  # type: ignore[arg-type]
    if m is None:
        return None
    links = _links(session, [m.id])
    return _summary(m, _open_alerts(session, [m.id])[m.id], links, _legs(session, links))


def movement_detail(session: Session, movement_id: int) -> MovementDetail | None:
    summary = movement_summary(session, movement_id)
    if summary is None:
        return None
    m = session.get(Movement, movement_id)
    assert m is not None
    escorts: dict[int, list[tuple[str, str]]] = {}
    for e in session.scalars(select(EscortAssignment).where(
            EscortAssignment.movement_id.in_(
                [movement_id, *(x for x in (summary.onward_id, summary.inbound_id) if x)]))
            .order_by(EscortAssignment.id)):
        escorts.setdefault(e.passenger_id, []).append((e.kind.value, e.escort_name))
    passengers = tuple(
        passenger_view(b, m.kind, m.operational_date, escorts.get(b.passenger_id, []),
                       summary.inbound_id)
        for b in sorted(m.bookings, key=lambda b: (b.passenger.case.reference, b.passenger.id)))
    notes = tuple(NoteView(n.text, n.at, n.passenger_id) for n in session.scalars(
        select(Note).where(Note.movement_id == movement_id).order_by(Note.id)))
    return MovementDetail(
        movement=summary, passengers=passengers,
        onward=movement_summary(session, summary.onward_id) if summary.onward_id else None,
        inbound=movement_summary(session, summary.inbound_id) if summary.inbound_id else None,
        notes=notes, timezone=m.airport.timezone,
    )


def passenger_view(b: Booking, kind: MovementKind, day: date,
                   escorts: list[tuple[str, str]], steps_on: int | None = None
                   ) -> PassengerView:
    p = b.passenger
    done = {x.kind for x in b.milestones}
    nxt = steps.next_step(kind, done) if b.status is BookingStatus.BOOKED else None
    needs = tuple(NeedView(n.code, SSR_CODES[n.code].meaning, SSR_CODES[n.code].team_action,
                           n.text, SSR_CODES[n.code].health_data)
                  for n in p.needs if n.code in SSR_CODES)
    return PassengerView(
        id=p.id, booking_id=b.id, booking_version=b.version, passenger_version=p.version,
        case_reference=p.case.reference, case_split=p.case.split_flagged, surname=p.surname,
        given_names=p.given_names, native_name=p.native_name, initials=p.initials,
        birth_date=p.birth_date, age=p.age_on(day), sex=p.sex, nationality=p.nationality,
        needs=needs, groups=frozenset(_groups(p)),
        medical_escort_required=p.medical_escort_required,
        victim_of_trafficking=p.victim_of_trafficking,
        unaccompanied_minor=p.is_unaccompanied_minor, release_to_name=p.release_to_name,
        seat=b.seat, stop=b.stop, status=b.status.value, no_show_reason=b.no_show_reason,
        milestones=tuple(MilestoneView(x.kind, steps.LABELS.get(x.kind, x.kind), x.at,
                                       x.override_reason) for x in b.milestones),
        next_step=nxt.key if nxt else None, next_step_label=nxt.label if nxt else None,
        escorts=tuple(escorts), purged=p.purged_at is not None,
        steps_on=steps_on if kind is MovementKind.TRANSIT_OUT else None,
        timezone=b.movement.airport.timezone,
    )


def booking_view(session: Session, booking_id: int) -> tuple[int, PassengerView] | None:
    """One passenger row (for the partial that a milestone tap swaps)."""
    b = session.get(Booking, booking_id)
    if b is None:
        return None
    m = b.movement
    ids = [m.id]
    link = session.scalar(select(Transit).where(Transit.inbound_movement_id == m.id))
    if link is not None:
        ids.append(link.onward_movement_id)
    inbound = session.scalar(select(Transit.inbound_movement_id).where(
        Transit.onward_movement_id == m.id))
    escorts = [(e.kind.value, e.escort_name) for e in session.scalars(
        select(EscortAssignment).where(EscortAssignment.movement_id.in_(ids),
                                       EscortAssignment.passenger_id == b.passenger_id)
        .order_by(EscortAssignment.id))]
    return m.id, passenger_view(b, m.kind, m.operational_date, escorts, inbound)


@dataclass(frozen=True, slots=True)
class BoardCounts:
    by_lane: dict[str, int] = field(default_factory=dict)
    passengers_by_lane: dict[str, int] = field(default_factory=dict)
