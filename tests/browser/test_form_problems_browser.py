"""A coordinator on a 768x1024 tablet sends the plan form with three bad fields (each one
the browser's own checks let through): one reply lists all three, each field is marked
and says why under it, the first is focused, nothing scrolls sideways and nothing is
written.  The board row shows the passengers' step progress."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in

pytestmark = pytest.mark.browser


def _movements(db_path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM movement").fetchone()[0])


def test_three_bad_fields_are_shown_together_at_their_fields(browser: Browser,
                                                            live: Live) -> None:
    base = live.server.base
    db_path = live.server.env["MOVEMENTS_DATABASE_URL"].split("///", 1)[1]
    before = _movements(db_path)
    ctx, page = signed_in(browser, base, "coord")
    try:
        page.goto(f"{base}/plan/")
        form = page.locator('form[action="/plan/movements"]').first
        form.locator("input[name=flight]").fill("KLXYZ")
        form.locator("input[name=time]").fill("14:05")
        form.locator("input[name=destination]").fill("ZZZ")
        form.locator("input[name=gate]").fill("D 7 !")
        form.locator("button.primary, button[type=submit]").first.click()
        alert = page.locator("p.message.error")
        expect(alert).to_contain_text("Not saved: 3 problems")
        expect(alert).to_contain_text("'ZZZ' is not an airport code in the IATA table")
        form = page.locator('form[action="/plan/movements"]').first
        for name in ("flight", "destination", "gate"):
            field = form.locator(f"[name={name}]")
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(page.locator(f"#problem-{name}")).to_be_visible()
        assert page.evaluate("document.activeElement.name") == "flight"
        assert form.locator("input[name=destination]").input_value() == "ZZZ"
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        assert _movements(db_path) == before
        # The 422 itself is the only console line (Chromium logs every 4xx document).
        assert [e for e in page.errors if "422" not in e] == []  # type: ignore[attr-defined]
    finally:
        ctx.close()


def test_the_board_row_shows_step_progress_on_a_tablet(browser: Browser, live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    ctx, page = signed_in(browser, base, "gate")
    try:
        cell = page.locator(f"#mv-{mid} .count .progress")
        expect(cell).to_be_visible()
        expect(cell).to_contain_text("/")
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 768
    finally:
        ctx.close()
