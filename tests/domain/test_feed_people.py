"""People over the feed (issue 13.2): a person's gate, terminal or time holds until the
feed reports a value different from what it last reported; a feed change over a person's
value raises an alert naming both; the movement view says who set it and what the feed
says.  Applied through the real feed application (``apply_feed``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from movements.domain import queries
from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.errors import RuleViolation
from movements.domain.models import Alert, AuditEntry, Movement, Role
from movements.domain.uow import Actor, UnitOfWork
from movements.feed.client import FeedFlight, apply_feed
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM, world

DAY = date(2026, 9, 15)
FEED = FeedFlight(flight_name="KL1234", main_flight="KL1234", direction="D",
                  schedule_date=DAY, scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
                  gate="G5", terminal="2")


async def _coordinator(uow: UnitOfWork) -> Actor:
    uid = await uow.run(setup.add_user, SYSTEM, "anna", "Anna de Vries", Role.COORDINATOR,
                        "x", airports=["AMS"])
    return Actor(user_id=uid, username="anna", role=Role.COORDINATOR,
                 airport_ids=frozenset({1}))


async def _feed(uow: UnitOfWork, flight: FeedFlight) -> None:
    await uow.run(apply_feed, SYSTEM, "AMS", [DAY], [flight])


async def _movement(uow: UnitOfWork, mid: int) -> Movement:
    m = await uow.read(lambda s: s.get(Movement, mid))
    assert m is not None
    return m


async def _alerts(uow: UnitOfWork) -> list[Alert]:
    return list(await uow.read(lambda s: list(s.scalars(
        select(Alert).where(Alert.kind == "feed_over_person").order_by(Alert.id)))))


async def test_a_feed_replay_does_not_undo_a_persons_gate(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    anna = await _coordinator(uow)
    await _feed(uow, FEED)
    assert (await _movement(uow, w.departure_id)).gate == "G5"
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G7"})
    for _ in range(3):  # the feed keeps saying what it said before
        await _feed(uow, FEED)
    assert (await _movement(uow, w.departure_id)).gate == "G7"
    assert await _alerts(uow) == []
    summary = await uow.read(queries.movement_summary, w.departure_id)
    assert summary is not None
    [held] = summary.held_fields
    assert (held.field, held.set_by, held.feed_value) == ("gate", "Anna de Vries", "G5")


async def test_a_new_feed_value_overrules_the_person_with_an_alert_naming_both(
        uow: UnitOfWork, clock: object) -> None:
    w = await world(uow)
    anna = await _coordinator(uow)
    await _feed(uow, FEED)
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G7"})
    await _feed(uow, replace(FEED, gate="G9"))
    assert (await _movement(uow, w.departure_id)).gate == "G9"
    [alert] = await _alerts(uow)
    assert "KL1234" in alert.message and "G9" in alert.message and "G7" in alert.message
    assert "Anna de Vries" in alert.message and "G5" in alert.message
    summary = await uow.read(queries.movement_summary, w.departure_id)
    assert summary is not None and summary.held_fields == ()
    # the alert shows in the list with its label and stays until acknowledged
    [view] = [a for a in await uow.read(alert_actions.alert_list, "AMS",
                                         datetime(2026, 9, 15, 8, 0, tzinfo=UTC))
              if a.kind == "feed_over_person"]
    assert view.label == "Feed overruled a person" and view.open
    await uow.run(alert_actions.evaluate_alerts, SYSTEM, "AMS")
    assert (await _alerts(uow))[0].cleared_at is None  # no rule clears it
    await uow.run(alert_actions.acknowledge_alert, anna, alert.id)
    assert (await _alerts(uow))[0].cleared_at is not None


async def test_terminal_and_estimate_hold_as_well_and_a_cleared_estimate_stays_cleared(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    anna = await _coordinator(uow)
    est = datetime(2026, 9, 15, 10, 40, tzinfo=UTC)
    await _feed(uow, replace(FEED, estimated_at=est))
    await uow.run(mv.update_flight, anna, w.departure_id,
                  {"terminal": "3", "estimated_at": None})
    await _feed(uow, replace(FEED, estimated_at=est))
    m = await _movement(uow, w.departure_id)
    assert (m.terminal, m.estimated_at) == ("3", None)
    later = datetime(2026, 9, 15, 11, 5, tzinfo=UTC)
    await _feed(uow, replace(FEED, estimated_at=later))
    m = await _movement(uow, w.departure_id)
    assert (m.terminal, m.estimated_at) == ("3", later)
    [alert] = await _alerts(uow)
    assert "estimated time" in alert.message and "13:05 CEST" in alert.message


async def test_agreeing_with_the_feed_holds_nothing_and_an_mvt_takes_the_field_over(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    anna = await _coordinator(uow)
    await _feed(uow, FEED)
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G7"})
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G5"},
                  reason="the feed was right")
    summary = await uow.read(queries.movement_summary, w.departure_id)
    assert summary is not None and summary.held_fields == ()
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G8"})
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"gate": "G2"}, source="mvt")
    summary = await uow.read(queries.movement_summary, w.departure_id)
    assert summary is not None and summary.held_fields == () and summary.gate == "G2"


async def test_a_held_field_is_audited_with_its_source(uow: UnitOfWork) -> None:
    w = await world(uow)
    anna = await _coordinator(uow)
    await _feed(uow, FEED)
    await uow.run(mv.update_flight, anna, w.departure_id, {"gate": "G7"})
    await _feed(uow, FEED)
    entries = await uow.read(lambda s: list(s.scalars(select(AuditEntry).where(
        AuditEntry.action == "update_flight").order_by(AuditEntry.id))))
    # feed G5, Anna G7; the replay wrote nothing
    assert [(e.after or {}).get("gate") for e in entries] == ["G5", "G7"]
    assert [e.detail for e in entries] == ["source=feed", "source=manual"]


async def test_a_blank_gate_or_terminal_is_not_a_silent_clear(uow: UnitOfWork) -> None:
    """Newcomer pass: a blank gate in "Correct gate or times" cleared the gate without a
    word.  Blanking any text field a person corrects (gate, terminal, pier, aircraft)
    is refused unless a reason is given; nothing is written when refused."""
    w = await world(uow)
    anna = await _coordinator(uow)
    await _feed(uow, FEED)
    audits = await uow.read(lambda s: len(list(s.scalars(select(AuditEntry)))))
    for change in ({"gate": ""}, {"terminal": "  "}, {"gate": "", "terminal": ""}):
        with pytest.raises(RuleViolation, match="field is empty: type the value, or give a "
                                                "reason to clear it") as refused:
            await uow.run(mv.update_flight, anna, w.departure_id, change)
        assert refused.value.field in change
    m = await _movement(uow, w.departure_id)
    assert (m.gate, m.terminal) == ("G5", "2")
    assert await uow.read(lambda s: len(list(s.scalars(select(AuditEntry))))) == audits
    # an explicit clear: with a reason
    assert await uow.run(mv.update_flight, anna, w.departure_id, {"gate": ""},
                         reason="gate not assigned yet")
    assert (await _movement(uow, w.departure_id)).gate is None
    # a field that was empty stays empty without a reason (nothing is cleared)
    assert not await uow.run(mv.update_flight, anna, w.departure_id, {"gate": ""})


async def test_a_feed_replay_does_not_undo_what_an_mvt_reported_since(
        uow: UnitOfWork) -> None:
    """The feed moves a field only when it reports something new: after an MVT says the
    flight is off blocks (state DEP, a gate change), the feed saying again what it said
    before (SCH, the old gate) changes nothing; its next new report applies."""
    w = await world(uow)
    scheduled = replace(FEED, states=("SCH",))
    await _feed(uow, scheduled)
    assert (await _movement(uow, w.departure_id)).flight_state == "SCH"
    await uow.run(mv.update_flight, SYSTEM, w.departure_id,
                  {"flight_state": "DEP", "gate": "G9"}, source="mvt")
    for _ in range(3):
        await _feed(uow, scheduled)
    m = await _movement(uow, w.departure_id)
    assert (m.flight_state, m.gate) == ("DEP", "G9")
    await _feed(uow, replace(FEED, gate="G11", states=("DEL", "GCH")))
    m = await _movement(uow, w.departure_id)
    assert (m.flight_state, m.flight_states, m.gate) == ("GCH", ["GCH", "DEL"], "G11")
