"""Read models of the coordinators' plan: a charter's legs with their headcount against
capacity, its crew and pickups, cases with their members and bookings.

Plain dataclasses out; no writes.  Times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .input_rules import airport_zone
from .models import Booking, BookingStatus, Case, Movement, Passenger
from .phrases import N_, Phrase
from .planning_models import (
    Charter,
    CharterCrew,
    GroundPickup,
    MovementCancellation,
    TravelDocument,
)

CREW_ROLES = {"escort": "escort", "medical_doctor": "medical doctor", "nurse": "nurse",
              "paramedic": "paramedic", "team_leader": "team leader",
              "interpreter": "interpreter"}


@dataclass(frozen=True, slots=True)
class Leg:
    """People on board between two consecutive points of a charter's route."""

    frm: str
    to: str
    passengers: int
    crew: int
    capacity: int

    @property
    def on_board(self) -> int:
        return self.passengers + self.crew

    @property
    def free(self) -> int:
        return self.capacity - self.on_board

    @property
    def over(self) -> bool:
        return self.on_board > self.capacity


@dataclass(frozen=True, slots=True)
class CrewView:
    id: int
    name: str
    role: str
    role_label: str
    board_at: str
    leave_at: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class PickupView:
    id: int
    location: str
    pickup_at: datetime
    vehicle: str
    headcount: int


@dataclass(frozen=True, slots=True)
class StopView:
    position: int
    code: str
    scheduled_at: datetime | None  # UTC
    timezone: str = "UTC"  # the stop airport's zone: its time is shown in it


@dataclass(frozen=True, slots=True)
class CharterView:
    movement_id: int
    flight: str
    operator: str
    seat_capacity: int
    aircraft_type: str | None
    aircraft_registration: str | None
    origin: str
    departs_at: datetime
    stops: tuple[StopView, ...]
    legs: tuple[Leg, ...]
    crew: tuple[CrewView, ...]
    pickups: tuple[PickupView, ...]
    version: int

    @property
    def pickup_headcount(self) -> int:
        return sum(p.headcount for p in self.pickups)


def route_of(movement: Movement) -> list[str]:
    """The charter's points in order: where it leaves from, then every stop."""
    return [movement.origin, *(s.airport_code for s in movement.stops)]


def legs_of(session: Session, movement: Movement, capacity: int) -> tuple[Leg, ...]:
    """Headcount on each leg: a passenger is on board from the origin to their stop
    (``Booking.stop``; the last stop when none is set); crew from ``board_at`` to
    ``leave_at``.  Cancelled bookings do not count."""
    route = route_of(movement)
    index = {code: i for i, code in enumerate(route)}
    last = len(route) - 1
    pax = [0] * last
    crew = [0] * last
    for b in session.scalars(select(Booking).where(
            Booking.movement_id == movement.id, Booking.status != BookingStatus.CANCELLED)):
        end = index.get(b.stop or "", last)
        for i in range(0, end):
            pax[i] += 1
    for c in session.scalars(select(CharterCrew).where(CharterCrew.movement_id == movement.id)):
        start, end = index.get(c.board_at, 0), index.get(c.leave_at, last)
        for i in range(start, end):
            crew[i] += 1
    return tuple(Leg(route[i], route[i + 1], pax[i], crew[i], capacity) for i in range(last))


def charter_view(session: Session, movement_id: int) -> CharterView | None:
    """The charter of a movement with legs, crew and pickups; None when the movement is
    not a charter set up through planning."""
    movement = session.get(Movement, movement_id)
    charter = session.get(Charter, movement_id)
    if movement is None or charter is None:
        return None
    crew = tuple(CrewView(c.id, c.name, c.role, CREW_ROLES.get(c.role, c.role), c.board_at,
                          c.leave_at, c.phone)
                 for c in session.scalars(select(CharterCrew).where(
                     CharterCrew.movement_id == movement_id).order_by(CharterCrew.id)))
    return CharterView(
        movement_id=movement.id, flight=movement.flight, operator=charter.operator,
        seat_capacity=charter.seat_capacity, aircraft_type=movement.aircraft_type,
        aircraft_registration=movement.aircraft_registration, origin=movement.origin,
        departs_at=movement.scheduled_at,
        stops=tuple(StopView(s.position, s.airport_code, s.scheduled_at,
                             airport_zone(s.airport_code) or "UTC")
                    for s in movement.stops),
        legs=legs_of(session, movement, charter.seat_capacity), crew=crew,
        pickups=pickups_of(session, movement_id), version=movement.version)


