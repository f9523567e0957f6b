"""The flight feed runs at every airport of the deployment, each with its own feed
settings, and no airport's feed reaches another airport's movements.

Two real replay servers (real HTTP, each with its own credentials) serve the demo day:
one Amsterdam's flights, the other Brussels's.  Each also carries a decoy: a record named
like a movement of the OTHER airport, with a gate nobody uses, so a feed applied to the
wrong airport shows at once.  The job runner is the scheduler's, with the deployment's
default airport AMS and a ``MOVEMENTS_FEEDS`` entry for BRU; after its feed job and its
alert job, each airport's movements carry its own feed's data and alerts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.demo.day import load_demo_day
from movements.domain.clock import ManualClock
from movements.domain.models import Airport, Alert, FeedStatus, Movement
from movements.feed.replay import ReplayFeedServer, recorded_day
from movements.platform.config import AirportFeed, Settings
from movements.scheduler import JobRunner
from movements.services import Services
from tests.factories import SYSTEM

DAY = date(2026, 9, 15)
NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)

# Each feed moves one of its airport's gates, and carries a decoy of the other airport.
AMS_SCRIPT: dict[str, Any] = {
    "version": 1, "airport": "AMS",
    "changes": [{"flight": "TK1954", "at": -150, "gate": "D6"}],
    "other_traffic": [{"flight": "ET714", "direction": "A", "time": "12:10",
                       "route": ["ADD"], "gate": "Z1"}],
}
BRU_SCRIPT: dict[str, Any] = {
    "version": 1, "airport": "BRU",
    "changes": [{"flight": "SN2583", "at": -420, "gate": "B7"}],
    "other_traffic": [{"flight": "TK1954", "direction": "D", "time": "12:40",
                       "route": ["IST"], "gate": "Z2"}],
}


def _rows(session: Session) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(airport, flight) -> (gate, flight state) of every demo movement of the day."""
    rows = session.execute(
        select(Airport.iata, Movement.carrier, Movement.flight_number, Movement.gate,
               Movement.flight_state)
        .join(Airport, Airport.id == Movement.airport_id)
        .where(Movement.operational_date == DAY))
    return {(a, f"{c}{n}"): (g, s) for a, c, n, g, s in rows}


def _statuses(session: Session) -> dict[str, datetime | None]:
    rows = session.execute(select(Airport.iata, FeedStatus.last_success_at)
                           .join(Airport, Airport.id == FeedStatus.airport_id))
    return {code: when for code, when in rows}


def _alerts(session: Session) -> list[tuple[str, str, str]]:
    """(airport of the alert, airport of its movement, kind) of every open alert."""
    moved = select(Movement.id, Airport.iata.label("code")).join(
        Airport, Airport.id == Movement.airport_id).subquery()
    rows = session.execute(
        select(Airport.iata, moved.c.code, Alert.kind)
        .join(Airport, Airport.id == Alert.airport_id)
        .join(moved, moved.c.id == Alert.movement_id))
    return [(a, m, str(k)) for a, m, k in rows]


async def test_each_airport_polls_its_own_feed_and_none_crosses(
        database_url: str, tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    ams = ReplayFeedServer(recorded_day(DAY, script=AMS_SCRIPT), clock,
                           app_id="ams-app", app_key="ams-key").start()
    bru = ReplayFeedServer(recorded_day(DAY, script=BRU_SCRIPT), clock,
                           app_id="bru-app", app_key="bru-key", page_size=2).start()
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, airport="AMS",
        feed_url=ams.url, feed_app_id="ams-app", feed_app_key="ams-key",
        feeds={"BRU": AirportFeed(url=bru.url, app_id="bru-app", app_key="bru-key")})
    services = Services.build(settings, clock=clock)
    runner = JobRunner(services, holder="feeds")
    try:
        await services.uow.run(load_demo_day, SYSTEM, DAY, NOW)
        before = await services.uow.read(_rows)
        assert before[("AMS", "TK1954")][0] == "D5" and before[("BRU", "SN2583")][0] == "B5"

        assert await runner.renew_lease()
        results = await runner.poll_feed()
        assert results is not None and set(results) == {"AMS", "BRU"}
        assert all(r is not None for r in results.values()), runner.pollers["BRU"].errors
        # Each server was asked with its own credentials, for its own airport only.
        assert {r.headers["app_id"] for r in ams.requests} == {"ams-app"}
        assert {r.headers["app_id"] for r in bru.requests} == {"bru-app"}
        assert {r.status for r in ams.requests + bru.requests} == {200}

        after = await services.uow.read(_rows)
        # Each airport's gate change arrived, from its own feed.
        assert after[("AMS", "TK1954")][0] == "D6"
        assert after[("BRU", "SN2583")][0] == "B7"
        # The decoys reached nothing: ET714 is a BRU flight, TK1954 an AMS one.
        assert after[("BRU", "ET714")][0] == "B28"
        assert "Z1" not in {g for g, _ in after.values()}
        assert "Z2" not in {g for g, _ in after.values()}
        # Flight states came in at both airports (the day is under way at 10:30 UTC).
        assert after[("BRU", "SN3817")][1] == "DEP" and after[("AMS", "TK1952")][1] == "DEP"
        assert (await services.uow.read(_statuses)) == {"AMS": NOW, "BRU": NOW}

        # The alert job, after the feed: alerts at both airports, each on its own rows.
        runs = await runner.evaluate_alerts()
        assert runs is not None and set(runs) == {"AMS", "BRU"}
        alerts = await services.uow.read(_alerts)
        assert {a for a, _, _ in alerts} == {"AMS", "BRU"}
        assert [x for x in alerts if x[0] != x[1]] == []
        assert ("BRU", "BRU", "delay") in alerts
    finally:
        await runner.stop()
        await services.close()
        ams.stop()
        bru.stop()


