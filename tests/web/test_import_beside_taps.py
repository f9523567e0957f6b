"""A big import beside live taps (issue 19.4), on SQLite and PostgreSQL: a coordinator
imports 10,000 passengers through /imports on a real uvicorn server while two tablets
(two signed-in HTTP clients, each its own session) tick milestones.  Every tap is
applied, none gets a 500, and the taps are done while the import still runs (a tap does
not wait for the whole import).  A tap that meets a busy database gets a 503 with
Retry-After and is sent again with the same idempotency key, as the page does."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from movements.domain.clock import local_date
from movements.domain.models import AuditEntry, Milestone, Passenger
from movements.domain.uow import NullPublisher, Tx
from movements.ingest.passengers_csv import HEADER
from movements.platform.db import Database
from tests.factories import SYSTEM, add_pax, letters
from tests.live import sign_in, start_server
from tests.web.conftest import PASSWORD, seed

ROWS = 10_000
STEPS = ("met_at_point", "checked_in", "exit_formalities")
TAP_BOOKINGS = 8  # per tablet


@dataclass
class Tablet:
    name: str
    bookings: list[int]
    statuses: list[int] = field(default_factory=list)
    retried: int = 0
    finished: float = 0.0
    error: str | None = None


def _prepare(url: str, day: date) -> tuple[list[int], list[int]]:
    async def run() -> tuple[list[int], list[int]]:
        database = Database.open(url)
        try:
            uow = database.unit_of_work(NullPublisher())
            world, _, _ = await uow.run(seed, SYSTEM, day)

            def more(tx: Tx) -> list[int]:
                return [add_pax(tx, world.departure_id, f"TAP-{i}", f"Tap{letters(i)}")[1]
                        for i in range(2 * TAP_BOOKINGS)]
            bids = await uow.run(more, SYSTEM)
        finally:
            await database.dispose()
        return bids[:TAP_BOOKINGS], bids[TAP_BOOKINGS:]
    return asyncio.run(run())


def _count(url: str) -> tuple[int, int, int]:
    async def run() -> tuple[int, int, int]:
        database = Database.open(url)
        try:
            uow = database.unit_of_work(NullPublisher())
            return await uow.read(lambda s: (
                int(s.scalar(select(func.count()).select_from(Passenger)) or 0),
                int(s.scalar(select(func.count()).select_from(Milestone)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.action == "import_passengers")) or 0)))
        finally:
            await database.dispose()
    return asyncio.run(run())


def big_list(day: date) -> bytes:
    lines = [HEADER]
    cols = HEADER.split(",")
    for i in range(ROWS):
        row = {"case_reference": f"BIG-{i // 4:05d}", "surname": f"Import{letters(i)}",
               "given_names": "Test", "flight": "TK1957", "flight_date": day.isoformat()}
        lines.append(",".join(row.get(c, "") for c in cols))
    return ("\n".join(lines) + "\n").encode()


def tap_all(base: str, tablet: Tablet) -> None:
    client, csrf = sign_in(base, "gate", PASSWORD)
    try:
        for step in STEPS:
            for booking in tablet.bookings:
                key = str(uuid.uuid4())
                while True:  # what the page does on 503: wait Retry-After, same key again
                    resp = client.post(f"/bookings/{booking}/milestones", data={"kind": step},
                                       headers={"X-CSRF-Token": csrf, "HX-Request": "true",
                                                "Idempotency-Key": key}, timeout=60)
                    tablet.statuses.append(resp.status_code)
                    if resp.status_code != 503:
                        break
                    assert resp.headers.get("retry-after", "").isdigit(), resp.headers
                    tablet.retried += 1
                    time.sleep(int(resp.headers["retry-after"]))
                if resp.status_code != 200:
                    tablet.error = f"{booking} {step}: {resp.status_code} {resp.text[:200]}"
                    return
    except Exception as exc:  # reported by the test thread
        tablet.error = repr(exc)
    finally:
        tablet.finished = time.monotonic()
        client.close()


@pytest.mark.slow
def test_ten_thousand_rows_import_while_two_tablets_tap(database_url: str,
                                                         tmp_path: Path) -> None:
    day = local_date(datetime.now(UTC), "Europe/Amsterdam")
    mine, theirs = _prepare(database_url, day)
    before = _count(database_url)
    server = start_server(database_url, tmp_path, name="import")
    try:
        coordinator, csrf = sign_in(server.base, "coord", PASSWORD)
        result: dict[str, object] = {}

        def run_import() -> None:
            resp = coordinator.post("/imports/passengers", data={"_csrf": csrf},
                                    files={"file": ("big.csv", big_list(day), "text/csv")},
                                    timeout=2400)
            result["status"] = resp.status_code
            result["text"] = resp.text
            result["done"] = time.monotonic()

        importer = threading.Thread(target=run_import)
        importer.start()
        time.sleep(1.0)  # the import is under way
        tablets = [Tablet("one", mine), Tablet("two", theirs)]
        threads = [threading.Thread(target=tap_all, args=(server.base, t)) for t in tablets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        importer.join(2400)
        coordinator.close()
        log = server.log()
    finally:
        server.stop()

    for t in tablets:
        assert t.error is None, (t.name, t.error, log[-2000:])
        assert 500 not in t.statuses
        assert set(t.statuses) <= {200, 503}
    assert result.get("status") == 200, str(result.get("text", ""))[-1500:]
    assert f"{ROWS} passengers created" in str(result["text"])
    # the taps did not wait for the whole import
    assert all(t.finished < float(result["done"]) for t in tablets)  # type: ignore[arg-type]
    after = _count(database_url)
    assert after[0] == before[0] + ROWS
    assert after[1] == before[1] + len(STEPS) * 2 * TAP_BOOKINGS  # every tap applied
    assert after[2] == before[2] + 1
    assert "Traceback" not in log, log[-3000:]