def pickups_of(session: Session, movement_id: int) -> tuple[PickupView, ...]:
    return tuple(PickupView(p.id, p.location, p.pickup_at, p.vehicle, p.headcount)
                 for p in session.scalars(select(GroundPickup).where(
                     GroundPickup.movement_id == movement_id)
                     .order_by(GroundPickup.pickup_at, GroundPickup.id)))


def crew_on_board(session: Session, movement_id: int
                  ) -> list[tuple[str, Phrase, str | None]]:
    """(name, role label with stops, phone) of a charter's planned crew, for manifests
    and briefings."""
    return [(c.name, Phrase.of(N_("%(role)s (%(board)s–%(leave)s)"),
                               role=Phrase(CREW_ROLES.get(c.role, c.role)), board=c.board_at,
                               leave=c.leave_at), c.phone)
            for c in session.scalars(select(CharterCrew).where(
                CharterCrew.movement_id == movement_id).order_by(CharterCrew.id))]


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    surname: str
    given_names: str
    native_name: str | None
    birth_date: object
    sex: str
    nationality: str | None
    language: str | None
    codes: tuple[str, ...]
    has_document: bool
    version: int


@dataclass(frozen=True, slots=True)
class CaseBooking:
    booking_id: int
    movement_id: int
    flight: str
    day: object
    stop: str | None
    passenger_id: int
    status: str


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    reference: str
    airport_id: int
    programme: str
    split_flagged: bool
    members: tuple[MemberView, ...]
    bookings: tuple[CaseBooking, ...]

    @property
    def movements(self) -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for b in self.bookings:
            if b.status != BookingStatus.CANCELLED.value:
                seen.setdefault(b.movement_id, f"{b.flight} {b.day}")
        return list(seen.items())


def case_view(session: Session, case_id: int) -> CaseView | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    docs = {d.passenger_id for d in session.scalars(select(TravelDocument).where(
        TravelDocument.passenger_id.in_([p.id for p in case.passengers])))}
    members = tuple(MemberView(p.id, p.surname, p.given_names, p.native_name, p.birth_date,
                               p.sex, p.nationality, p.language, p.codes, p.id in docs,
                               p.version)
                    for p in case.passengers if p.purged_at is None)
    bookings = tuple(CaseBooking(b.id, b.movement_id, b.movement.flight,
                                 b.movement.operational_date, b.stop, b.passenger_id,
                                 b.status.value)
                     for p in case.passengers for b in p.bookings)
    return CaseView(case.id, case.reference, case.airport_id, case.programme,
                    case.split_flagged, members, bookings)


def cases_at(session: Session, airport_id: int, limit: int = 200) -> list[tuple[int, str, int]]:
    """(id, reference, members) of an airport's cases, newest first."""
    rows = session.execute(select(Case.id, Case.reference).where(Case.airport_id == airport_id)
                           .order_by(Case.id.desc()).limit(limit)).all()
    counts: dict[int, int] = {}
    for cid in session.scalars(select(Passenger.case_id).where(
            Passenger.case_id.in_([r[0] for r in rows]))):
        counts[cid] = counts.get(cid, 0) + 1
    return [(r[0], r[1], counts.get(r[0], 0)) for r in rows]


def cancellation_of(session: Session, movement_id: int) -> MovementCancellation | None:
    return session.get(MovementCancellation, movement_id)


