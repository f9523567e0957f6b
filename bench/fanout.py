"""Fan-out: from a tap on one tablet to the fragment on N others.

For N = 50, 200, 1000 websocket clients (in separate processes), the time from the
commit of a milestone (stamped in the pushed message's header) to each client receiving
the board fragment, next to a plain ``websockets`` server broadcasting the same bytes to
the same number of clients in the same run (stamped when sent).  Also the server's
memory per connection and the tapping tablet's POST round trip.

    python bench/fanout.py [--clients 50,200,1000] [--events 20] [--procs 4]
                           [--compression off|on]
    python bench/fanout.py --processes 2 --channels redis [--clients 200] [--ramp 500,1000,...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from bench._common import summary, table, write_json  # noqa: E402
from movements.domain.actions import setup  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.domain.models import Role  # noqa: E402
from movements.domain.uow import NullPublisher, Tx  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from movements.platform.passwords import hash_password  # noqa: E402
from tests.factories import SYSTEM, add_pax, build_world, letters  # noqa: E402
from tests.live import sign_in, start_server  # noqa: E402
from tests.pg import free_port  # noqa: E402

PASSWORD = "bench-password-1"
STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate")
GAP = 0.3  # seconds between events, so they do not overlap


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def seed(tx: Tx, today, password_hash: str) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    world = build_world(tx, today)
    setup.add_user(tx, "bench", "Bench", Role.GATE_STAFF, password_hash, airports=["AMS"])
    bookings = [add_pax(tx, world.departure_id, f"F-{i}", f"Fan{letters(i)}", "Out")[1]
                for i in range(60)]
    return world.departure_id, bookings


def spawn_clients(url: str, n: int, procs: int, expect: int, work: Path, tag: str,
                  cookie: str = "", origin: str = "", raw: bool = False
                  ) -> list[tuple[subprocess.Popen[bytes], Path, Path]]:
    out = []
    per = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    for i, count in enumerate(c for c in per if c):
        ready, result = work / f"{tag}-{i}.ready", work / f"{tag}-{i}.json"
        args = [sys.executable, str(ROOT / "bench" / "fanout_clients.py"), "--url", url,
                "--count", str(count), "--expect", str(expect), "--ready-file", str(ready),
                "--out", str(result)]
        if cookie:
            args += ["--cookie", cookie, "--origin", origin]
        if raw:
            args.append("--raw")
        out.append((subprocess.Popen(args), ready, result))
    return out


def wait_ready(clients: list[tuple[subprocess.Popen[bytes], Path, Path]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r.exists() for _, r, _ in clients):
            return
        for p, _, _ in clients:
            if p.poll() not in (None, 0):
                raise RuntimeError("a client process failed")
        time.sleep(0.1)
    raise TimeoutError("clients did not connect in time")


def collect(clients: list[tuple[subprocess.Popen[bytes], Path, Path]], sent: set[int]
            ) -> list[float]:
    """Delays (ms) of the messages we sent, as the clients measured them."""
    delays: list[float] = []
    for p, _, result in clients:
        p.wait(300)
        data = json.loads(result.read_text())
        for key in sent:
            delays.extend(data.get(str(key), []))
    return delays


def run_movements(n: int, args: argparse.Namespace, server, client, csrf, cookie,  # type: ignore[no-untyped-def]
                  bookings: list[int], step_state: dict[int, int], work: Path,
                  servers: list | None = None, tag: str = "mv"  # type: ignore[type-arg]
                  ) -> tuple[dict[str, float], int, str, dict[str, float]]:
    """Clients spread evenly over ``servers`` (default: the one ``server``); the taps
    go to ``server`` through ``client``."""
    servers = servers or [server]
    before = sum(rss_kib(s.process.pid) for s in servers)
    clients = []
    for i, target in enumerate(servers):
        share = n // len(servers) + (1 if i < n % len(servers) else 0)
        if share:
            clients += spawn_clients(f"{target.ws_base}/ws?stream=board:AMS:{args.day}",
                                     share, max(1, args.procs // len(servers)), args.events,
                                     work, f"{tag}{n}-{i}", cookie, target.base)
    wait_ready(clients, 600)
    time.sleep(0.5)
    after = sum(rss_kib(s.process.pid) for s in servers)
    page = client.get(f"/board?date={args.day}").text
    seq = int(re.search(r'data-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]
    sent: set[int] = set()
    posts: list[float] = []
    for i in range(args.events):
        booking = bookings[i % len(bookings)]
        if step_state.get(booking, 0) >= len(STEPS):  # this one is done: take a fresh one
            booking = next(b for b in bookings if step_state.get(b, 0) < len(STEPS))
        step = STEPS[step_state.setdefault(booking, 0)]
        step_state[booking] += 1
        t0 = time.monotonic()
        r = client.post(f"/bookings/{booking}/milestones", data={"kind": step},
                        headers={"X-CSRF-Token": csrf})
        posts.append((time.monotonic() - t0) * 1000)
        assert r.status_code == 200, r.text[:200]
        seq += 1
        sent.add(seq)
        time.sleep(GAP)
    delays = collect(clients, sent)
    return summary(delays), len(delays), f"{(after - before) / n:.1f}", summary(posts)


async def raw_run(n: int, args: argparse.Namespace, payload: str, work: Path
                  ) -> tuple[dict[str, float], int, str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "raw_broadcast.py"),
                               str(port), "deflate" if args.compression == "on" else "none"])
    try:
        for _ in range(100):
            try:
                async with websockets.connect(f"ws://127.0.0.1:{port}/probe"):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        before = rss_kib(server.pid)
        clients = spawn_clients(f"ws://127.0.0.1:{port}/", n, args.procs, args.events, work,
                                f"raw{n}", raw=True)
        await asyncio.to_thread(wait_ready, clients, 240)
        await asyncio.sleep(0.5)
        after = rss_kib(server.pid)
        sent: set[int] = set()
        async with websockets.connect(f"ws://127.0.0.1:{port}/control") as control:
            for i in range(1, args.events + 1):
                await control.send(f"{i:012d}{time.time() * 1000:018.3f}" + payload)
                sent.add(i)
                await asyncio.sleep(GAP)
        delays = await asyncio.to_thread(collect, clients, sent)
        return summary(delays), len(delays), f"{(after - before) / n:.1f}"
    finally:
        server.terminate()
        server.wait(10)


def first_event_payload(server, client, csrf, cookie, args, bookings,  # type: ignore[no-untyped-def]
                        step_state) -> str:
    """One real pushed message (header stripped), to broadcast the same bytes."""

    async def grab() -> str:
        async with websockets.connect(
                f"{server.ws_base}/ws?stream=board:AMS:{args.day}",
                additional_headers={"Cookie": cookie, "Origin": server.base}) as ws:
            await ws.send(json.dumps({"hello": {"after": None}}))
            await ws.recv()  # snapshot
            booking = bookings[-1]
            step = STEPS[step_state.setdefault(booking, 0)]
            step_state[booking] += 1
            await asyncio.to_thread(client.post, f"/bookings/{booking}/milestones",
                                    data={"kind": step}, headers={"X-CSRF-Token": csrf})
            while True:
                text = str(await ws.recv())
                if "kind=event" in text[:120]:
                    return text[text.index("-->") + 3:]

    return asyncio.run(grab())


def scale_mode(args: argparse.Namespace, url: str, bookings: list[int], work: Path) -> None:
    """Two processes with Redis against one process with the memory backend, same run;
    then the most clients the two processes hold with p95 under 500 ms."""
    from tests.redis_server import start_redis

    redis = start_redis(work) if args.channels == "redis" else None
    channels = redis.url if redis else args.channels
    # Every simulated tablet shares the bench user's one session: lift the per-session cap.
    env = {"MOVEMENTS_HEARTBEAT_SECONDS": "120", "MOVEMENTS_SUBSCRIBER_BACKLOG": "1000",
           "MOVEMENTS_SOCKETS_PER_SESSION": "100000"}
    single = start_server(url, work, extra_env=env, name="single")
    rows: list[list[object]] = []
    results: dict[str, object] = {}
    step_state: dict[int, int] = {}
    try:
        client, csrf = sign_in(single.base, "bench", PASSWORD)
        cookie = f"mv_session={client.cookies['mv_session']}"
        n0 = int(args.clients.split(",")[0])
        mv, got, mem, _ = run_movements(n0, args, single, client, csrf, cookie, bookings,
                                        step_state, work, tag="single")
        rows.append([n0, "1 process, memory backend (baseline)", got, mv["p50"], mv["p95"],
                     mv["p99"], mem])
        results["baseline"] = {"clients": n0, **mv}
        client.close()
    finally:
        single.stop()
    pair = [start_server(url, work, extra_env={**env, "MOVEMENTS_CHANNELS_URL": channels},
                         name=f"p{i}") for i in range(args.processes)]
    try:
        client, csrf = sign_in(pair[0].base, "bench", PASSWORD)
        cookie = f"mv_session={client.cookies['mv_session']}"
        mv, got, mem, _ = run_movements(n0, args, pair[0], client, csrf, cookie, bookings,
                                        step_state, work, servers=pair, tag="pair")
        rows.append([n0, f"{args.processes} processes, Redis", got, mv["p50"], mv["p95"],
                     mv["p99"], mem])
        results["redis_same_size"] = {"clients": n0, **mv,
                                      "ratio_p95": mv["p95"] / results["baseline"]["p95"]}  # type: ignore[index]
        rows.append(["", "ratio p95 redis/memory", "", "",
                     mv["p95"] / results["baseline"]["p95"], "", ""])  # type: ignore[index]
        held = 0
        for n in [int(x) for x in args.ramp.split(",")]:
            try:
                mv, got, mem, _ = run_movements(n, args, pair[0], client, csrf, cookie,
                                                bookings, step_state, work, servers=pair,
                                                tag="ramp")
            except (TimeoutError, RuntimeError) as exc:
                rows.append([n, f"ramp: {exc}", "", "", "", "", ""])
                break
            rows.append([n, "ramp, 2 processes + Redis", got, mv["p50"], mv["p95"],
                         mv["p99"], mem])
            results[f"ramp_{n}"] = {**mv, "delivered": got, "expected": n * args.events}
            if mv["p95"] >= 500 or got < n * args.events * 0.99:
                break
            held = n
        results["most_clients_p95_under_500ms"] = held
        client.close()
    finally:
        for s in pair:
            s.stop()
        if redis:
            redis.stop()
    print(f"{args.events} events per size, clients in {args.procs} processes, "
          f"{os.cpu_count()} cores; most clients held with p95 < 500 ms: {held}")
    print(table(["clients", "setup", "received", "p50 ms", "p95 ms", "p99 ms",
                 "KiB/conn"], rows))
    print(f"wrote {write_json('fanout_scale', results)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", default="50,200,1000")
    p.add_argument("--events", type=int, default=20)
    p.add_argument("--procs", type=int, default=4)
    p.add_argument("--compression", choices=("off", "on"), default="off",
                   help="permessage-deflate on both servers (movements' default: off)")
    p.add_argument("--processes", type=int, default=1,
                   help="2: compare two server processes with Redis to one with memory")
    p.add_argument("--channels", default="redis",
                   help="with --processes 2: 'redis' starts a private one, or a redis:// URL")
    p.add_argument("--ramp", default="500,1000,2000,3000,4000",
                   help="with --processes 2: client counts to try for the p95 < 500 ms limit")
    args = p.parse_args()
    sizes = [int(x) for x in args.clients.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")
    args.day = today.isoformat()
    db = work / "fanout.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"

    async def prepare() -> tuple[int, list[int]]:
        database = Database.open(url)
        await upgrade(database.engine)
        result = await database.unit_of_work(NullPublisher()).run(
            seed, SYSTEM, today, hash_password(PASSWORD))
        await database.dispose()
        return result

    _, bookings = asyncio.run(prepare())
    if args.processes > 1:
        try:
            scale_mode(args, url, bookings, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    server = start_server(url, work, extra_env={"MOVEMENTS_WS_COMPRESSION": str(
                                                    args.compression == "on").lower(),
                                                "MOVEMENTS_HEARTBEAT_SECONDS": "120",
                                                "MOVEMENTS_SUBSCRIBER_BACKLOG": "1000",
                                                "MOVEMENTS_SOCKETS_PER_SESSION": "100000"})
    rows, results = [], {}
    try:
        client, csrf = sign_in(server.base, "bench", PASSWORD)
        cookie = f"mv_session={client.cookies['mv_session']}"
        step_state: dict[int, int] = {}
        # One real pushed message, to broadcast the same bytes in the baseline.
        payload = first_event_payload(server, client, csrf, cookie, args, bookings,
                                      step_state)
        for n in sizes:
            mv, got_mv, mem_mv, posts = run_movements(n, args, server, client, csrf, cookie,
                                                      bookings, step_state, work)
            raw, got_raw, mem_raw = asyncio.run(raw_run(n, args, payload, work))
            ratio = mv["p95"] / raw["p95"] if raw["p95"] else float("nan")
            rows.append([n, "movements: commit -> fragment", got_mv, mv["p50"], mv["p95"],
                         mv["p99"], mem_mv])
            rows.append([n, "raw websockets broadcast", got_raw, raw["p50"], raw["p95"],
                         raw["p99"], mem_raw])
            rows.append([n, "ratio p95 movements/raw", "", "", ratio, "", ""])
            rows.append([n, "(the tapping tablet's POST round trip)", int(posts["n"]),
                         posts["p50"], posts["p95"], posts["p99"], ""])
            results[str(n)] = {"movements": mv, "raw": raw, "p95_ratio": ratio,
                               "delivered": got_mv, "expected": n * args.events,
                               "post_round_trip": posts,
                               "kib_per_connection": float(mem_mv),
                               "raw_kib_per_connection": float(mem_raw)}
        client.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"payload {len(payload)} bytes, {args.events} events per size, "
          f"permessage-deflate {args.compression} on both servers, "
          f"clients in {args.procs} processes, {os.cpu_count()} cores")
    print(table(["clients", "path", "received", "p50 ms", "p95 ms", "p99 ms",
                 "KiB/conn"], rows))
    print(f"wrote {write_json('fanout', {'sizes': results, 'events': args.events})}")


if __name__ == "__main__":
    main()
