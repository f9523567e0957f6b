"""The demo year loads in bounded transactions (issue 19.4's follow-up): a gate tap made
during the load is applied between its chunks (the load provably unfinished when the tap
is in: some of its movements written, not all, its task not done), and a load that fails
in a later chunk leaves nothing behind (journal undone, batch ``undone``)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from movements.demo.load_year import load_year, year_history
from movements.domain.actions import milestones
from movements.domain.actions import passengers as px
from movements.domain.actions.history import history_chunks
from movements.domain.models import (
    AuditEntry,
    BulkBatch,
    Case,
    ImportUndo,
    Milestone,
    Movement,
    Passenger,
)
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import GATE, SYSTEM, add_pax, world

MONTHS = {1}
CHUNK = 80  # January 2016: ~200 movements, so three chunks or so


async def _loaded(uow: UnitOfWork) -> int:
    return int(await uow.read(lambda s: s.scalar(select(func.count()).select_from(
        Movement).where(Movement.operational_date < date(2017, 1, 1)))) or 0)


async def test_a_tap_during_the_demo_year_load_is_applied_between_chunks(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    _, booking = await uow.run(add_pax, SYSTEM, w.departure_id, "TAP-1", "Tapper")
    first_chunk, tap_done = asyncio.Event(), asyncio.Event()
    seen: list[tuple[int, int]] = []

    async def after_chunk(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 1:
            first_chunk.set()
            await tap_done.wait()

    load = asyncio.create_task(load_year(uow, 2016, months=MONTHS, chunk=CHUNK,
                                         after_chunk=after_chunk))
    await asyncio.wait_for(first_chunk.wait(), 120)
    tapped = await uow.run(milestones.record_milestone, GATE, booking, "met_at_point")
    mid_way = await _loaded(uow)
    assert not load.done()
    tap_done.set()
    summary = await asyncio.wait_for(load, 300)
    assert 0 < mid_way < summary.movements  # the tap was in while the load was unfinished
    assert len(seen) >= 2 and seen[-1][0] == seen[-1][1]
    assert await uow.read(lambda s: s.get(Milestone, tapped)) is not None
    assert await _loaded(uow) == summary.movements
    assert await uow.read(lambda s: (
        s.scalar(select(func.count()).select_from(ImportUndo)),
        s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "import_history")),
        list(s.scalars(select(BulkBatch.state))))) == (0, 1, ["done"])


async def test_a_load_that_fails_in_a_later_chunk_leaves_nothing(uow: UnitOfWork) -> None:
    await world(uow)
    movements = year_history(2016, months=MONTHS)
    chunks = history_chunks(movements, CHUNK)
    assert len(chunks) >= 2
    # A case reference of the last chunk is taken already: that chunk's insert is
    # refused by the database, after the earlier chunks were committed.
    taken = chunks[-1][0].passengers[0].case_ref

    def take(tx: Tx) -> None:
        px.get_or_create_case(tx, "AMS", taken)
    await uow.run(take, SYSTEM)
    before = await uow.read(lambda s: (
        s.scalar(select(func.count()).select_from(Passenger)),
        s.scalar(select(func.count()).select_from(Case))))
    committed: list[int] = []

    async def after_chunk(done: int, total: int) -> None:
        committed.append(await _loaded(uow))

    with pytest.raises(IntegrityError):
        await load_year(uow, 2016, months=MONTHS, chunk=CHUNK, after_chunk=after_chunk)
    assert committed and committed[-1] > 0  # chunks were in before the failure
    assert await _loaded(uow) == 0
    assert await uow.read(lambda s: (
        s.scalar(select(func.count()).select_from(Passenger)),
        s.scalar(select(func.count()).select_from(Case)))) == before
    assert await uow.read(lambda s: (
        s.scalar(select(func.count()).select_from(ImportUndo)),
        list(s.scalars(select(BulkBatch.state))))) == (0, ["undone"])
