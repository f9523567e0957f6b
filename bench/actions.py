"""Throughput of a versioned domain action against a bare versioned update.

The action is ``record_milestone`` through the UnitOfWork: version check, milestone row,
booking version bump, one stream event row per stream (board + movement page), an audit
entry, the report counter, commit, publish (to a publisher that drops events).  The
baseline is a bare SQLAlchemy versioned ORM update of the same booking rows with commit
(load by primary key, change, commit), on the same database setup, in the same run,
alternating with the action step by step.  SQLite (the app's worker-thread sessions)
and PostgreSQL (a throwaway cluster, asyncpg, the app's ``run_sync`` sessions); prints
the statements of one op of each and the load average beside the ratio.

    python bench/actions.py [--bookings 300] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402
from sqlalchemy.orm.attributes import flag_modified  # noqa: E402

from bench._common import table, write_json  # noqa: E402
from movements.domain.actions import milestones  # noqa: E402
from movements.domain.models import Booking, Role  # noqa: E402
from movements.domain.uow import Actor, NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database, make_sync_sqlite_engine  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from tests.factories import AMS_ID, SYSTEM, add_pax, build_world, letters  # noqa: E402

STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate")
# Scoped to the bench airport as every gate user is (the access policy needs it).
#: CPU seconds of this process (every thread) per side, summed over the steps: on a
#: shared machine the wall time also holds the waits for a core (PostgreSQL's own
#: server time is not in it, on either side).
CPU = {"bare": 0.0, "action": 0.0}
GATE = Actor(user_id=None, username="bench", role=Role.GATE_STAFF,
             airport_ids=frozenset({AMS_ID}))


async def prepare(url: str, bookings: int) -> tuple[str, list[int]]:
    database = Database.open(url)
    await upgrade(database.engine)
    uow = database.unit_of_work(NullPublisher())

    def seed(tx: Tx) -> list[int]:
        w = build_world(tx, date(2026, 9, 15))
        return [add_pax(tx, w.departure_id, f"B-{i // 3}", f"Bench{letters(i)}", "Pax")[1]
                for i in range(bookings)]

    ids = await uow.run(seed, SYSTEM)
    await database.dispose()
    return url, ids


async def run_interleaved(url_a: str, ids_a: list[int], url_b: str, ids_b: list[int]
                          ) -> tuple[float, float, int, int]:
    """Baseline and action alternate step by step (the machine's load hits both alike).

    The action runs through the unit of work exactly as the app opens it (SQLite: a
    worker thread); the baseline is a bare versioned ORM update per commit of the same
    rows, run the same way (sync session in a worker thread), so the ratio is the
    domain's own cost.  Returns (baseline s, action s, statements per baseline op,
    statements per action op), statements counted on the last op of each (BEGIN and
    COMMIT not included)."""
    database = Database.open(url_a)
    uow = database.unit_of_work(NullPublisher())
    engine = make_sync_sqlite_engine(url_b)
    sessions = sessionmaker(engine, expire_on_commit=False)
    counts = {"bare": 0, "action": 0}
    counting = {"on": ""}

    def count(*_: object) -> None:
        if counting["on"]:
            counts[counting["on"]] += 1

    assert uow.sync_sessions is not None
    event.listen(engine, "before_cursor_execute", count)
    event.listen(uow.sync_sessions.kw["bind"], "before_cursor_execute", count)

    def one(bid: int, i: int) -> None:
        with sessions() as s, s.begin():
            booking = s.get(Booking, bid)
            assert booking is not None
            booking.seat = f"{i}A"
            flag_modified(booking, "seat")

    bare = action = 0.0
    for i, step in enumerate(STEPS):
        last = i == len(STEPS) - 1
        start, cpu = time.perf_counter(), time.process_time()
        for n, bid in enumerate(ids_b):
            counting["on"] = "bare" if last and n == len(ids_b) - 1 else ""
            await asyncio.to_thread(one, bid, i)
        bare += time.perf_counter() - start
        CPU["bare"] += time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        for n, bid in enumerate(ids_a):
            counting["on"] = "action" if last and n == len(ids_a) - 1 else ""
            await uow.run(milestones.record_milestone, GATE, bid, step)
        action += time.perf_counter() - start
        CPU["action"] += time.process_time() - cpu
    counting["on"] = ""
    await database.dispose()
    engine.dispose()
    skip = 1  # SQLite's BEGIN (IMMEDIATE for the action) is a cursor execute too
    return bare, action, counts["bare"] - skip, counts["action"] - skip


async def run_interleaved_pg(url_a: str, ids_a: list[int], url_b: str, ids_b: list[int]
                             ) -> tuple[float, float, int, int]:
    """As ``run_interleaved`` on PostgreSQL: the action through the unit of work (async
    sessions, ``run_sync``), the baseline a bare versioned ORM update per commit through
    an async session of its own engine, the same way.  Statements counted as there
    (BEGIN and COMMIT are not cursor executes on asyncpg)."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    database = Database.open(url_a)
    uow = database.unit_of_work(NullPublisher())
    engine = create_async_engine(url_b)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    counts = {"bare": 0, "action": 0}
    counting = {"on": ""}

    def count(*_: object) -> None:
        if counting["on"]:
            counts[counting["on"]] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)

    async def one(bid: int, i: int) -> None:
        async with sessions() as s, s.begin():
            booking = await s.get(Booking, bid)
            assert booking is not None
            booking.seat = f"{i}A"
            flag_modified(booking, "seat")

    bare = action = 0.0
    for i, step in enumerate(STEPS):
        last = i == len(STEPS) - 1
        start, cpu = time.perf_counter(), time.process_time()
        for n, bid in enumerate(ids_b):
            counting["on"] = "bare" if last and n == len(ids_b) - 1 else ""
            await one(bid, i)
        bare += time.perf_counter() - start
        CPU["bare"] += time.process_time() - cpu
        start, cpu = time.perf_counter(), time.process_time()
        for n, bid in enumerate(ids_a):
            counting["on"] = "action" if last and n == len(ids_a) - 1 else ""
            await uow.run(milestones.record_milestone, GATE, bid, step)
        action += time.perf_counter() - start
        CPU["action"] += time.process_time() - cpu
    counting["on"] = ""
    await database.dispose()
    await engine.dispose()
    return bare, action, counts["bare"], counts["action"]


