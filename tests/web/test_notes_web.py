"""Notes (issue 13.7): a blank or too long note is refused in place (the notes section
with the message and the typed text, never raw JSON); a note says who wrote it; a long
unbroken note wraps (CSS) instead of widening the page."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


def test_notes_are_validated_in_place_and_name_their_author(site: Site) -> None:
    mid = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as gate:
        csrf = login(gate, "gate")
        h = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        blank = gate.post(f"/movements/{mid}/notes", headers=h, data={"text": "   "})
        assert blank.status_code == 422
        assert blank.headers["content-type"].startswith("text/html")
        assert blank.text.startswith(f'<section id="notes-{mid}"')
        assert "note is required" in blank.text and 'role="alert"' in blank.text
        too_long = "x" * 2001
        long = gate.post(f"/movements/{mid}/notes", headers=h, data={"text": too_long})
        assert long.status_code == 422 and "longer than 2000 characters" in long.text
        assert too_long in long.text  # what was typed is kept to shorten
        ok = gate.post(f"/movements/{mid}/notes", headers=h,
                       data={"text": "W" * 300 + " wheelchair at gate D7"})
        assert ok.status_code == 200 and "· Gate</small>" in ok.text
        assert 'class="note-text"' in ok.text and "up to 2000 characters" in ok.text
    css = Path(__file__).resolve().parents[2] / "movements" / "web" / "static" / "app.css"
    assert "overflow-wrap: anywhere" in css.read_text()
