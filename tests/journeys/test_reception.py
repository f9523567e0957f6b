"""Reception checks a printed handover manifest: types the document id printed under the
QR code on /verify, sees who received how many passengers (initials and birth years to
compare with the paper), and checks the file it was sent."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from playwright.sync_api import Browser, expect

from tests.factories import add_pax, on_blocks_and_met
from tests.journeys.conftest import LANDSCAPE, Live, db_run
from tests.live import sign_in
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
STROKES = "[[[100,200],[180,120],[260,220],[340,100]],[[400,150],[520,160],[640,140]]]"


def _signed_manifest(live: Live) -> bytes:
    mid = live.world.arrival_id
    pids = [db_run(live, add_pax, mid, "CASE-R1", "Tesfaye", given,
                   birth_date=born)[0]
            for given, born in (("Hana", date(1990, 4, 2)), ("Abel", date(2016, 1, 9)))]
    db_run(live, on_blocks_and_met, mid)
    client, csrf = sign_in(live.server.base, "gate", PASSWORD)
    try:
        h = {"X-CSRF-Token": csrf}
        made = client.post(f"/movements/{mid}/handovers", headers=h, data={
            "passenger": [str(p) for p in pids],
            "organisation_id": str(live.world.reception_org_id),
            "receiving_person": "Anouk Bakker"})
        assert made.status_code == 303, made.text
        url = made.headers["location"]
        signed = client.post(f"{url}/sign", headers=h, timeout=60, data={
            "handing_signature": "Gate", "receiving_signature": "Anouk Bakker",
            "handing_strokes": STROKES, "receiving_strokes": STROKES})
        assert signed.status_code == 303, signed.text
        pdf = client.get(f"{url}/manifest.pdf", timeout=60)
        assert pdf.status_code == 200
        return pdf.content
    finally:
        client.close()


def test_reception_verifies_a_printed_copy_by_its_id(browser: Browser, live: Live,
                                                     tmp_path: object) -> None:
    content = _signed_manifest(live)
    printed = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)
    document_id = re.search(r"/verify/([0-9a-f-]{36})", printed).group(1)  # type: ignore[union-attr]
    ctx = browser.new_context(viewport=LANDSCAPE, has_touch=True)
    page = ctx.new_page()
    try:
        page.goto(f"{live.server.base}/verify")
        page.locator("input[name=id]").fill(document_id)
        page.locator("#verify-ask button[type=submit]").tap()
        page.wait_for_url(f"**/verify/{document_id}")
        expect(page.locator("#current")).to_contain_text("This is the current version")
        expect(page.locator("#receiving-party")).to_have_text(
            "Reception Agency Ter Apel (test)")
        expect(page.locator("#passenger-count")).to_have_text("2")
        paper = page.locator("#paper-check")
        expect(paper).to_contain_text("HT · born 1990")
        expect(paper).to_contain_text("AT · born 2016")
        expect(page.locator("main")).not_to_contain_text("Tesfaye")
        # the copy they were e-mailed is the one issued
        path = f"{tmp_path}/manifest.pdf"
        with open(path, "wb") as f:
            f.write(content)
        page.locator("input[type=file]").set_input_files(path)
        page.locator("form[enctype] button[type=submit]").tap()
        expect(page.locator("#result")).to_contain_text("✓ Matches")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    finally:
        ctx.close()
