"""A scheduled job that meets a busy database (another writer holds it) is retried, then
skipped with one warning line: no traceback, no ERROR (issue 19.4's follow-up).  On
SQLite (another connection holds the write lock) and PostgreSQL (another transaction
holds the table the purge writes)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from tenacity import wait_none

from movements.domain.clock import ManualClock
from movements.domain.models import AuditEntry
from movements.platform.config import Settings
from movements.scheduler import JobRunner
from movements.services import Services
from tests.factories import world


@contextmanager
def writes_held(url: str) -> Iterator[Callable[[], None]]:
    """Hold what the purge writes from another connection; yields ``release`` (callable
    from any thread, idempotent) and releases at the end anyway."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None,
                               check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        lock = threading.Lock()
        held = [True]

        def release_sqlite() -> None:
            with lock:
                if held[0]:
                    held[0] = False
                    conn.execute("ROLLBACK")

        try:
            yield release_sqlite
        finally:
            release_sqlite()
            conn.close()
        return
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        async def run() -> None:
            engine = create_async_engine(url)
            async with engine.connect() as conn:
                await conn.execute(text("LOCK TABLE stream_event IN EXCLUSIVE MODE"))
                started.set()
                while not release.is_set():
                    await asyncio.sleep(0.02)
                await conn.rollback()
            await engine.dispose()
        asyncio.run(run())
        done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(20)
    try:
        yield release.set
    finally:
        release.set()
        thread.join(20)


async def _runner(database_url: str, tmp_path: Path, clock: ManualClock
                  ) -> tuple[Services, JobRunner]:
    services = Services.build(Settings(data_dir=tmp_path, database_url=database_url),
                              clock=clock)
    runner = JobRunner(services, holder="busy-test")
    runner.busy_attempts = 2
    runner.busy_wait = wait_none()
    await world(services.uow)  # stream events the purge prunes once two days old
    clock.advance(days=3)
    assert await runner.renew_lease()
    return services, runner


async def _purges(services: Services) -> int:
    return int(await services.uow.read(lambda s: s.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "purge_personal_data"))) or 0)


async def test_a_busy_database_is_one_warning_line_and_no_traceback(
        database_url: str, tmp_path: Path, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    services, runner = await _runner(database_url, tmp_path, clock)
    try:
        caplog.set_level(logging.INFO, logger="movements")
        caplog.clear()  # the lease taken in _runner
        with writes_held(database_url):
            await runner._job(runner.purge)()
        mine = [r for r in caplog.records if r.name == "movements.scheduler"]
        assert [r.levelno for r in mine] == [logging.INFO, logging.WARNING], \
            [r.getMessage() for r in mine]
        assert "database is busy" in mine[0].getMessage()
        assert mine[1].getMessage() == ("jobs: purge skipped: the database stayed busy "
                                        "(2 tries); the next run tries again")
        assert all(r.exc_info is None for r in caplog.records)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert await _purges(services) == 0  # nothing half-done
        await runner._job(runner.purge)()  # free again: the next run does it
        assert await _purges(services) == 1
    finally:
        await runner.stop()
        await services.close()


async def test_a_job_that_met_a_busy_database_is_retried_and_applies(
        database_url: str, tmp_path: Path, clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    services, runner = await _runner(database_url, tmp_path, clock)
    try:
        with writes_held(database_url) as release:
            class ReleaseOnRetry(logging.Handler):
                """The other writer finishes as soon as the job says it will retry."""

                def emit(self, record: logging.LogRecord) -> None:
                    if "trying again" in record.getMessage():
                        release()

            handler = ReleaseOnRetry(logging.INFO)
            logger = logging.getLogger("movements.scheduler")
            logger.addHandler(handler)
            old_level = logger.level
            logger.setLevel(logging.INFO)
            caplog.set_level(logging.INFO, logger="movements")
            caplog.clear()
            try:
                await runner._job(runner.purge)()
            finally:
                logger.removeHandler(handler)
                logger.setLevel(old_level)
        retried = [r for r in caplog.records if "trying again" in r.getMessage()]
        assert len(retried) == 1
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING
                    and r.name == "movements.scheduler"]
        assert await _purges(services) == 1  # the second try applied
    finally:
        await runner.stop()
        await services.close()
