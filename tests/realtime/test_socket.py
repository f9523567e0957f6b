"""The live stream with a real uvicorn server and real websocket clients."""

from __future__ import annotations

import asyncio
import json
import re
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
from movements.realtime.wire import parse_header
from tests.factories import SYSTEM, World
from tests.live import LiveServer, sign_in, start_server
from tests.web.conftest import PASSWORD, seed


@dataclass
class Env:
    server: LiveServer
    world: World
    bookings: list[int]
    stream: str
    day: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Env]:
    import shutil

    data = tmp_path_factory.mktemp("live")
    db = data / "live.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    async def prepare() -> tuple[World, list[int]]:
        database = Database.open(url)
        world, _, bids = await database.unit_of_work(NullPublisher()).run(seed, SYSTEM, today)
        await database.dispose()
        return world, bids

    world, bids = asyncio.run(prepare())
    server = start_server(url, data, extra_env={"MOVEMENTS_REPLAY_LIMIT": "4"})
    try:
        yield Env(server, world, bids, f"board:AMS:{today.isoformat()}", today.isoformat())
    finally:
        server.stop()


@pytest.fixture
def gate(env: Env) -> Iterator[tuple[httpx.Client, str]]:
    client, csrf = sign_in(env.server.base, "gate", PASSWORD)
    yield client, csrf
    client.close()




async def connect(env: Env, client: httpx.Client, stream: str | None = None,
                  origin: str | None = None) -> websockets.ClientConnection:
    cookie = f"mv_session={client.cookies['mv_session']}"
    return await websockets.connect(
        f"{env.server.ws_base}/ws?stream={stream or env.stream}",
        additional_headers={"Cookie": cookie, "Origin": origin or env.server.base},
        open_timeout=5)


