"""The board of a peak day under many signed-in users, against a static file.

A peak day at AMS: 300 movements (departures, arrivals, transits; a few large charters),
2,000 passengers with realistic needs (wheelchairs, stretcher, medical, minors), open
alerts from the alert rules.  1, 20 and 50 signed-in gate users (each their own session)
fetch the board and a movement page at once; the baseline is a static file of the same
size served by the same server (its static-files route) in the same run, interleaved
(each user alternates the static file and the page), at the same concurrency.  Also,
in-process: SQL statements per request and (``--profile``) where the time of one board request goes.

    python bench/board.py [--users 1,20,50] [--requests 10] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bench._common import summary, table, write_json  # noqa: E402
from movements.domain.actions import alerts, setup  # noqa: E402
from movements.domain.actions import movements as mv  # noqa: E402
from movements.domain.actions import passengers as px  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.domain.models import MovementKind, OrganisationKind, Role  # noqa: E402
from movements.domain.uow import NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from movements.platform.passwords import hash_password  # noqa: E402
from tests.factories import SYSTEM, letters  # noqa: E402
from tests.live import start_server  # noqa: E402

PASSWORD = "bench-password-1"
STATIC = ROOT / "movements" / "web" / "static"
MOVEMENTS, PASSENGERS = 300, 2000
KINDS = (MovementKind.DEPARTURE, MovementKind.DEPARTURE, MovementKind.ARRIVAL,
         MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT)
PLACES = ("IST", "TIA", "EBL", "NBO", "ADD", "KBL", "LOS", "ACC", "CAI", "TBS", "EVN", "DXB")
NEEDS: tuple[tuple[tuple[str, str | None], ...], ...] = (
    (("WCHR", None),), (("WCHC", None),), (("STCR", "lying flat"),), (("MEDA", None),),
    (("BLND", None),), (("WCHS", None), ("MEDA", "oxygen")))


def peak_day(tx: Tx, today: date, users: int, password_hash: str) -> dict[str, Any]:
    """300 movements from 05:00 to 23:00 local, 2,000 passengers (4 charters of 120-200
    people, the rest 0-12 per flight), about one in eight with a need; ``users`` gate staff
    at AMS; then the alert rules once."""
    rng = random.Random(18)
    setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
    setup.ensure_organisation(tx, "Reception Agency Ter Apel (bench)",
                              OrganisationKind.RECEPTION_AUTHORITY)
    for i in range(users):
        setup.add_user(tx, f"gate{i}", f"Gate {i}", Role.GATE_STAFF, password_hash,
                       airports=["AMS"])
    start = datetime(today.year, today.month, today.day, 4, 0, tzinfo=UTC)
    ids: list[tuple[int, MovementKind]] = []
    for i in range(MOVEMENTS):
        kind = KINDS[i % len(KINDS)]
        other = PLACES[i % len(PLACES)]
        outbound = kind in (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)
        ids.append((mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=kind, carrier=("KL", "TK", "HV", "PC")[i % 4],
            flight_number=str(1000 + i), operational_date=today,
            origin="AMS" if outbound else other, destination=other if outbound else "AMS",
            scheduled_at=start + timedelta(minutes=i * 3.6), is_charter=i % 75 == 0,
            gate=f"D{i % 30}" if outbound else None)), kind))
    sizes = [0] * MOVEMENTS
    charters = [i for i in range(MOVEMENTS) if i % 75 == 0]
    for c in charters:
        sizes[c] = rng.randint(120, 200)
    left = PASSENGERS - sum(sizes)
    others = [i for i in range(MOVEMENTS) if i not in charters]
    while left > 0:
        i = rng.choice(others)
        if sizes[i] < 12:
            sizes[i] += 1
            left -= 1
    n = 0
    for (movement_id, _kind), size in zip(ids, sizes, strict=True):
        for j in range(size):
            if j % 4 == 0:  # families of up to four share a case
                case = px.get_or_create_case(tx, "AMS", f"PK-{movement_id}-{j // 4}")
            needs = NEEDS[n % len(NEEDS)] if n % 8 == 0 else ()
            minor = n % 23 == 0
            pid = px.add_passenger(tx, case.id, px.NewPassenger(
                surname=f"Peak{letters(n)}", given_names=("Amina", "Yusuf", "Lena", "Tariq")[n % 4],
                birth_date=date(today.year - (9 if minor else 34), 3, 1),
                sex="MF"[n % 2], nationality="AFG", needs=needs))
            px.book_passenger(tx, pid, movement_id)
            n += 1
    # The rules as they stand at 07:00 UTC: the early flights' open steps are overdue.
    run = alerts.evaluate_alerts(replace(tx, now=start + timedelta(hours=3)), "AMS")
    biggest = max(range(MOVEMENTS), key=lambda i: sizes[i])
    typical = next(i for i in range(MOVEMENTS) if sizes[i] == 7)
    return {"movements": len(ids), "passengers": n, "users": users, "alerts": run.raised,
            "charter_id": ids[biggest][0], "typical_id": ids[typical][0],
            "movement_ids": [m for m, _ in ids]}


async def seed(url: str, today: date, users: int) -> dict[str, Any]:
    database = Database.open(url)
    try:
        await upgrade(database.engine)
        return await database.unit_of_work(NullPublisher()).run(
            peak_day, SYSTEM, today, users, hash_password(PASSWORD))
    finally:
        await database.dispose()


async def sign_in_all(base: str, users: int) -> list[httpx.AsyncClient]:
    clients = []
    for i in range(users):
        client = httpx.AsyncClient(base_url=base, timeout=120)
        r = await client.post("/login", data={"username": f"gate{i}", "password": PASSWORD})
        assert r.status_code in (200, 303) and "mv_session" in client.cookies, r.text[:200]
        clients.append(client)
    return clients


async def hammer(clients: list[httpx.AsyncClient], paths: list[str], per_user: int,
                 refused: list[str] | None = None) -> list[float]:
    """Every client fetches ``per_user`` of ``paths`` one after another, all clients at
    once; the latency (ms) of every request."""
    times: list[float] = []
    refused = refused if refused is not None else []

    async def one_user(k: int, client: httpx.AsyncClient) -> None:
        for r in range(per_user):
            path = paths[(k + r) % len(paths)]
            t0 = time.perf_counter()
            try:
                resp = await client.get(path)
            except httpx.RemoteProtocolError:
                # The server closed an idle keep-alive connection as we reused it (a
                # race every HTTP client retries): time the retry only.
                t0 = time.perf_counter()
                resp = await client.get(path)
            if resp.status_code == 200:
                times.append((time.perf_counter() - t0) * 1000)
            elif resp.status_code == 503:
                # Refused as busy (the session touch, a write, waited too long for
                # SQLite's one writer): counted and reported, not timed.
                refused.append(path)
            else:
                raise AssertionError((path, resp.status_code, resp.text[:200]))

    await asyncio.gather(*(one_user(k, c) for k, c in enumerate(clients)))
    return times


async def hammer_interleaved(clients: list[httpx.AsyncClient], static: str, paths: list[str],
                             per_user: int, refused: list[str]
                             ) -> tuple[list[float], list[float]]:
    """Baseline and subject in the same seconds: every client alternates the static
    file and the page (``per_user`` of each), all clients at once; (static ms, page ms)."""
    static_times: list[float] = []
    page_times: list[float] = []

    async def one_user(k: int, client: httpx.AsyncClient) -> None:
        for r in range(per_user * 2):
            is_static = (r + k) % 2 == 0
            path = static if is_static else paths[(k + r // 2) % len(paths)]
            t0 = time.perf_counter()
            try:
                resp = await client.get(path)
            except httpx.RemoteProtocolError:
                t0 = time.perf_counter()
                resp = await client.get(path)
            ms = (time.perf_counter() - t0) * 1000
            if resp.status_code == 200:
                (static_times if is_static else page_times).append(ms)
            elif resp.status_code == 503:
                refused.append(path)
            else:
                raise AssertionError((path, resp.status_code, resp.text[:200]))

    await asyncio.gather(*(one_user(k, c) for k, c in enumerate(clients)))
    return static_times, page_times


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


@contextmanager
def counting() -> Iterator[list[str]]:
    """Every SQL statement any engine executes while open."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def in_process(url: str, work: Path, today: date, info: dict[str, Any], profile: bool
               ) -> dict[str, Any]:
    """Statements per request (first and repeated) and, with ``profile``, the top of a
    cProfile of 20 board requests, through the app in this process."""
    from litestar.testing import TestClient

    from movements.app import create_app
    from movements.platform.config import Settings

    settings = Settings(data_dir=work, database_url=url, secure_cookies=False,
                        public_url="http://testserver.local", run_jobs=False)
    app = create_app(settings)
    out: dict[str, Any] = {}
    with TestClient(app, base_url="http://testserver.local") as client:
        signed = client.post("/login", data={"username": "gate0", "password": PASSWORD},
                             follow_redirects=False)
        assert signed.status_code == 303, signed.text[:300]
        for name, path in (("board", f"/board?date={today}"),
                           ("movement (7 pax)", f"/movements/{info['typical_id']}"),
                           ("movement (charter)", f"/movements/{info['charter_id']}")):
            counts = []
            for _ in range(2):
                with counting() as seen:
                    got = client.get(path, follow_redirects=False)
                    assert got.status_code == 200, (path, got.status_code)
                counts.append(len(seen))
            out[name] = counts
        if profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(20):
                client.get(f"/board?date={today}")
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(35)
            out["profile"] = buf.getvalue()
    return out


