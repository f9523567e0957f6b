"""Escort assignments and notes."""

from __future__ import annotations

from sqlalchemy import select

from .. import input_rules
from ..access import Need, access_booking, access_movement, access_passenger
from ..errors import RuleViolation
from ..events import EscortAssigned, EscortUnassigned, NoteAdded
from ..models import Booking, EscortAssignment, EscortKind, Note
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import clean_text


def assign_escort(tx: Tx, movement_id: int, passenger_id: int, kind: EscortKind | str,
                  escort_name: str) -> int:
    movement = access_movement(tx.session, tx.actor, movement_id, Need.WORK)
    passenger = access_passenger(tx.session, tx.actor, passenger_id, Need.WORK)
    try:
        escort_kind = EscortKind(kind)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("escort kind %(kind)s must be medical or operational"),
                                      kind=repr(kind)), field="kind") from None
    name = clean_text(escort_name, N_("escort name"), required=True, max_len=200)
    input_rules.check_name(Phrase(N_("escort name")), name, field="escort_name")
    on_board = tx.session.scalar(select(Booking.id).where(
        Booking.movement_id == movement.id, Booking.passenger_id == passenger.id))
    if on_board is None:
        raise RuleViolation(Phrase.of(N_("%(initials)s is not on %(flight)s"),
                                      initials=passenger.initials, flight=movement.flight))
    assignment = EscortAssignment(movement_id=movement.id, passenger_id=passenger.id,
                                  kind=escort_kind, escort_name=name or "",
                                  assigned_by_user_id=tx.actor.user_id, assigned_at=tx.now)
    tx.session.add(assignment)
    tx.session.flush()
    tx.record(EscortAssigned, movement, passenger_id=passenger.id,
              escort_kind=escort_kind.value, escort_name=name or "")
    tx.audit("assign_escort", "passenger", passenger.id,
             after={"movement": movement.id, "kind": escort_kind.value, "escort": name})
    return assignment.id


def unassign_escort(tx: Tx, booking_id: int, kind: EscortKind | str, escort_name: str
                    ) -> int:
    """Take an escort off a passenger (the movement page's form): the assignment of that
    kind and name on the booking's movement.  A medical escort stays once the passenger
    boarded (the record of who went with them).  Returns how many were removed."""
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    try:
        escort_kind = EscortKind(kind)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("escort kind %(kind)s must be medical or operational"),
                                      kind=repr(kind)), field="kind") from None
    rows = list(tx.session.scalars(select(EscortAssignment).where(
        EscortAssignment.movement_id == booking.movement_id,
        EscortAssignment.passenger_id == booking.passenger_id,
        EscortAssignment.kind == escort_kind,
        EscortAssignment.escort_name == (escort_name or "").strip())))
    if not rows:
        raise RuleViolation(Phrase.of(
            N_("no %(kind)s escort %(name)s is assigned to this passenger here"),
            kind=Phrase(escort_kind.value), name=repr(escort_name)), field="escort_name")
    if escort_kind is EscortKind.MEDICAL and any(
            m.kind in ("boarded", "boarded_onward") for m in booking.milestones):
        raise RuleViolation(Phrase(N_("the passenger boarded with this medical escort: it "
                                      "stays on the record (a coordinator can correct "
                                      "Boarded first)")))
    for row in rows:
        tx.session.delete(row)
    tx.session.flush()
    tx.record(EscortUnassigned, booking.movement, passenger_id=booking.passenger_id,
              escort_kind=escort_kind.value)
    tx.audit("unassign_escort", "passenger", booking.passenger_id,
             after={"movement": booking.movement_id, "kind": escort_kind.value,
                    "escort": escort_name})
    return len(rows)


def assign_escort_to_booking(tx: Tx, booking_id: int, kind: EscortKind | str,
                             escort_name: str) -> int:
    """``assign_escort`` for the passenger of a booking (the movement page's form)."""
    booking = access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    return assign_escort(tx, booking.movement_id, booking.passenger_id, kind, escort_name)


def add_note(tx: Tx, movement_id: int, text: str, passenger_id: int | None = None) -> int:
    movement = access_movement(tx.session, tx.actor, movement_id, Need.WORK)
    body = clean_text(text, N_("note"), required=True, max_len=2000)
    if passenger_id is not None:
        access_passenger(tx.session, tx.actor, passenger_id, Need.WORK)
    note = Note(movement_id=movement.id, passenger_id=passenger_id, text=body or "",
                by_user_id=tx.actor.user_id, at=tx.now)
    tx.session.add(note)
    tx.session.flush()
    tx.record(NoteAdded, movement, passenger_id=passenger_id)
    tx.audit("add_note", "movement", movement.id, after={"passenger": passenger_id})
    return note.id
