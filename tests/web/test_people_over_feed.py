"""The movement page shows who set a field and what the feed says (issue 13.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from litestar.testing import TestClient

from movements.feed.client import FeedFlight, apply_feed
from tests.factories import SYSTEM
from tests.web.conftest import BASE, Site, login

FEED = FeedFlight(flight_name="KL1234", main_flight="KL1234", direction="D",
                  schedule_date=date(2026, 9, 15),
                  scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC), gate="G5")


def test_the_page_says_who_set_the_gate_and_what_the_feed_says(site: Site) -> None:
    mid = site.world.departure_id
    uow = site.app.state.services.uow
    with TestClient(site.app, base_url=BASE) as coord:
        csrf = login(coord, "coord")
        coord.blocking_portal.call(uow.run, apply_feed, SYSTEM, "AMS", [FEED.schedule_date],
                                   [FEED])
        ok = coord.post(f"/movements/{mid}/flight", headers={"X-CSRF-Token": csrf},
                        data={"gate": "G7", "terminal": ""})
        assert ok.status_code == 200 and "Saved" in ok.text
        coord.blocking_portal.call(uow.run, apply_feed, SYSTEM, "AMS", [FEED.schedule_date],
                                   [FEED])
        page = coord.get(f"/movements/{mid}").text
        assert "<b>G7</b>" in page
        assert 'data-held="gate">set by Coord' in page and "feed says G5" in page
