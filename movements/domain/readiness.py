"""Readiness before departure (issue 14.4), computed from the data, never ticked by hand.

Per passenger on a movement, what is missing:

* ``travel document``: none recorded, or it expires before the travel date; where the
  destination country asks for validity beyond the stay, that many months after it (the
  table of entry_validity.py: packaged, with its source, and edited by administrators;
  the destination airport's country comes from airportsdata).
* ``medical clearance``: for MEDA, STCR and OXYG, a MEDIF recorded, valid on the travel
  date and naming every leg the passenger flies (the movement's flight, and the onward
  flight of a transit).
* ``guardians confirmed (origin|destination)`` and ``named adult at arrival``: for an
  unaccompanied minor (UMNR).
* ``voluntary-movement declaration`` and ``consent``.
* ``medical escort`` / ``escort``: where an SSR code or the agency's flags require one,
  assigned on the movement (``EscortAssignment``) or planned as charter crew.

A case is ready when every member is.  Pure reads: no writes, no events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import identity_key

from .entry_validity import ValidityRule
from .entry_validity import rules as validity_rules
from .models import (
    Booking,
    BookingStatus,
    Case,
    EscortAssignment,
    EscortKind,
    Movement,
    Passenger,
    SpecialNeed,
    Transit,
)
from .planning_models import CharterCrew, PassengerClearance, TravelDocument
from .ssr import SSR_CODES

#: SSR codes whose carriage needs the airline's medical clearance (IATA MEDIF).
MEDIF_CODES = frozenset({"MEDA", "STCR", "OXYG"})

MEDICAL_CREW = frozenset({"medical_doctor", "nurse", "paramedic"})


@lru_cache(maxsize=1)
def _airports() -> dict[str, str]:
    import airportsdata

    return {code: row["country"] for code, row in airportsdata.load("IATA").items()}


def country_of(airport_code: str) -> str | None:
    """ISO alpha-2 country of an IATA airport code, or None when unknown."""
    return _airports().get(airport_code.upper())


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's last day (31 Aug + 6 = 28 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


@dataclass(frozen=True, slots=True)
class PassengerReadiness:
    passenger_id: int
    name: str
    missing: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class CaseReadiness:
    case_id: int
    reference: str
    movement_id: int
    members: tuple[PassengerReadiness, ...]

    @property
    def ready(self) -> bool:
        return all(m.ready for m in self.members)

    @property
    def missing(self) -> tuple[str, ...]:
        """Distinct missing items over the members, in first-seen order."""
        return tuple(dict.fromkeys(x for m in self.members for x in m.missing))

    @property
    def summary(self) -> str:
        return "ready" if self.ready else "missing: " + ", ".join(self.missing)


def _destination(movement: Movement, booking: _StopField | None) -> str:
    if booking is not None and booking.stop:
        return booking.stop
    return movement.destination


def _legs(session: Session, movement: Movement) -> list[str]:
    flights = [movement.flight]
    link = session.scalar(select(Transit).where(Transit.inbound_movement_id == movement.id))
    if link is not None:
        flights.append(link.onward.flight)
    return flights


def passenger_readiness(session: Session, passenger: Passenger, movement: Movement,
                        booking: Booking | None = None) -> PassengerReadiness:
    """What ``passenger`` still needs before travelling on ``movement`` (see module doc)."""
    codes = set(passenger.codes)
    needs_escort = passenger.medical_escort_required or passenger.operational_escort_required \
        or any(SSR_CODES[c].needs_medical_escort for c in codes if c in SSR_CODES)
    kinds: set[EscortKind] = set()
    crew: set[str] = set()
    if needs_escort:
        kinds = {a.kind for a in session.scalars(select(EscortAssignment).where(
            EscortAssignment.movement_id == movement.id,
            EscortAssignment.passenger_id == passenger.id))}
        crew = set(session.scalars(select(CharterCrew.role).where(
            CharterCrew.movement_id == movement.id)))
    return _assess(passenger, movement, booking, session.get(TravelDocument, passenger.id),
                   session.get(PassengerClearance, passenger.id),
                   _legs(session, movement) if codes & MEDIF_CODES else [], kinds, crew,
                   validity_rules(session))


class _PassengerFields(Protocol):
    """What ``_assess`` reads of a passenger (an ORM row or ``_PassengerRow``)."""

    @property
    def id(self) -> int: ...
    @property
    def surname(self) -> str: ...
    @property
    def given_names(self) -> str: ...
    @property
    def medical_escort_required(self) -> bool: ...
    @property
    def operational_escort_required(self) -> bool: ...
    @property
    def release_to_name(self) -> str | None: ...
    @property
    def codes(self) -> tuple[str, ...]: ...


class _StopField(Protocol):
    @property
    def stop(self) -> str | None: ...


class _DocumentFields(Protocol):
    @property
    def expires_on(self) -> date: ...


class _ClearanceFields(Protocol):
    @property
    def medif_valid_until(self) -> date | None: ...
    @property
    def medif_flights(self) -> str | None: ...
    @property
    def declaration_at(self) -> object | None: ...  # only compared with None
    @property
    def consent_at(self) -> object | None: ...
    @property
    def guardian_origin_confirmed(self) -> bool: ...
    @property
    def guardian_destination_confirmed(self) -> bool: ...


def _assess(passenger: _PassengerFields, movement: Movement, booking: _StopField | None,
            doc: _DocumentFields | None, clearance: _ClearanceFields | None,
            legs: list[str], kinds: set[EscortKind], crew: set[str],
            validity: dict[str, ValidityRule]) -> PassengerReadiness:
    """The rules of the module doc on loaded rows: ``legs`` the flights the passenger flies
    (asked only for MEDIF codes), ``kinds`` the escorts assigned to them on the movement,
    ``crew`` the roles of the movement's charter crew, ``validity`` the document-validity
    table in force (country -> rule, entry_validity.rules)."""
    travel = movement.scheduled_at.date()
    missing: list[str] = []
    destination = _destination(movement, booking)
    if doc is None:
        missing.append("travel document")
    elif doc.expires_on < travel:
        missing.append(f"travel document valid on {travel}")
    elif (movement.kind.value != "arrival"
          and (rule := validity.get(country_of(destination) or "")) is not None
          and doc.expires_on < add_months(travel, rule.months)):
        missing.append(f"travel document valid {rule.months} months after travel "
                       f"({destination})")
    codes = set(passenger.codes)
    if codes & MEDIF_CODES:
        covered = set((clearance.medif_flights or "").upper().split()) if clearance else set()
        if (clearance is None or clearance.medif_valid_until is None
                or clearance.medif_valid_until < travel or not set(legs) <= covered):
            missing.append("medical clearance")
    if "UMNR" in codes:
        if clearance is None or not clearance.guardian_origin_confirmed:
            missing.append("guardians confirmed (origin)")
        if clearance is None or not clearance.guardian_destination_confirmed:
            missing.append("guardians confirmed (destination)")
        if not (passenger.release_to_name or "").strip():
            missing.append("named adult at arrival")
    if clearance is None or clearance.declaration_at is None:
        missing.append("voluntary-movement declaration")
    if clearance is None or clearance.consent_at is None:
        missing.append("consent")
    needs_medical = passenger.medical_escort_required or any(
        SSR_CODES[c].needs_medical_escort for c in codes if c in SSR_CODES)
    needs_escort = passenger.operational_escort_required
    if needs_medical and EscortKind.MEDICAL not in kinds and not crew & MEDICAL_CREW:
        missing.append("medical escort")
    if needs_escort and not kinds and not crew:
        missing.append("escort")
    name = f"{passenger.surname.upper()} {passenger.given_names}".strip()
    return PassengerReadiness(passenger.id, name, tuple(missing))


def case_readiness(session: Session, case_id: int, movement_id: int) -> CaseReadiness | None:
    """Readiness of the members of a case booked (not cancelled) on a movement; None
    when the movement does not exist or no member of the case is on it."""
    movement = session.get(Movement, movement_id)
    if movement is None:
        return None
    bookings = list(session.scalars(select(Booking).join(Passenger).where(
        Booking.movement_id == movement_id, Passenger.case_id == case_id,
        Booking.status != BookingStatus.CANCELLED).order_by(Booking.id)))
    if not bookings:
        return None
    case = bookings[0].passenger.case
    return CaseReadiness(case.id, case.reference, movement.id, tuple(
        passenger_readiness(session, b.passenger, movement, b) for b in bookings))


def movement_readiness(session: Session, movement_id: int) -> list[CaseReadiness]:
    """Every case on a movement with its readiness, in case-reference order."""
    case_ids = sorted(set(session.scalars(select(Passenger.case_id).join(Booking).where(
        Booking.movement_id == movement_id, Booking.status != BookingStatus.CANCELLED))))
    out = [case_readiness(session, cid, movement_id) for cid in case_ids]
    return sorted((r for r in out if r is not None), key=lambda r: r.reference)


@dataclass(frozen=True, slots=True)
class _PassengerRow:
    """The passenger columns the rules read (``_assess``), without an ORM object."""

    id: int
    surname: str
    given_names: str
    medical_escort_required: bool
    operational_escort_required: bool
    release_to_name: str | None
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _BookingRow:
    stop: str | None


@dataclass(frozen=True, slots=True)
class _DocumentRow:
    expires_on: date


@dataclass(frozen=True, slots=True)
class _ClearanceRow:
    """A clearance as the rules read it: ``declaration_at``/``consent_at`` only say
    whether one is recorded (True or None), as ``_assess`` asks nothing more."""

    medif_valid_until: date | None
    medif_flights: str | None
    declaration_at: object | None
    consent_at: object | None
    guardian_origin_confirmed: bool
    guardian_destination_confirmed: bool

    @classmethod
    def of(cls, valid_until: date | None, flights: str | None, declared: bool,
           consented: bool, origin: bool, destination: bool) -> _ClearanceRow:
        return cls(valid_until, flights, True if declared else None,
                   True if consented else None, bool(origin), bool(destination))


def movements_readiness(session: Session, movement_ids: list[int],
                        keep: Callable[[Movement], bool] | None = None
                        ) -> dict[int, list[CaseReadiness]]:
    """``movement_readiness`` for many movements in a fixed number of statements (about
    nine, whatever the passenger count): the board asks for every departure of a day,
    and a live push for the row it re-renders.  The per-passenger rows are read as plain
    columns (no ORM objects: building those was most of the read's time).  Movements the
    session already holds (the board just loaded them) are not read again.  ``keep``:
    which of the movements to assess.  Movements without live bookings (or not kept) are
    absent from the result."""
    if not movement_ids:
        return {}
    movements: dict[int, Movement] = {}
    for mid in movement_ids:
        held = session.identity_map.get(identity_key(Movement, mid))
        if isinstance(held, Movement):
            movements[mid] = held
    missing = [mid for mid in movement_ids if mid not in movements]
    if missing:
        movements.update((m.id, m) for m in session.scalars(select(Movement).where(
            Movement.id.in_(missing))))
    if keep is not None:
        movements = {mid: m for mid, m in movements.items() if keep(m)}
    movement_ids = sorted(movements)
    if not movement_ids:
        return {}
    live = (Booking.movement_id.in_(movement_ids)
            & (Booking.status != BookingStatus.CANCELLED))
    # Booking, passenger, case, document and clearance of every live booking: one row
    # each (document and clearance are one-to-one with the passenger, outer-joined).
    rows = session.execute(
        select(Booking.movement_id, Booking.stop, Passenger.id, Passenger.case_id,
               Passenger.surname, Passenger.given_names, Passenger.medical_escort_required,
               Passenger.operational_escort_required, Passenger.release_to_name,
               Case.reference, TravelDocument.expires_on,
               PassengerClearance.passenger_id, PassengerClearance.medif_valid_until,
               PassengerClearance.medif_flights,
               # only whether they are recorded: no date-time to convert per passenger
               PassengerClearance.declaration_at.is_not(None),
               PassengerClearance.consent_at.is_not(None),
               PassengerClearance.guardian_origin_confirmed,
               PassengerClearance.guardian_destination_confirmed)
        .join(Passenger, Passenger.id == Booking.passenger_id)
        .join(Case, Case.id == Passenger.case_id)
        .outerjoin(TravelDocument, TravelDocument.passenger_id == Passenger.id)
        .outerjoin(PassengerClearance, PassengerClearance.passenger_id == Passenger.id)
        .where(live).order_by(Booking.id)).all()
    on_board = select(Booking.passenger_id).where(live).scalar_subquery()
    codes: dict[int, list[str]] = {}
    for pid, code in session.execute(select(SpecialNeed.passenger_id, SpecialNeed.code)
                                     .where(SpecialNeed.passenger_id.in_(on_board))
                                     .order_by(SpecialNeed.id)):
        codes.setdefault(pid, []).append(code)
    validity = validity_rules(session)
    onward_leg = aliased(Movement)
    onward: dict[int, str] = {
        inbound: f"{carrier}{number}" for inbound, carrier, number in session.execute(
            select(Transit.inbound_movement_id, onward_leg.carrier, onward_leg.flight_number)
            .join(onward_leg, onward_leg.id == Transit.onward_movement_id)
            .where(Transit.inbound_movement_id.in_(movement_ids)))}
    escorts: dict[tuple[int, int], set[EscortKind]] = {}
    for e in session.scalars(select(EscortAssignment).where(
            EscortAssignment.movement_id.in_(movement_ids))):
        escorts.setdefault((e.movement_id, e.passenger_id), set()).add(e.kind)
    crews: dict[int, set[str]] = {}
    for movement_id, role in session.execute(select(CharterCrew.movement_id, CharterCrew.role)
                                             .where(CharterCrew.movement_id.in_(movement_ids))):
        crews.setdefault(movement_id, set()).add(role)
    members: dict[tuple[int, int], list[PassengerReadiness]] = {}
    references: dict[int, str] = {}
    for (movement_id, stop, pid, case_id, surname, given, medical, operational, release_to,
         reference, expires_on, cleared, *clearance) in rows:
        m = movements[movement_id]
        p = _PassengerRow(pid, surname, given, bool(medical), bool(operational), release_to,
                          tuple(codes.get(pid, ())))
        legs = [m.flight, *([onward[m.id]] if m.id in onward else [])]
        references[case_id] = reference
        members.setdefault((movement_id, case_id), []).append(_assess(
            p, m, _BookingRow(stop),
            _DocumentRow(expires_on) if expires_on is not None else None,
            _ClearanceRow.of(*clearance) if cleared is not None else None, legs,
            escorts.get((m.id, pid), set()), crews.get(m.id, set()), validity))
    out: dict[int, list[CaseReadiness]] = {}
    for (movement_id, case_id), found in members.items():
        out.setdefault(movement_id, []).append(
            CaseReadiness(case_id, references[case_id], movement_id, tuple(found)))
    for cases in out.values():
        cases.sort(key=lambda r: r.reference)
    return out


__all__ = ["MEDIF_CODES", "CaseReadiness", "PassengerReadiness",
           "add_months", "case_readiness", "country_of", "movement_readiness",
           "movements_readiness", "passenger_readiness"]
