"""Reports on the synthetic 2016 year (SQLite), each against a baseline in the same run.

* Loading the year: ``movements demo --year 2016``'s path (plan generated, then written by
  the history import through bulk Core INSERTs) against the very same rows written by
  plain ``sqlite3`` ``executemany`` into an empty migrated database (the floor).
* The year view (``/reports``, Jan-Dec: annual figures + monthly service levels), the
  month view (``/reports``, September: the same plus the per-day load, needs and escorts)
  and the service-level view (``/api/v1/reports/service-levels`` for the year), each
  through a real server with 10 concurrent requests, against the same counts as one bare
  SQL query (people by month and direction) run 10 at a time on ``sqlite3`` connections.
  The aggregates are kept per month under per-(airport, month) stamps
  (domain/report_months.py: a write in September at AMS makes September's part stale,
  nothing else); the first request of each view is the cold one; then rounds right
  after a write in September at AMS (the first request alone, then 10 at once) and at
  another airport; and the cold aggregate cost under 10 threads (cache bypassed: the
  whole range), beside one month's part (what a write now costs).  Each row says
  whether the 200 ms p95 target is met and the 1-minute load average when measured.

    python bench/reports.py [--requests 100] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench._common import summary, table, write_json  # noqa: E402
from movements.demo.load_year import load_year, year_history  # noqa: E402
from movements.domain import reports as rp  # noqa: E402
from movements.domain.actions import setup  # noqa: E402
from movements.domain.actions.history import import_history  # noqa: E402
from movements.domain.clock import ManualClock  # noqa: E402
from movements.domain.models import Role  # noqa: E402
from movements.domain.streams import report_counter, report_month_scope  # noqa: E402
from movements.domain.uow import Actor, NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from movements.platform.passwords import hash_password  # noqa: E402
from tests.live import sign_in, start_server  # noqa: E402

SYSTEM = Actor.system("bench")
PASSWORD = "bench-reports-2026"
TABLES = ("movement", "charter_stop", "travel_case", "passenger", "special_need", "booking",
          "milestone", "transit")
VIEWS = {
    "year view": "/reports?start=2016-01-01&end=2016-12-31",
    "month view": "/reports?start=2016-09-01&end=2016-09-30",
    "service-level view": "/api/v1/reports/service-levels?start=2016-01-01&end=2016-12-31",
}
#: Issue 17's acceptance: each view's p95 under this, 10 concurrent requests, SQLite.
TARGET_MS = 200.0
BARE = """SELECT CAST(strftime('%m', m.operational_date) AS INTEGER), m.kind,
                 count(DISTINCT b.passenger_id)
          FROM booking b JOIN movement m ON m.id = b.movement_id
          WHERE m.airport_id = 1 AND m.operational_date BETWEEN '2016-01-01' AND '2016-12-31'
            AND m.kind != 'transit_out' AND b.status = 'booked'
          GROUP BY 1, 2"""


async def migrated(path: Path) -> None:
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    await db.dispose()


async def load(path: Path) -> dict[str, float]:
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    uow = db.unit_of_work(NullPublisher(), ManualClock(datetime(2026, 11, 30, tzinfo=UTC)))
    started = time.perf_counter()
    generated = year_history(2016)
    generate_s = time.perf_counter() - started

    def run(tx: Tx) -> Any:
        setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
        return import_history(tx, "AMS", generated)

    started = time.perf_counter()
    await uow.run(run, SYSTEM)
    import_s = time.perf_counter() - started

    def users(tx: Tx) -> None:
        setup.add_user(tx, "coord", "Coordinator", Role.COORDINATOR, hash_password(PASSWORD),
                       airports=["AMS"])

    await uow.run(users, SYSTEM)
    await db.dispose()
    return {"generate_s": generate_s, "import_s": import_s}


async def whole_load(path: Path) -> float:
    """The command's path end to end: generate and import (a fresh database)."""
    db = Database.open(f"sqlite+aiosqlite:///{path}")
    uow = db.unit_of_work(NullPublisher(), ManualClock(datetime(2026, 11, 30, tzinfo=UTC)))
    started = time.perf_counter()
    await load_year(uow, 2016)
    elapsed = time.perf_counter() - started
    await db.dispose()
    return elapsed


