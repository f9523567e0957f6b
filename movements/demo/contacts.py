"""Contacts for the demo day (issue 16): invented numbers and addresses so the outbox has
someone to tell.  Every passenger gets a number (+31 6 1000 nnnn; a minor's guardian one
too), every seventh has opted out; every organisation gets ``desk@<name>.example``; each
case's counterpart is the reception authority the demo's handovers go to; every carrier
flying a demo movement takes its special-assistance notifications at
``special-assistance@<carrier>.example``; every case departing to Tirana travels
with reception by the demo's receiving mission (in Tirana), and a minor's guardian reads English."""

from __future__ import annotations

import re

from sqlalchemy import select

from movements.domain.actions import outbox as ob
from movements.domain.models import (
    Booking,
    Case,
    Movement,
    MovementKind,
    Organisation,
    OrganisationKind,
    Passenger,
)
from movements.domain.uow import Tx


def add_demo_contacts(tx: Tx) -> int:
    """Record the demo's contacts; returns how many passengers got a number."""
    orgs = list(tx.session.scalars(select(Organisation).order_by(Organisation.id)))
    for org in orgs:
        slug = re.sub(r"[^a-z0-9]+", "-", org.name.lower()).strip("-")[:40] or f"org{org.id}"
        ob.set_organisation_email(tx, org.id, f"desk@{slug}.example")
    reception = next((o for o in orgs if o.kind is OrganisationKind.RECEPTION_AUTHORITY),
                     None)
    mission = next((o for o in orgs if o.kind is OrganisationKind.RECEIVING_MISSION), None)
    for carrier in sorted(set(tx.session.scalars(select(Movement.carrier)))):
        ob.set_carrier_contact(tx, carrier, f"special-assistance@{carrier.lower()}.example")
    if mission is not None:
        departing = tx.session.scalars(
            select(Case.reference).join(Passenger, Passenger.case_id == Case.id)
            .join(Booking, Booking.passenger_id == Passenger.id)
            .join(Movement, Movement.id == Booking.movement_id)
            .where(Movement.kind == MovementKind.DEPARTURE, Movement.destination == "TIA")
            .distinct().order_by(Case.reference))
        for reference in departing:
            ob.set_case_mission(tx, reference, mission.name)
    count = 0
    seen_cases: set[int] = set()
    for n, passenger in enumerate(tx.session.scalars(
            select(Passenger).order_by(Passenger.id))):
        ob.set_passenger_contact(tx, passenger.id, phone=f"+3161000{n % 10000:04d}",
                                 guardian_phone=f"+3161001{n % 10000:04d}",
                                 opted_out=n % 7 == 6, guardian_language="English")
        count += 1
        if reception is not None and passenger.case_id not in seen_cases:
            seen_cases.add(passenger.case_id)
            ob.set_case_counterpart(tx, passenger.case_id, reception.id)
    return count


__all__ = ["add_demo_contacts"]
