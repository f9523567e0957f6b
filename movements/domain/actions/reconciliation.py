"""A coordinator applies or dismisses one telex-vs-manifest difference.

The difference is looked up again inside the transaction by its key: if it is gone
(someone else applied or dismissed it, or a newer telex changed what it says) the
action is a ``ConflictError`` and the coordinator sees the current list.
"""

from __future__ import annotations

from sqlalchemy import select

from ..access import Need, access_movement, access_passenger
from ..errors import ConflictError, NotFound, RuleViolation
from ..models import (
    Booking,
    BookingStatus,
    Movement,
    MovementKind,
    ReconciliationDecision,
    Role,
    TelexEntry,
    TelexList,
)
from ..phrases import N_, Day, Phrase
from ..reconciliation import (
    NEEDS,
    NEW_NAME,
    NO_SHOW,
    ONWARD,
    Difference,
    onward_movement,
    reconcile,
)
from ..uow import Tx
from . import milestones
from . import passengers as px
from . import telex as tl
from . import telex_lists as tll
from ._common import require_role

APPLY, DISMISS = "apply", "dismiss"


def decide(tx: Tx, movement_id: int, key: str, decision: str) -> str:
    """Apply or dismiss the difference ``key`` on the movement; returns what was done."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    if decision not in (APPLY, DISMISS):
        raise RuleViolation(Phrase.of(N_("decision %(decision)s must be apply or dismiss"),
                                      decision=repr(decision)), field="decision")
    movement = access_movement(tx.session, tx.actor, movement_id, Need.COORDINATE)
    current = reconcile(tx.session, movement_id)
    diff = current.find(key) if current is not None else None
    if diff is None:
        raise ConflictError(Phrase(N_("this difference is no longer there (someone applied or "
                                      "dismissed it, or a newer telex changed it); the current "
                                      "list is shown")))
    if decision == DISMISS:
        done = f"dismissed: {diff.title.lower()} — {diff.name}"
    else:
        if diff.blocked:
            raise RuleViolation(diff.blocked)
        done = _apply(tx, movement, diff)
    tx.session.add(ReconciliationDecision(
        movement_id=movement.id, key=key, decision="applied" if decision == APPLY else
        "dismissed", summary=done[:500], decided_at=tx.now,
        decided_by_user_id=tx.actor.user_id, username=tx.actor.username))
    # The key and the text name people: the audit gets the kind and the ids only.
    tx.audit(f"reconcile_{decision}", "movement", movement.id, after={
        "difference": diff.kind, "passenger": diff.passenger_id, "booking": diff.booking_id})
    return done


def _apply(tx: Tx, movement: Movement, diff: Difference) -> str:
    if diff.kind == NO_SHOW:
        assert diff.booking_id is not None
        milestones.record_no_show(tx, diff.booking_id, diff.telex_says[:300])
        return f"no-show recorded for {diff.name}"
    if diff.kind == NEEDS:
        assert diff.passenger_id is not None
        passenger = access_passenger(tx.session, tx.actor, diff.passenger_id,
                                     Need.COORDINATE)
        needs = [(n.code, n.text) for n in passenger.needs]
        needs.extend(c for c in diff.codes if c[0] not in {n for n, _ in needs})
        px.update_needs(tx, passenger.id, tuple(needs))
        return f"needs of {diff.name} now {', '.join(c for c, _ in needs)}"
    if diff.kind == ONWARD:
        assert diff.passenger_id is not None and diff.onward is not None
        return _move_onward(tx, movement, diff)
    if diff.kind == NEW_NAME:
        return _add_name(tx, movement, diff)
    raise RuleViolation(Phrase.of(N_("unknown difference %(kind)s"), kind=repr(diff.kind)))


def _move_onward(tx: Tx, movement: Movement, diff: Difference) -> str:
    assert diff.passenger_id is not None and diff.onward is not None
    designator, day = diff.onward
    target = onward_movement(tx.session, movement, designator, day)
    if target is None:
        raise RuleViolation(Phrase.of(N_("%(designator)s on %(day)s is not a planned movement"),
                                      designator=designator, day=Day(day, "dd MMM")))
    for b in tx.session.scalars(select(Booking).where(
            Booking.passenger_id == diff.passenger_id,
            Booking.status == BookingStatus.BOOKED, Booking.movement_id != target.id)):
        if b.movement.kind is MovementKind.TRANSIT_OUT:
            tll.cancel_booking(tx, b, f"onward flight changed to {designator} by a coordinator")
    tll.link_legs(tx, movement, target, tl.ARRIVAL)
    tll.ensure_booking(tx, diff.passenger_id, target)
    return f"{diff.name} moved to onward {designator} {day:%d %b}"


def _add_name(tx: Tx, movement: Movement, diff: Difference) -> str:
    rows = list(tx.session.scalars(select(TelexEntry).where(
        TelexEntry.id.in_(diff.entry_ids)).order_by(TelexEntry.id)))
    if not rows:
        raise NotFound(Phrase(N_("the telex entry is gone; reload")))
    first = rows[0]
    lst = tx.session.get(TelexList, first.list_id)
    message_id = lst.telex_message_id if lst is not None else None
    side = tl.ARRIVAL if movement.kind in tl.SIDE_KINDS[tl.ARRIVAL] else tl.DEPARTURE
    pid = tll.create_from_entry(tx, movement.airport, first, movement, message_id, {},
                               owned=False)
    for row in rows[1:]:
        row.passenger_id = pid
    if len(tll.known_needs(r for row in rows for r in row.remarks)) > len(
            tll.known_needs(first.remarks)):
        wanted = tll.known_needs([r for row in rows for r in row.remarks])
        px.update_needs(tx, pid, tuple(wanted))
    with_connection = next((row for row in rows if row.onward_flight or row.inbound_flight),
                           first)
    notes: list[Phrase] = []
    tll.connect(tx, movement.airport, with_connection, movement, pid, side, notes, owned=False)
    added = f"{diff.name} added to {movement.flight}"
    return "; ".join([added, *(n.english() for n in notes)])
