"""Gate staff tick a stretcher (STCR) passenger to boarded: refused without a medical
escort, an escort assigned, then allowed -- while a second tablet shows each step."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import signed_in
from tests.journeys.conftest import LANDSCAPE, PORTRAIT, Live

pytestmark = pytest.mark.browser

STEPS = ("Met at designated point", "Checked in", "Exit formalities done", "At gate")


def _live(page: Page) -> None:
    page.wait_for_function("document.getElementById('stale-banner').hidden === true")
    page.wait_for_timeout(600)


def test_stcr_passenger_refused_then_escorted_then_boarded(browser: Browser,
                                                           live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    stcr = live.bookings[2]  # PETRENKO: STCR, lying flat
    ctx_a, a = signed_in(browser, base, "gate", PORTRAIT)
    ctx_b, b = signed_in(browser, base, "coord", LANDSCAPE)
    try:
        a.goto(f"{base}/movements/{mid}")
        b.goto(f"{base}/movements/{mid}")
        _live(a)
        _live(b)
        row_a, row_b = a.locator(f"#pax-{stcr}"), b.locator(f"#pax-{stcr}")
        expect(row_a).to_contain_text("STCR")
        for label in STEPS:
            expect(row_a.locator("button.primary")).to_have_text(label)  # the row is current
            row_a.locator("button.primary").tap()
            expect(row_a).to_contain_text(f"✓ {label}")
            expect(row_b).to_contain_text(f"✓ {label}")  # the other tablet, pushed
            a.wait_for_timeout(700)  # until main has issue 13.1: a late re-render may follow
        # the rule is visible before the tap, and Boarded is not the main action
        expect(row_a.locator(".escort-rule")).to_contain_text(
            "needs an assigned medical escort")
        boarded = row_a.locator("button.blocked", has_text="Boarded")
        expect(boarded).to_be_visible()
        boarded.tap()
        expect(row_a.locator(".message[role=alert]")).to_contain_text(
            "cannot board without an assigned medical escort")
        expect(row_a).not_to_contain_text("✓ Boarded")
        expect(row_b).not_to_contain_text("✓ Boarded")

        # A late pushed re-render of the row would close the form being filled (issue
        # 13.1, the live helper's): let the pushes of the taps above settle first.
        a.wait_for_timeout(1500)
        escort = row_a.locator("form[hx-post$='/escort']")
        row_a.locator("details.more summary").tap()
        escort.locator("input[name=escort_name]").fill("Dr. Anna Visser")
        escort.locator("select[name=kind]").select_option("medical")
        escort.locator("button").tap()
        expect(row_a).to_contain_text("medical escort: Dr. Anna Visser")
        expect(row_b).to_contain_text("medical escort: Dr. Anna Visser")

        expect(row_a.locator(".escort-rule")).to_have_count(0)
        row_a.locator("button.primary", has_text="Boarded").tap()
        expect(row_a).to_contain_text("✓ Boarded")
        expect(row_b).to_contain_text("✓ Boarded")
        # who tapped may take it back for two minutes; the other tablet is not offered it
        expect(row_a.locator("form.undo button")).to_have_text("Undo Boarded")
        expect(row_b.locator("form.undo")).to_be_hidden()
        for page in (a, b):
            assert page.evaluate("document.documentElement.scrollWidth") <= \
                page.viewport_size["width"]  # type: ignore[index]
        # The refusal is a 422 the browser logs as a failed resource; nothing else.
        for page in (a, b):
            assert [e for e in page.errors  # type: ignore[attr-defined]
                    if "status of 422" not in e] == []
    finally:
        ctx_a.close()
        ctx_b.close()
