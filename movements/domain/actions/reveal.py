"""Revealing a passenger's full name and birth date: a deliberate, audited read."""

from __future__ import annotations

from .. import queries
from ..access import Need, access_booking, may_reveal
from ..errors import NotFound
from ..uow import Tx


def reveal_passenger(tx: Tx, booking_id: int) -> queries.PassengerView:
    """The passenger row of a booking with the full details, for staff of its airport.

    The read is audited in this transaction before anything is shown (``reveal_passenger``,
    with whether it touched minors' or health data).  Raises NotFound outside the actor's
    scope.  Source: DOMAIN.md ("Health data and data on minors ... log who reads them")."""
    access_booking(tx.session, tx.actor, booking_id, Need.WORK)
    if not may_reveal(tx.actor):
        raise NotFound(f"booking {booking_id} does not exist")
    found = queries.booking_view(tx.session, booking_id)
    assert found is not None
    view = found[1]
    sensitive = view.unaccompanied_minor or (view.age is not None and view.age < 18) \
        or any(n.health for n in view.needs)
    tx.audit("reveal_passenger", "passenger", view.id,
             detail="minor or health data" if sensitive else "identity")
    return view
