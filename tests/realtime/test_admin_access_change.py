"""An admin changes a user's role and airports (issue 13.7): in force at once, on the
user's open sockets too.  Real uvicorn server with a 60 s heartbeat (so only the admin
route's announcement can close the socket in time), real websocket clients, SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy import select

from movements.domain.actions import setup
from movements.domain.clock import local_date
from movements.domain.models import Airport, AuditEntry, User
from movements.domain.uow import NullPublisher, Tx
from movements.platform.db import Database
from movements.realtime.connection import POLICY
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import LiveServer, sign_in, start_server
from tests.realtime.test_socket_governance import close_code, connect, greeted
from tests.web.conftest import PASSWORD, seed


@dataclass
class Env:
    server: LiveServer
    url: str
    day: str
    booking: int
    gate_id: int


def _prepare(url: str) -> tuple[str, int, int]:
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    def with_bru(tx: Tx) -> tuple[int, int]:
        _, _, bids = seed(tx, today)
        setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
        gate = tx.session.scalar(select(User).where(User.username == "gate"))
        assert gate is not None
        gate.airports = list(tx.session.scalars(select(Airport)))  # AMS and BRU
        return bids[0], gate.id

    async def go() -> tuple[int, int]:
        db = Database.open(url)
        result = await db.unit_of_work(NullPublisher()).run(with_bru, SYSTEM)
        await db.dispose()
        return result

    booking, gate_id = run_async(go())
    return today.isoformat(), booking, gate_id


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    day, booking, gate_id = _prepare(database_url)
    server = start_server(database_url, tmp_path,
                          extra_env={"MOVEMENTS_HEARTBEAT_SECONDS": "60"})
    try:
        yield Env(server, database_url, day, booking, gate_id)
    finally:
        server.stop()


def _change(env: Env, role: str, airports: list[str]) -> httpx.Response:
    admin, csrf = sign_in(env.server.base, "admin", PASSWORD)
    try:
        return admin.post("/admin/users/access", headers={"X-CSRF-Token": csrf},
                          data={"user_id": str(env.gate_id), "role": role,
                                "airports": airports}, follow_redirects=True)
    finally:
        admin.close()


async def _refused(env: Env, client: httpx.Client, stream: str) -> bool:
    try:
        ws = await connect(env.server, client, stream)
    except websockets.InvalidStatus:
        return True
    async with ws:
        await ws.send(json.dumps({"hello": {"after": None}}))
        return await close_code(ws, timeout=5) == POLICY


async def test_removing_an_airport_stops_that_airports_stream_at_once(env: Env) -> None:
    gate, _ = sign_in(env.server.base, "gate", PASSWORD)
    ams, bru = f"board:AMS:{env.day}", f"board:BRU:{env.day}"
    try:
        assert gate.get("/board?airport=BRU").status_code == 200
        async with await connect(env.server, gate, ams) as ws_ams:
            await greeted(ws_ams)
            reply = await asyncio.to_thread(_change, env, "gate_staff", ["BRU"])
            assert reply.status_code == 200 and "gate is now gate staff at BRU." in reply.text
            # heartbeat 60 s: only the route's announcement closes it this soon
            assert await close_code(ws_ams, timeout=5) == POLICY
        assert await _refused(env, gate, ams)
        # still signed in, and the airport that stays is streamed
        async with await connect(env.server, gate, bru) as ws_bru:
            await greeted(ws_bru)
        assert gate.get("/board?airport=AMS").status_code in (403, 404)
        assert gate.get("/board?airport=BRU").status_code == 200
    finally:
        gate.close()

    async def audit() -> list[AuditEntry]:
        db = Database.open(env.url)
        try:
            return await db.unit_of_work(NullPublisher()).read(lambda s: list(s.scalars(
                select(AuditEntry).where(AuditEntry.action == "change_user_access"))))
        finally:
            await db.dispose()

    entries = await audit()
    assert [(e.before["airports"], e.after["airports"]) for e in entries] == \
        [(["AMS", "BRU"], ["BRU"])]


async def test_a_refused_change_changes_nothing(env: Env) -> None:
    gate, _ = sign_in(env.server.base, "gate", PASSWORD)
    ams = f"board:AMS:{env.day}"
    try:
        async with await connect(env.server, gate, ams) as ws:
            await greeted(ws)
            reply = await asyncio.to_thread(_change, env, "gate_staff", [])
            assert reply.status_code == 422
            assert "works at least one airport" in reply.text
            await ws.send(json.dumps({"resync": 0}))
            assert await asyncio.wait_for(ws.recv(), 5)  # still streaming
        assert gate.get("/board?airport=AMS").status_code == 200
    finally:
        gate.close()
