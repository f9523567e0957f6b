"""A pushed change that empties a lane, or fills an empty one, leaves the board as a fresh
page renders it: the lane's "No arrivals on this day." row comes back when its last row
leaves, goes when a row arrives, and the counts follow (issue 19.5's follow-up).  Checked
by comparing the tablet's pushed ``#lanes`` with a fresh render after each change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in
from tests.browser.test_live_board import normalise
from tests.live import sign_in
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_lane_emptied_then_filled_by_pushes_equals_a_fresh_render(browser: Browser,
                                                                    live: Live) -> None:
    base = live.server.base
    arrival = live.world.arrival_id
    today = date.fromisoformat(live.day)
    ctx, page = signed_in(browser, base, "gate")
    client, csrf = sign_in(base, "coord", PASSWORD)
    try:
        page.goto(f"{base}/board?date={live.day}")
        # Connected (the page's CSP forbids wait_for_function's eval while it polls).
        expect(page.locator("#stale-banner")).to_be_hidden(timeout=15000)
        page.wait_for_timeout(700)
        lane = page.locator('.lane[data-lane="arrival"]')
        expect(lane.locator(f"#mv-{arrival}")).to_have_count(1)
        expect(lane.locator(".row.empty")).to_have_count(0)

        def move(day: date) -> None:
            at = datetime(day.year, day.month, day.day, 12, 0).isoformat() + "Z"
            r = client.post(f"/api/v1/plan/movements/{arrival}",
                            json={"operational_date": day.isoformat(), "scheduled_at": at,
                                  "reason": "moved by the airline"},  # a set time: needs one
                            headers={"X-CSRF-Token": csrf})
            assert r.status_code == 200, r.text

        def same_as_fresh() -> None:
            shown = page.locator("#lanes").evaluate("e => e.outerHTML")
            fresh = client.get(f"/board?date={live.day}",
                               headers={"HX-Request": "true"}).text
            assert normalise(shown) == normalise(fresh)

        move(today + timedelta(days=1))  # the lane's only row leaves today's board
        expect(lane.locator(f"#mv-{arrival}")).to_have_count(0, timeout=10000)
        expect(lane.locator(".row.empty")).to_have_text("No arrivals on this day.")
        expect(lane.locator(".lane-count")).to_have_text("0")
        same_as_fresh()

        move(today)  # and comes back: the placeholder goes, the row takes its place
        expect(lane.locator(f"#mv-{arrival}")).to_have_count(1, timeout=10000)
        expect(lane.locator(".row.empty")).to_have_count(0)
        expect(lane.locator(".lane-count")).to_have_text("1")
        same_as_fresh()
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()
        client.close()
