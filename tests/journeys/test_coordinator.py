"""A coordinator corrects a gate on a landscape tablet; the feed replaying what it said
before does not undo it, the page says who set it and what the feed says; when the
feed reports something new it wins and the alert names both."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import Browser, expect

from movements.feed.client import FeedFlight, apply_feed
from tests.browser.conftest import signed_in
from tests.journeys.conftest import LANDSCAPE, Live, db_run

pytestmark = pytest.mark.browser


def _feed(live: Live, gate: str) -> None:
    day = date.fromisoformat(live.day)
    flight = FeedFlight(flight_name="KL1234", main_flight="KL1234", direction="D",
                        schedule_date=day,
                        scheduled_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC),
                        gate=gate)
    db_run(live, apply_feed, "AMS", [day], [flight])


def test_a_coordinators_gate_holds_against_the_feed_replay(browser: Browser,
                                                           live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    _feed(live, "G5")
    ctx, page = signed_in(browser, base, "coord", LANDSCAPE)
    try:
        page.goto(f"{base}/movements/{mid}")
        header = page.locator(f"#mvh-{mid}")
        expect(header).to_contain_text("G5")
        header.locator("summary", has_text="Correct gate or times").tap()
        form = header.locator("form")
        form.locator("input[name=gate]").fill("G7")
        form.locator("button[type=submit]").tap()
        expect(header.locator(".message")).to_contain_text("Saved")
        expect(header.locator("b", has_text="G7")).to_be_visible()

        for _ in range(2):  # the feed says what it said before, again and again
            _feed(live, "G5")
        page.reload()
        expect(header.locator("b", has_text="G7")).to_be_visible()
        expect(header.locator("[data-held=gate]")).to_contain_text("set by Coord")
        expect(header.locator("[data-held=gate]")).to_contain_text("feed says G5")

        # an impossible time is refused in place, nothing changes
        header.locator("summary", has_text="Correct gate or times").tap()
        header.locator("input[name=estimated_local]").fill("25:00")
        header.locator("button[type=submit]").tap()
        expect(header.locator(".message")).to_contain_text("is not a time of day")

        _feed(live, "G9")  # news: the feed wins, and says so
        page.goto(f"{base}/alerts")
        expect(page.locator("body")).to_contain_text("Feed overruled a person")
        expect(page.locator("body")).to_contain_text(
            "the feed changed the gate to G9 over G7 set by Coord")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    finally:
        ctx.close()
