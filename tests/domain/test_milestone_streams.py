"""record_milestone writes its stream events without asking for the transit link again:
the link read with the booking must name the same streams ``streams_of`` names."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from movements.domain import milestones as steps
from movements.domain.actions import milestones
from movements.domain.actions import movements as mv
from movements.domain.models import AuditEntry, MovementKind, StreamEvent
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import COORD, GATE, SYSTEM, add_pax, world

DAY = date(2026, 9, 15)


def _transit(tx: Tx) -> tuple[int, int]:
    legs = []
    for kind, carrier, number, origin, dest, hour in (
            (MovementKind.TRANSIT_IN, "KQ", "116", "NBO", "AMS", 6),
            (MovementKind.TRANSIT_OUT, "KL", "673", "AMS", "YYZ", 10)):
        legs.append(mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=kind, carrier=carrier, flight_number=number,
            operational_date=DAY, origin=origin, destination=dest,
            scheduled_at=datetime(2026, 9, 15, hour, tzinfo=UTC))))
    return legs[0], legs[1]


async def _streams_of_last(uow: UnitOfWork, kind: str) -> set[str]:
    def read(s: object) -> set[str]:
        from sqlalchemy.orm import Session
        assert isinstance(s, Session)
        last = s.scalars(select(StreamEvent).where(StreamEvent.kind == kind)
                         .order_by(StreamEvent.id.desc())).first()
        assert last is not None
        return set(s.scalars(select(StreamEvent.stream).where(
            StreamEvent.kind == kind, StreamEvent.created_at == last.created_at,
            StreamEvent.passenger_id == last.passenger_id)))
    return await uow.read(read)


async def test_a_plain_movement_step_goes_to_its_board_and_page(uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{w.departure_id}"}
    audits = await uow.read(lambda s: s.scalars(select(AuditEntry).where(
        AuditEntry.action == "record_milestone")).all())
    assert len(audits) == 1 and audits[0].entity_id == bid


async def test_a_transit_step_goes_to_both_legs_pages(uow: UnitOfWork) -> None:
    # (The onward leg has no steps of its own: its passengers are worked on the inbound.)
    await world(uow)
    inbound, onward = await uow.run(_transit, SYSTEM)
    _, bid = await uow.run(add_pax, SYSTEM, inbound, "T-1")
    first = steps.sequence_for(MovementKind.TRANSIT_IN)[0].key
    await uow.run(milestones.record_milestone, GATE, bid, first,
                  override_reason="met before on blocks (test)")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{inbound}"}  # not linked yet
    await uow.run(mv.link_transit, COORD, inbound, onward)
    _, bid = await uow.run(add_pax, SYSTEM, inbound, "T-2")
    await uow.run(milestones.record_milestone, GATE, bid, first,
                  override_reason="met before on blocks (test)")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{inbound}", f"movement:{onward}"}
