"""Real Chromium (Debian's) driven by Playwright against a real uvicorn server.

They run in the same pytest run as the other tests (scripts/test.sh); Playwright's sync
API and the asyncio tests take turns in a process (tests/browser_session.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from movements.domain.clock import local_date
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.browser_session import shared_browser
from tests.conftest import run_async
from tests.factories import SYSTEM, World
from tests.live import LiveServer, start_server
from tests.web.conftest import PASSWORD, seed

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
                 if Path(p).exists()), "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--disable-dev-shm-usage"]


@dataclass
class Live:
    server: LiveServer
    world: World
    bookings: list[int]
    day: str


# Module scope: the shared browser is stopped before any test that is not a browser test
# and started again by the next browser module (see tests/browser_session.py).
@pytest.fixture(scope="module")
def playwright(request: pytest.FixtureRequest) -> Playwright:
    return shared_browser(request, CHROMIUM, ARGS)[0]


@pytest.fixture(scope="module")
def browser(request: pytest.FixtureRequest) -> Browser:
    # One per process at a time, shared with tests/journeys (tests/browser_session.py).
    return shared_browser(request, CHROMIUM, ARGS)[1]


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path) -> Iterator[Live]:
    db = tmp_path / "browser.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    async def prepare():  # type: ignore[no-untyped-def]
        database = Database.open(url)
        result = await database.unit_of_work(NullPublisher()).run(seed, SYSTEM, today)
        await database.dispose()
        return result

    world, _, bookings = run_async(prepare())
    server = start_server(url, tmp_path)
    try:
        yield Live(server, world, bookings, today.isoformat())
    finally:
        server.stop()


def signed_in(browser: Browser, base: str, username: str,
              viewport: dict[str, int] | None = None) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport or {"width": 768, "height": 1024},
                                  has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors  # type: ignore[attr-defined]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/board**")
    return context, page


def draw_signature(page: Page, canvas_selector: str) -> None:
    """Sign on a pad as a finger would: a few strokes across the canvas (pointer events)."""
    page.locator(canvas_selector).scroll_into_view_if_needed()
    box = page.locator(canvas_selector).bounding_box()
    assert box is not None, canvas_selector
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (((0.1, 0.6), (0.2, 0.3), (0.3, 0.7), (0.4, 0.35)),
                   ((0.5, 0.5), (0.65, 0.45), (0.8, 0.55))):
        page.mouse.move(x0 + stroke[0][0] * w, y0 + stroke[0][1] * h)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x0 + fx * w, y0 + fy * h, steps=4)
        page.mouse.up()
