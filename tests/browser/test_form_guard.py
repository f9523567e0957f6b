"""Forms keep what was typed (issue 13, newcomer pass): a NUL or another control
character in any form gave a full-page 422 and the typed text was lost; the imports
page's sample could not be put in the paste box."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in

pytestmark = pytest.mark.browser


def test_a_control_character_is_named_in_place_and_the_text_stays(
        browser: Browser, live: Live) -> None:
    ctx, page = signed_in(browser, live.server.base, "coord")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    try:
        # A plain form (the telex paste: a new page on reply).
        page.goto(f"{live.server.base}/imports")
        box = page.locator("#telex-text")
        typed = "MVT\nKL1234/15.PHBXA.AMS\nAD1015\x00/1020"
        box.fill(typed)
        page.locator("form[action='/imports/telex'] button[type=submit]").click()
        message = page.locator("form[action='/imports/telex'] + .form-message")
        expect(message).to_contain_text("invisible control character (U+0000)")
        expect(message).to_contain_text("Paste one telex")
        assert box.input_value() == typed and page.url.endswith("/imports")
        assert box.get_attribute("aria-invalid") == "true"
        # The telex framing characters (SOH, STX, ETX) are a telex's own: not refused.
        assert page.evaluate("""() => { const f = document.querySelector(
            "form[action='/imports/telex']"); f.querySelector('textarea').value =
            '\\u0001QU AMSKL\\u0002MVT\\u0003'; return f.hasAttribute('data-telex'); }""")
        # An htmx form (a movement's note): the same, nothing sent.
        page.goto(f"{live.server.base}/movements/{live.world.departure_id}")
        note = page.locator("form[hx-post$='/notes'] textarea[name=text]")
        note.fill("gate agent\x07 note")
        page.locator("form[hx-post$='/notes'] button[type=submit]").click()
        expect(page.locator("form[hx-post$='/notes'] + .form-message")).to_contain_text(
            "(U+0007)")
        assert note.input_value() == "gate agent\x07 note"
        assert sent == []
    finally:
        ctx.close()


def test_the_imports_sample_fills_the_paste_box(browser: Browser, live: Live) -> None:
    ctx, page = signed_in(browser, live.server.base, "coord")
    try:
        page.goto(f"{live.server.base}/imports")
        page.locator("#demo-ptm").locator("xpath=..").locator("summary").click()
        page.get_by_role("button", name="Put the sample in the paste box").click()
        sample = page.locator("#demo-ptm").text_content()
        assert sample and sample.startswith("PTM") or "PTM" in (sample or "")
        assert page.locator("#telex-text").input_value() == sample
    finally:
        ctx.close()
