"""A write that cannot get the database in time is refused as retryable (issue 19.4):
503 with Retry-After, nothing written, and the same request with the same idempotency key
applies once the database is free.  On SQLite (another connection holds the write lock)
and PostgreSQL (another transaction holds the booking's row lock)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from litestar.testing import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from movements.domain.models import AuditEntry, Milestone
from tests.web.conftest import BASE, Site, login


@contextmanager
def database_held(url: str, booking_id: int) -> Iterator[None]:
    """Hold what a milestone tap needs to write, from another connection, until the
    block ends."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import asyncio

    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        async def run() -> None:
            engine = create_async_engine(url)
            async with engine.connect() as conn:
                await conn.execute(text("SELECT id FROM booking WHERE id = :id FOR UPDATE"),
                                   {"id": booking_id})
                started.set()
                while not release.is_set():
                    await asyncio.sleep(0.05)
                await conn.rollback()
            await engine.dispose()
        asyncio.run(run())
        done.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(20)
    try:
        yield
    finally:
        release.set()
        thread.join(20)


def _counts(site: Site, client: TestClient, booking_id: int) -> tuple[int, int]:
    def read(s):  # type: ignore[no-untyped-def]
        return (int(s.scalar(select(func.count()).select_from(Milestone).where(
                    Milestone.booking_id == booking_id)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0))
    return client.blocking_portal.call(site.app.state.services.uow.read, read)


def test_a_tap_on_a_busy_database_is_503_then_applies_once(site: Site,
                                                           database_url: str) -> None:
    booking = site.booking_ids[0]
    headers = {"HX-Request": "true", "Idempotency-Key": "tap-busy-1"}
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        headers["X-CSRF-Token"] = csrf
        before = _counts(site, client, booking)
        with database_held(database_url, booking):
            busy = client.post(f"/bookings/{booking}/milestones",
                               data={"kind": "met_at_point"}, headers=headers)
            assert busy.status_code == 503, busy.text[:300]
            assert busy.headers["retry-after"] == "1"
            assert "busy" in busy.json()["error"]
        assert _counts(site, client, booking) == before  # nothing written, not even audit
        again = client.post(f"/bookings/{booking}/milestones", data={"kind": "met_at_point"},
                            headers=headers)
        assert again.status_code == 200, again.text[:300]
        replay = client.post(f"/bookings/{booking}/milestones", data={"kind": "met_at_point"},
                             headers=headers)
        assert replay.status_code == 200 and replay.headers.get("idempotent-replay") == "true"
        milestones, _ = _counts(site, client, booking)
        assert milestones == before[0] + 1
