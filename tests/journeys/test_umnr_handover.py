"""An unaccompanied minor handed to the named adult on a portrait tablet: the page says
what is missing before release (not met yet), the minor is met, both parties sign with a
finger, and the manifest's text says who received her, the ID checked and where to
verify it (this server's own address)."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from playwright.sync_api import Browser, expect

from movements.domain.actions import movements as mv
from tests.browser.conftest import draw_signature, signed_in
from tests.factories import add_pax
from tests.journeys.conftest import PORTRAIT, Live, db_run

pytestmark = pytest.mark.browser


def test_a_minor_is_handed_to_the_named_adult_with_drawn_signatures(browser: Browser,
                                                                    live: Live) -> None:
    base = live.server.base
    mid = live.world.arrival_id
    _, booking = db_run(live, add_pax, mid, "CASE-UM", "Haddad", "Sara",
                        needs=(("UMNR", None),), birth_date=date(2014, 5, 2),
                        release_to_name="Miriam Haddad", release_to_relation="aunt")
    db_run(live, mv.update_flight, mid, {"flight_state": "ARR"}, source="feed")
    ctx, page = signed_in(browser, base, "gate", PORTRAIT)
    try:
        page.goto(f"{base}/movements/{mid}")
        section = page.locator(f"#handovers-{mid}")
        section.locator("summary", has_text="Start a handover").tap()
        form = section.locator("form")
        form.locator("label").filter(has_text="CASE-UM").tap()
        form.locator("select[name=organisation_id]").select_option(
            label="Reception Agency Ter Apel (test)")
        form.locator("input[name=receiving_person]").fill("miriam HADDAD")
        form.locator("select[name=id_type]").select_option("passport")
        form.locator("input[name=id_number]").fill("NX1234567")
        form.locator("button[type=submit]").tap()
        page.wait_for_url(re.compile(r"/handovers/\d+$"))
        handover_url = page.url
        expect(page.locator("#release-blockers")).to_contain_text("not met yet: SH")

        page.goto(f"{base}/movements/{mid}")
        row = page.locator(f"#pax-{booking}")
        row.locator("button.primary").tap()
        expect(row).to_contain_text("✓ Met at aircraft")

        page.goto(handover_url)
        expect(page.locator("#release-blockers")).to_have_count(0)
        draw_signature(page, "#pad-handing")
        draw_signature(page, "#pad-receiving")
        assert page.locator("input[name=receiving_strokes]").input_value().startswith("[[[")
        page.locator("#sign-form button[type=submit]").tap()
        # signing issues the manifest (rendered in the server's process pool): allow time
        expect(page.locator("#status")).to_contain_text("Signed", timeout=30000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 768

        pdf = page.request.get(f"{handover_url}/manifest.pdf")
        assert pdf.status == 200
        reader = pypdf.PdfReader(io.BytesIO(pdf.body()))
        text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
        assert "HADDAD, Sara" in text and "UMNR" in text
        assert "Miriam Haddad" in text and "miriam HADDAD" not in text
        assert "passport NX1234567" in text
        assert f"127.0.0.1:{live.server.port}/verify/" in text
        drawn = b"".join(p.get_contents().get_data() for p in reader.pages)  # type: ignore[union-attr]
        assert drawn.count(b" l") > 20  # the strokes of both signatures are in the page
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()
