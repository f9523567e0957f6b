"""Two processes, PostgreSQL and Redis: a sign-out or a deactivation on process A closes
the user's socket on process B through the fan-out channel (issue 12.1).

The heartbeat is 60 s here, far longer than the wait, so only the channel message can
close the socket in time (the heartbeat re-check is the fallback, tested elsewhere).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from movements.domain.models import User
from movements.domain.uow import Tx
from movements.realtime.connection import POLICY
from tests.live import LiveServer, sign_in, start_server
from tests.realtime.test_socket_governance import (
    Env,
    _prepare,
    change,
    close_code,
    connect,
    greeted,
)
from tests.redis_server import start_redis
from tests.web.conftest import PASSWORD


@pytest.fixture
def backend() -> str:
    return "postgresql"


@dataclass
class Pair:
    a: LiveServer
    b: LiveServer
    env: Env


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> Iterator[Pair]:
    world, bids, stream = _prepare(database_url)
    redis = start_redis(tmp_path)
    extra = {"MOVEMENTS_CHANNELS_URL": redis.url, "MOVEMENTS_HEARTBEAT_SECONDS": "60"}
    a = start_server(database_url, tmp_path, extra_env=extra, name="a")
    b = start_server(database_url, tmp_path, extra_env=extra, name="b")
    try:
        yield Pair(a, b, Env(a, database_url, world, bids, stream))
    finally:
        a.stop()
        b.stop()
        redis.stop()


async def test_sign_out_on_a_closes_the_socket_on_b(pair: Pair) -> None:
    client, csrf = sign_in(pair.a.base, "gate", PASSWORD)
    try:
        async with await connect(pair.b, client, pair.env.stream) as ws:
            await greeted(ws)
            r = await asyncio.to_thread(client.post, "/logout",
                                        headers={"X-CSRF-Token": csrf})
            assert r.status_code in (200, 303)
            assert await close_code(ws, timeout=10) == POLICY
    finally:
        client.close()


async def test_deactivation_on_a_closes_the_socket_on_b(pair: Pair) -> None:
    client, _ = sign_in(pair.b.base, "gate", PASSWORD)
    admin, csrf = sign_in(pair.a.base, "admin", PASSWORD)
    ids: list[int] = []

    def find(tx: Tx) -> None:
        ids.append(tx.session.scalar(select(User.id).where(User.username == "gate")))

    change(pair.env.url, find)
    try:
        async with await connect(pair.b, client, pair.env.stream) as ws:
            await greeted(ws)
            r = await asyncio.to_thread(admin.post, "/admin/users/deactivate",
                                        data={"user_id": str(ids[0])},
                                        headers={"X-CSRF-Token": csrf})
            assert r.status_code in (200, 303), r.text[:200]
            assert await close_code(ws, timeout=10) == POLICY
    finally:
        client.close()
        admin.close()