@dataclass(frozen=True, slots=True)
class PlannedMovement:
    id: int
    flight: str
    kind: str
    operational_date: object
    scheduled_at: datetime
    origin: str
    destination: str
    stops: tuple[str, ...]
    is_charter: bool
    flight_state: str
    cancelled: bool
    booked: int
    #: A charter set up through planning (operator, seats): only these have a charter
    #: page; a movement flagged charter by the feed has none.
    planned_charter: bool = False

    @property
    def label(self) -> Phrase:
        """``KL1234 2026-09-15 transit out AMS→EBB``, the kind translated where shown."""
        route = " ".join(self.stops) if self.stops else self.destination
        return Phrase.of(N_("%(flight)s %(day)s %(kind)s %(origin)s→%(route)s"),
                         flight=self.flight, day=str(self.operational_date),
                         kind=Phrase(self.kind.replace("_", " ")), origin=self.origin,
                         route=route)


def planned_movements(session: Session, airport_id: int, first: object, last: object
                      ) -> list[PlannedMovement]:
    """An airport's movements with operational dates in [first, last], by time."""
    rows = list(session.scalars(select(Movement).where(
        Movement.airport_id == airport_id, Movement.operational_date >= first,
        Movement.operational_date <= last).order_by(Movement.scheduled_at, Movement.id)))
    ids = [m.id for m in rows]
    cancelled = set(session.scalars(select(MovementCancellation.movement_id).where(
        MovementCancellation.movement_id.in_(ids))))
    booked: dict[int, int] = {}
    for mid in session.scalars(select(Booking.movement_id).where(
            Booking.movement_id.in_(ids), Booking.status != BookingStatus.CANCELLED)):
        booked[mid] = booked.get(mid, 0) + 1
    planned = set(session.scalars(select(Charter.movement_id).where(
        Charter.movement_id.in_(ids))))
    return [PlannedMovement(m.id, m.flight, m.kind.value, m.operational_date, m.scheduled_at,
                            m.origin, m.destination, tuple(s.airport_code for s in m.stops),
                            m.is_charter, m.flight_state, m.id in cancelled, booked.get(m.id, 0),
                            m.id in planned)
            for m in rows]


@dataclass(frozen=True, slots=True)
class NoticeStatus:
    needed: bool
    sent_at: datetime | None
    sent_by: str | None
    corrected_pending: bool
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class MovementPlan:
    """What the movement page shows of the plan: cancellation, charter legs, readiness per
    case, carrier notification."""

    movement_id: int
    kind: str
    cancellation: tuple[str, datetime, str | None] | None
    charter: CharterView | None
    readiness: tuple[object, ...]
    notice: NoticeStatus


def movement_plan(session: Session, movement_id: int) -> MovementPlan | None:
    from .errors import RuleViolation
    from .prenotification import DEPARTING, carrier_notice
    from .readiness import movements_readiness

    m = session.get(Movement, movement_id)
    if m is None:
        return None
    c = session.get(MovementCancellation, movement_id)
    notice = NoticeStatus(False, None, None, False, None)
    if m.kind in DEPARTING:
        try:
            n = carrier_notice(session, movement_id)
            notice = NoticeStatus(True, n.last_sent_at, n.last_sent_by, n.corrected,
                                  n.deadline)
        except RuleViolation:
            pass
    readiness = tuple(movements_readiness(session, [movement_id]).get(movement_id, [])) \
        if m.kind in DEPARTING else ()
    return MovementPlan(m.id, m.kind.value, (c.reason, c.at, c.username) if c else None,
                        charter_view(session, movement_id), readiness, notice)


def board_readiness(session: Session, movement_ids: list[int]) -> dict[int, str]:
    """Per departing movement with passengers: "ready", or "missing: ..." (the distinct
    items over its cases), for the board row."""
    from .prenotification import DEPARTING
    from .readiness import movements_readiness

    out: dict[int, str] = {}
    if not movement_ids:
        return out
    # Readiness is about before departure: a flight that has left (or is cancelled) has
    # nothing left to get ready.
    by_movement = movements_readiness(
        session, movement_ids, lambda m: m.kind in DEPARTING and m.actual_at is None
        and m.flight_state not in ("DEP", "CNX"))
    for mid in sorted(by_movement):
        cases = by_movement.get(mid)
        if not cases:
            continue
        missing = list(dict.fromkeys(x for c in cases for x in c.missing))
        out[mid] = "ready" if not missing else "missing: " + ", ".join(missing)
    return out
