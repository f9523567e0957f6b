"""A feed that fails: HTTP 500/503/429, non-JSON pages, no answer in time.  Each is
logged, recorded in FeedStatus and retried with a capped doubling backoff (plus the
provider's Retry-After, shown on the status); the next poll resumes from the page that
failed; nothing of a failed poll is applied, even when its first pages were fine; a good
poll resets it all.  One record that cannot be read is quarantined, the rest applies.
Real HTTP to the replay server; time by a ManualClock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
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
              (Fault("garbage"), "not JSON", 10),
              (Fault("hang"), "no answer in time", 20),
              (Fault("status", 503), "HTTP 503", 30),  # capped at 30
              (Fault("status", 429), "HTTP 429", 30)]
    caplog.set_level(logging.WARNING, logger="movements.feed.client")
    for n, (fault, text, wait) in enumerate(faults, start=1):
        server.inject(fault)
        assert poller.due()
        asked = len(server.requests)
        assert await poller.poll() is None
        # Pages 0 and 1 were read by the first poll: every later one resumes at page 2.
        pages = [r.query.get("page") for r in server.requests[asked:]]
        if fault.kind != "hang":  # a hung request is logged when the server lets it go
            assert pages[0] == ("0" if n == 1 else "2"), pages
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
    asked = len(server.requests)
    result = await poller.poll()
    assert result is not None and result.changed == 1 and result.codeshares_merged == 1
    assert [r.query.get("page") for r in server.requests[asked:]] == ["2"]
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


async def test_retry_after_is_waited_on_top_of_the_backoff_and_shown(
        uow: UnitOfWork, clock: ManualClock,
        feed: tuple[World, ReplayFeedServer, FeedPoller]) -> None:
    w, server, poller = feed
    server.inject(Fault("status", 429, page=1, retry_after="120"))
    assert await poller.poll() is None
    started = clock.now()
    assert poller.next_attempt_at == started + timedelta(seconds=5 + 120)
    row = await status(uow)
    assert "HTTP 429, Retry-After 120 s" in (row.last_error or "")
    view = await uow.read(feed_status_view, "AMS", clock.now(), 60, True)
    assert view.wait_until == started + timedelta(seconds=125)
    clock.advance(seconds=124)
    assert not poller.due()  # the backoff alone (5 s) would have retried long ago
    clock.advance(seconds=1)
    # A 503 whose Retry-After is an HTTP date: 60 s from now, plus the second backoff.
    when = format_datetime(clock.now() + timedelta(seconds=60), usegmt=True)
    server.inject(Fault("status", 503, retry_after=when))
    asked = len(server.requests)
    assert await poller.poll() is None
    assert [r.query.get("page") for r in server.requests[asked:]] == ["1"]  # resumed
    assert poller.next_attempt_at == clock.now() + timedelta(seconds=10 + 60)
    clock.advance(seconds=70)
    asked = len(server.requests)
    assert await poller.poll() is not None
    assert [r.query.get("page") for r in server.requests[asked:]] == ["1", "2"]
    assert await gate(uow, w.departure_id) == "D9"
    row = await status(uow)
    assert (row.wait_until, row.failures) == (None, 0)
    view = await uow.read(feed_status_view, "AMS", clock.now(), 60, True)
    assert view.wait_until is None


async def test_a_bad_record_is_quarantined_and_the_rest_applies(
        uow: UnitOfWork, clock: ManualClock,
        feed: tuple[World, ReplayFeedServer, FeedPoller]) -> None:
    w, server, poller = feed
    # Page 1 holds KL1234 and its codeshare; page 0's first record is broken.
    server.inject(Fault("bad_record", page=0))
    result = await poller.poll()
    assert result is not None and result.quarantined == 1
    assert await gate(uow, w.departure_id) == "D9"  # the other records applied
    row = await status(uow)
    assert row.failures == 0 and row.last_error is None
    assert row.quarantined is not None and len(row.quarantined) == 1
    assert row.quarantined[0]["where"] == "2026-09-15 page 0 flight 0"
    assert "flightName 'K?' is not a flight" in row.quarantined[0]["reason"]
    view = await uow.read(feed_status_view, "AMS", clock.now(), 60, True)
    assert not view.stale and len(view.quarantined) == 1
    # The next good poll has nothing to set aside: the quarantine clears.
    clock.advance(seconds=60)
    assert (await poller.poll()) is not None
    assert (await status(uow)).quarantined is None