async def next_message(ws: websockets.ClientConnection, kinds: set[str],
                       timeout: float = 5) -> tuple[str, int, int, str, str]:
    """The next message of one of ``kinds`` (heartbeats are skipped unless asked for)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        raw = await asyncio.wait_for(ws.recv(), max(remaining, 0.01))
        assert isinstance(raw, str)
        h = parse_header(raw)
        assert h is not None, raw[:200]
        if h.kind in kinds:
            return h.stream, h.first, h.seq, h.kind, raw


def tick(env: Env, client: httpx.Client, csrf: str, booking: int, kind: str,
         reason: str | None = None) -> httpx.Response:
    data = {"kind": kind}
    if reason:
        data["override_reason"] = reason
    resp = client.post(f"/bookings/{booking}/milestones", data=data,
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert resp.status_code == 200, resp.text[:300]
    return resp


def current_seq(env: Env, client: httpx.Client) -> int:
    page = client.get(f"/board?date={env.day}").text
    return int(re.search(r'data-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]


async def test_snapshot_on_connect(env: Env, gate: tuple[httpx.Client, str]) -> None:
    client, _ = gate
    async with await connect(env, client) as ws:
        await ws.send(json.dumps({"hello": {"stream": env.stream, "after": None}}))
        stream, _, seq, kind, raw = await next_message(ws, {"snapshot"})
    assert stream == env.stream and seq == current_seq(env, client)
    assert '<div id="lanes" hx-swap-oob="true">' in raw
    assert f'id="mv-{env.world.departure_id}"' in raw


async def test_live_event_reaches_a_connected_client(env: Env,
                                                     gate: tuple[httpx.Client, str]) -> None:
    client, csrf = gate
    async with await connect(env, client) as ws:
        before = current_seq(env, client)
        await ws.send(json.dumps({"hello": {"after": before}}))
        await next_message(ws, {"heartbeat"})  # caught up: told so
        page = f"movement:{env.world.departure_id}"
        async with await connect(env, client, page) as page_ws:
            await page_ws.send(json.dumps({"hello": {"after": None}}))
            await next_message(page_ws, {"snapshot"})
            tick(env, client, csrf, env.bookings[0], "met_at_point")
            _, first, seq, kind, raw = await next_message(ws, {"event"})
            assert (first, seq) == (before + 1, before + 1)
            assert f'id="mv-{env.world.departure_id}" ' in raw and 'hx-swap-oob="true"' in raw
            _, _, _, _, page_raw = await next_message(page_ws, {"event"})
            assert f'id="pax-{env.bookings[0]}"' in page_raw
            assert "✓ Met at designated point" in page_raw


async def test_heartbeat_carries_the_latest_number(env: Env,
                                                   gate: tuple[httpx.Client, str]) -> None:
    # Heartbeats start once the page's hello is answered (a beat before the snapshot
    # would only make the page ask again): the answer to a caught-up hello is one, the
    # registry's periodic beat the next.
    client, _ = gate
    async with await connect(env, client) as ws:
        await ws.send(json.dumps({"hello": {"after": current_seq(env, client)}}))
        await next_message(ws, {"heartbeat"})  # the answer to the hello
        _, _, seq, _, _ = await next_message(ws, {"heartbeat"}, timeout=3)  # the beat
    assert seq == current_seq(env, client)


async def test_replay_after_a_gap(env: Env, gate: tuple[httpx.Client, str]) -> None:
    client, csrf = gate
    seen = current_seq(env, client)
    tick(env, client, csrf, env.bookings[1], "met_at_point")
    tick(env, client, csrf, env.bookings[1], "checked_in")
    async with await connect(env, client) as ws:
        await ws.send(json.dumps({"hello": {"after": seen}}))
        _, first, last, kind, raw = await next_message(ws, {"replay", "snapshot"})
    assert (kind, first, last) == ("replay", seen + 1, seen + 2)
    assert f'id="mv-{env.world.departure_id}"' in raw and "lanes" not in raw


async def test_snapshot_when_the_gap_is_too_old(env: Env,
                                                gate: tuple[httpx.Client, str]) -> None:
    client, csrf = gate
    seen = current_seq(env, client)
    for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded"):
        if step == "boarded":
            client.post(f"/bookings/{env.bookings[2]}/escort",
                        data={"escort_name": "Dr. Live", "kind": "medical"},
                        headers={"X-CSRF-Token": csrf})
        tick(env, client, csrf, env.bookings[2], step)
    async with await connect(env, client) as ws:
        await ws.send(json.dumps({"resync": seen}))
        _, _, last, kind, raw = await next_message(ws, {"replay", "snapshot"})
    assert kind == "snapshot" and last == current_seq(env, client)  # 6 behind > limit 4
    assert '<div id="lanes" hx-swap-oob="true">' in raw


async def test_foreign_origin_and_missing_session_are_refused(
        env: Env, gate: tuple[httpx.Client, str]) -> None:
    client, _ = gate
    with pytest.raises(websockets.InvalidStatus) as foreign:
        await connect(env, client, origin="http://evil.example")
    assert foreign.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus) as anonymous:
        await websockets.connect(f"{env.server.ws_base}/ws?stream={env.stream}",
                                 additional_headers={"Origin": env.server.base})
    assert anonymous.value.response.status_code in (401, 403)
    assert "foreign origin" in env.server.log() or "refused" in env.server.log()


async def test_every_socket_of_a_stream_gets_each_event_once_in_order(
        env: Env, gate: tuple[httpx.Client, str]) -> None:
    """The process holds one subscription per channel and hands each message to every
    socket reading it (realtime/fanout.py): each socket gets every event once, in order;
    a socket leaving does not stop the others; after the last one left, a new socket
    subscribes again."""
    client, csrf = gate
    page = f"movement:{env.world.departure_id}"

    def note(text: str) -> None:
        resp = client.post(f"/movements/{env.world.departure_id}/notes", data={"text": text},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert resp.status_code == 200, resp.text[:300]

    async def greeted() -> websockets.ClientConnection:
        ws = await connect(env, client, page)
        await ws.send(json.dumps({"hello": {"after": None}}))
        await next_message(ws, {"snapshot"})
        return ws

    sockets = [await greeted() for _ in range(3)]  # the session's cap is 4
    try:
        for i in range(3):
            note(f"fan-out note {i}")
        seen = []
        for ws in sockets:
            got = [await next_message(ws, {"event"}) for _ in range(3)]
            seen.append([seq for _, _, seq, _, _ in got])
            assert all(f"fan-out note {i}" in raw for i, (*_, raw) in enumerate(got))
        assert seen[0] == seen[1] == seen[2] == sorted(set(seen[0]))
        await sockets.pop().close()
        note("after one left")
        for ws in sockets:
            _, _, seq, _, raw = await next_message(ws, {"event"})
            assert seq == seen[0][-1] + 1 and "after one left" in raw
    finally:
        for ws in sockets:
            await ws.close()
    await asyncio.sleep(0.3)  # the server notices the closes: nobody reads the stream now
    async with await greeted() as again:
        note("after all left")
        _, _, _, _, raw = await next_message(again, {"event"})
        assert "after all left" in raw


async def test_a_kept_snapshot_is_never_older_than_the_stream(
        env: Env, gate: tuple[httpx.Client, str]) -> None:
    """Snapshots are shared per stream number (hub._snapshot): two sockets asking at the
    same number get the same message; after a change the next one is read anew."""
    client, csrf = gate
    page = f"movement:{env.world.departure_id}"

    async def snapshot() -> tuple[int, str]:
        async with await connect(env, client, page) as ws:
            await ws.send(json.dumps({"hello": {"after": None}}))
            _, _, seq, _, raw = await next_message(ws, {"snapshot"})
            return seq, raw

    first, second = await asyncio.gather(snapshot(), snapshot())
    assert first == second
    resp = client.post(f"/movements/{env.world.departure_id}/notes",
                       data={"text": "kept snapshot note"},
                       headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
    assert resp.status_code == 200
    seq, raw = await snapshot()
    assert seq > first[0] and "kept snapshot note" in raw and "kept snapshot note" \
        not in first[1]


async def test_live_sockets_do_not_negotiate_compression_by_default(
        env: Env, gate: tuple[httpx.Client, str]) -> None:
    """permessage-deflate is off unless MOVEMENTS_WS_COMPRESSION (a compressed socket
    holds its own zlib streams and compresses each broadcast again; issue 18)."""
    client, _ = gate
    async with await connect(env, client) as ws:  # the client offers deflate
        assert ws.response is not None
        assert "permessage-deflate" not in ws.response.headers.get(
            "Sec-WebSocket-Extensions", "")