def executemany_baseline(source: Path, target: Path) -> tuple[float, int]:
    """The same rows, read back from the loaded database, written with executemany."""
    src = sqlite3.connect(source)
    rows = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES}
    columns = {t: [c[1] for c in src.execute(f"PRAGMA table_info({t})")] for t in TABLES}
    src.close()
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    dst.execute("PRAGMA foreign_keys=ON")
    dst.execute("INSERT INTO airport (id, iata, name, timezone, escort_transfer_minutes, "
                "min_connection_minutes) VALUES (1, 'AMS', 'Amsterdam Schiphol', "
                "'Europe/Amsterdam', 20, 50)")
    started = time.perf_counter()
    dst.execute("BEGIN")
    for t in TABLES:
        marks = ", ".join("?" * len(columns[t]))
        dst.executemany(f"INSERT INTO {t} ({', '.join(columns[t])}) VALUES ({marks})", rows[t])
    dst.execute("COMMIT")
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed, sum(len(r) for r in rows.values())


async def after_writes(base: str, cookies: httpx.Cookies, url: str, rounds: int,
                       concurrency: int, db: Path, airport: str
                       ) -> tuple[list[float], list[float]]:
    """Each round: a write lands in September 2016 at ``airport`` (its month's report
    counter moves, as ``Tx.stamp_reports`` does in every write's transaction), then one
    request comes alone (the first after a write); then another write and
    ``concurrency`` requests together.  At the report's own airport (AMS) September's
    part is stale and recomputed; at another airport everything stays cached.  Returns
    (first requests, concurrent requests) in ms."""
    firsts: list[float] = []
    times: list[float] = []
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    counter = report_counter(report_month_scope(airport, date(2016, 9, 20)))

    def write() -> None:
        conn.execute("INSERT INTO stream_counter (stream, last_seq) VALUES (?, 1) "
                     "ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1", (counter,))

    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=120) as client:
        async def one(into: list[float]) -> None:
            t = time.perf_counter()
            resp = await client.get(url)
            into.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200

        for _ in range(rounds):
            write()
            await one(firsts)
            write()
            await asyncio.gather(*(one(times) for _ in range(concurrency)))
    conn.close()
    return firsts, times


async def http_view(base: str, cookies: httpx.Cookies, url: str, requests: int,
                    concurrency: int) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:
        started = time.perf_counter()
        first = await client.get(url)
        cold = (time.perf_counter() - started) * 1000
        assert first.status_code == 200, (url, first.status_code, first.text[:300])
        times: list[float] = []
        queue = list(range(requests))

        async def worker() -> None:
            while queue:
                queue.pop()
                t = time.perf_counter()
                resp = await client.get(url)
                times.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return cold, times


def threaded(fn: Any, runs: int, concurrency: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        t = time.perf_counter()
        fn()
        with lock:
            times.append((time.perf_counter() - t) * 1000)

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(runs)))
    return times


