"""What a screen reader hears at tablet width (768x1024), by Playwright's role queries and
ARIA snapshots (newcomer, session 6): board counts and badges say what they count, a
replaced time says "was", a milestone button names its passenger, a ticked step says when.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in
from tests.browser.test_live_push import set_estimate
from tests.live import sign_in
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_board_and_movement_page_name_what_they_show(browser: Browser, live: Live) -> None:
    base, mid = live.server.base, live.world.departure_id
    client, csrf = sign_in(base, "coord", PASSWORD)
    set_estimate(client, csrf, mid, "23:55")
    client.close()
    ctx, page = signed_in(browser, base, "gate")
    try:
        page.goto(f"{base}/board?date={live.day}")
        row = page.locator(f"#mv-{mid}")
        expect(row.get_by_role("cell", name=re.compile(r"\b3 passengers\b"))).to_have_count(1)
        expect(row.get_by_role("link", name=re.compile(r"^Wheelchair: 1 passenger$"))
               ).to_have_count(1)
        time_cell = row.locator(".time")
        assert re.search(r"23:55.* was \d\d:\d\d", time_cell.aria_snapshot()), \
            time_cell.aria_snapshot()
        expect(row.get_by_role("cell", name=re.compile(r"^Gate "))).to_have_count(1)

        page.goto(f"{base}/movements/{mid}")
        pax = page.locator(f"#pax-{live.bookings[0]}")
        button = pax.get_by_role("button", name=re.compile(r"^Met at designated point — \S"))
        expect(button).to_have_count(1)
        # Each passenger's button is told apart by name.
        names = page.get_by_role("button", name=re.compile(r"^Met at designated point — ")
                                 ).evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))")
        assert len(names) == 3 and len(set(names)) == 3, names
        button.click()
        done = pax.locator("ol.done li").first
        expect(done).to_be_visible()
        assert re.search(r"Met at designated point at \d\d:\d\d", done.aria_snapshot()), \
            done.aria_snapshot()
        # Its name is the step and time, not the tooltip's timestamp.
        expect(pax.get_by_role("listitem", name=re.compile(
            r"^Met at designated point at \d\d:\d\d$"))).to_have_count(1)
    finally:
        ctx.close()


def test_a_refused_form_puts_focus_on_its_first_invalid_field(browser: Browser,
                                                             live: Live) -> None:
    """After a server-side refusal focus was on the body: now on the first marked field,
    described by the refusal."""
    ctx, page = signed_in(browser, live.server.base, "admin")
    try:
        page.goto(f"{live.server.base}/admin/audit?entity_id=abc")
        field = page.get_by_role("textbox", name="Entity id")
        expect(field).to_be_focused()
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby")
        assert described
        assert page.locator(f"#{described}").inner_text().strip()
        expect(field).to_have_accessible_description(re.compile(r"\S"))
    finally:
        ctx.close()
