"""One airport served by two processes on PostgreSQL with Redis fan-out: cross-process
delivery, a process killed with SIGKILL while tablets are connected, Redis restarted."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import websockets

from movements.domain.clock import local_date
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.conftest import run_async
from tests.factories import SYSTEM, World
from tests.live import LiveServer, sign_in, start_server
from tests.redis_server import RedisServer, start_redis
from tests.web.conftest import PASSWORD, seed

HEADER = re.compile(r"^<!--sync stream=(\S+) from=(\d+) seq=(\d+) kind=(\w+)")


@pytest.fixture
def backend() -> str:
    return "postgresql"


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    redis: RedisServer
    world: World
    bookings: list[int]
    stream: str


@pytest.fixture
def cluster(database_url: str, tmp_path: Path) -> Iterator[Cluster]:
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    async def prepare():  # type: ignore[no-untyped-def]
        db = Database.open(database_url)
        result = await db.unit_of_work(NullPublisher()).run(seed, SYSTEM, today)
        await db.dispose()
        return result

    world, _, bookings = run_async(prepare())
    redis = start_redis(tmp_path)
    env = {"MOVEMENTS_CHANNELS_URL": redis.url}
    a = start_server(database_url, tmp_path, extra_env=env, name="a")
    b = start_server(database_url, tmp_path, extra_env=env, name="b")
    try:
        yield Cluster(a, b, redis, world, bookings, f"board:AMS:{today.isoformat()}")
    finally:
        a.stop()
        b.stop()
        redis.stop()


async def connect(server: LiveServer, client: httpx.Client, stream: str
                  ) -> websockets.ClientConnection:
    return await websockets.connect(
        f"{server.ws_base}/ws?stream={stream}",
        additional_headers={"Cookie": f"mv_session={client.cookies['mv_session']}",
                            "Origin": server.base}, open_timeout=10)


async def wait_for(ws: websockets.ClientConnection, predicate, timeout: float = 10  # type: ignore[no-untyped-def]
                   ) -> tuple[int, int, str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        raw = str(await asyncio.wait_for(ws.recv(), max(0.01, deadline - loop.time())))
        m = HEADER.match(raw)
        assert m
        first, seq, kind = int(m.group(2)), int(m.group(3)), m.group(4)
        if predicate(first, seq, kind):
            return first, seq, kind, raw


def tick(client: httpx.Client, csrf: str, booking: int, kind: str) -> None:
    r = client.post(f"/bookings/{booking}/milestones", data={"kind": kind},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text[:300]


async def test_a_change_through_a_reaches_a_socket_on_b(cluster: Cluster) -> None:
    on_a, csrf = sign_in(cluster.a.base, "gate", PASSWORD)
    on_b, _ = sign_in(cluster.b.base, "coord", PASSWORD)
    async with await connect(cluster.b, on_b, cluster.stream) as ws:
        await ws.send(json.dumps({"hello": {"after": None}}))
        _, start, _, _ = await wait_for(ws, lambda f, s, k: k == "snapshot")
        await asyncio.to_thread(tick, on_a, csrf, cluster.bookings[0], "met_at_point")
        first, seq, _, raw = await wait_for(ws, lambda f, s, k: k == "event")
        assert (first, seq) == (start + 1, start + 1)  # gapless across processes
        assert f'id="mv-{cluster.world.departure_id}"' in raw
    on_a.close()
    on_b.close()


async def test_killed_process_tablets_reconnect_to_the_other_and_catch_up(
        cluster: Cluster) -> None:
    on_a, csrf_a = sign_in(cluster.a.base, "gate", PASSWORD)
    on_b, csrf_b = sign_in(cluster.b.base, "gate", PASSWORD)
    async with await connect(cluster.a, on_a, cluster.stream) as ws:
        await ws.send(json.dumps({"hello": {"after": None}}))
        _, last, _, _ = await wait_for(ws, lambda f, s, k: k == "snapshot")
        cluster.a.stop(signal.SIGKILL)
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    # Changes go on through B while the tablet is away.
    await asyncio.to_thread(tick, on_b, csrf_b, cluster.bookings[1], "met_at_point")
    await asyncio.to_thread(tick, on_b, csrf_b, cluster.bookings[1], "checked_in")
    # The same session works on B (sessions live in the database).
    token = on_a.cookies["mv_session"]
    on_b.cookies.clear()
    on_b.cookies.set("mv_session", token)
    async with await connect(cluster.b, on_b, cluster.stream) as ws:
        await ws.send(json.dumps({"hello": {"after": last}}))
        first, seq, kind, raw = await wait_for(ws, lambda f, s, k: k in ("replay",
                                                                          "snapshot"))
    assert (kind, first, seq) == ("replay", last + 1, last + 2)
    assert f'id="mv-{cluster.world.departure_id}"' in raw
    _ = csrf_a
    on_a.close()
    on_b.close()


async def test_redis_restart_mid_run_clients_resync(cluster: Cluster) -> None:
    on_a, csrf = sign_in(cluster.a.base, "gate", PASSWORD)
    on_b, _ = sign_in(cluster.b.base, "coord", PASSWORD)
    async with await connect(cluster.b, on_b, cluster.stream) as ws:
        await ws.send(json.dumps({"hello": {"after": None}}))
        _, last, _, _ = await wait_for(ws, lambda f, s, k: k == "snapshot")
        cluster.redis.stop()
        await asyncio.to_thread(tick, on_a, csrf, cluster.bookings[2], "met_at_point")
        # The push is lost with Redis, but B's heartbeats read the counter from the
        # database: the page learns it is behind and asks to resync.
        _, ahead, _, _ = await wait_for(ws, lambda f, s, k: k == "heartbeat" and s > last)
        await ws.send(json.dumps({"resync": last}))
        first, seq, kind, raw = await wait_for(ws, lambda f, s, k: k == "replay")
        assert (first, seq) == (last + 1, ahead)
        cluster.redis.start()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(tick, on_a, csrf, cluster.bookings[2], "checked_in")
        _, seq2, _, _ = await wait_for(ws, lambda f, s, k: k == "event", timeout=15)
        assert seq2 == ahead + 1  # live again through the restarted Redis
    on_a.close()
    on_b.close()
