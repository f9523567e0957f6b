"""A board through 30+ network outages of mixed kinds (issue 20): after each the page
equals a fresh render, showed STALE when the outage exceeded two heartbeats, and holds
exactly one socket (the page's own count and the proxy's open websocket tunnels).

Heartbeat 0.5 s and a replay limit of 3, so the ``long`` outages catch up by snapshot.
Timings are measured by bench/outages.py, not asserted here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from movements.domain.clock import local_date
from tests.browser.conftest import signed_in
from tests.live import sign_in, start_server
from tests.outages import Harness, mixed_trials, seed_two_departures
from tests.proxy import CuttableProxy
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser

HEARTBEAT = 0.5
REPLAY_LIMIT = 3
TRIALS = mixed_trials(30, REPLAY_LIMIT, HEARTBEAT)


@dataclass
class Rig:
    harness: Harness
    errors: list[str]


@pytest.fixture(scope="module")
def rig(browser: Browser, tmp_path_factory: pytest.TempPathFactory,
        sqlite_template: Path) -> Iterator[Rig]:
    data = tmp_path_factory.mktemp("outages")
    db = data / "outages.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    day = local_date(datetime.now(UTC), "Europe/Amsterdam").isoformat()
    world, _, later = seed_two_departures(url, day)
    server = start_server(url, data, extra_env={
        "MOVEMENTS_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "MOVEMENTS_REPLAY_LIMIT": str(REPLAY_LIMIT)})
    proxy = CuttableProxy(server.port)
    via = f"http://127.0.0.1:{proxy.port}"
    client, csrf = sign_in(server.base, "coord", PASSWORD)
    ctx, page = signed_in(browser, via, "coord")
    try:
        page.goto(f"{via}/board?date={day}")
        page.wait_for_function("() => window.movementsLive && movementsLive.sockets() === 1 "
                               "&& movementsLive.counters().messages > 0")
        yield Rig(Harness(page, proxy, client, csrf, day,
                          [world.departure_id, later]),  # type: ignore[attr-defined]
                  page.errors)  # type: ignore[attr-defined]
    finally:
        ctx.close()
        client.close()
        proxy.close()
        server.stop()


@pytest.mark.parametrize("trial", TRIALS, ids=[f"{i:02d}-{t.kind}-{t.seconds:.1f}s"
                                               for i, t in enumerate(TRIALS)])
def test_outage_converges_with_one_socket(rig: Rig, trial) -> None:  # type: ignore[no-untyped-def]
    out = rig.harness.run(trial)
    assert out.converged, f"{trial}: the board never matched a fresh render"
    if trial.seconds > 2 * HEARTBEAT + 0.5:
        assert out.stale_shown, f"{trial}: outage beyond two heartbeats without STALE"
    assert (out.page_sockets, out.proxy_sockets) == (1, 1), \
        f"{trial}: page holds {out.page_sockets} sockets, proxy sees {out.proxy_sockets}"
    # Failed connections during an outage are logged as console errors by Chromium and by
    # htmx (the feed-status poll); anything else (a script error) is a failure.
    network = ("WebSocket", "Failed to load", "ERR_", "htmx:afterRequest", "htmx:sendError",
               "htmx:responseError")
    assert [e for e in rig.errors if not any(n in e for n in network)] == []
