"""The reports page in Chromium at desktop and tablet sizes: charts drawn, nothing
scrolls sideways, no console error (so nothing broke the strict CSP)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from movements.demo.load_year import load_year
from movements.domain.actions import setup
from movements.domain.models import Role
from movements.domain.uow import NullPublisher, Tx
from movements.platform.db import Database
from tests.browser.conftest import ARTIFACTS
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import LiveServer, start_server
from tests.web.conftest import _HASH, PASSWORD

pytestmark = pytest.mark.browser
SEPTEMBER = "start=2016-09-01&end=2016-09-30"
YEAR = "start=2016-01-01&end=2016-12-31"


def _users(tx: Tx) -> None:
    for name, role in (("coord", Role.COORDINATOR), ("manager", Role.MANAGER)):
        setup.add_user(tx, name, name.title(), role, _HASH, airports=["AMS"])


@pytest.fixture
def reports_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    db = tmp_path / "reports.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"

    async def prepare() -> None:
        database = Database.open(url)
        uow = database.unit_of_work(NullPublisher())
        await load_year(uow, 2016, months={9})
        await uow.run(_users, SYSTEM)
        await database.dispose()

    run_async(prepare())
    server = start_server(url, tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)], ids=["1024x768", "768x1024"])
@pytest.mark.parametrize("username", ["coord", "manager"])
def test_charts_show_and_nothing_scrolls_sideways(browser: Browser,
                                                  reports_server: LiveServer,
                                                  size: tuple[int, int], username: str) -> None:
    base = reports_server.base
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/board**" if username == "coord" else "**/reports**")
        for query in (SEPTEMBER, YEAR):
            page.goto(f"{base}/reports?{query}")
            charts = page.locator("img.rp-chart")
            assert charts.count() >= 6
            for i in range(charts.count()):
                chart = charts.nth(i)
                chart.scroll_into_view_if_needed()
                expect(chart).to_be_visible()
                # Loaded and drawn: an SVG that failed (404, CSP, bad XML) has no size.
                page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                       arg=chart.element_handle(), timeout=10_000)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{query}: the page scrolls sideways by {overflow}px"
            expect(page.locator("#fact-transit")).to_have_text("1,393")
        page.screenshot(path=str(ARTIFACTS / f"reports-{username}-{width}x{height}.png"),
                        full_page=False)
        assert errors == []
    finally:
        context.close()