def test_a_feed_url_that_does_not_name_its_airport_serves_only_the_default_one() -> None:
    one = Settings(airport="AMS", feed_url="https://api.example/public-flights/flights")
    assert one.feed_for("AMS") is not None and one.feed_for("ams") is not None
    assert one.feed_for("BRU") is None  # Schiphol's API polled for BRU would cross
    every = Settings(airport="AMS", feed_url="https://feed.example/{airport}/flights",
                     feed_poll_seconds=30,
                     feeds={"bru": AirportFeed(app_key="k-bru", poll_seconds=90),
                            "IST": AirportFeed(url="")})
    bru = every.feed_for("BRU")
    assert bru is not None and bru.url == "https://feed.example/BRU/flights"
    assert (bru.app_key, bru.poll_seconds) == ("k-bru", 90)
    ams = every.feed_for("AMS")
    assert ams is not None and (ams.url, ams.poll_seconds) == (
        "https://feed.example/AMS/flights", 30)
    assert every.feed_for("IST") is None  # turned off there


async def test_an_airport_added_later_gets_its_own_poller(
        database_url: str, tmp_path: Path) -> None:
    """With ``{airport}`` in the feed URL every airport is polled under its own code, and
    an airport set up while the console runs is picked up at the next run of the job."""
    from movements.domain.actions import setup

    clock = ManualClock(NOW)
    settings = Settings(data_dir=tmp_path, database_url=database_url, airport="AMS",
                        feed_url="http://127.0.0.1:9/{airport}/flights",  # nothing listens
                        feed_timeout_seconds=0.5)
    services = Services.build(settings, clock=clock)
    runner = JobRunner(services, holder="feeds")
    try:
        for code, zone in (("AMS", "Europe/Amsterdam"), ("BRU", "Europe/Brussels")):
            await services.uow.run(setup.ensure_airport, SYSTEM, code, code, zone)
        assert await runner.renew_lease()
        first = await runner.poll_feed()
        assert first == {"AMS": None, "BRU": None}  # both polled, both failed (no server)
        assert {c: p.client.url for c, p in runner.pollers.items()} == {
            "AMS": "http://127.0.0.1:9/AMS/flights", "BRU": "http://127.0.0.1:9/BRU/flights"}
        await services.uow.run(setup.ensure_airport, SYSTEM, "YYZ", "Toronto Pearson",
                               "America/Toronto")
        clock.advance(minutes=10)  # past every backoff
        assert await runner.renew_lease()
        again = await runner.poll_feed()
        assert again is not None and set(again) == {"AMS", "BRU", "YYZ"}
        assert runner.pollers["YYZ"].client.url == "http://127.0.0.1:9/YYZ/flights"
        failures = await services.uow.read(lambda s: dict(s.execute(
            select(Airport.iata, FeedStatus.failures)
            .join(Airport, Airport.id == FeedStatus.airport_id)).all()))
        assert failures == {"AMS": 2, "BRU": 2, "YYZ": 1}  # each airport's own record
    finally:
        await runner.stop()
        await services.close()
