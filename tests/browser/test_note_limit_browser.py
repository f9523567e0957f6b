"""A paste longer than a field's limit is never cut in silence (newcomer finding): the
whole paste stays in the field, a count says how far over the limit it is, and saving it
is refused with the limit named; nothing is written."""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Live, signed_in

pytestmark = pytest.mark.browser


def _notes(db_path: str, movement_id: int) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM note WHERE movement_id = ?",
                                (movement_id,)).fetchone()[0])


def test_a_long_paste_into_a_note_is_kept_counted_and_refused(browser: Browser,
                                                               live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    db_path = live.server.env["MOVEMENTS_DATABASE_URL"].split("///", 1)[1]
    before = _notes(db_path, mid)
    ctx, page = signed_in(browser, base, "gate")
    try:
        page.goto(f"{base}/movements/{mid}")
        page.wait_for_function("document.getElementById('stale-banner').hidden === true")
        field = page.locator(f"#notes-{mid} textarea[name=text]")
        field.focus()
        pasted = "Wheelchair requested at the gate, see attached. " * 100  # 4,900 chars
        page.keyboard.insert_text(pasted)  # as a paste: one insertion, subject to maxlength
        assert len(field.input_value()) == len(pasted)
        expect(page.locator(f"#notes-{mid} .char-count")).to_contain_text(
            f"{len(pasted)} characters: {len(pasted) - 2000} more than the 2000 allowed")
        page.locator(f"#notes-{mid} button[type=submit]").click()
        expect(page.locator(f"#note-message-{mid}")).to_contain_text(
            "longer than 2000 characters")
        field = page.locator(f"#notes-{mid} textarea[name=text]")
        assert field.input_value() == pasted  # kept to shorten, not cut
        expect(page.locator(f"#notes-{mid} .char-count")).to_contain_text("more than the 2000")
        assert _notes(db_path, mid) == before
    finally:
        ctx.close()


def test_the_character_count_reads_in_the_readers_language(browser: Browser,
                                                           live: Live) -> None:
    """The counter's words come from the page (base.html, through the catalogue), so a
    Dutch reader counts in Dutch, under the limit and over it."""
    base = live.server.base
    mid = live.world.departure_id
    db_path = live.server.env["MOVEMENTS_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE app_user SET locale = 'nl' WHERE username = 'gate'")
    ctx, page = signed_in(browser, base, "gate")
    try:
        page.goto(f"{base}/movements/{mid}")
        page.wait_for_function("document.getElementById('stale-banner').hidden === true")
        field = page.locator(f"#notes-{mid} textarea[name=text]")
        field.focus()
        page.keyboard.insert_text("x" * 1950)
        count = page.locator(f"#notes-{mid} .char-count")
        expect(count).to_have_text("1950 van 2000 tekens")
        page.keyboard.insert_text("y" * 100)
        expect(count).to_have_text(
            "2050 tekens: 50 meer dan de 2000 toegestane. Maak het korter om op te slaan.")
        assert "characters" not in count.inner_text()
    finally:
        ctx.close()
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE app_user SET locale = 'en' WHERE username = 'gate'")
