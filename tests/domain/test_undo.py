"""Undo and correction (issue 13.5): who tapped undoes their last step or no-show within
two minutes; a coordinator corrects any step or no-show with a reason; a no-show is
revoked when the passenger turns up; all audited and recorded as events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from movements.domain.actions import corrections, milestones, setup
from movements.domain.clock import ManualClock
from movements.domain.errors import PermissionDenied, RuleViolation
from movements.domain.events import MilestoneRemoved, NoShowRevoked
from movements.domain.models import AuditEntry, Booking, Role
from movements.domain.uow import Actor, UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM, add_pax, world


async def _people(uow: UnitOfWork) -> tuple[Actor, Actor, Actor]:
    out = []
    for name, role in (("gert", Role.GATE_STAFF), ("gina", Role.GATE_STAFF),
                       ("cora", Role.COORDINATOR)):
        uid = await uow.run(setup.add_user, SYSTEM, name, name.title(), role, "x",
                            airports=["AMS"])
        out.append(Actor(user_id=uid, username=name, role=role, airport_ids=frozenset({1})))
    return out[0], out[1], out[2]


async def _booking(uow: UnitOfWork, bid: int) -> tuple[str, list[str], str | None]:
    def read(s: object) -> tuple[str, list[str], str | None]:
        b = s.get(Booking, bid)  # type: ignore[attr-defined]
        return b.status.value, [m.kind for m in b.milestones], b.no_show_reason

    return await uow.read(read)  # type: ignore[arg-type]


async def _audit(uow: UnitOfWork) -> list[tuple[str, str | None]]:
    return await uow.read(lambda s: [(e.action, e.detail) for e in s.scalars(
        select(AuditEntry).where(AuditEntry.entity == "booking").order_by(AuditEntry.id))])


async def test_who_tapped_undoes_their_last_step_within_two_minutes(
        uow: UnitOfWork, clock: ManualClock, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    gert, gina, _ = await _people(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "U-1")
    await uow.run(milestones.record_milestone, gert, bid, "met_at_point")
    clock.advance(seconds=30)
    await uow.run(milestones.record_milestone, gert, bid, "checked_in")
    with pytest.raises(RuleViolation, match="recorded by someone else"):
        await uow.run(corrections.undo_last, gina, bid)
    publisher.clear()
    clock.advance(seconds=100)
    assert await uow.run(corrections.undo_last, gert, bid) == "checked_in"
    assert (await _booking(uow, bid))[1] == ["met_at_point"]
    [event] = publisher.events
    assert isinstance(event, MilestoneRemoved) and event.undo and event.milestone == "checked_in"
    assert f"movement:{w.departure_id}" in event.streams
    # met_at_point is now the last entry, but 130 s old: past the window
    with pytest.raises(RuleViolation, match="more than 2 minutes ago"):
        await uow.run(corrections.undo_last, gert, bid)
    assert (await _booking(uow, bid))[1] == ["met_at_point"]
    assert ("undo_milestone", None) in await _audit(uow)


async def test_a_no_show_is_undone_or_revoked_when_the_passenger_turns_up(
        uow: UnitOfWork, clock: ManualClock, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    gert, gina, _ = await _people(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "U-2")
    await uow.run(milestones.record_no_show, gert, bid, "not at the meeting point")
    assert await uow.run(corrections.undo_last, gert, bid) == "no_show"
    assert await _booking(uow, bid) == ("booked", [], None)
    await uow.run(milestones.record_no_show, gert, bid, "not at the meeting point")
    clock.advance(minutes=40)
    with pytest.raises(RuleViolation, match="reason is required"):
        await uow.run(corrections.revoke_no_show, gina, bid, " ")
    publisher.clear()
    await uow.run(corrections.revoke_no_show, gina, bid, "turned up at the desk at 10:40")
    assert await _booking(uow, bid) == ("booked", [], None)
    assert [type(e) for e in publisher.events] == [NoShowRevoked]
    await uow.run(milestones.record_milestone, gina, bid, "met_at_point")  # work goes on
    actions = [a for a, _ in await _audit(uow)]
    assert actions[-3:] == ["record_no_show", "revoke_no_show", "record_milestone"]
    assert ("revoke_no_show", "turned up at the desk at 10:40") in await _audit(uow)


async def test_a_coordinator_corrects_any_step_with_a_reason(
        uow: UnitOfWork, clock: ManualClock) -> None:
    w = await world(uow)
    gert, _, cora = await _people(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "U-3")
    for step in ("met_at_point", "checked_in", "exit_formalities"):
        await uow.run(milestones.record_milestone, gert, bid, step)
    clock.advance(hours=1)
    with pytest.raises(PermissionDenied):
        await uow.run(corrections.correct_milestone, gert, bid, "checked_in", "mis-tap")
    with pytest.raises(RuleViolation, match="correction reason is required"):
        await uow.run(corrections.correct_milestone, cora, bid, "checked_in", "")
    with pytest.raises(RuleViolation, match="Boarded is not recorded"):
        await uow.run(corrections.correct_milestone, cora, bid, "boarded", "mis-tap")
    await uow.run(corrections.correct_milestone, cora, bid, "checked_in",
                  "checked in on the next flight's list by mistake")
    assert (await _booking(uow, bid))[1] == ["met_at_point", "exit_formalities"]
    assert ("correct_milestone", "checked in on the next flight's list by mistake") in \
        await _audit(uow)
