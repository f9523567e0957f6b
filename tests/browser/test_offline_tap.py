"""A tap that failed offline never freezes its row: once the tablet is back, the pushed
or caught-up state of that passenger replaces the failed tap, with a note saying the tap
was not sent and the row changed meanwhile (newcomer, session 6).

The server's heartbeat is 60 s and every wait here is at most 8 s, so only the
reconnect's catch-up (or a push) can make it pass, never a heartbeat-driven resync.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from movements.domain.clock import local_date
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.browser.conftest import Live, signed_in
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import start_server
from tests.web.conftest import seed

pytestmark = pytest.mark.browser

WAIT = 8000  # ms: far below the 60 s heartbeat


@pytest.fixture
def slow_heartbeat(tmp_path: Path, sqlite_template: Path) -> Iterator[Live]:
    db = tmp_path / "offline.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    async def prepare():  # type: ignore[no-untyped-def]
        database = Database.open(url)
        out = await database.unit_of_work(NullPublisher()).run(seed, SYSTEM, today)
        await database.dispose()
        return out

    world, _, bookings = run_async(prepare())
    server = start_server(url, tmp_path, extra_env={"MOVEMENTS_HEARTBEAT_SECONDS": "60"})
    try:
        yield Live(server, world, bookings, today.isoformat())
    finally:
        server.stop()


def test_a_failed_offline_tap_gives_way_to_the_caught_up_state(
        browser: Browser, slow_heartbeat: Live) -> None:
    live = slow_heartbeat
    base, mid, booking = live.server.base, live.world.departure_id, live.bookings[0]
    ctx_a, a = signed_in(browser, base, "gate")
    ctx_b, b = signed_in(browser, base, "coord")
    try:
        for page in (a, b):
            page.goto(f"{base}/movements/{mid}")
            page.wait_for_function(
                "() => window.movementsLive && movementsLive.counters().messages > 0")
        row_a = a.locator(f"#pax-{booking}")
        ctx_a.set_offline(True)
        row_a.get_by_role("button", name="Met at designated point").click()
        expect(row_a).to_contain_text("Not sent: no connection", timeout=WAIT)
        # Tablet B records the same step meanwhile.
        b.locator(f"#pax-{booking}").get_by_role("button", name="Met at designated point").click()
        expect(b.locator(f"#pax-{booking}")).to_contain_text("✓ Met at designated point")
        ctx_a.set_offline(False)
        # A shows the step done (B's), and says its own tap was not sent.
        expect(row_a).to_contain_text("✓ Met at designated point", timeout=WAIT)
        expect(row_a).to_contain_text("was not sent")
        expect(row_a).not_to_contain_text("Not sent: no connection")
        expect(row_a.get_by_role("button", name="Met at designated point")).to_have_count(0)
    finally:
        ctx_a.close()
        ctx_b.close()
