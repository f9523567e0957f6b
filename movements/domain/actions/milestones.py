"""Ticking the steps of a passenger's journey, and no-shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import milestones as steps
from ..access import Need, access_booking
from ..errors import ConflictError, RuleViolation
from ..events import MilestoneRecorded, NoShowRecorded
from ..models import (
    Booking,
    BookingStatus,
    EscortAssignment,
    EscortKind,
    Milestone,
    Movement,
    MovementKind,
    Passenger,
    Transit,
)
from ..release import on_blocks
from ..ssr import SSR_CODES
from ..uow import Tx
from ..vocabulary import ON_BOARD_STEPS
from ._common import check_version, clean_text, touch


def needs_medical_escort(passenger: Passenger) -> bool:
    return passenger.medical_escort_required or any(
        SSR_CODES[c].needs_medical_escort for c in passenger.codes if c in SSR_CODES)


def has_medical_escort(tx: Tx, passenger: Passenger, movement: Movement) -> bool:
    movement_ids = {movement.id}
    link = tx.session.scalar(select(Transit).where(Transit.inbound_movement_id == movement.id))
    if link is not None:
        movement_ids.add(link.onward_movement_id)
    found = tx.session.scalar(select(EscortAssignment.id).where(
        EscortAssignment.passenger_id == passenger.id,
        EscortAssignment.movement_id.in_(movement_ids),
        EscortAssignment.kind == EscortKind.MEDICAL))
    return found is not None


#: Movements whose passengers arrive on the aircraft (their steps wait for on blocks).
INBOUND = frozenset({MovementKind.ARRIVAL, MovementKind.TRANSIT_IN})


def record_milestone(tx: Tx, booking_id: int, kind: str, expected_version: int | None = None,
                     *, override_reason: str | None = None) -> int:
    # What the action reads, in two statements (booking + movement + airport + passenger
    # joined, then the milestones) instead of five lazy loads; the access policy below
    # then finds the booking in the session.
    held = _load_for_step(tx, booking_id)
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, "this passenger's record")
    movement = booking.movement
    passenger = booking.passenger
    step = steps.find(movement.kind, kind)
    if step is None:
        raise RuleViolation(f"{kind!r} is not a step of a {movement.kind.value}", field="kind")
    if booking.status is not BookingStatus.BOOKED:
        raise RuleViolation(f"this passenger is recorded as "
                            f"{booking.status.value.replace('_', '-')}")
    done = {m.kind for m in booking.milestones}
    if kind in done:
        raise ConflictError(f"{step.label} is already recorded")
    reason = clean_text(override_reason, "override reason")
    # An inbound passenger is met and worked once the aircraft is at its stand (the
    # handover's release rule, release.on_blocks): before that, every inbound step is
    # out of order and needs its reason, as a skipped step does.
    early = movement.kind in INBOUND and not on_blocks(movement)
    if early and reason is None:
        raise RuleViolation(
            f"{movement.flight} is not on blocks yet (state {movement.flight_state}): "
            f"{step.label} is recorded once the aircraft is at its stand. Give a reason "
            "to record it anyway", field="override_reason")
    missing = steps.missing_before(movement.kind, kind, done)
    if missing and reason is None:
        names = ", ".join(m.label for m in missing)
        raise RuleViolation(f"{step.label} comes after: {names}. Give a reason to override",
                            field="override_reason")
    missing = missing or ([step] if early else [])
    if step.boards and needs_medical_escort(passenger) and not has_medical_escort(
            tx, passenger, movement):
        raise RuleViolation(
            "a stretcher or medical (STCR/MEDA) passenger cannot board without an assigned "
            "medical escort")
    milestone = Milestone(booking=booking, kind=kind, at=tx.now, by_user_id=tx.actor.user_id,
                          override_reason=reason if missing else None)
    tx.session.add(milestone)
    touch(booking, "seat")
    tx.session.flush()
    tx.record(MilestoneRecorded, movement, passenger_id=passenger.id, milestone=kind,
              overridden=bool(missing))
    # The reason is free text about the passenger: it stays on the milestone row (purged
    # with them), the audit says only that a step was overridden.
    tx.audit("record_milestone", "booking", booking.id, after={
        "milestone": kind, "passenger": passenger.id, "overridden": bool(missing)})
    del held
    return milestone.id


def _load_for_step(tx: Tx, booking_id: int) -> Booking | None:
    return tx.session.scalar(
        select(Booking).where(Booking.id == booking_id)
        .options(joinedload(Booking.movement).joinedload(Movement.airport),
                 joinedload(Booking.passenger), selectinload(Booking.milestones)))


def record_no_show(tx: Tx, booking_id: int, reason: str,
                   expected_version: int | None = None) -> None:
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, "this passenger's record")
    text = clean_text(reason, "no-show reason", required=True)
    if booking.status is BookingStatus.NO_SHOW:
        raise ConflictError("already recorded as a no-show")
    if booking.status is BookingStatus.CANCELLED:
        raise RuleViolation("this booking is cancelled")
    if any(m.kind in ON_BOARD_STEPS for m in booking.milestones):
        raise RuleViolation("a boarded passenger cannot be a no-show")
    booking.status = BookingStatus.NO_SHOW
    booking.no_show_reason = text
    booking.no_show_at = tx.now
    booking.no_show_by_user_id = tx.actor.user_id
    tx.session.flush()
    tx.record(NoShowRecorded, booking.movement, passenger_id=booking.passenger_id,
              reason=text or "")
    tx.audit("record_no_show", "booking", booking.id,
             after={"passenger": booking.passenger_id})  # the reason: on the booking
