"""A server killed with -9 in the middle of a chunked import (issue 19.4's follow-up): its
committed chunks are rolled back from their journal when the next server starts, and the
imports page says so.  A real uvicorn process, a real SIGKILL, SQLite and PostgreSQL.

Mid-import is proved, not timed: once the journal has rows, the test stops the server
(SIGSTOP: no chunk commits after it), sees that the import is still ``running`` with
chunks committed, and then kills it (SIGKILL)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from movements.domain.clock import local_date
from movements.domain.models import Booking, BulkBatch, ImportUndo, Passenger
from movements.domain.uow import NullPublisher
from movements.ingest.passengers_csv import HEADER
from movements.platform.db import Database
from tests.factories import letters
from tests.live import seed_site, sign_in, start_server
from tests.web.conftest import PASSWORD

ROWS = 600  # 6 chunks of 100: the kill lands after the first and before the last


def _list(day: str) -> bytes:
    cols = HEADER.split(",")
    lines = [HEADER]
    for i in range(ROWS):
        row = {"case_reference": f"KILL-{i // 3:04d}", "surname": f"Killed{letters(i)}",
               "given_names": "Test", "flight": "TK1957", "flight_date": day}
        lines.append(",".join(row.get(c, "") for c in cols))
    return ("\n".join(lines) + "\n").encode()


def _state(url: str) -> tuple[int, int, int, list[str]]:
    async def run() -> tuple[int, int, int, list[str]]:
        db = Database.open(url)
        try:
            return await db.unit_of_work(NullPublisher()).read(lambda s: (
                int(s.scalar(select(func.count()).select_from(Passenger)) or 0),
                int(s.scalar(select(func.count()).select_from(Booking)) or 0),
                int(s.scalar(select(func.count()).select_from(ImportUndo)) or 0),
                list(s.scalars(select(BulkBatch.state)))))
        finally:
            await db.dispose()
    return asyncio.run(run())


@pytest.mark.slow
def test_an_import_killed_mid_way_is_rolled_back_at_the_next_start(
        database_url: str, tmp_path: Path) -> None:
    seed_site(database_url)
    day = local_date(datetime.now(UTC), "Europe/Amsterdam").isoformat()
    before = _state(database_url)
    server = start_server(database_url, tmp_path, name="killed")
    try:
        coordinator, csrf = sign_in(server.base, "coord", PASSWORD)

        def run_import() -> None:
            with contextlib.suppress(Exception):  # the server is killed under it
                coordinator.post("/imports/passengers", data={"_csrf": csrf},
                                 files={"file": ("killed.csv", _list(day), "text/csv")},
                                 timeout=600)

        importer = threading.Thread(target=run_import)
        importer.start()
        deadline = time.monotonic() + 300
        while _state(database_url)[2] == 0:  # wait for the first committed chunk
            assert time.monotonic() < deadline and importer.is_alive(), server.log()[-2000:]
            time.sleep(0.05)
        server.process.send_signal(signal.SIGSTOP)  # frozen at once: no chunk after this
        frozen = _state(database_url)
        assert frozen[2] > 0 and frozen[3] == ["running"], frozen  # provably mid-import
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(30)
        importer.join(60)
        coordinator.close()
    finally:
        server.stop()
    killed = _state(database_url)
    assert killed[0] > before[0] and killed[2] > 0  # committed chunks left behind
    assert killed[3] == ["running"]

    again = start_server(database_url, tmp_path, name="restarted")
    try:
        coordinator, _ = sign_in(again.base, "coord", PASSWORD)
        deadline = time.monotonic() + 120
        while True:
            page = coordinator.get("/imports").text
            if 'data-state="recovered"' in page:
                break
            assert time.monotonic() < deadline, page[-3000:]
            time.sleep(0.2)
        coordinator.close()
        log = again.log()
    finally:
        again.stop()
    item = re.search(r'<li[^>]*data-state="recovered"[^>]*>(.*?)</li>', page, re.S)
    assert item is not None
    said = " ".join(item.group(1).split())
    assert "killed.csv" in said and "interrupted" in said and "rolled back" in said \
        and "nothing of this file is in" in said, said
    after = _state(database_url)
    assert after[:3] == (before[0], before[1], 0)  # every chunk put back, journal gone
    assert after[3] == ["recovered"]
    assert "Traceback" not in log, log[-3000:]
