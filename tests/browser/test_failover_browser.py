"""A tablet whose server process is killed (SIGKILL) reconnects through the "load
balancer" to the other process and ends with a board equal to a fresh render
(two processes on PostgreSQL with Redis fan-out)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from movements.domain.clock import local_date
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.browser.conftest import signed_in
from tests.browser.test_live_board import normalise, wait_live
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import sign_in, start_server
from tests.proxy import CuttableProxy
from tests.redis_server import start_redis
from tests.web.conftest import PASSWORD, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def backend() -> str:
    return "postgresql"


@pytest.fixture
def two(database_url: str, tmp_path: Path) -> Iterator[tuple]:  # type: ignore[type-arg]
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
        yield a, b, world, bookings, today.isoformat()
    finally:
        a.stop()
        b.stop()
        redis.stop()


def test_killed_process_the_tablet_moves_to_the_other_and_equals_a_fresh_render(
        browser: Browser, two: tuple) -> None:  # type: ignore[type-arg]
    a, b, world, bookings, day = two
    balancer = CuttableProxy(a.port)
    via = f"http://127.0.0.1:{balancer.port}"
    ctx, page = signed_in(browser, via, "coord")
    client, csrf = sign_in(b.base, "gate", PASSWORD)
    try:
        page.goto(f"{via}/board?date={day}")
        wait_live(page)
        a.stop(signal.SIGKILL)
        balancer.cut()
        balancer.retarget(b.port)
        balancer.resume()
        for booking in bookings[:2]:
            r = client.post(f"/bookings/{booking}/no-show", data={"reason": "away"},
                            headers={"X-CSRF-Token": csrf})
            assert r.status_code == 200, r.text[:200]
        row = page.locator(f"#mv-{world.departure_id}")
        expect(row).to_contain_text("2 no-show", timeout=15000)
        expect(page.locator("#stale-banner")).to_be_hidden(timeout=10000)
        shown = page.locator("#lanes").evaluate("e => e.outerHTML")
        fresh = client.get(f"/board?date={day}", headers={"HX-Request": "true"}).text
        assert normalise(shown) == normalise(fresh)
    finally:
        ctx.close()
        client.close()
        balancer.close()
