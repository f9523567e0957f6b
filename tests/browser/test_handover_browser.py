"""A gate agent on a portrait tablet hands passengers over: opens the movement's
Handovers section, ticks who, names the receiver, signs, and gets the manifest."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ARTIFACTS, Live, draw_signature, signed_in

pytestmark = pytest.mark.browser


def test_gate_agent_creates_and_signs_a_handover_on_a_tablet(browser: Browser,
                                                             live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id  # handed to a receiving mission abroad
    ctx, page = signed_in(browser, base, "gate", {"width": 768, "height": 1024})
    try:
        page.goto(f"{base}/movements/{mid}")
        section = page.locator(f"#handovers-{mid}")
        expect(section).to_contain_text("No handovers yet")  # loaded by htmx
        expect(page.locator(f'a[href="/movements/{mid}/briefing.pdf"]')).to_be_visible()

        section.locator("summary", has_text="Start a handover").tap()
        form = section.locator("form")
        boxes = form.locator("input[name=passenger]")
        expect(boxes).to_have_count(3)
        form.locator("label").filter(has_text="CASE-0").tap()  # the label ticks the box
        expect(boxes.first).to_be_checked()
        form.locator("select[name=organisation_id]").select_option(
            label="Reception Agency Ter Apel (test)")
        form.locator("input[name=receiving_person]").fill("Anouk Bakker")
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        ARTIFACTS.mkdir(exist_ok=True)
        section.screenshot(path=str(ARTIFACTS / "handover-form-768x1024.png"))
        form.locator("button[type=submit]").tap()

        page.wait_for_url(re.compile(r"/handovers/\d+$"))
        expect(page.locator("#status")).to_contain_text("Draft")
        sign = page.locator("#sign-form")
        expect(sign.locator("input[name=receiving_signature]")).to_have_value("Anouk Bakker")
        expect(sign.locator("input[name=handing_signature]")).to_have_value("Gate")
        draw_signature(page, "#pad-handing")
        draw_signature(page, "#pad-receiving")
        sign.locator("button[type=submit]").tap()

        download = page.locator("#download")
        # signing issues the manifest (rendered in the server's process pool): allow time
        expect(download).to_be_visible(timeout=30000)
        expect(page.locator("#status")).to_contain_text("Signed")
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        page.screenshot(path=str(ARTIFACTS / "handover-signed-768x1024.png"), full_page=True)
        with page.expect_download() as got:
            download.tap()
        assert got.value.suggested_filename.endswith("-v1.pdf")

        page.goto(f"{base}/movements/{mid}")  # the section now lists it, signed
        line = page.locator(f"#handovers-{mid} li").first
        expect(line).to_contain_text("signed")
        expect(line.locator("a.download")).to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()
