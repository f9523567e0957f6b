"""An inbound passenger's steps wait for the aircraft at its stand (issue 13, newcomer
pass: "Met at aircraft" could be ticked while the flight was still in the air).  Every
step of an arrival or an inbound transit is refused before on blocks (release.on_blocks,
the handover's own rule) unless the person gives the out-of-order reason, which is
stored on the step; nothing is written when refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from movements import i18n
from movements.domain import milestones as steps
from movements.domain.actions import milestones
from movements.domain.actions import movements as mv
from movements.domain.errors import RuleViolation
from movements.domain.models import AuditEntry, Milestone, MovementKind
from movements.domain.uow import UnitOfWork
from movements.domain.vocabulary import FlightState
from tests.factories import GATE, SYSTEM, add_pax, world


async def _written(uow: UnitOfWork) -> tuple[int, int]:
    return await uow.read(lambda s: (s.scalar(select(func.count()).select_from(Milestone)),
                                     s.scalar(select(func.count()).select_from(AuditEntry))))


@pytest.mark.parametrize("state", ["SCH", "AIR", "FIR", "LND", "DEL"])
async def test_every_arrival_step_waits_for_on_blocks(uow: UnitOfWork, state: str) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.arrival_id, "CASE-A", "Tesfaye")
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": state},
                  source="feed")
    before = await _written(uow)
    for step in steps.sequence_for(MovementKind.ARRIVAL):
        label = FlightState.labels()[state]  # a person reads the state's label, not its code
        with pytest.raises(RuleViolation, match=rf"is not on blocks yet \(state {label}\): "
                                                f"{step.label} is recorded once") as refused:
            await uow.run(milestones.record_milestone, GATE, bid, step.key)
        assert refused.value.field == "override_reason"
        assert f"({state})" not in refused.value.message and f"state {state}" not in \
            refused.value.message
        dutch = i18n.refused(refused.value, "nl")
        assert i18n.gettext(label, "nl") in dutch and f"state {state}" not in dutch
    assert await _written(uow) == before
    # With the reason, as for any out-of-order step: recorded, the reason kept on it.
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_aircraft",
                  override_reason="met on the apron, aircraft held at a remote stand")
    reasons = await uow.read(lambda s: list(s.scalars(select(Milestone.override_reason))))
    assert reasons == ["met on the apron, aircraft held at a remote stand"]


async def test_on_blocks_the_steps_go_as_usual(uow: UnitOfWork) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.arrival_id, "CASE-A", "Tesfaye")
    for state in ("FIB", "ARR"):
        await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": state},
                      source="feed")
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_aircraft")
    await uow.run(milestones.record_milestone, GATE, bid, "passport_control")
    reasons = await uow.read(lambda s: list(s.scalars(select(Milestone.override_reason))))
    assert reasons == [None, None]
