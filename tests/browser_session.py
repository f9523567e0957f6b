"""One Playwright and one Chromium per test process, shared by tests/browser and
tests/journeys (each directory's conftest has its own session fixtures; two
sync_playwright() in one process fail).  Stopped once, at the end of the session."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

_state: dict[str, Any] = {}


def shared_browser(request: pytest.FixtureRequest, executable: str, args: list[str]
                   ) -> tuple[Playwright, Browser]:
    """The process's Playwright and browser, started on first use."""
    if "browser" not in _state:
        manager = sync_playwright()
        playwright = manager.start()
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=args)
        _state.update(manager=manager, playwright=playwright, browser=browser)

        def stop() -> None:
            _state.pop("browser").close()
            _state.pop("manager").__exit__(None, None, None)
            _state.clear()

        request.session.config.add_cleanup(stop)
    return _state["playwright"], _state["browser"]
