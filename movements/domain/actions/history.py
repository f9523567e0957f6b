"""Bulk import of past movements (a synthetic year, an archive): rows, no live events.

Past days have no live board, so this writes no stream events; it writes one audit entry
for the whole import.  Rules that matter for history still hold: SSR codes come from the
vocabulary, agency passengers never carry deportee codes, an unaccompanied minor names
the adult to release to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..errors import RuleViolation
from ..models import (
    Booking,
    Case,
    CharterStop,
    ChronicCondition,
    Movement,
    MovementKind,
    Passenger,
    Transit,
)
from ..uow import Tx
from ..vocabulary import FlightState
from .movements import airport_by_code
from .passengers import validate_needs


@dataclass(frozen=True, slots=True)
class HistoricPassenger:
    key: str
    case_ref: str
    programme: str
    surname: str
    given_names: str
    native_name: str | None
    birth_date: date | None
    sex: str
    nationality: str | None
    ssr_codes: tuple[str, ...]
    chronic_condition: str | None = None
    medical_escort: bool = False
    operational_escort: bool = False
    victim_of_trafficking: bool = False
    release_to_name: str | None = None
    release_to_relation: str | None = None
    stop: str | None = None


@dataclass(frozen=True, slots=True)
class HistoricMovement:
    key: str
    kind: MovementKind
    carrier: str
    flight_number: str
    operational_date: date
    scheduled_at: datetime
    origin: str
    destination: str
    is_charter: bool
    stops: tuple[str, ...]
    onward_key: str | None
    passengers: tuple[HistoricPassenger, ...]


@dataclass(frozen=True, slots=True)
class HistorySummary:
    movements: int
    passengers: int
    bookings: int
    cases: int

    def __str__(self) -> str:
        return (f"{self.movements} movements, {self.passengers} passengers, "
                f"{self.bookings} bookings, {self.cases} cases")


def import_history(tx: Tx, airport: str, movements: Sequence[HistoricMovement]
                   ) -> HistorySummary:
    port = airport_by_code(tx, airport)
    existing = tx.session.scalar(select(func.count(Movement.id)).where(
        Movement.airport_id == port.id,
        Movement.operational_date.in_({m.operational_date for m in movements})))
    if existing:
        raise RuleViolation(f"{airport} already has {existing} movements on these days; "
                            "history is imported into days that are empty")
    cases: dict[str, Case] = {}
    people: dict[str, Passenger] = {}
    rows: dict[str, Movement] = {}
    bookings = 0
    for m in movements:
        final = m.scheduled_at
        movement = Movement(
            airport_id=port.id, kind=m.kind, is_charter=m.is_charter, carrier=m.carrier,
            flight_number=m.flight_number, operational_date=m.operational_date,
            origin=m.origin, destination=m.destination, scheduled_at=m.scheduled_at,
            actual_at=final, completed=True,
            flight_state=FlightState.ARRIVED
            if m.kind in (MovementKind.ARRIVAL, MovementKind.TRANSIT_IN)
            else FlightState.DEPARTED)
        movement.stops = [CharterStop(position=i, airport_code=c)
                          for i, c in enumerate(m.stops, start=1)]
        rows[m.key] = movement
        tx.session.add(movement)
        for p in m.passengers:
            person = people.get(p.key)
            if person is None:
                person = _passenger(p, cases, port.id, m.key)
                people[p.key] = person
                tx.session.add(person)
            tx.session.add(Booking(passenger=person, movement=movement, stop=p.stop))
            bookings += 1
    tx.session.flush()
    for m in movements:
        if m.onward_key is not None:
            if m.onward_key not in rows:
                raise RuleViolation(f"movement {m.key}: onward leg {m.onward_key} is missing")
            tx.session.add(Transit(inbound_movement_id=rows[m.key].id,
                                   onward_movement_id=rows[m.onward_key].id))
    tx.session.flush()
    summary = HistorySummary(len(rows), len(people), bookings, len(cases))
    tx.audit("import_history", "airport", port.id, after={
        "movements": summary.movements, "passengers": summary.passengers,
        "from": min(m.operational_date for m in movements) if movements else None,
        "to": max(m.operational_date for m in movements) if movements else None})
    return summary


def _passenger(p: HistoricPassenger, cases: dict[str, Case], airport_id: int, where: str
               ) -> Passenger:
    try:
        needs = validate_needs(tuple((c, None) for c in p.ssr_codes))
    except RuleViolation as exc:
        raise RuleViolation(f"movement {where}, passenger {p.key}: {exc.message}") from None
    if "UMNR" in p.ssr_codes and not p.release_to_name:
        raise RuleViolation(f"movement {where}, passenger {p.key}: an unaccompanied minor "
                            "needs the named adult to release to")
    case = cases.get(p.case_ref)
    if case is None:
        case = Case(reference=p.case_ref, airport_id=airport_id, programme=p.programme)
        cases[p.case_ref] = case
    person = Passenger(
        case=case, surname=p.surname, given_names=p.given_names, native_name=p.native_name,
        birth_date=p.birth_date, sex=p.sex, nationality=p.nationality,
        medical_escort_required=p.medical_escort,
        operational_escort_required=p.operational_escort,
        victim_of_trafficking=p.victim_of_trafficking,
        chronic_condition=ChronicCondition(p.chronic_condition) if p.chronic_condition
        else None,
        release_to_name=p.release_to_name, release_to_relation=p.release_to_relation)
    person.needs = needs
    return person
