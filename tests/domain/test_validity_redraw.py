"""An administrator's change to the document-validity table reaches every movement still
to leave for that country as a ``MovementUpdated`` (the boards and movement pages keep a
rendered copy per stream number: without the event they would show the old readiness
until the next tap).  Both backends."""

from __future__ import annotations

from movements.domain.actions import entry_validity as ev
from movements.domain.events import MovementUpdated
from movements.domain.uow import Actor, UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM, build_world

ADMIN = Actor.system("admin-ana")


def _told(publisher: CapturingPublisher) -> list[tuple[int | None, object]]:
    return [(e.movement_id, e.changes) for e in publisher.events
            if isinstance(e, MovementUpdated)]


async def test_a_rule_change_tells_the_movements_to_that_country_and_no_other(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    world = await uow.run(build_world, SYSTEM)  # KL1234 AMS -> TIA (Albania); TK1957 in
    publisher.clear()
    await uow.run(ev.set_rule, ADMIN, "Albania", 6, "Embassy of Albania, letter 2026-10-02")
    assert _told(publisher) == [(world.departure_id, {"entry_validity": "AL"})]
    publisher.clear()
    await uow.run(ev.set_rule, ADMIN, "TR", 6, "Turkish consulate")  # only an arrival
    assert _told(publisher) == []
    await uow.run(ev.clear_rule, ADMIN, "AL")
    assert _told(publisher) == [(world.departure_id, {"entry_validity": "AL"})]