def load_average() -> str:
    """``uptime``'s three load averages: the figures mean little without them."""
    import os

    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def load1() -> float:
    """The 1-minute load average now (printed beside each figure)."""
    import os

    return round(os.getloadavg()[0], 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--cold-runs", type=int, default=20)
    parser.add_argument("--write-rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    year_db, floor_db = work / "year.sqlite3", work / "floor.sqlite3"
    whole_db = work / "whole.sqlite3"
    for p in (year_db, floor_db, whole_db):
        asyncio.run(migrated(p))
    parts = asyncio.run(load(year_db))
    whole_s = asyncio.run(whole_load(whole_db))
    floor_s, row_count = executemany_baseline(year_db, floor_db)
    load_when_loaded = load1()
    load_rows = [
        ["plain sqlite3 executemany, same rows (baseline)", row_count, floor_s, 1.0],
        ["history import (bulk Core executemany, ids reserved, checks, audit)", row_count,
         parts["import_s"], parts["import_s"] / floor_s],
        ["`movements demo --year 2016` path: generate + import", row_count, whole_s,
         whole_s / floor_s],
    ]
    print(f"Loading the synthetic year ({row_count:,} rows; generating the plan alone: "
          f"{parts['generate_s']:.2f} s; 1-minute load average {load_when_loaded})")
    print(table(["what", "rows", "seconds", "x baseline"], load_rows))

    # Bare SQL baseline, 10 at a time.
    local = threading.local()

    def bare() -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = sqlite3.connect(year_db, check_same_thread=False)
        conn.execute(BARE).fetchall()

    bare_times = threaded(bare, args.requests, args.concurrency)
    bare_p95, bare_load = summary(bare_times)["p95"], load1()

    # Cold aggregates (no cache) under 10 threads, straight on the read models.
    engine = create_engine(f"sqlite:///{year_db}", pool_size=args.concurrency)
    year = rp.ReportFilter((1,), date(2016, 1, 1), date(2016, 12, 31))
    month = rp.ReportFilter((1,), date(2016, 9, 1), date(2016, 9, 30))

    def session_run(fn: Any) -> Any:
        def call() -> None:
            with Session(engine) as s:
                fn(s)
        return call

    cold = {
        "year view": session_run(lambda s: (rp.annual(s, year),
                                            rp.service_levels(s, year, per="month"))),
        "month view": session_run(lambda s: (rp.annual(s, month), rp.days(s, month),
                                             rp.service_levels(s, month, per="day"))),
        "service-level view": session_run(lambda s: rp.service_levels(s, year, per="month")),
        # What a write in September costs the year view now: that month's parts.
        "one month's parts": session_run(lambda s: (rp.annual(s, month, top=None),
                                                    rp.service_part(s, month, per="month"))),
    }
    cold_times: dict[str, list[float]] = {}
    cold_load: dict[str, float] = {}
    for k, fn in cold.items():
        cold_times[k] = threaded(fn, args.cold_runs, args.concurrency)
        cold_load[k] = load1()
    engine.dispose()

    server = start_server(f"sqlite+aiosqlite:///{year_db}", work, name="reports")
    results: dict[str, Any] = {}
    try:
        client, _ = sign_in(server.base, "coord", PASSWORD)
        base = str(client.base_url)
        rows = [["bare SQL: people by month and direction (baseline)", "-",
                 summary(bare_times)["p50"], bare_p95, 1.0, "-", bare_load]]

        def verdict(p95: float) -> str:
            return "met" if p95 < TARGET_MS else "MISSED"

        for name, url in VIEWS.items():
            first, times = asyncio.run(http_view(base, client.cookies, url, args.requests,
                                                 args.concurrency))
            s, load_s = summary(times), load1()
            c = summary(cold_times[name])
            wf, wt = asyncio.run(after_writes(base, client.cookies, url, args.write_rounds,
                                              args.concurrency, year_db, "AMS"))
            f, w, load_w = summary(wf), summary(wt), load1()
            _, ot = asyncio.run(after_writes(base, client.cookies, url, args.write_rounds,
                                             args.concurrency, year_db, "RTM"))
            o, load_o = summary(ot), load1()
            results[name] = {"http": s, "first_request_ms": first, "cold_aggregates": c,
                             "first_after_write": f, "after_write": w,
                             "after_write_elsewhere": o,
                             "load": {"http": load_s, "after_write": load_w,
                                      "elsewhere": load_o, "cold": cold_load[name]}}
            rows.append([f"{name}: HTTP, {args.concurrency} concurrent", f"{first:.0f}",
                         s["p50"], s["p95"], s["p95"] / bare_p95, verdict(s["p95"]), load_s])
            rows.append([f"{name}: HTTP, first request after a write in Sep at AMS", "-",
                         f["p50"], f["p95"], f["p95"] / bare_p95, verdict(f["p95"]), load_w])
            rows.append([f"{name}: HTTP, {args.concurrency} at once after a write in Sep "
                         "at AMS", "-", w["p50"], w["p95"], w["p95"] / bare_p95,
                         verdict(w["p95"]), load_w])
            rows.append([f"{name}: HTTP, {args.concurrency} at once after a write at "
                         "another airport", "-", o["p50"], o["p95"], o["p95"] / bare_p95,
                         verdict(o["p95"]), load_o])
            rows.append([f"{name}: aggregates uncached, {args.concurrency} threads", "-",
                         c["p50"], c["p95"], c["p95"] / bare_p95, "-", cold_load[name]])
        m = summary(cold_times["one month's parts"])
        rows.append([f"one month's parts (Sep), {args.concurrency} threads", "-", m["p50"],
                     m["p95"], m["p95"] / bare_p95, "-", cold_load["one month's parts"]])
        client.close()
    finally:
        server.stop()
    print(f"\nViews on the synthetic year ({args.requests} requests each, "
          f"{args.concurrency} at a time; ms)")
    print(table(["what", "first request", "p50", "p95", "p95 x baseline",
                 f"p95 < {TARGET_MS:.0f} ms", "load 1 min"], rows))
    print(f"(load average while measured: {load_average()})")
    write_json("reports", {
        "load": {"rows": row_count, "executemany_s": floor_s, "import_s": parts["import_s"],
                 "generate_s": parts["generate_s"], "whole_s": whole_s,
                 "load_average_1m": load_when_loaded},
        "bare_sql": summary(bare_times), "views": results,
        "requests": args.requests, "concurrency": args.concurrency,
        "target_ms": TARGET_MS, "load_average": load_average()})


if __name__ == "__main__":
    main()
