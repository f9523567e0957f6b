"""The leader lease with a ManualClock: one holder at a time, renewal keeps it, expiry
hands it over, a clean release hands it over at once; only the leader runs the jobs."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from movements.domain.actions import leases
from movements.domain.clock import ManualClock
from movements.domain.models import Alert, AuditEntry, JobLease
from movements.domain.uow import UnitOfWork
from movements.platform.config import Settings
from movements.scheduler import JobRunner
from movements.services import Services
from tests.factories import SYSTEM, add_pax, world


async def test_one_holder_renewal_expiry_and_release(uow: UnitOfWork,
                                                     clock: ManualClock) -> None:
    a = await uow.run(leases.renew_lease, SYSTEM, "jobs", "A", 15)
    b = await uow.run(leases.renew_lease, SYSTEM, "jobs", "B", 15)
    assert a.held and not b.held and b.holder == "A"
    clock.advance(seconds=10)
    assert (await uow.run(leases.renew_lease, SYSTEM, "jobs", "A", 15)).held  # renewed
    clock.advance(seconds=14)
    assert not (await uow.run(leases.renew_lease, SYSTEM, "jobs", "B", 15)).held
    clock.advance(seconds=1)  # A's renewal has run out
    b = await uow.run(leases.renew_lease, SYSTEM, "jobs", "B", 15)
    assert b.held and b.taken_over_from == "A"
    assert not (await uow.run(leases.renew_lease, SYSTEM, "jobs", "A", 15)).held
    assert await uow.run(leases.release_lease, SYSTEM, "jobs", "A") is False  # not A's
    assert await uow.run(leases.release_lease, SYSTEM, "jobs", "B") is True
    assert (await uow.run(leases.renew_lease, SYSTEM, "jobs", "A", 15)).held
    audit = await uow.read(lambda s: list(s.scalars(select(AuditEntry.action).where(
        AuditEntry.entity == "job_lease").order_by(AuditEntry.id))))
    assert audit == ["take_lease", "release_lease", "take_lease"]


async def test_only_the_leader_runs_the_jobs(database_url: str, tmp_path: Path,
                                             clock: ManualClock) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, job_lease_seconds=6)
    one = Services.build(settings, clock=clock)
    two = Services.build(settings, clock=clock)
    first, second = JobRunner(one, holder="one"), JobRunner(two, holder="two")
    try:
        w = await world(one.uow)
        await one.uow.run(add_pax, SYSTEM, w.departure_id, "C-1", needs=(("WCHC", None),))
        clock.advance(hours=1)  # 09:00 UTC: escort due, passenger not met
        assert await first.renew_lease() and not await second.renew_lease()
        assert first.is_leader and not second.is_leader
        assert await second.evaluate_alerts() is None  # a follower does nothing
        run = await first.evaluate_alerts()
        assert run is not None and run["AMS"].raised >= 1
        assert await second.purge() is None and await first.purge() is not None
        # The leader stops renewing (it hangs or dies): after the lease time the other
        # takes over, and the old leader knows it is no longer in charge.
        clock.advance(seconds=6)
        assert not first.is_leader
        assert await second.renew_lease() and second.is_leader
        assert not await first.renew_lease()
        assert (await second.evaluate_alerts()) is not None
        lease = await one.uow.read(lambda s: s.get(JobLease, "jobs"))
        assert lease is not None and lease.holder == "two"
        assert lease.expires_at == clock.now() + timedelta(seconds=6)
        # A clean stop hands over at once.
        await second.stop()
        assert await first.renew_lease()
        count = await one.uow.read(lambda s: len(s.scalars(select(Alert.id)).all()))
        assert count >= 1
    finally:
        await first.stop()
        await one.close()
        await two.close()


async def test_lease_job_backs_off_quietly_while_the_database_is_read_only(
        database_url: str, tmp_path: Path, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    """Issue 12.7: at start on a read-only database the lease job tried every ~2 s and
    logged a traceback each time; now it backs off (2, 4, 8 ... 60 s), the fault is
    logged once, and it takes the lease as soon as writes work again."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, job_lease_seconds=6)
    services = Services.build(settings, clock=clock)
    runner = JobRunner(services, holder="one")
    engines = [e for e in (services.database.engine.sync_engine,
                           services.database.sync_engine) if e is not None]
    attempts: list[int] = []

    def on_connect(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):  # a write transaction (movements.db)
            attempts.append(1)

    try:
        if services.engine.dialect.name != "sqlite":
            pytest.skip("read-only by pragma: SQLite (PostgreSQL: tests/web/test_storage_faults)")
        await services.database.dispose()
        for engine in engines:
            event.listen(engine, "connect", on_connect)
            event.listen(engine, "before_cursor_execute", on_statement)
        caplog.set_level(logging.INFO)
        for _ in range(120):  # two minutes of 1-second scheduler ticks
            assert not await runner.renew_lease()
            clock.advance(seconds=1)
        assert 4 <= len(attempts) <= 10, len(attempts)  # 2+4+8+16+32+60 s: not 120 tries
        assert not any(r.exc_info for r in caplog.records)
        assert len([r for r in caplog.records if r.name == "movements.storage"]) <= 2
        for engine in engines:
            event.remove(engine, "connect", on_connect)
        await services.database.dispose()
        for _ in range(61):
            if await runner.renew_lease():
                break
            clock.advance(seconds=1)
        assert runner.is_leader
    finally:
        await runner.stop()
        await services.close()
