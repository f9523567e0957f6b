"""Journeys (issue 13.8): one Playwright test per person's job, at tablet size, asserting
what the person sees, against a real uvicorn server and Debian's Chromium.  They run in
the run of scripts/test.sh with everything else (``-m browser`` selects them alone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.browser.conftest import (  # noqa: F401  (fixtures shared with tests/browser)
    Live,
    browser,
    live,
    playwright,
)

# browser/playwright above are thin: both directories share one Chromium per process.
from tests.conftest import run_async
from tests.factories import SYSTEM

PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}


def db_run(live: Live, action: Callable[..., Any], *args: Any,  # noqa: F811
           **kwargs: Any) -> Any:
    """Run a domain action on the server's database from the test (as the system): the
    server's pages read it on their next load (no push: another process wrote it)."""
    url = live.server.env["MOVEMENTS_DATABASE_URL"]

    async def go() -> Any:
        database = Database.open(url)
        try:
            return await database.unit_of_work(NullPublisher()).run(action, SYSTEM, *args,
                                                                     **kwargs)
        finally:
            await database.dispose()

    return run_async(go())
