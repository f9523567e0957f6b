"""What the planning edges (pages, JSON API, CLI) read, loaded for one person through
the access policy (``Need.COORDINATE``): out of scope is ``NotFound``.  The edges import
no SQLAlchemy; they run these through ``UnitOfWork.read`` (or ``run`` when the read is
audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import planning_queries as pq
from .access import Need, access_case, access_movement, choose_airport, may_at
from .clock import local_date
from .errors import NotFound, not_found
from .models import (
    Airport,
    Booking,
    BookingStatus,
    Case,
    Movement,
    MovementKind,
    Passenger,
    TelexMessage,
)
from .phrases import N_, Phrase
from .planning_models import PassengerClearance, TravelDocument
from .prenotification import CarrierNotice, carrier_notice
from .readiness import CaseReadiness, case_readiness, movement_readiness
from .uow import Actor, Tx


class _Flight(Protocol):
    """A published flight as the feed gives it (``feed.client.FeedFlight``)."""

    @property
    def main_flight(self) -> str: ...

    @property
    def direction(self) -> str: ...


_Published = TypeVar("_Published", bound=_Flight)


@dataclass(frozen=True, slots=True)
class AirportRef:
    id: int
    iata: str
    timezone: str


def _ref(a: Airport) -> AirportRef:
    return AirportRef(a.id, a.iata, a.timezone)


def airport_for(session: Session, actor: Actor, code: str | None, default: str) -> AirportRef:
    return _ref(choose_airport(session, actor, code, default, Need.COORDINATE))


@dataclass(frozen=True, slots=True)
class RefusedTelex:
    id: int
    raw: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class HomeView:
    airport: AirportRef
    day: date
    movements: list[pq.PlannedMovement]
    cases: list[tuple[int, str, int]]
    refused: list[RefusedTelex]

    def not_planned(self, flights: Iterable[_Published]) -> list[_Published]:
        """The published flights (``main_flight`` e.g. "KL1571", ``direction`` "A"/"D")
        that no movement of this day and side stands for yet (cancelled ones included:
        re-planning those is an edit), so the page never offers to plan a flight twice."""
        departing = (MovementKind.DEPARTURE.value, MovementKind.TRANSIT_OUT.value)
        planned = {(m.flight.replace(" ", ""), m.kind in departing) for m in self.movements}
        return [f for f in flights
                if (f.main_flight.replace(" ", ""), f.direction == "D") not in planned]


def home_view(session: Session, actor: Actor, code: str | None, default: str,
              day: date | None, now: datetime, refused_since: timedelta,
              refusal_words: str) -> HomeView:
    """The planning page: the day's movements, the cases, and the telexes refused for a
    flight not planned (``refusal_words`` in their detail) since ``now - refused_since``."""
    airport = choose_airport(session, actor, code, default, Need.COORDINATE)
    the_day = day or local_date(now, airport.timezone)
    refused = [RefusedTelex(t.id, t.raw, t.received_at) for t in session.scalars(
        select(TelexMessage).where(
            TelexMessage.airport_id == airport.id, TelexMessage.outcome == "rejected",
            TelexMessage.received_at >= now - refused_since,
            TelexMessage.detail.contains(refusal_words)).order_by(TelexMessage.id.desc()))]
    return HomeView(_ref(airport), the_day,
                    pq.planned_movements(session, airport.id, the_day, the_day),
                    pq.cases_at(session, airport.id), refused)


def is_planned(session: Session, airport_id: int, flight: str, day: date,
               departing: bool) -> bool:
    """Whether a movement of this flight (e.g. "KL1571"), day and side exists."""
    kinds = ([MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT] if departing
             else [MovementKind.ARRIVAL, MovementKind.TRANSIT_IN])
    return session.scalar(select(Movement.id).where(
        Movement.airport_id == airport_id,
        (Movement.carrier + Movement.flight_number) == flight,
        Movement.operational_date == day, Movement.kind.in_(kinds))) is not None


@dataclass(frozen=True, slots=True)
class MovementForm:
    id: int
    flight: str
    kind: str
    is_charter: bool
    operational_date: date
    scheduled_at: datetime
    origin: str
    destination: str
    terminal: str | None
    gate: str | None
    version: int


@dataclass(frozen=True, slots=True)
class MovementPlanPage:
    m: MovementForm
    airport: AirportRef
    booked: list[tuple[int, str, int, str]]  # booking id, case ref, case id, name
    plan: pq.MovementPlan | None


def movement_plan_page(session: Session, actor: Actor, movement_id: int) -> MovementPlanPage:
    m = access_movement(session, actor, movement_id, Need.COORDINATE)
    booked = [(b.id, b.passenger.case.reference, b.passenger.case_id,
               f"{b.passenger.surname.upper()} {b.passenger.given_names}")
              for b in session.scalars(select(Booking).where(
                  Booking.movement_id == m.id, Booking.status != BookingStatus.CANCELLED)
                  .order_by(Booking.id))]
    form = MovementForm(m.id, m.flight, m.kind.value, m.is_charter, m.operational_date,
                        m.scheduled_at, m.origin, m.destination, m.terminal, m.gate,
                        m.version)
    return MovementPlanPage(form, _ref(m.airport), booked,
                            pq.movement_plan(session, movement_id))


def movement_timezone(session: Session, actor: Actor, movement_id: int) -> str:
    return access_movement(session, actor, movement_id, Need.COORDINATE).airport.timezone


@dataclass(frozen=True, slots=True)
class CasePage:
    case: pq.CaseView
    options: list[pq.PlannedMovement]
    readiness: list[CaseReadiness]
    clearances: dict[int, Any]
    #: How the outbox reaches each member (issue 16): their contact row, if any.
    contacts: dict[int, Any] = field(default_factory=dict)


def case_page(session: Session, actor: Actor, case_id: int, now: datetime) -> CasePage:
    case = access_case(session, actor, case_id, Need.COORDINATE)
    view = pq.case_view(session, case.id)
    assert view is not None
    today = local_date(now, session.get(Airport, case.airport_id).timezone)  # type: ignore[union-attr]
    options = [m for m in pq.planned_movements(session, case.airport_id, today,
                                               today + timedelta(days=60))
               if not m.cancelled]
    ready = [r for r in (case_readiness(session, case.id, mid)
                         for mid, _ in view.movements) if r is not None]
    clearances = {c.passenger_id: c for c in session.scalars(select(PassengerClearance).where(
        PassengerClearance.passenger_id.in_([p.id for p in view.members])))}
    from .outbox_models import Contact

    contacts: dict[int, Any] = {
        int(c.passenger_id or 0): c for c in session.scalars(select(Contact).where(
            Contact.passenger_id.in_([p.id for p in view.members])))}
    return CasePage(view, options, ready, clearances, contacts)


def case_of_passenger(session: Session, actor: Actor, passenger_id: int) -> int:
    """The case id of a passenger the actor may plan; else NotFound."""
    p = session.get(Passenger, passenger_id)
    if p is None or not may_at(actor, Need.COORDINATE, p.case.airport_id):
        raise not_found("passenger")
    return p.case_id


def case_by_reference(session: Session, actor: Actor, reference: str) -> int:
    found = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if found is None or not may_at(actor, Need.COORDINATE, found.airport_id):
        raise NotFound(Phrase.of(N_("case %(reference)s does not exist"),
                                 reference=repr(reference)))
    return found.id


def airport_timezone(session: Session, actor: Actor, code: str) -> str:
    return choose_airport(session, actor, code, code, Need.COORDINATE).timezone


def passenger_form(tx: Tx, case_id: int, passenger_id: int) -> dict[str, Any]:
    """A member's full record for the edit form.  The read is audited in the same
    transaction (it shows health flags and the trafficking flag)."""
    from .actions.planning import load_passenger

    p = load_passenger(tx, passenger_id)
    if p.case_id != case_id:
        raise not_found("passenger")
    doc = tx.session.get(TravelDocument, p.id)
    tx.audit("read_passenger", "passenger", p.id, detail="planning edit form")
    return {
        "id": p.id, "version": p.version, "surname": p.surname,
        "given_names": p.given_names, "native_name": p.native_name or "",
        "birth_date": p.birth_date.isoformat() if p.birth_date else "",
        "sex": p.sex, "nationality": p.nationality or "", "language": p.language or "",
        "medical_escort_required": p.medical_escort_required,
        "operational_escort_required": p.operational_escort_required,
        "victim_of_trafficking": p.victim_of_trafficking,
        "chronic_condition": p.chronic_condition.value if p.chronic_condition else "",
        "release_to_name": p.release_to_name or "",
        "release_to_relation": p.release_to_relation or "",
        "needs": {n.code: n.text or "" for n in p.needs},
        "doc_type": doc.doc_type if doc else "passport",
        "doc_number": doc.number if doc else "",
        "doc_expiry": doc.expires_on.isoformat() if doc else "",
        "doc_country": doc.issuing_country if doc else ""}


def charter_page(session: Session, actor: Actor, movement_id: int
                 ) -> tuple[pq.CharterView, str]:
    m = access_movement(session, actor, movement_id, Need.COORDINATE)
    view = pq.charter_view(session, movement_id)
    if view is None:
        raise not_found("charter")
    return view, m.airport.timezone


def notice_for(session: Session, actor: Actor, movement_id: int) -> CarrierNotice:
    """The carrier notification of a movement in the actor's scope, exactly as
    ``record_notice_sent`` would store it now."""
    access_movement(session, actor, movement_id, Need.COORDINATE)
    return carrier_notice(session, movement_id)


def readiness_for(session: Session, actor: Actor, movement_id: int) -> list[CaseReadiness]:
    access_movement(session, actor, movement_id, Need.COORDINATE)
    return movement_readiness(session, movement_id)


__all__ = ["AirportRef", "CasePage", "HomeView", "MovementForm", "MovementPlanPage",
           "RefusedTelex", "airport_for", "airport_timezone", "case_by_reference",
           "case_of_passenger", "case_page", "charter_page", "home_view", "is_planned",
           "movement_plan_page", "movement_timezone", "notice_for", "passenger_form",
           "readiness_for"]
