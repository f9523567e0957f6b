"""One Playwright and one Chromium per test process at a time, shared by tests/browser and
tests/journeys (each directory's conftest has its own fixtures; two sync_playwright() in
one process fail).

The browser tests run in the same pytest run as everything else (scripts/test.sh), on
whichever xdist worker their file lands.  Playwright's sync API keeps an event loop
marked as running in the test thread while it is started, and the asyncio tests cannot
run beside it ("Runner.run() cannot be called from a running event loop"); so before a
test that is not a browser test, tests/conftest.py calls :func:`stop_shared_browser`,
and the next browser module starts a new one.  Whole files run on one worker, and the
browser files are scheduled one after another, so that happens a few times per worker.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

_state: dict[str, Any] = {}


def shared_browser(request: pytest.FixtureRequest, executable: str, args: list[str]
                   ) -> tuple[Playwright, Browser]:
    """The process's Playwright and browser, started on first use (or first use after
    :func:`stop_shared_browser`); stopped at the end of the session at the latest."""
    if "browser" not in _state:
        manager = sync_playwright()
        playwright = manager.start()
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                                 args=args)
        except BaseException:
            manager.__exit__(None, None, None)
            raise
        _state.update(manager=manager, playwright=playwright, browser=browser)
        if not _state.get("cleanup"):
            _state["cleanup"] = True
            request.session.config.add_cleanup(stop_shared_browser)
    return _state["playwright"], _state["browser"]


def browser_running() -> bool:
    return "browser" in _state


def stop_shared_browser() -> None:
    """Close the browser and stop Playwright (its event loop with it), if started."""
    if "browser" not in _state:
        return
    browser = _state.pop("browser")
    manager = _state.pop("manager")
    _state.pop("playwright", None)
    try:
        browser.close()
    finally:
        manager.__exit__(None, None, None)
