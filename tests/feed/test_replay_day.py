"""The flight feed over real HTTP: the recorded demo day served by the replay server,
fetched page by page by the real client, applied through update_flight, with the time
moved by a ManualClock (no sleeping)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from movements.demo.day import load_demo_day
from movements.domain.actions import alerts
from movements.domain.clock import ManualClock, local_to_utc
from movements.domain.events import MovementUpdated
from movements.domain.models import Alert, AuditEntry, Movement
from movements.domain.uow import UnitOfWork
from movements.feed.client import FeedClient, FeedPoller
from movements.feed.replay import (
    ReplayFeedServer,
    read_script,
    recorded_day,
    scenario_anchor,
    seed_rules,
    seed_scenario,
)
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM

DAY = date(2026, 9, 15)
TZ = "Europe/Amsterdam"


def local(hhmm: str, day: date = DAY) -> datetime:
    return local_to_utc(day, hhmm, TZ)


#: Where the live scenario starts (in the demo: the next five minutes after start-up).
ANCHOR = scenario_anchor(local("08:57"))


@dataclass
class Replay:
    server: ReplayFeedServer
    poller: FeedPoller


@pytest.fixture
async def replay(uow: UnitOfWork, clock: ManualClock) -> AsyncIterator[Replay]:
    clock.set(local("05:00"))
    await uow.run(load_demo_day, SYSTEM, DAY, clock.now())
    script = read_script()
    await uow.run(seed_rules, SYSTEM, script)
    assert await uow.run(seed_scenario, SYSTEM, script, ANCHOR) == 9
    assert await uow.run(seed_scenario, SYSTEM, script, ANCHOR) == 0  # already there
    server = ReplayFeedServer(recorded_day(DAY, anchor=ANCHOR, script=script), clock,
                              page_size=10).start()
    client = FeedClient(server.url, "replay", "replay-key", timeout=5)
    poller = FeedPoller(client=client, uow=uow, clock=clock, airport="AMS", poll_seconds=60)
    try:
        yield Replay(server, poller)
    finally:
        await poller.close()
        server.stop()


async def movement(uow: UnitOfWork, flight: str, day: date = DAY) -> Movement:
    def find(session: object) -> Movement:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        found = session.scalar(select(Movement).where(
            (Movement.carrier + Movement.flight_number) == flight,
            Movement.operational_date == day))
        assert found is not None, flight
        return found

    return await uow.read(find)


async def open_kinds(uow: UnitOfWork) -> dict[str, int]:
    await uow.run(alerts.evaluate_alerts, SYSTEM, "AMS")
    kinds = await uow.read(lambda s: list(s.scalars(select(Alert.kind).where(
        Alert.cleared_at.is_(None)))))
    return {k: kinds.count(k) for k in set(kinds)}


async def test_the_board_follows_a_replayed_day(
        uow: UnitOfWork, clock: ManualClock, publisher: CapturingPublisher,
        replay: Replay) -> None:
    count = await uow.read(lambda s: s.scalar(select(func.count(Movement.id))))
    result = await replay.poller.poll()
    assert result is not None
    # Every page was read through the link header, with the API's headers.
    pages = [r.query.get("page") for r in replay.server.requests]
    assert pages[:4] == ["0", "1", "2", "3"] and all(r.status == 200
                                                     for r in replay.server.requests)
    first = replay.server.requests[0].headers
    assert (first["app_id"], first["app_key"], first["resourceversion"]) == (
        "replay", "replay-key", "v4")
    # Today and tomorrow (HV5421 leaves again tomorrow); six codeshare records name
    # their main flight, other traffic matches nothing; every AMS movement is matched.
    assert result.days == (DAY, DAY + timedelta(days=1))
    ams = await uow.read(lambda s: s.scalar(select(func.count(Movement.id)).where(
        Movement.airport_id == 1)))
    assert result.codeshares_merged == 6 and result.matched == ams
    assert result.changed == 0  # the demo loader and the feed tell the same story so far
    # The live scenario: the inbound KQ122 is delayed 95 minutes three minutes after the
    # anchor, which puts the connection to KL675 at risk.
    assert local("09:00") == ANCHOR
    clock.set(ANCHOR + timedelta(minutes=2))
    await replay.poller.poll()
    assert (await movement(uow, "KL675")).gate == "E19"
    before = await open_kinds(uow)
    assert "connection_risk" not in before
    assert before.get("umnr_connection") == 1  # KQ takes no minors on connections
    assert before.get("escort_missing") == 1  # the WCHC passenger on TK1958
    clock.set(ANCHOR + timedelta(minutes=4))
    await replay.poller.poll()
    inbound = await movement(uow, "KQ122")
    assert inbound.estimated_at == ANCHOR + timedelta(minutes=80 + 95)
    assert (await open_kinds(uow)).get("connection_risk") == 1
    clock.set(ANCHOR + timedelta(minutes=7))
    await replay.poller.poll()
    assert (await movement(uow, "TK1958")).gate == "D9"
    assert (await open_kinds(uow)).get("gate_change") == 2
    gate_changes = await uow.read(lambda s: set(s.scalars(select(Alert.message).where(
        Alert.kind == "gate_change", Alert.cleared_at.is_(None)))))
    assert {m.split(":")[0] for m in gate_changes} == {"KL675", "TK1958"}
    # The demo day's own flights go through their states.
    kl587 = "KL587"
    timeline = {"09:30": "GTO", "09:50": "BRD", "10:05": "GCL", "10:25": "DEP"}
    for hhmm, state in timeline.items():
        clock.set(local(hhmm))
        publisher.clear()
        await replay.poller.poll()
        m = await movement(uow, kl587)
        assert m.flight_state == state, hhmm
        assert any(isinstance(e, MovementUpdated) and e.movement_id == m.id
                   and f"board:AMS:{DAY}" in e.streams for e in publisher.events)
    assert m.actual_at == local("10:19")
    # A gate change 95 minutes before W6 4456 (18:20) reaches the board, and the alert
    # rules see it: its passengers are not at the new gate.
    clock.set(local("16:50"))
    await replay.poller.poll()
    w6 = await movement(uow, "W64456")
    assert (w6.gate, w6.flight_state) == ("H3", "GCH")
    await uow.run(alerts.evaluate_alerts, SYSTEM, "AMS")
    keys = await uow.read(lambda s: set(s.scalars(select(Alert.dedupe_key).where(
        Alert.cleared_at.is_(None)))))
    assert f"gate_change:{w6.id}:H3" in keys
    # Late evening: everything departed or arrived; KL691's codeshares made no movement
    # and KL691 was changed at most once per poll.
    clock.set(local("23:30"))
    await replay.poller.poll()
    assert (await movement(uow, "KQ117")).flight_state == "DEP"
    assert (await movement(uow, "RJ129")).flight_state == "ARR"
    assert await uow.read(lambda s: s.scalar(select(func.count(Movement.id)))) == count
    kl691 = await movement(uow, "KL691")
    feed_updates = await uow.read(lambda s: s.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "update_flight", AuditEntry.entity_id == kl691.id,
        AuditEntry.detail == "source=feed")))
    assert feed_updates <= 10  # polls made
