"""A feed that fails: HTTP 500, malformed and non-JSON pages, no answer in time.  Each is
logged, recorded in FeedStatus and retried with a capped doubling backoff; nothing of a
failed poll is applied, even when its first pages were fine; a good poll resets it all.
Real HTTP to the replay server; time by a ManualClock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from movements.domain.clock import ManualClock
from movements.domain.models import FeedStatus, Movement
from movements.domain.uow import UnitOfWork
from movements.feed.client import FeedClient, FeedPoller, feed_status_view
from movements.feed.replay import Fault, ReplayFeedServer, recorded_day
from tests.factories import World, world

DAY = date(2026, 9, 15)
DEMO: dict[str, Any] = {
    "airports": [{"iata": "AMS", "timezone": "Europe/Amsterdam"}],
    "movements": [
        {"airport": "AMS", "kind": "departure", "carrier": "KL", "flight_number": "1234",
         "time": "12:00", "origin": "AMS", "destination": "TIA", "gate": "D7", "pier": "D",
         "terminal": "2"},
        {"airport": "AMS", "kind": "arrival", "carrier": "TK", "flight_number": "1957",
         "time": "14:00", "origin": "IST", "destination": "AMS"},
    ],
}
SCRIPT: dict[str, Any] = {
    "version": 1, "airport": "AMS", "codeshares": {"KL1234": ["AZ7012"]},
    "other_traffic": [
        {"flight": "KL1001", "direction": "D", "time": "06:00", "route": ["LHR"]},
        {"flight": "HV6001", "direction": "D", "time": "07:00", "route": ["AGP"]},
        {"flight": "KL1575", "direction": "A", "time": "18:00", "route": ["BCN"]},
    ],
    "changes": [{"flight": "KL1234", "at": -150, "gate": "D9"}],
}


@pytest.fixture
async def feed(uow: UnitOfWork, clock: ManualClock
               ) -> AsyncIterator[tuple[World, ReplayFeedServer, FeedPoller]]:
    w = await world(uow)  # KL1234 12:00 local (10:00 UTC), TK1957 14:00 local
    clock.set(datetime(2026, 9, 15, 8, 0, tzinfo=UTC))  # gate changed at 09:30 local
    server = ReplayFeedServer(recorded_day(DAY, script=SCRIPT, demo_day=DEMO), clock,
                              page_size=2).start()
    client = FeedClient(server.url, "replay", "replay-key", timeout=0.3)
    poller = FeedPoller(client=client, uow=uow, clock=clock, airport="AMS", poll_seconds=60,
                        max_backoff_seconds=30)
    try:
        yield w, server, poller
    finally:
        server.release.set()
        await poller.close()
        server.stop()


async def gate(uow: UnitOfWork, movement_id: int) -> str | None:
    return await uow.read(lambda s: s.get(Movement, movement_id).gate)  # type: ignore[union-attr]


async def status(uow: UnitOfWork) -> FeedStatus:
    return await uow.read(lambda s: s.scalar(select(FeedStatus)))  # type: ignore[no-any-return]


async def test_failures_back_off_and_apply_nothing(
        uow: UnitOfWork, clock: ManualClock, caplog: pytest.LogCaptureFixture,
        feed: tuple[World, ReplayFeedServer, FeedPoller]) -> None:
    w, server, poller = feed
    # KL1234 (with its codeshare) is on page 1; page 2 fails: nothing may be applied.
    assert [r["flightName"] for r in server.flights(DAY, clock.now())][2:4] == [
        "KL1234", "AZ7012"]
    faults = [(Fault("status", 500, page=2), "HTTP 500", 5),
              (Fault("malformed", page=0), "flightName 42", 10),
              (Fault("garbage", page=1), "not JSON", 20),
              (Fault("hang", page=0), "no answer in time", 30),  # capped at 30
              (Fault("status", 503), "HTTP 503", 30)]
    caplog.set_level(logging.WARNING, logger="movements.feed.client")
    for n, (fault, text, wait) in enumerate(faults, start=1):
        server.inject(fault)
        assert poller.due()
        assert await poller.poll() is None
        assert await gate(uow, w.departure_id) == "D7"  # nothing half-applied
        row = await status(uow)
        assert row.failures == n and text in (row.last_error or "")
        assert row.last_success_at is None and row.last_attempt_at == clock.now()
        assert poller.next_attempt_at == clock.now() + timedelta(seconds=wait)
        assert not poller.due()
        assert f"poll failed ({n} in a row), retrying in {wait} s" in caplog.text
        clock.advance(seconds=wait)
    view = await uow.read(feed_status_view, "AMS", clock.now(), 60, True)
    assert view.stale and view.stale_since is None and view.failures == 5
    # The feed is back: everything applies, the counters reset, the next poll is in 60 s.
    result = await poller.poll()
    assert result is not None and result.changed == 1 and result.codeshares_merged == 1
    assert await gate(uow, w.departure_id) == "D9"
    row = await status(uow)
    assert (row.failures, row.last_error, row.last_success_at) == (0, None, clock.now())
    assert poller.next_attempt_at == clock.now() + timedelta(seconds=60)
    good = clock.now()
    # Three minutes without a good poll: stale, and since when.
    clock.advance(minutes=2, seconds=59)
    assert not (await uow.read(feed_status_view, "AMS", clock.now(), 60, True)).stale
    server.inject(Fault("status", 500))
    clock.advance(seconds=2)
    await poller.poll()
    view = await uow.read(feed_status_view, "AMS", clock.now(), 60, True)
    assert view.stale and view.stale_since == good and view.failures == 1


async def test_wrong_credentials_are_an_error_not_an_empty_day(
        uow: UnitOfWork, clock: ManualClock,
        feed: tuple[World, ReplayFeedServer, FeedPoller]) -> None:
    _, server, poller = feed
    wrong = FeedPoller(client=FeedClient(server.url, "replay", "nope"), uow=uow, clock=clock,
                       airport="AMS", poll_seconds=60)
    try:
        assert await wrong.poll() is None
    finally:
        await wrong.close()
    assert "HTTP 401" in ((await status(uow)).last_error or "")
    assert server.requests[-1].status == 401
