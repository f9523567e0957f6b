"""Two real server processes on one database: exactly one holds the job lease; when it is
killed (SIGKILL: no clean release), the other takes over once the lease runs out."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from movements.domain.models import JobLease
from movements.platform.db import make_engine
from tests.live import LiveServer, start_server

LEASE_SECONDS = 3
T = TypeVar("T")


def lease(database_url: str) -> tuple[int, str] | None:
    """(holder's pid, expiry as stored) of the job lease, or None."""
    async def read() -> tuple[int, str] | None:
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                row = (await conn.execute(JobLease.__table__.select())).first()
        finally:
            await engine.dispose()
        return None if row is None else (int(row.holder.split(":")[1]), str(row.expires_at))

    return asyncio.run(read())


def lease_holder_pid(database_url: str) -> int | None:
    found = lease(database_url)
    return found[0] if found else None


def wait_until(check: Callable[[], T], wanted: Callable[[T], bool], seconds: float) -> T:
    deadline = time.monotonic() + seconds
    value = check()
    while not wanted(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = check()
    return value


@pytest.mark.slow
def test_the_other_process_takes_over_the_jobs(database_url: str, tmp_path: Path) -> None:
    env = {"MOVEMENTS_RUN_JOBS": "true", "MOVEMENTS_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
           "MOVEMENTS_LOG_LEVEL": "WARNING"}
    servers: list[LiveServer] = []
    try:
        with ThreadPoolExecutor(2) as pool:
            starting = [pool.submit(start_server, database_url, tmp_path, extra_env=env,
                                    name=name) for name in ("one", "two")]
            for future in starting:
                servers.append(future.result())
        pids = {s.process.pid: s for s in servers}
        holder = wait_until(lambda: lease_holder_pid(database_url), lambda p: p in pids, 20)
        assert holder in pids, [s.log() for s in servers]
        leader = pids[holder]
        (follower,) = [s for s in servers if s is not leader]
        # While alive it renews the lease (every second); nobody else takes it.
        first = lease(database_url)
        renewed = wait_until(lambda: lease(database_url), lambda v: v != first, 10)
        assert renewed is not None and renewed[0] == holder and renewed != first
        leader.stop(signal.SIGKILL)
        took_over = wait_until(lambda: lease_holder_pid(database_url),
                               lambda p: p == follower.process.pid, LEASE_SECONDS * 5)
        assert took_over == follower.process.pid, follower.log()
        assert follower.process.poll() is None
        assert "took over from" in follower.log()
    finally:
        for s in servers:
            s.stop()
