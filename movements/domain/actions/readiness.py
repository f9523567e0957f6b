"""Record what readiness needs (MEDIF, declaration, consent, UMNR guardians) and confirm
a case for its movement (issue 14.4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..errors import RuleViolation
from ..events import PassengerUpdated
from ..models import Booking, BookingStatus, Passenger
from ..outbox import queue_flight_details
from ..phrases import N_, Phrase
from ..planning_models import CaseConfirmation, PassengerClearance
from ..readiness import CaseReadiness, case_readiness
from ..uow import Tx
from ._common import clean_text
from .planning import _plan_check, load_case, load_movement, load_passenger

#: An IATA flight designator: airline code (2 characters, or 3 letters) and number.
FLIGHT = re.compile(r"(?:[A-Z0-9]{2}|[A-Z]{3})\d{1,5}[A-Z]?")


@dataclass(frozen=True, slots=True)
class ClearanceIn:
    """Fields left ``None`` keep what is recorded."""

    medif_valid_until: date | None = None
    medif_flights: tuple[str, ...] | None = None
    declaration: bool | None = None
    consent: bool | None = None
    guardian_origin_confirmed: bool | None = None
    guardian_destination_confirmed: bool | None = None


def record_clearance(tx: Tx, passenger_id: int, change: ClearanceIn) -> None:
    """Record a passenger's MEDIF, declaration, consent or UMNR guardian confirmations.

    ``medif_flights`` are flight designators ("KL1234"); declaration and consent are
    stamped with the current time when set True and cleared when False.  The audit names
    the fields, not the medical content."""
    _plan_check(tx)
    passenger = load_passenger(tx, passenger_id)
    row = tx.session.get(PassengerClearance, passenger.id)
    if row is None:
        row = PassengerClearance(passenger_id=passenger.id, guardian_origin_confirmed=False,
                                 guardian_destination_confirmed=False)
        tx.session.add(row)
    changed: list[str] = []
    if change.medif_valid_until is not None:
        row.medif_valid_until = change.medif_valid_until
        changed.append("medif_valid_until")
    if change.medif_flights is not None:
        flights = [f.strip().upper().replace(" ", "") for f in change.medif_flights if f.strip()]
        for f in flights:
            if not FLIGHT.fullmatch(f):
                raise RuleViolation(Phrase.of(N_("%(flight)s is not a flight such as KL1234"),
                                              flight=repr(f)),
                                    field="medif_flights")
        row.medif_flights = " ".join(flights) or None
        changed.append("medif_flights")
    for flag, column in ((change.declaration, "declaration_at"),
                         (change.consent, "consent_at")):
        if flag is not None:
            setattr(row, column, tx.now if flag else None)
            changed.append(column)
    for value, column in ((change.guardian_origin_confirmed, "guardian_origin_confirmed"),
                          (change.guardian_destination_confirmed,
                           "guardian_destination_confirmed")):
        if value is not None:
            setattr(row, column, value)
            changed.append(column)
    if not changed:
        raise RuleViolation(Phrase(N_("nothing to record")), field="clearance")
    tx.session.flush()
    for b in passenger.bookings:
        if b.status is not BookingStatus.CANCELLED:
            tx.record(PassengerUpdated, b.movement, passenger_id=passenger.id)
    tx.audit("record_clearance", "passenger", passenger.id, after={"changed": changed})


def confirm_case(tx: Tx, case_id: int, movement_id: int,
                 override_reason: str | None = None) -> int:
    """Confirm a case ready to travel on a movement.

    Refused (``RuleViolation`` listing what is missing) while readiness is incomplete,
    unless a coordinator overrides with a reason, which is stored with what was missing."""
    _plan_check(tx)
    case = load_case(tx, case_id)
    movement = load_movement(tx, movement_id)
    state = case_readiness(tx.session, case.id, movement.id)
    if state is None:
        raise RuleViolation(Phrase.of(N_("case %(reference)s is not booked on %(flight)s"),
                                      reference=case.reference, flight=movement.flight),
                            field="movement")
    reason = clean_text(override_reason, N_("override reason"), max_len=300)
    if not state.ready and reason is None:
        raise RuleViolation(Phrase.of(N_("case %(reference)s is not ready: %(summary)s; a "
                                         "coordinator may confirm with a reason"),
                                      reference=case.reference, summary=summary(state)),
                            field="override_reason")
    row = CaseConfirmation(case_id=case.id, movement_id=movement.id, at=tx.now,
                           by_user_id=tx.actor.user_id,
                           override_reason=reason if not state.ready else None,
                           missing=None if state.ready else ", ".join(state.missing))
    tx.session.add(row)
    tx.session.flush()
    booked = list(tx.session.scalars(select(Booking).join(Passenger).where(
        Booking.movement_id == movement.id, Passenger.case_id == case.id)))
    for b in booked:
        tx.record(PassengerUpdated, movement, passenger_id=b.passenger_id)
    # Flight details to each member by SMS, committed with the confirmation (issue 16).
    queue_flight_details(tx, movement, [b.passenger for b in booked
                                        if b.status is BookingStatus.BOOKED])
    tx.audit("confirm_case", "case", case.id,
             after={"movement": movement.id, "ready": state.ready},
             detail=None if state.ready else f"override: {reason}; missing: {row.missing}")
    return row.id


__all__ = ["ClearanceIn", "confirm_case", "record_clearance"]


def summary(state: CaseReadiness) -> Phrase:
    """What a case still misses ("missing: consent, medical escort"), as a phrase whose
    items translate one by one (``CaseReadiness.summary`` is the English)."""
    if not state.missing:
        return Phrase(N_("ready"))
    items = [Phrase(m) for m in state.missing]
    listed = items[-1]
    for item in reversed(items[:-1]):
        listed = Phrase.of(N_("%(item)s, %(more)s"), item=item, more=listed)
    return Phrase.of(N_("missing: %(items)s"), items=listed)
