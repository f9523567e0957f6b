"""A person's gate, terminal or pier: letters, digits, spaces and hyphens, short; one rule
in the domain for the flight correction (page and API) and the planning forms.  The
flight feed's own values are the feed's and are not refused here."""

from __future__ import annotations

import pytest

from movements.domain.actions import movements as mv
from movements.domain.actions import planning as pl
from movements.domain.errors import RuleViolation
from movements.domain.models import AuditEntry, Movement
from movements.domain.uow import Actor, UnitOfWork
from movements.domain.vocabulary import Role
from tests.domain.test_planning import PLANNER, count, dep
from tests.factories import SYSTEM, world

COORD = Actor(user_id=1, username="coord", role=Role.COORDINATOR, airport_ids=frozenset())

BAD = ["D😀", "D<7>", "D_7", "GATE D 12345", "-D7", "D\u00a07", "Ｄ7", "D;7"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("key", ["gate", "terminal", "pier"])
async def test_a_bad_stand_value_is_refused_everywhere_and_nothing_is_written(
        uow: UnitOfWork, key: str, value: str) -> None:
    w = await world(uow)
    before = (await count(uow, Movement), await count(uow, AuditEntry))
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.plan_movement, PLANNER, dep("KL1236", "IST", **{key: value}))
    assert refused.value.field == key
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.edit_movement, PLANNER, w.departure_id, {key: value})
    assert refused.value.field == key
    with pytest.raises(RuleViolation) as refused:
        await uow.run(mv.update_flight, PLANNER, w.departure_id, {key: value},
                      reason="gate swap")
    assert refused.value.field == key and ("letters, digits" in refused.value.message
                                           or "longer than" in refused.value.message)
    assert (await count(uow, Movement), await count(uow, AuditEntry)) == before


@pytest.mark.parametrize("value", ["F9", "e 22", "B-12", "1"])
async def test_ordinary_stand_values_pass(uow: UnitOfWork, value: str) -> None:
    w = await world(uow)
    assert await uow.run(mv.update_flight, PLANNER, w.departure_id, {"gate": value},
                         reason="gate swap")  # over the planned gate: a correction
    got = await uow.read(lambda s: s.get(Movement, w.departure_id).gate)  # type: ignore[union-attr]
    assert got == value.upper()


async def test_the_feed_keeps_its_own_values(uow: UnitOfWork) -> None:
    w = await world(uow)
    assert await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"gate": "D_7"},
                         source="feed")
