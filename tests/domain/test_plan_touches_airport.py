"""A movement planned at an airport touches it on its own side: a departure (and a
charter, and a transit's onward leg) leaves from it, an arrival (and a transit's inbound
leg) lands at it.  Checked in the domain action, so the form, the API and the CLI agree;
a refusal names the field and writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from movements.domain.actions import charters as ch
from movements.domain.actions import planning as pl
from movements.domain.errors import RuleViolation
from movements.domain.models import AuditEntry, Movement, MovementKind
from movements.domain.uow import UnitOfWork
from tests.domain.test_charter_readiness import charter_plan
from tests.domain.test_planning import DAY, PLANNER, at, count, dep
from tests.factories import world


def arr(origin: str = "IST", destination: str = "AMS") -> pl.NewMovement:
    return pl.NewMovement(airport="AMS", kind=MovementKind.ARRIVAL, carrier="TK",
                          flight_number="1951", operational_date=DAY, origin=origin,
                          destination=destination, scheduled_at=at(9, 30))


@pytest.mark.parametrize(("new", "field", "message"), [
    (dep("KL1236", "IST", origin="BRU"), "origin",
     "from BRU: a flight leaving AMS leaves from AMS"),
    (dep("KL1236", "IST", origin=""), "origin", "origin is required"),
    (arr("IST", "BRU"), "destination", "to BRU: a flight arriving at AMS lands at AMS"),
    (arr("AMS", "BRU"), "destination", "to BRU: a flight arriving at AMS lands at AMS"),
], ids=["departure-from-BRU", "departure-from-nowhere", "arrival-to-BRU",
        "arrival-AMS-to-BRU"])
async def test_a_plan_that_does_not_touch_its_airport_is_refused(
        uow: UnitOfWork, new: pl.NewMovement, field: str, message: str) -> None:
    await world(uow)
    before = (await count(uow, Movement), await count(uow, AuditEntry))
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.plan_movement, PLANNER, new)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert (await count(uow, Movement), await count(uow, AuditEntry)) == before


@pytest.mark.parametrize(("leg", "field"), [("in", "in_destination"), ("out", "out_origin")])
async def test_a_transit_leg_that_does_not_touch_its_airport_writes_neither_leg(
        uow: UnitOfWork, leg: str, field: str) -> None:
    await world(uow)
    inbound = replace(arr(), kind=MovementKind.TRANSIT_IN)
    onward = dep("KL0689", "YYZ", 12, kind=MovementKind.TRANSIT_OUT)
    if leg == "in":
        inbound = replace(inbound, destination="BRU")
    else:
        onward = replace(onward, origin="BRU")
    before = (await count(uow, Movement), await count(uow, AuditEntry))
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.plan_transit, PLANNER, inbound, onward)
    assert refused.value.field == field and "BRU" in refused.value.message
    assert (await count(uow, Movement), await count(uow, AuditEntry)) == before


async def test_a_charter_whose_first_point_is_elsewhere_is_refused(uow: UnitOfWork) -> None:
    await world(uow)
    new, op, seats, stops = charter_plan()
    before = (await count(uow, Movement), await count(uow, AuditEntry))
    with pytest.raises(RuleViolation) as refused:
        await uow.run(ch.plan_charter, PLANNER, replace(new, origin="BRU"), op, seats, stops)
    assert refused.value.field == "origin"
    assert (await count(uow, Movement), await count(uow, AuditEntry)) == before


def route(s: Session, mid: int) -> tuple[str, str, int]:
    m = s.get(Movement, mid)
    assert m is not None
    return m.origin, m.destination, m.version


@pytest.mark.parametrize(("which", "change", "field"), [
    ("departure", {"origin": "BRU"}, "origin"),
    ("arrival", {"destination": "BRU"}, "destination"),
])
async def test_an_edit_that_moves_the_own_side_elsewhere_is_refused(
        uow: UnitOfWork, which: str, change: dict[str, str], field: str) -> None:
    w = await world(uow)
    mid = w.departure_id if which == "departure" else w.arrival_id
    before = await uow.read(route, mid)
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.edit_movement, PLANNER, mid, change)
    assert refused.value.field == field
    after = await uow.read(route, mid)
    assert after == before