async def _create_databases(base_url: str, names: list[str]) -> list[str]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for name in names:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return [base_url.rsplit("/", 1)[0] + f"/{name}" for name in names]


def measure(backend: str, bookings: int, work: Path) -> dict[str, object]:
    """One backend's interleaved run; returns its figures (and prints them)."""
    cluster = None
    try:
        if backend == "postgresql":
            from tests.pg import start_cluster

            cluster = start_cluster()
            url_a, url_b = asyncio.run(_create_databases(cluster.url, ["bench_a", "bench_b"]))
            runner = run_interleaved_pg
            label = "PostgreSQL 15 (throwaway cluster, fsync off, asyncpg)"
        else:
            url_a = f"sqlite+aiosqlite:///{work / 'a.sqlite3'}"
            url_b = f"sqlite+aiosqlite:///{work / 'b.sqlite3'}"
            runner = run_interleaved
            label = "SQLite (WAL, synchronous=NORMAL)"
        CPU.update(bare=0.0, action=0.0)
        url_a, ids_a = asyncio.run(prepare(url_a, bookings))
        url_b, ids_b = asyncio.run(prepare(url_b, bookings))
        n = len(ids_a) * len(STEPS)
        bare, action, bare_sql, action_sql = asyncio.run(runner(url_a, ids_a, url_b, ids_b))
    finally:
        if cluster is not None:
            cluster.stop()
    load = os.getloadavg()[0]
    rows = [
        ["bare versioned UPDATE + commit (baseline)", n, bare, n / bare, bare / n * 1e3],
        ["record_milestone: rule + rows + 2 stream events + audit + commit", n, action,
         n / action, action / n * 1e3],
    ]
    print(f"{label}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(table(["what", "ops", "seconds", "ops/s", "ms/op"], rows))
    print(f"ratio action/baseline (time per op): {action / bare:.2f}x (CPU of this process: "
          f"{CPU['action'] / CPU['bare']:.2f}x, {CPU['bare'] / n * 1e3:.2f} vs "
          f"{CPU['action'] / n * 1e3:.2f} ms/op); statements per op: "
          f"baseline {bare_sql}, action {action_sql}; load average {load:.1f}\n")
    return {"ops": n, "baseline_s": bare, "action_s": action,
            "baseline_ops_per_s": n / bare, "action_ops_per_s": n / action,
            "ratio": action / bare, "baseline_cpu_s": CPU["bare"],
            "action_cpu_s": CPU["action"], "cpu_ratio": CPU["action"] / CPU["bare"],
            "baseline_statements": bare_sql,
            "action_statements": action_sql, "load_average": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    results: dict[str, object] = {}
    for backend in args.backends.split(","):
        work = Path(tempfile.mkdtemp(prefix="bench-actions-"))
        try:
            results[backend] = measure(backend.strip(), args.bookings, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {write_json('actions', results)}")


if __name__ == "__main__":
    main()
