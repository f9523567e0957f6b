"""An admin takes an airport off a gate agent's account while the agent's tablet shows
that airport's board (issue 13.7), both on portrait tablets: the admin sees the change
confirmed; the agent's tablet stops showing that airport at once (its socket is closed
by the change, the page reloads and says the airport is no longer theirs; the board of
the airport they still work is one tap away)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from movements.domain.actions import setup
from movements.domain.models import Airport, User
from movements.domain.uow import Tx
from tests.browser.conftest import signed_in
from tests.journeys.conftest import PORTRAIT, Live, db_run

pytestmark = pytest.mark.browser


def _both_airports(tx: Tx) -> None:
    setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
    gate = tx.session.scalar(select(User).where(User.username == "gate"))
    assert gate is not None
    gate.airports = list(tx.session.scalars(select(Airport).order_by(Airport.iata)))


def test_an_admin_takes_an_airport_off_an_open_tablet(browser: Browser, live: Live) -> None:
    db_run(live, _both_airports)
    base = live.server.base
    gate_ctx, tablet = signed_in(browser, base, "gate", PORTRAIT)
    admin_ctx, page = signed_in(browser, base, "admin", PORTRAIT)
    try:
        tablet.goto(f"{base}/board?airport=AMS")
        ams_row = tablet.locator(f"#mv-{live.world.departure_id}")
        expect(ams_row).to_be_visible()
        expect(tablet.locator("#live")).to_have_attribute("data-stream", re.compile("^board:AMS:"))

        page.goto(f"{base}/admin/users")
        row = page.locator("#users tr", has=page.locator("td", has_text=re.compile("^gate$")))
        row.locator("details.change-access summary").tap()
        form = row.locator("form.access-form")
        expect(form.locator("input[name=airports][value=AMS]")).to_be_checked()
        form.locator("input[name=airports][value=AMS]").uncheck()
        form.locator("button[type=submit]").tap()
        expect(page.locator("#admin-message")).to_have_text("gate is now gate staff at BRU.")
        expect(row.locator("td").nth(4)).to_have_text("BRU")
        assert page.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]

        # The agent's tablet: its socket was closed by the change, the page reloaded and
        # says in words that AMS is no longer theirs; no AMS row is left on it.
        expect(tablet.locator("#not-yours")).to_contain_text(
            "The board of AMS is not among yours (any more)", timeout=10_000)
        expect(tablet.locator(f"#mv-{live.world.departure_id}")).to_have_count(0)
        # the board it may still see is one tap away, offered on that page
        tablet.locator("#not-yours a", has_text="Board BRU").tap()
        expect(tablet.locator("#live")).to_have_attribute("data-stream",
                                                          re.compile("^board:BRU:"))
        expect(tablet.locator(f"#mv-{live.world.departure_id}")).to_have_count(0)
        assert tablet.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
    finally:
        gate_ctx.close()
        admin_ctx.close()
