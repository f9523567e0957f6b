"""The retention purge in bounded transactions (issue 19.4's follow-up): a gate tap made
while the purge runs is applied between its chunks, not after the whole purge.  No
timing: the tap completes while the purge is provably mid-way (some of the due
passengers purged in the database, not all, the purge's task not finished), and the tap
is recorded.  The chunked run purges exactly what the one-transaction run would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from movements.domain.actions import milestones, retention
from movements.domain.actions import movements as mv
from movements.domain.clock import ManualClock
from movements.domain.errors import PermissionDenied
from movements.domain.models import AuditEntry, Milestone, Passenger
from movements.domain.uow import UnitOfWork
from tests.factories import COORD, GATE, SYSTEM, add_pax, letters, world

LEAVERS = 5  # three chunks of two: enough to be between chunks, few rows
STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded", "departed")


async def _purged(uow: UnitOfWork) -> int:
    return int(await uow.read(lambda s: s.scalar(select(func.count()).select_from(
        Passenger).where(Passenger.purged_at.is_not(None)))) or 0)


async def test_a_tap_during_the_purge_is_applied_between_its_chunks(
        uow: UnitOfWork, clock: ManualClock) -> None:
    w = await world(uow)
    clock.set(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    for i in range(LEAVERS):
        _, booking = await uow.run(add_pax, SYSTEM, w.departure_id, f"VR-{i}",
                                   f"Leaver {letters(i)}")
        for step in STEPS:
            await uow.run(milestones.record_milestone, GATE, booking, step)
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"flight_state": "DEP"},
                  source="feed")
    _, tapped = await uow.run(add_pax, SYSTEM, w.arrival_id, "AR-1", "Tapped")
    # On blocks: an arrival step before it needs a reason (issue 13's rule).
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "ARR"},
                  source="feed")
    clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))  # 35 days on

    with_first_chunk, tap_done = asyncio.Event(), asyncio.Event()
    seen: list[tuple[int, int]] = []

    async def after_chunk(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 1:
            with_first_chunk.set()
            await tap_done.wait()  # the purge goes on only once the tap is in

    with pytest.raises(PermissionDenied):
        await retention.purge_in_chunks(uow, COORD, 30)

    purge = asyncio.create_task(retention.purge_in_chunks(uow, SYSTEM, 30, chunk=2,
                                                          after_chunk=after_chunk))
    await asyncio.wait_for(with_first_chunk.wait(), 60)
    milestone_id = await uow.run(milestones.record_milestone, GATE, tapped,
                                 "met_at_aircraft")
    mid_way = await _purged(uow)
    assert not purge.done()
    assert 0 < mid_way < LEAVERS  # the tap is in while the purge is provably unfinished
    tap_done.set()
    summary = await asyncio.wait_for(purge, 60)

    assert seen == [(2, LEAVERS), (4, LEAVERS), (5, LEAVERS)]
    assert summary.purged == LEAVERS and await _purged(uow) == LEAVERS
    recorded = await uow.read(lambda s: s.get(Milestone, milestone_id))
    assert recorded is not None and recorded.kind == "met_at_aircraft"
    audits = await uow.read(lambda s: list(s.scalars(select(AuditEntry.after).where(
        AuditEntry.action == "purge_personal_data"))))
    assert len(audits) == 1 and audits[0]["purged"] == LEAVERS  # one run, audited once
    # Nothing left that the one-transaction purge would still find.
    again = await uow.run(retention.purge_personal_data, SYSTEM, 30)
    assert again.purged == 0 and not any(v for k, v in again.counts().items()
                                         if k not in ("stream_events_deleted",
                                                      "responses_deleted"))
