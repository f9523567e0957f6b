"""The leader lease with a ManualClock: one holder at a time, renewal keeps it, expiry
hands it over, a clean release hands it over at once; only the leader runs the jobs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

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
