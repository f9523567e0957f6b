"""Issue 14.2 leftover: adding and removing a charter stop after planning.

Passengers booked to leave at a stop that is removed are never dropped: the removal is
refused naming them, or they are moved deliberately to a stop the coordinator names.
Every change is audited and pushed live; a refusal writes nothing.  Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain.actions import charters as ch
from movements.domain.actions import planning as pl
from movements.domain.errors import ConflictError, RuleViolation
from movements.domain.events import MovementUpdated, PassengerUpdated
from movements.domain.models import AuditEntry, Booking, CharterStop, Movement
from movements.domain.planning_queries import charter_view
from movements.domain.uow import UnitOfWork
from tests.conftest import CapturingPublisher
from tests.domain.test_charter_readiness import a_charter
from tests.domain.test_planning import PLANNER, at, audits, count, family


async def route(uow: UnitOfWork, mid: int) -> tuple[list[str], str]:
    def q(s: Session) -> tuple[list[str], str]:
        codes = list(s.scalars(select(CharterStop.airport_code).where(
            CharterStop.movement_id == mid).order_by(CharterStop.position)))
        movement = s.get(Movement, mid)
        assert movement is not None
        return codes, movement.destination
    return await uow.read(q)


async def stops_of(uow: UnitOfWork, mid: int) -> list[str | None]:
    def q(s: Session) -> list[str | None]:
        return list(s.scalars(select(Booking.stop).where(Booking.movement_id == mid)
                              .order_by(Booking.id)))
    return await uow.read(q)


async def test_add_stop_keeps_the_route_in_order_and_moves_the_destination(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow)
    cid, _ = await family(uow, "C-E", n=2)
    await uow.run(pl.book_case, PLANNER, cid, mid, stop="EBL")
    publisher.clear()
    assert await uow.run(ch.add_stop, PLANNER, mid, "njf", at(15), after="BGW") == 2
    assert await route(uow, mid) == (["BGW", "NJF", "EBL", "BSR"], "BSR")
    assert [e.movement_id for e in publisher.events  # type: ignore[attr-defined]
            if isinstance(e, MovementUpdated)] == [mid]
    assert await uow.run(ch.add_stop, PLANNER, mid, "ISU", at(20)) == 5
    assert await route(uow, mid) == (["BGW", "NJF", "EBL", "BSR", "ISU"], "ISU")
    view = await uow.read(charter_view, mid)
    assert view is not None
    assert [(lg.frm, lg.to, lg.passengers) for lg in view.legs] == [
        ("AMS", "BGW", 2), ("BGW", "NJF", 2), ("NJF", "EBL", 2), ("EBL", "BSR", 0),
        ("BSR", "ISU", 0)]
    assert await stops_of(uow, mid) == ["EBL", "EBL"]
    assert await audits(uow, "add_charter_stop") == 2


@pytest.mark.parametrize(("code", "when", "after", "field", "message"), [
    ("EBL", 15, "BGW", "stops", "EBL is on the route twice"),
    ("AMS", 15, "BGW", "stops", "AMS is on the route twice"),
    ("NJF", 17, "BGW", "stops", r"stop 3 \(EBL\) must be after"),
    ("NJF", 13, "BGW", "stops", r"stop 2 \(NJF\) must be after"),
    ("N1F", 15, "BGW", "stops", "not an IATA airport code"),
    ("NJF", 15, "CDG", "after", "CDG is not on the route"),
])
async def test_bad_new_stop_is_refused_and_nothing_is_written(
        uow: UnitOfWork, publisher: CapturingPublisher, code: str, when: int, after: str,
        field: str, message: str) -> None:
    mid = await a_charter(uow)
    publisher.clear()
    with pytest.raises(RuleViolation, match=message) as caught:
        await uow.run(ch.add_stop, PLANNER, mid, code, at(when), after=after)
    assert caught.value.field == field
    assert await route(uow, mid) == (["BGW", "EBL", "BSR"], "BSR")
    assert await audits(uow, "add_charter_stop") == 0 and publisher.events == []


async def test_removing_a_stop_with_passengers_names_them_and_writes_nothing(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow)
    cid, _ = await family(uow, "C-BGW", n=2)
    await uow.run(pl.book_case, PLANNER, cid, mid, stop="BGW")
    publisher.clear()
    with pytest.raises(RuleViolation, match=r"2 passenger\(s\) are booked to leave OR9301 at "
                       r"BGW: C-BGW HASSAN Member AAAA; C-BGW HASSAN Member AAAB") as caught:
        await uow.run(ch.remove_stop, PLANNER, mid, "bgw")
    assert caught.value.field == "bookings"
    assert await route(uow, mid) == (["BGW", "EBL", "BSR"], "BSR")
    assert await stops_of(uow, mid) == ["BGW", "BGW"]
    assert await audits(uow, "remove_charter_stop") == 0 and publisher.events == []


async def test_removing_a_stop_moves_its_passengers_only_when_told_where(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow)
    cid, pids = await family(uow, "C-BGW", n=2)
    other, _ = await family(uow, "C-BSR", n=1)
    await uow.run(pl.book_case, PLANNER, cid, mid, stop="BGW")
    await uow.run(pl.book_case, PLANNER, other, mid, stop="BSR")
    publisher.clear()
    moved = await uow.run(ch.remove_stop, PLANNER, mid, "BGW", move_to="ebl")
    assert len(moved) == 2
    assert await route(uow, mid) == (["EBL", "BSR"], "BSR")
    assert await stops_of(uow, mid) == ["EBL", "EBL", "BSR"]
    assert [type(e) for e in publisher.events] == [
        MovementUpdated, PassengerUpdated, PassengerUpdated]
    assert {e.passenger_id for e in publisher.events[1:]} == set(pids)

    def entry(s: Session) -> AuditEntry | None:
        return s.scalar(select(AuditEntry).where(AuditEntry.action == "remove_charter_stop"))
    audit = await uow.read(entry)
    assert audit is not None and audit.username == "coord"
    assert audit.before == {"stops": ["BGW", "EBL", "BSR"]}
    assert audit.after is not None and audit.after["moved_to"] == "EBL"
    assert sorted(audit.after["bookings_moved"]) == sorted(moved)


async def test_removing_the_last_stop_moves_the_destination(uow: UnitOfWork) -> None:
    mid = await a_charter(uow)
    await uow.run(ch.remove_stop, PLANNER, mid, "BSR")
    assert await route(uow, mid) == (["BGW", "EBL"], "EBL")


@pytest.mark.parametrize(("code", "move_to", "field", "message"), [
    ("NJF", None, "stop", r"does not stop at NJF \(stops: BGW, EBL, BSR\)"),
    ("BGW", "BGW", "move_to", r"another stop of the route \(EBL, BSR\), not BGW"),
    ("BGW", "CDG", "move_to", "not CDG"),
])
async def test_bad_removal_is_refused(uow: UnitOfWork, code: str, move_to: str | None,
                                      field: str, message: str) -> None:
    mid = await a_charter(uow)
    with pytest.raises(RuleViolation, match=message) as caught:
        await uow.run(ch.remove_stop, PLANNER, mid, code, move_to=move_to)
    assert caught.value.field == field
    assert await route(uow, mid) == (["BGW", "EBL", "BSR"], "BSR")
    assert await audits(uow, "remove_charter_stop") == 0


async def test_the_only_stop_and_crew_stops_are_refused(uow: UnitOfWork) -> None:
    mid = await a_charter(uow)
    await uow.run(ch.add_crew, PLANNER, mid, "Dr. A. Visser", "medical_doctor", leave_at="EBL")
    with pytest.raises(RuleViolation, match=r"crew board or leave OR9301 at EBL: "
                       r"Dr. A. Visser \(AMS\u2013EBL\)"):
        await uow.run(ch.remove_stop, PLANNER, mid, "EBL")
    await uow.run(ch.remove_stop, PLANNER, mid, "BSR")
    await uow.run(ch.remove_stop, PLANNER, mid, "BGW")
    with pytest.raises(RuleViolation, match="only stop of OR9301: cancel the charter"):
        await uow.run(ch.remove_stop, PLANNER, mid, "EBL")
    assert await route(uow, mid) == (["EBL"], "EBL")
    assert await count(uow, CharterStop) == 1


async def test_moving_passengers_further_is_refused_over_capacity(uow: UnitOfWork) -> None:
    """Moving people to a later stop keeps them on board longer: capacity is checked on
    every leg, and a refusal moves nobody."""
    mid = await a_charter(uow, seats=4)
    early, _ = await family(uow, "C-EARLY", n=3)
    late, _ = await family(uow, "C-LATE", n=1)
    await uow.run(pl.book_case, PLANNER, early, mid, stop="BGW")
    await uow.run(pl.book_case, PLANNER, late, mid, stop="BSR")
    await uow.run(ch.add_crew, PLANNER, mid, "J. de Boer", "escort", board_at="EBL")
    with pytest.raises(RuleViolation, match=r"EBL\u2013BSR: 5 on board .* 1 over capacity"):
        await uow.run(ch.remove_stop, PLANNER, mid, "BGW", move_to="BSR")
    assert await stops_of(uow, mid) == ["BGW", "BGW", "BGW", "BSR"]
    assert await route(uow, mid) == (["BGW", "EBL", "BSR"], "BSR")
    await uow.run(ch.remove_stop, PLANNER, mid, "BGW", move_to="EBL")
    assert await stops_of(uow, mid) == ["EBL", "EBL", "EBL", "BSR"]


async def test_a_stale_version_conflicts(uow: UnitOfWork) -> None:
    mid = await a_charter(uow)
    view = await uow.read(charter_view, mid)
    assert view is not None
    await uow.run(ch.add_stop, PLANNER, mid, "NJF", at(15), after="BGW",
                  expected_version=view.version)
    with pytest.raises(ConflictError):
        await uow.run(ch.remove_stop, PLANNER, mid, "NJF", expected_version=view.version)
    assert await route(uow, mid) == (["BGW", "NJF", "EBL", "BSR"], "BSR")
