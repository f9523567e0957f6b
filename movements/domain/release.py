"""When an inbound passenger may be released to a receiving party (issue 13.3): the
aircraft on blocks and the passenger met by the team.  Used by the sign action (which
refuses without an override reason) and by the handover page (which says what is
missing before anyone taps)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Booking, Handover, Movement, MovementKind
from .phrases import N_, Phrase
from .vocabulary import flight_state_label

#: Flight states in which an inbound aircraft is on blocks (Schiphol feed: ARR arrived at
#: the stand, FIB first bag on the belt); LND (landed) is still taxiing.
ON_BLOCKS = frozenset({"ARR", "FIB"})
#: The step that says the team met an inbound passenger, per movement kind.
MET_STEP = {MovementKind.ARRIVAL: "met_at_aircraft",
            MovementKind.TRANSIT_IN: "met_at_arrival_gate"}


def on_blocks(movement: Movement) -> bool:
    """Whether an inbound aircraft is at its stand (``ON_BLOCKS``) or its movement is
    done: the one test for releasing a passenger and for ticking an inbound step."""
    return movement.flight_state in ON_BLOCKS or bool(movement.completed)


NOT_ON_BLOCKS = N_("%(flight)s is not on blocks yet (state %(state)s)")
NOT_MET = N_("not met yet: %(initials)s")


def release_blockers(session: Session, handover: Handover) -> list[Phrase]:
    """Why an inbound handover may not be signed yet: the aircraft not on blocks, or a
    passenger not met (their initials), as phrases (``str()`` is the English).  Empty
    for departures and when all is ready."""
    movement = handover.movement
    step = MET_STEP.get(movement.kind)
    if step is None:
        return []
    out: list[Phrase] = []
    if not on_blocks(movement):
        out.append(Phrase.of(NOT_ON_BLOCKS, flight=movement.flight,
                             state=Phrase(flight_state_label(movement.flight_state))))
    unmet = []
    for p in handover.passengers:
        booking = session.scalar(select(Booking).where(
            Booking.movement_id == movement.id, Booking.passenger_id == p.id))
        if booking is None or not any(m.kind == step for m in booking.milestones):
            unmet.append(p.initials)
    if unmet:
        out.append(Phrase.of(NOT_MET, initials=", ".join(unmet)))
    return out


__all__ = ["MET_STEP", "ON_BLOCKS", "on_blocks", "release_blockers"]
