"""Issue 12.5: eight parallel copies of one write with one idempotency key, sent to a real
uvicorn server, make one change; every copy gets the winner's reply (or 409 while it is
still running), never 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from movements.domain.models import AuditEntry, Milestone, Note
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.conftest import run_async
from tests.live import LiveServer, seed_site, sign_in, start_server

COPIES = 8


@dataclass
class Served:
    server: LiveServer
    database_url: str
    movement_id: int
    booking_id: int


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    world, _, bookings = seed_site(database_url)
    server = start_server(database_url, tmp_path)
    try:
        yield Served(server, database_url, world.departure_id, bookings[1])
    finally:
        server.stop()


def _counts(database_url: str, model: type[Any]) -> tuple[int, int]:
    async def go() -> tuple[int, int]:
        db = Database.open(database_url)
        try:
            return await db.unit_of_work(NullPublisher()).read(lambda s: (
                int(s.scalar(select(func.count()).select_from(model)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)))
        finally:
            await db.dispose()
    return run_async(go())


@pytest.mark.parametrize("route", ["note", "milestone"])
def test_parallel_copies_make_one_change_and_no_server_error(served: Served, route: str
                                                             ) -> None:
    url, data, model = (
        (f"/movements/{served.movement_id}/notes", {"text": "gate changed to D7"}, Note)
        if route == "note" else
        (f"/bookings/{served.booking_id}/milestones", {"kind": "met_at_point"}, Milestone))
    signed_in, csrf = sign_in(served.server.base, "gate", "correct horse battery")
    cookies = dict(signed_in.cookies)
    signed_in.close()
    rows_before, audit_before = _counts(served.database_url, model)
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": f"race-{route}"}

    async def race() -> list[httpx.Response]:
        # One connection per copy, all sent at once (as a tablet's retries pile up).
        clients = [httpx.AsyncClient(base_url=served.server.base, cookies=cookies, timeout=30)
                   for _ in range(COPIES)]
        try:
            return list(await asyncio.gather(*(c.post(url, headers=headers, data=data)
                                               for c in clients)))
        finally:
            for c in clients:
                await c.aclose()

    replies = run_async(race())
    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 1
    winners = {r.text for r in replies if r.status_code == 200}
    assert len(winners) == 1, "every 200 is the winner's reply"
    assert all("still being processed" in r.text for r in replies if r.status_code == 409)
    rows_after, audit_after = _counts(served.database_url, model)
    assert (rows_after - rows_before, audit_after - audit_before) == (1, 1)
    # Once the winner is done, a late retry replays its reply exactly.
    with httpx.Client(base_url=served.server.base, cookies=cookies, timeout=30) as client:
        late = client.post(url, headers=headers, data=data)
    assert late.status_code == 200 and late.text in winners
    assert late.headers.get("idempotent-replay") == "true"
    assert "Traceback" not in served.server.log()
