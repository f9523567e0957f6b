"""Every "Charter" link on /plan/ opens (newcomer finding: the demo day's OR9371 linked to
a charter page that answered "Not found"): over HTTP, on the demo day the page walk
loads, for a coordinator and an admin, with one more movement flagged charter outside
charter planning (as the feed or the API can) that has no charter page to link to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from movements.app import create_app
from movements.demo.day import load_demo_day
from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.clock import ManualClock
from movements.domain.models import MovementKind, Role
from movements.domain.uow import Tx
from movements.platform.config import Settings
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, login

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
TODAY = date(2026, 9, 15)
CHARTER_LINK = re.compile(r'href="(/plan/charters/\d+)"')


def _seed(tx: Tx) -> None:
    load_demo_day(tx, TODAY, NOW)
    setup.add_user(tx, "walkcoord", "Walk Coordinator", Role.COORDINATOR, _HASH,
                   airports=["AMS", "BRU"])
    setup.add_user(tx, "walkadmin", "Walk Admin", Role.ADMIN, _HASH, airports=["AMS", "BRU"])
    mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9399",
        operational_date=TODAY, origin="AMS", destination="EBL",
        scheduled_at=datetime(2026, 9, 15, 14, 0, tzinfo=UTC), is_charter=True,
        stops=("EBL",)))


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Litestar]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, heartbeat_seconds=30.0, run_jobs=False)
    app = create_app(settings, clock=ManualClock(NOW))
    with TestClient(app, base_url=BASE) as client:
        client.blocking_portal.call(app.state.services.uow.run, _seed, SYSTEM)  # type: ignore[arg-type]
    yield app


@pytest.mark.parametrize("username", ["walkcoord", "walkadmin"])
def test_every_charter_link_on_the_plan_opens(app: Litestar, username: str) -> None:
    with TestClient(app, base_url=BASE) as client:
        login(client, username)
        links: set[str] = set()
        for airport in ("AMS", "BRU"):
            page = client.get("/plan/", params={"airport": airport, "date": str(TODAY)})
            assert page.status_code == 200, page.text[:300]
            links |= set(CHARTER_LINK.findall(page.text))
        assert links, "the demo day plans a charter (OR9371); /plan/ must link to it"
        for url in sorted(links):
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.text[:300])
            assert "OR9371" in resp.text or "OR9399" in resp.text
        assert not any("OR9399" in client.get(u).text for u in links), \
            "OR9399 is flagged charter without charter planning: it has no charter page"
