"""Retention: personal data goes once the team's care has ended long enough ago.

A passenger is purged when every (not cancelled) booking is on a movement that is over
(marked completed, or departed / arrived per the flight state) and their care ended more
than ``older_than_days`` ago.  Care ends at the latest of: the signature of a handover
that names them, or the last step of a leg (departed, boarded onward, handed over).  A
passenger with no such end (never handed over, still being worked) is kept: a coordinator
must close the case first.

Purged means: surname ``PURGED``, no given names, native name, birth date, booking
locator, medical notes, release-to adult, free text on needs or on notes about them.
What the yearly figures count stays: the SSR codes, the agency's flags, nationality, sex,
the chronic-condition category, bookings and milestone times.  Each purge is audited
(with no personal data in the entry) and pushed to the screens that show the passenger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import RuleViolation
from ..events import PassengerPurged
from ..models import (
    Booking,
    BookingStatus,
    Handover,
    HandoverPassenger,
    HandoverStatus,
    Movement,
    Note,
    Passenger,
    Role,
)
from ..uow import Tx
from ._common import require_role

PURGED_SURNAME = "PURGED"
PURGED_NOTE = "(removed: retention period ended)"
#: The step that ends the team's care on each leg.
FINAL_STEPS = {"departed", "boarded_onward", "handed_over"}
#: Flight states after which a leg is over, even if nobody ticked "completed".
OVER_STATES = {"DEP", "ARR"}


@dataclass(frozen=True, slots=True)
class PurgeSummary:
    purged: int
    kept_in_care: int
    cutoff: datetime


def movement_is_over(movement: Movement) -> bool:
    return movement.completed or movement.flight_state in OVER_STATES


def care_ended_at(passenger: Passenger, signed_at: list[datetime]) -> datetime | None:
    """When the team's care for the passenger ended, or None while it goes on."""
    ends: list[datetime] = list(signed_at)
    active = [b for b in passenger.bookings if b.status is not BookingStatus.CANCELLED]
    if not active:
        return None
    for booking in active:
        if not movement_is_over(booking.movement):
            return None
        ends.extend(m.at for m in booking.milestones if m.kind in FINAL_STEPS)
    return max(ends) if ends else None


def purge_personal_data(tx: Tx, older_than_days: int) -> PurgeSummary:
    require_role(tx, Role.ADMIN)
    if older_than_days < 0:
        raise RuleViolation("the retention period cannot be negative", field="older_than_days")
    cutoff = tx.now - timedelta(days=older_than_days)
    passengers = list(tx.session.scalars(
        select(Passenger).where(Passenger.purged_at.is_(None)).options(
            selectinload(Passenger.needs),
            selectinload(Passenger.bookings).selectinload(Booking.movement)
            .selectinload(Movement.airport),
            selectinload(Passenger.bookings).selectinload(Booking.milestones))))
    signed: dict[int, list[datetime]] = {}
    for passenger_id, signed_at in tx.session.execute(
            select(HandoverPassenger.passenger_id, Handover.signed_at)
            .join(Handover, Handover.id == HandoverPassenger.handover_id)
            .where(Handover.status == HandoverStatus.SIGNED, Handover.signed_at.is_not(None))):
        if signed_at is not None:
            signed.setdefault(passenger_id, []).append(signed_at)
    purged = kept = 0
    for passenger in passengers:
        ended = care_ended_at(passenger, signed.get(passenger.id, []))
        if ended is None or ended > cutoff:
            kept += 1
            continue
        _purge(tx, passenger, ended, older_than_days)
        purged += 1
    return PurgeSummary(purged=purged, kept_in_care=kept, cutoff=cutoff)


def _purge(tx: Tx, passenger: Passenger, ended: datetime, days: int) -> None:
    passenger.surname = PURGED_SURNAME
    passenger.given_names = ""
    passenger.native_name = None
    passenger.birth_date = None
    passenger.medical_notes = None
    passenger.release_to_name = None
    passenger.release_to_relation = None
    passenger.booking_locator = None
    passenger.purged_at = tx.now
    for need in passenger.needs:
        need.text = None  # the code stays: aggregates count codes
    for note in tx.session.scalars(select(Note).where(Note.passenger_id == passenger.id)):
        note.text = PURGED_NOTE
    tx.session.flush()
    for movement in {b.movement.id: b.movement for b in passenger.bookings}.values():
        tx.record(PassengerPurged, movement, passenger_id=passenger.id)
    tx.audit("purge_personal_data", "passenger", passenger.id,
             after={"codes": sorted(passenger.codes), "care_ended_at": ended},
             detail=f"retention period of {days} days ended")


__all__ = ["PURGED_SURNAME", "PurgeSummary", "care_ended_at", "movement_is_over",
           "purge_personal_data"]
