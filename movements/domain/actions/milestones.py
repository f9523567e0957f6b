"""Ticking the steps of a passenger's journey, and no-shows."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import input_rules
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
from ..phrases import N_, Phrase
from ..release import on_blocks
from ..ssr import SSR_CODES
from ..uow import Tx, transit_of
from ..vocabulary import ON_BOARD_STEPS, flight_state_label
from ._common import check_version, clean_text


def needs_medical_escort(passenger: Passenger) -> bool:
    return passenger.medical_escort_required or any(
        SSR_CODES[c].needs_medical_escort for c in passenger.codes if c in SSR_CODES)


def has_medical_escort(tx: Tx, passenger: Passenger, movement: Movement) -> bool:
    movement_ids = {movement.id}
    if movement.id in tx.transit_links:  # read with the booking (either leg's link)
        link = tx.transit_links[movement.id]
        link = link if link is not None and link.inbound_movement_id == movement.id else None
    else:
        link = tx.session.scalar(select(Transit).where(
            Transit.inbound_movement_id == movement.id))
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
    # What the action reads, in one statement (booking + movement + airport + passenger
    # + milestones + the movement's transit link joined) instead of six; the access policy
    # below then finds the booking in the session, and ``tx.record`` the link.
    held = _load_for_step(tx, booking_id)
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, N_("this passenger's record"))
    movement = booking.movement
    passenger = booking.passenger
    step = steps.find(movement.kind, kind)
    if step is None:
        raise RuleViolation(Phrase.of(N_("%(kind)s is not a step of a %(movement)s"),
                                      kind=repr(kind), movement=Phrase(movement.kind.label)),
                            field="kind")
    if booking.status is not BookingStatus.BOOKED:
        raise RuleViolation(Phrase.of(N_("this passenger is recorded as %(status)s"),
                                      status=Phrase(booking.status.value.replace("_", "-"))))
    done = {m.kind for m in booking.milestones}
    if kind in done:
        raise ConflictError(Phrase.of(N_("%(step)s is already recorded"),
                                      step=Phrase(step.label)))
    reason = clean_text(override_reason, N_("override reason"))
    # An inbound passenger is met and worked once the aircraft is at its stand (the
    # handover's release rule, release.on_blocks): before that, every inbound step is
    # out of order and needs its reason, as a skipped step does.
    early = movement.kind in INBOUND and not on_blocks(movement)
    if early and reason is None:
        raise RuleViolation(Phrase.of(
            N_("%(flight)s is not on blocks yet (state %(state)s): %(step)s is recorded once "
               "the aircraft is at its stand. Give a reason to record it anyway"),
            flight=movement.flight, state=Phrase(flight_state_label(movement.flight_state)),
            step=Phrase(step.label)), field="override_reason")
    missing = steps.missing_before(movement.kind, kind, done)
    if missing and reason is None:
        raise RuleViolation(Phrase.of(
            N_("%(step)s comes after: %(steps)s. Give a reason to override"),
            step=Phrase(step.label), steps=_listed([Phrase(m.label) for m in missing])),
            field="override_reason")
    missing = missing or ([step] if early else [])
    if step.boards and needs_medical_escort(passenger) and not has_medical_escort(
            tx, passenger, movement):
        raise RuleViolation(Phrase(N_(
            "a stretcher or medical (STCR/MEDA) passenger cannot board without an assigned "
            "medical escort")))
    # The versioned UPDATE goes first: a copy that is no longer current is refused here
    # and nothing else is written (on PostgreSQL a concurrent tap waits on the row, then
    # matches no row: the same refusal, never the milestone's unique key).  It is the
    # ORM's own versioned UPDATE (WHERE version = the version read; +1), sent as a Core
    # statement built once, and the loaded row is told its new version; then the
    # milestone and the audit row as Core inserts built once: no unit-of-work cycle for
    # any of them (bench/actions.py).
    bumped = tx.session.execute(_VERSION_BUMP, {"b_id": booking.id,
                                                "b_version": booking.version})
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleDataError("booking changed since it was read")  # -> ConflictError
    set_committed_value(booking, "version", booking.version + 1)
    row = {"booking_id": booking.id, "kind": kind, "at": tx.now,
           "by_user_id": tx.actor.user_id,
           "override_reason": reason if missing else None}
    input_rules.check_row(Milestone, row)
    milestone_id = int(tx.session.execute(_MILESTONE_INSERT, row).scalar_one())
    # The Core insert bypasses the ORM, so a loaded ``booking.milestones`` would not hold
    # the new step: expire it, so the next reader in this session (a second step of the
    # same passenger in one transaction, the demo's seeding) loads the rows as they are.
    tx.session.expire(booking, ["milestones"])
    # The reason is free text about the passenger: it stays on the milestone row (purged
    # with them), the audit says only that a step was overridden.
    tx.audit_direct("record_milestone", "booking", booking.id, after={
        "milestone": kind, "passenger": passenger.id, "overridden": bool(missing)})
    tx.record(MilestoneRecorded, movement, passenger_id=passenger.id, milestone=kind,
              overridden=bool(missing))
    del held
    return milestone_id


def _listed(parts: list[Phrase]) -> Phrase:
    """Phrases as one comma-separated list phrase ("Checked in, At gate"), each part
    translated (phrases' own tuple join is "; ", meant for whole reasons)."""
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = Phrase.of(N_("%(item)s, %(more)s"), item=part, more=out)
    return out


_BOOKING = cast(Table, Booking.__table__)
_VERSION_BUMP = update(_BOOKING).where(
    _BOOKING.c.id == bindparam("b_id"), _BOOKING.c.version == bindparam("b_version"),
).values(version=_BOOKING.c.version + 1)
_MILESTONE_INSERT = insert(cast(Table, Milestone.__table__)).returning(
    cast(Table, Milestone.__table__).c.id)
#: Built once: a statement built per call costs its construction and its cache key on
#: every tap (SQLAlchemy memoizes the key on the statement object).
_STEP_LOAD = (
    select(Booking, Transit).where(Booking.id == bindparam("booking_id"))
    .outerjoin(Transit, transit_of(Booking.movement_id))
    .options(joinedload(Booking.movement).joinedload(Movement.airport),
             joinedload(Booking.passenger), joinedload(Booking.milestones)))


def _load_for_step(tx: Tx, booking_id: int) -> Booking | None:
    """The booking with what a step needs, and its movement's transit link noted on
    ``tx`` (one statement; milestones are a handful of rows per booking)."""
    row = tx.session.execute(_STEP_LOAD, {"booking_id": booking_id}).unique().first()
    if row is None:
        return None
    booking, link = row
    tx.transit_links[booking.movement_id] = link
    return booking


def record_no_show(tx: Tx, booking_id: int, reason: str,
                   expected_version: int | None = None) -> None:
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, N_("this passenger's record"))
    text = clean_text(reason, N_("no-show reason"), required=True)
    if booking.status is BookingStatus.NO_SHOW:
        raise ConflictError(Phrase(N_("already recorded as a no-show")))
    if booking.status is BookingStatus.CANCELLED:
        raise RuleViolation(Phrase(N_("this booking is cancelled")))
    if any(m.kind in ON_BOARD_STEPS for m in booking.milestones):
        raise RuleViolation(Phrase(N_("a boarded passenger cannot be a no-show")))
    booking.status = BookingStatus.NO_SHOW
    booking.no_show_reason = text
    booking.no_show_at = tx.now
    booking.no_show_by_user_id = tx.actor.user_id
    tx.session.flush()
    tx.record(NoShowRecorded, booking.movement, passenger_id=booking.passenger_id,
              reason=text or "")
    tx.audit("record_no_show", "booking", booking.id,
             after={"passenger": booking.passenger_id})  # the reason: on the booking
