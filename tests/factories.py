"""Test data made through the domain actions (never by poking rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.actions import setup
from movements.domain.models import MovementKind, OrganisationKind, Role
from movements.domain.uow import Actor, Tx, UnitOfWork

SYSTEM = Actor.system("tests")
#: The airport build_world sets up first: id 1 in a fresh database (both backends restart
#: identities).  Staff actors work it, and only it (the access policy scopes them).
AMS_ID = 1
GATE = Actor(user_id=None, username="gate", role=Role.GATE_STAFF,
             airport_ids=frozenset({AMS_ID}))
COORD = Actor(user_id=None, username="coord", role=Role.COORDINATOR,
              airport_ids=frozenset({AMS_ID}))


@dataclass
class World:
    airport_id: int
    departure_id: int
    arrival_id: int
    reception_org_id: int


def build_world(tx: Tx, day: date = date(2026, 9, 15)) -> World:
    airport_id = setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
    org = setup.ensure_organisation(tx, "Reception Agency Ter Apel (test)",
                                    OrganisationKind.RECEPTION_AUTHORITY)
    dep = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number="1234",
        operational_date=day, origin="AMS", destination="TIA",
        scheduled_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC), gate="D7"))
    arr = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.ARRIVAL, carrier="TK", flight_number="1957",
        operational_date=day, origin="IST", destination="AMS",
        scheduled_at=datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)))
    return World(airport_id, dep, arr, org)


def add_pax(tx: Tx, movement_id: int, case_ref: str, surname: str = "Okello",
            given: str = "Grace", needs: tuple[tuple[str, str | None], ...] = (),
            **kwargs: object) -> tuple[int, int]:
    case = px.get_or_create_case(tx, "AMS", case_ref)
    pid = px.add_passenger(tx, case.id, px.NewPassenger(surname=surname, given_names=given,
                                                        needs=needs, **kwargs))  # type: ignore[arg-type]
    bid = px.book_passenger(tx, pid, movement_id)
    return pid, bid


async def world(uow: UnitOfWork) -> World:
    return await uow.run(build_world, SYSTEM)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def on_blocks_and_met(tx: Tx, movement_id: int) -> None:
    """An inbound flight on blocks with every passenger met: ready for a handover to be
    signed (issue 13.3's guard)."""
    from sqlalchemy import select

    from movements.domain.actions import milestones
    from movements.domain.models import Booking, BookingStatus, Movement
    from movements.domain.release import MET_STEP

    mv.update_flight(tx, movement_id, {"flight_state": "ARR"}, source="feed")
    movement = tx.session.get(Movement, movement_id)
    assert movement is not None
    step = MET_STEP.get(movement.kind)
    if step is None:
        return
    for booking in tx.session.scalars(select(Booking).where(
            Booking.movement_id == movement_id, Booking.status == BookingStatus.BOOKED)):
        if not any(m.kind == step for m in booking.milestones):
            milestones.record_milestone(tx, booking.id, step)


def letters(n: int, width: int = 4) -> str:
    """``n`` as ``width`` capital letters (0 -> "AAAA"): a unique name part for a test's
    n-th invented person, since a name as in the travel document holds no digits."""
    out = ""
    for _ in range(width):
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
    return out


def transit_legs(tx: Tx, day: date = date(2026, 9, 15)) -> tuple[int, int]:
    """Two unlinked legs at AMS on ``day``: KQ116 NBO->AMS at 06:00 UTC (transit in) and
    KL673 AMS->YYZ at 10:00 UTC (transit out); answers (inbound id, onward id)."""
    legs = []
    for kind, carrier, number, origin, dest, hour in (
            (MovementKind.TRANSIT_IN, "KQ", "116", "NBO", "AMS", 6),
            (MovementKind.TRANSIT_OUT, "KL", "673", "AMS", "YYZ", 10)):
        legs.append(mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=kind, carrier=carrier, flight_number=number,
            operational_date=day, origin=origin, destination=dest,
            scheduled_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC))))
    return legs[0], legs[1]