def _start(url: str, work: Path) -> Any:
    """The server (start-up takes over 30 s when the shared machine is loaded)."""
    return start_server(url, work, name="board", timeout=300)


def reuse(path: Path, today: date, users: int, work: Path) -> dict[str, Any] | None:
    """The kept seed, if it was made for today with enough users."""
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        return None
    info: dict[str, Any] = json.loads(meta.read_text())
    if info.get("day") != today.isoformat() or info.get("users", 0) < users:
        return None
    shutil.copy(path, work / "movements.sqlite3")
    return info


def keep(path: Path, today: date, work: Path, info: dict[str, Any]) -> None:
    import sqlite3

    with sqlite3.connect(work / "movements.sqlite3") as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(work / "movements.sqlite3", path)
    path.with_suffix(".json").write_text(json.dumps({**info, "day": today.isoformat()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="1,20,50")
    parser.add_argument("--requests", type=int, default=10,
                        help="requests per user (a single user makes 4x this)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seed-file", type=Path, default=None,
                        help="keep the seeded database here and reuse it (seeding takes "
                             "a minute or two)")
    args = parser.parse_args()
    levels = [int(x) for x in args.users.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-board-"))
    static_dir = STATIC / f"_bench{os.getpid()}"
    server = None
    try:
        url = f"sqlite+aiosqlite:///{work / 'movements.sqlite3'}"
        today = local_date(datetime.now(UTC), "Europe/Amsterdam")
        t0 = time.perf_counter()
        info = reuse(args.seed_file, today, max(levels), work) if args.seed_file else None
        if info is None:
            info = asyncio.run(seed(url, today, max(levels)))
            if args.seed_file:
                keep(args.seed_file, today, work, info)
        print(f"seeded {info['movements']} movements, {info['passengers']} passengers, "
              f"alerts {info['alerts']} in {time.perf_counter() - t0:.1f} s")
        statements = in_process(url, work, today, info, args.profile)
        print("SQL statements per request (first, repeated):",
              {k: v for k, v in statements.items() if k != "profile"})
        if args.profile:
            print(statements["profile"])
        server = _start(url.replace("+aiosqlite", ""), work)
        board_path = f"/board?date={today}"
        movement_paths = [f"/movements/{m}" for m in info["movement_ids"][::7]]
        sizes = {}
        with httpx.Client(base_url=server.base, timeout=120) as probe:
            probe.post("/login", data={"username": "gate0", "password": PASSWORD})
            board_bytes = probe.get(board_path).content
            page_bytes = probe.get(f"/movements/{info['typical_id']}").content
        static_dir.mkdir()
        (static_dir / "board.html").write_bytes(board_bytes)
        (static_dir / "movement.html").write_bytes(page_bytes)
        sizes = {"board": len(board_bytes), "movement": len(page_bytes)}
        rows: list[list[Any]] = []
        results: dict[str, Any] = {"sizes": sizes, "statements": {
            k: v for k, v in statements.items() if k != "profile"}, "levels": {}}

        async def level(n: int) -> dict[str, Any]:
            clients = await sign_in_all(server.base, n)
            try:
                per = args.requests * (4 if n == 1 else 1)
                out: dict[str, Any] = {"load": uptime()}
                for name, paths, static in (
                        ("board", [board_path], f"/static/{static_dir.name}/board.html"),
                        ("movement", movement_paths, f"/static/{static_dir.name}/movement.html")):
                    await hammer(clients[:1], [static, paths[0]], 2)  # warm
                    busy: list[str] = []
                    static_ms, page_ms = await hammer_interleaved(clients, static, paths,
                                                                  per, busy)
                    base, real = summary(static_ms), summary(page_ms)
                    out[name] = {"static": base, "page": real, "refused_busy": len(busy)}
                return out
            finally:
                for c in clients:
                    await c.aclose()

        for n in levels:
            got = asyncio.run(level(n))
            results["levels"][n] = got
            for name in ("board", "movement"):
                s, p = got[name]["static"], got[name]["page"]
                print(n, name, "static", s, "page", p, "503 busy:",
                      got[name]["refused_busy"], got["load"], flush=True)
                rows.append([n, name, f"{s['p50']:.1f} / {s['p95']:.1f} / {s['p99']:.1f}",
                             f"{p['p50']:.1f} / {p['p95']:.1f} / {p['p99']:.1f}",
                             p["p95"] / s["p95"], got[name]["refused_busy"],
                             got["load"].split("load average:")[-1]])
        print(f"SQLite, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; board {sizes['board']} B, "
              f"movement page {sizes['movement']} B")
        print(table(["users", "page", "static p50/p95/p99 ms", "page p50/p95/p99 ms",
                     "p95 x static", "503 busy", "load avg"], rows))
        print(f"wrote {write_json('board', results)}")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(static_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
