"""Taking a step back (issue 13.5): undo within two minutes by who tapped, a
coordinator's correction with a reason, and a no-show revoked when the passenger turns up.

* ``undo_last``: the last thing recorded on a passenger's booking (a milestone, or the
  no-show) is taken back by the person who recorded it, within ``UNDO_WINDOW``.  It must
  be the booking's last entry: undoing an earlier one would leave a hole under someone
  else's work.
* ``correct_milestone``: a coordinator removes any recorded step, with a reason.
* ``revoke_no_show``: the passenger turned up; gate staff or a coordinator, with a reason.

Every change is audited (the reason in the audit's detail: it is about the work, and
``retention`` purges passengers, not the audit) and recorded as an event on the
movement's streams, so every tablet follows.
"""

from __future__ import annotations

from datetime import timedelta

from .. import milestones as steps
from ..access import Need, access_booking
from ..errors import RuleViolation
from ..events import MilestoneRemoved, NoShowRevoked
from ..milestones import last_entry
from ..models import Booking, BookingStatus, Milestone, Role
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import check_version, clean_text, require_role, touch

#: How long who tapped may take it back without a coordinator.
UNDO_WINDOW = timedelta(minutes=2)
NOT_NO_SHOW = N_("this passenger is not recorded as a no-show")


def undo_last(tx: Tx, booking_id: int, expected_version: int | None = None) -> str:
    """Take back the booking's last entry, recorded by this person less than two minutes
    ago.  Returns what was undone (a milestone kind or "no_show").  Raises RuleViolation
    when there is nothing of theirs to undo or the window has passed."""
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, N_("this passenger's record"))
    entry = last_entry(booking)
    if entry is None:
        raise RuleViolation(Phrase(N_("nothing recorded for this passenger yet")))
    if tx.actor.user_id is None or entry.by_user_id != tx.actor.user_id:
        raise RuleViolation(Phrase.of(
            N_("%(step)s was recorded by someone else: only who tapped it may undo it; a "
               "coordinator can correct it with a reason"), step=Phrase(entry.label)))
    if tx.now - entry.at > UNDO_WINDOW:
        raise RuleViolation(Phrase.of(
            N_("%(step)s was recorded more than %(minutes)s minutes ago: a coordinator can "
               "correct it with a reason"), step=Phrase(entry.label),
            minutes=int(UNDO_WINDOW.total_seconds() // 60)))
    if entry.milestone is not None:
        _remove(tx, booking, entry.milestone, undo=True, reason=None)
    else:
        _reopen(tx, booking, undo=True, reason=None)
    return entry.kind


def correct_milestone(tx: Tx, booking_id: int, kind: str, reason: str,
                      expected_version: int | None = None) -> None:
    """A coordinator takes back any recorded step (or the no-show, ``kind="no_show"``),
    with a reason.  Raises RuleViolation when it is not recorded or the reason is empty."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    booking = access_booking(tx.session, tx.actor, booking_id, Need.COORDINATE)
    check_version(booking, expected_version, N_("this passenger's record"))
    why = clean_text(reason, N_("correction reason"), required=True)
    if kind == "no_show":
        if booking.status is not BookingStatus.NO_SHOW:
            raise RuleViolation(Phrase(NOT_NO_SHOW), field="kind")
        _reopen(tx, booking, undo=False, reason=why)
        return
    found = next((m for m in booking.milestones if m.kind == kind), None)
    if found is None:
        raise RuleViolation(Phrase.of(N_("%(step)s is not recorded for this passenger"),
                                      step=Phrase(steps.LABELS.get(kind, kind))), field="kind")
    _remove(tx, booking, found, undo=False, reason=why)


def revoke_no_show(tx: Tx, booking_id: int, reason: str,
                   expected_version: int | None = None) -> None:
    """The passenger turned up after all: booked again, with a reason (gate staff too)."""
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    check_version(booking, expected_version, N_("this passenger's record"))
    why = clean_text(reason, N_("reason"), required=True)
    if booking.status is not BookingStatus.NO_SHOW:
        raise RuleViolation(Phrase(NOT_NO_SHOW))
    _reopen(tx, booking, undo=False, reason=why)


def _remove(tx: Tx, booking: Booking, milestone: Milestone, *, undo: bool,
            reason: str | None) -> None:
    kind, at, by = milestone.kind, milestone.at, milestone.by_user_id
    booking.milestones.remove(milestone)
    tx.session.delete(milestone)
    touch(booking, "seat")
    tx.session.flush()
    tx.record(MilestoneRemoved, booking.movement, passenger_id=booking.passenger_id,
              milestone=kind, undo=undo)
    tx.audit("undo_milestone" if undo else "correct_milestone", "booking", booking.id,
             before={"milestone": kind, "at": at, "by": by},
             after={"passenger": booking.passenger_id}, detail=reason)


def _reopen(tx: Tx, booking: Booking, *, undo: bool, reason: str | None) -> None:
    before = {"status": booking.status.value, "at": booking.no_show_at,
              "by": booking.no_show_by_user_id}
    booking.status = BookingStatus.BOOKED
    booking.no_show_reason = None
    booking.no_show_at = None
    booking.no_show_by_user_id = None
    tx.session.flush()
    tx.record(NoShowRevoked, booking.movement, passenger_id=booking.passenger_id, undo=undo)
    tx.audit("undo_no_show" if undo else "revoke_no_show", "booking", booking.id,
             before=before, after={"status": "booked", "passenger": booking.passenger_id},
             detail=reason)
