"""A Dutch-speaking gate agent switches the console to Dutch on their tablet and reads
the board in Dutch, while the coordinator's tablet beside it stays in English -- also for
the rows the server pushes to both after a change (each socket reads its own language's
channel)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import signed_in
from tests.journeys.conftest import PORTRAIT, Live

pytestmark = pytest.mark.browser


def _live(page: Page) -> None:
    page.wait_for_function("document.getElementById('stale-banner').hidden === true")
    page.wait_for_timeout(600)


def test_one_tablet_switches_to_dutch_the_other_stays_english(browser: Browser,
                                                              live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    ctx_nl, nl = signed_in(browser, base, "gate", PORTRAIT)
    ctx_en, en = signed_in(browser, base, "coord", PORTRAIT)
    try:
        # The gate agent chooses Dutch on their account page.
        nl.goto(f"{base}/account/sessions")
        expect(nl.locator("h1")).to_have_text("Your account")
        nl.locator("#language-form select[name=locale]").select_option("nl")
        nl.locator("#language-form button").tap()
        expect(nl.locator("#account-message")).to_have_text("Taal opgeslagen.")
        expect(nl.locator("h1")).to_have_text("Uw account")
        expect(nl.locator("html")).to_have_attribute("lang", "nl")

        nl.goto(f"{base}/board")
        en.goto(f"{base}/board")
        _live(nl)
        _live(en)
        expect(nl.locator("#lane-departure")).to_contain_text("Vertrekken")
        expect(en.locator("#lane-departure")).to_contain_text("Departures")
        expect(nl.get_by_role("button", name="Afgeronde verbergen")).to_be_visible()
        expect(en.get_by_role("button", name="Hide completed")).to_be_visible()
        expect(nl.locator(".top nav")).to_contain_text("Bord")
        expect(en.locator(".top nav")).to_contain_text("Board")
        row_nl, row_en = nl.locator(f"#mv-{mid}"), en.locator(f"#mv-{mid}")
        expect(row_nl).to_contain_text("Rolstoel")
        expect(row_en).to_contain_text("Wheelchair")

        expect(row_nl.locator(".gate")).not_to_contain_text("E9")
        # The coordinator moves the flight to gate E9 from the movement page: both boards
        # get the row pushed, each in its reader's language.
        desk = ctx_en.new_page()
        desk.goto(f"{base}/movements/{mid}")
        _live(desk)
        desk.locator(f"#mvh-{mid} details.correct summary").click()
        form = desk.locator(f"#mvh-{mid} form")
        form.locator("input[name=gate]").fill("E9")
        form.locator("input[name=reason]").fill("gate swap by the airline")  # a correction
        form.locator("button[type=submit]").click()
        expect(row_nl.locator(".gate")).to_contain_text("E9")
        expect(row_en.locator(".gate")).to_contain_text("E9")
        expect(row_nl).to_contain_text("Rolstoel")
        expect(row_en).to_contain_text("Wheelchair")
        assert "Wheelchair" not in row_nl.inner_text()
        assert "Rolstoel" not in row_en.inner_text()

        # The Dutch tablet's movement page, too.
        nl.goto(f"{base}/movements/{mid}")
        _live(nl)
        expect(nl.locator(f"#mvh-{mid}")).to_contain_text("Gepland")
        expect(nl.locator("button.reveal").first).to_have_text("Naam tonen")
        for page in (nl, en):
            assert page.evaluate("document.documentElement.scrollWidth") <= \
                page.viewport_size["width"]  # type: ignore[index]
            assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx_nl.close()
        ctx_en.close()
