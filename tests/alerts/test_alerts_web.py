"""The alert list page, its acknowledge button and live push, and the board's feed
status, through the real app."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from litestar.testing import TestClient

from movements.domain.actions import alerts
from movements.domain.uow import Actor
from movements.feed.client import (
    FEED_ACTOR,
    FeedFlight,
    Quarantined,
    apply_feed,
    record_feed_failure,
    record_feed_wait,
)
from tests.factories import SYSTEM
from tests.web.conftest import BASE, Site, login, site  # noqa: F401 - the fixture

DAY = date(2026, 9, 15)


def call(on: Site, client: TestClient, fn: object, actor: Actor, *args: object) -> object:  # type: ignore[type-arg]
    return client.blocking_portal.call(on.app.state.services.uow.run, fn, actor, *args)  # type: ignore[arg-type]


def test_alert_list_acknowledge_and_live_push(site: Site) -> None:  # noqa: F811
    with TestClient(site.app, base_url=BASE) as client:
        site.clock.set(datetime(2026, 9, 15, 8, 0, tzinfo=UTC))  # KL1234 leaves 10:00 UTC
        run = call(site, client, alerts.evaluate_alerts, SYSTEM, "AMS")
        assert run.raised == 5  # type: ignore[attr-defined]  # 3 not met, 2 escorts missing
        login(client, "gate")
        assert client.get("/alerts").status_code == 403
        board = client.get(f"/board?date={DAY}").text
        row = board[board.index(f'id="mv-{site.world.departure_id}"'):]
        assert "5 alerts" in row[:row.index("</div>\n")]
        client.post("/logout", data={"_csrf": login(client, "gate")})

    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        page = client.get("/alerts").text
        assert page.count('class="row alert') == 5 and "Escort not assigned" in page
        assert 'data-ws="/alerts/ws?airport=AMS"' in page and "Acknowledge" in page
        alert_id = int(re.findall(r'id="alert-(\d+)"', page)[0])
        with client.websocket_connect("/alerts/ws") as ws:
            ws.send_text('{"hello": {"stream": "alerts:AMS", "after": 0}}')
            first = _next_snapshot(ws)
            assert first.startswith("<!--sync stream=alerts:AMS from=0 seq=0 kind=snapshot-->")
            assert '<section id="alert-list" aria-label="Alerts" hx-swap-oob="true">' in first
            site.clock.advance(minutes=2)
            resp = client.post(f"/alerts/{alert_id}/ack",
                               headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
            assert resp.status_code == 200
            assert resp.text.startswith(f'<div role="row" id="alert-{alert_id}"')
            assert "✓ Coord 10:02" in resp.text  # who, and when in Amsterdam time
            pushed = _next_snapshot(ws)
            assert "✓ Coord 10:02" in pushed
        # Without htmx, the form posts and comes back to the list.
        again = client.post(f"/alerts/{alert_id}/ack", data={"_csrf": csrf},
                            follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == "/alerts"
        assert client.post(f"/alerts/{alert_id}/ack").status_code == 403  # no CSRF token


def test_the_live_alert_list_follows_the_airport_on_screen(site: Site) -> None:  # noqa: F811
    """A coordinator of AMS and BRU looking at BRU's alerts gets BRU's live list, not the
    deployment's default airport's."""
    from movements.domain.actions import movements as mv
    from movements.domain.actions import setup
    from movements.domain.models import MovementKind, Role
    from movements.domain.uow import Tx
    from tests.web.conftest import _HASH

    def second_airport(tx: Tx) -> None:
        setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
        setup.add_user(tx, "multi", "Multi", Role.COORDINATOR, _HASH, airports=["AMS", "BRU"])
        mv.create_movement(tx, mv.NewMovement(
            airport="BRU", kind=MovementKind.DEPARTURE, carrier="SN", flight_number="2901",
            operational_date=DAY, origin="BRU", destination="EBB",
            scheduled_at=datetime(2026, 9, 15, 9, tzinfo=UTC)))

    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run, second_airport, SYSTEM)
        login(client, "multi")
        page = client.get("/alerts?airport=BRU").text
        url = re.findall(r'data-ws="([^"]+)"', page)[0]
        assert url == "/alerts/ws?airport=BRU"
        with client.websocket_connect(url) as ws:
            ws.send_text('{"hello": {"stream": "alerts:BRU", "after": 0}}')
            assert _next_snapshot(ws).startswith("<!--sync stream=alerts:BRU ")


def _next_snapshot(ws: object) -> str:
    for _ in range(50):
        text = ws.receive_text()  # type: ignore[attr-defined]
        if "kind=snapshot" in text:
            return str(text)
    raise AssertionError("no snapshot pushed")


def test_board_says_when_the_feed_went_stale(site: Site) -> None:  # noqa: F811
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        assert client.get("/feed/status").text.strip().endswith("></div>")  # no feed yet
        board = client.get(f"/board?date={DAY}").text
        assert 'id="feed-status"' in board and 'hx-get="/feed/status"' in board
        call(site, client, apply_feed, FEED_ACTOR, "AMS", [DAY], [])  # a good poll, 07:00
        fresh = client.get("/feed/status").text
        assert "Flight feed live · updated 09:00" in fresh and "STALE" not in fresh
        assert 'hx-trigger="every 20s"' in fresh  # the swapped-in copy does not loop
        site.clock.advance(minutes=10)
        call(site, client, record_feed_failure, FEED_ACTOR, "AMS", "2026-09-15 page 0: HTTP 500")
        stale = client.get("/feed/status").text
        assert "Flight feed STALE since 15 Sep 09:00" in stale
        assert "1 failed attempt, last 09:10 (2026-09-15 page 0: HTTP 500)" in stale
        site.clock.advance(minutes=1)
        call(site, client, apply_feed, FEED_ACTOR, "AMS", [DAY], [])
        assert "STALE" not in client.get("/feed/status").text


def test_feed_status_shows_the_wait_and_the_quarantine_and_the_board_every_state(
        site: Site) -> None:  # noqa: F811
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        site.clock.set(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
        kl1234 = FeedFlight(flight_name="KL1234", main_flight="KL1234", direction="D",
                            schedule_date=DAY,
                            scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
                            states=("DEL", "GCH"), gate="D9")
        bad = [Quarantined("2026-09-15 page 0 flight 3",
                           "2026-09-15 page 0 flight 3: flightName 'K?' is not a flight")]
        call(site, client, apply_feed, FEED_ACTOR, "AMS", [DAY], [kl1234], bad)
        shown = client.get("/feed/status").text
        assert "1 feed record set aside (could not be read)" in shown
        assert "flightName &#39;K?&#39; is not a flight" in shown
        row = client.get(f"/board?date={DAY}").text
        row = row[row.index('id="mv-'):]
        row = row[:row.index("</div>")]
        assert '<span class="st">Gate change</span>' in row
        assert '<span class="st st-also">Delayed</span>' in row
        call(site, client, record_feed_failure, FEED_ACTOR, "AMS",
             "2026-09-15 page 1: HTTP 429, Retry-After 120 s")
        call(site, client, record_feed_wait, FEED_ACTOR, "AMS",
             datetime(2026, 9, 15, 7, 2, tzinfo=UTC))
        status = client.get("/feed/status").text
        assert "asked us to wait: next attempt 09:02" in status
        # Where the poll stopped, so where it resumes (issue 19.3).
        assert ("It stopped at 2026-09-15 page 1: HTTP 429, Retry-After 120 s; the next "
                "attempt goes on from that page.") in status
        site.clock.advance(minutes=3)  # the wait is over: no longer shown
        assert "asked us to wait" not in client.get("/feed/status").text


def test_the_alert_socket_follows_the_pages_airport(site: Site) -> None:  # noqa: F811
    """A coordinator of AMS and BRU viewing BRU's alerts gets BRU's list pushed, not the
    default airport's (the page's socket address names the airport it shows)."""
    from movements.domain.actions import setup
    from movements.domain.models import Role
    from movements.domain.uow import Tx
    from tests.web.conftest import _HASH

    def second_airport(tx: Tx) -> None:
        setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
        setup.add_user(tx, "multi", "Multi", Role.COORDINATOR, _HASH, airports=["AMS", "BRU"])

    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run, second_airport, SYSTEM)
        login(client, "multi")
        page = client.get("/alerts?airport=BRU").text
        ws_url = re.search(r'id="live" data-ws="([^"]+)"', page)
        stream = re.search(r'data-stream="([^"]+)"', page)
        assert ws_url and stream and stream.group(1) == "alerts:BRU"
        with client.websocket_connect(ws_url.group(1).replace("&amp;", "&")) as ws:
            ws.send_text('{"hello": {"stream": "alerts:BRU", "after": 0}}')
            first = _next_snapshot(ws)
            assert first.startswith("<!--sync stream=alerts:BRU ")
