"""Revealing a passenger's full name and birth date: a deliberate, audited read."""

from __future__ import annotations

from .. import queries
from ..access import Need, access_booking, access_movement, may_reveal
from ..errors import RuleViolation, not_found
from ..models import BookingStatus
from ..phrases import N_, Phrase
from ..ssr import NeedGroup
from ..uow import Tx


def reveal_passenger(tx: Tx, booking_id: int) -> queries.PassengerView:
    """The passenger row of a booking with the full details, for staff of its airport.

    The read is audited in this transaction before anything is shown (``reveal_passenger``,
    with whether it touched minors' or health data).  Raises NotFound outside the actor's
    scope.  Source: DOMAIN.md ("Health data and data on minors ... log who reads them")."""
    access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    if not may_reveal(tx.actor):
        raise not_found("booking")
    found = queries.booking_view(tx.session, booking_id)
    assert found is not None
    view = found[1]
    sensitive = view.unaccompanied_minor or (view.age is not None and view.age < 18) \
        or any(n.health for n in view.needs)
    tx.audit("reveal_passenger", "passenger", view.id,
             detail="minor or health data" if sensitive else "identity")
    return view


#: Badge groups whose passengers' rows carry health or minors' data: following one of
#: these badges to the people is a read of that data and is audited.
SENSITIVE_GROUPS = frozenset({NeedGroup.MEDICAL, NeedGroup.STRETCHER_OXYGEN,
                              NeedGroup.WHEELCHAIR, NeedGroup.MINOR})


def trace_need(tx: Tx, movement_id: int, need: str) -> tuple[int, ...]:
    """The bookings behind one of a movement's board badges (issue 13.7: "Medical 1"
    leads to the person): the ids of the active bookings whose passenger is in badge
    group ``need`` (a ``NeedGroup`` value), in booking order.

    Following a health or minor badge is audited here (``trace_need``, the movement, the
    group and how many passengers); the page then shows those rows as always, initials
    and codes only; the full name stays behind the audited reveal.  Raises NotFound
    outside the actor's scope and RuleViolation for an unknown group."""
    try:
        group = NeedGroup(need)
    except ValueError:
        known = ", ".join(g.value for g in NeedGroup)
        raise RuleViolation(Phrase.of(N_("need %(need)s is not one of %(known)s"),
                                      need=repr(need), known=known), field="need") from None
    movement = access_movement(tx.session, tx.actor, movement_id, Need.WORK)
    found = tuple(b.id for b in sorted(movement.bookings, key=lambda b: b.id)
                  if b.status is not BookingStatus.CANCELLED
                  and group.value in queries.need_groups(b.passenger))
    if group in SENSITIVE_GROUPS:
        tx.audit("trace_need", "movement", movement.id,
                 detail=f"{group.value}: {len(found)} passenger(s) of {movement.flight}")
    return found
