"""Alerts raised and cleared by the rules through the real actions, on both databases,
with a ManualClock: each rule's alert appears when the situation calls for it, stays put
when nothing changes, and clears when the situation is resolved; raising, clearing and
acknowledging are events on the movement's board stream."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from movements.domain import queries
from movements.domain.actions import alerts, escorts, milestones, passengers
from movements.domain.actions import movements as mv
from movements.domain.clock import ManualClock
from movements.domain.events import AlertAcknowledged, AlertCleared, AlertRaised
from movements.domain.models import Alert, MovementKind, Passenger
from movements.domain.uow import Tx, UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import COORD, GATE, SYSTEM, add_pax, world

DAY = date(2026, 9, 15)
FEED = {"source": "feed"}


async def evaluate(uow: UnitOfWork) -> alerts.AlertRun:
    return await uow.run(alerts.evaluate_alerts, SYSTEM, "AMS")


async def open_keys(uow: UnitOfWork) -> set[str]:
    return set(await uow.read(lambda s: s.scalars(
        select(Alert.dedupe_key).where(Alert.cleared_at.is_(None))).all()))


async def board_alerts(uow: UnitOfWork, movement_id: int) -> int:
    rows = await uow.read(queries.board, "AMS", DAY)
    return next(r.open_alerts for r in rows if r.id == movement_id)


async def test_escort_alert_raised_acknowledged_and_cleared(
        uow: UnitOfWork, publisher: CapturingPublisher, clock: ManualClock) -> None:
    w = await world(uow)  # KL1234 leaves 10:00 UTC
    pid, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1", needs=(("WCHC", None),))
    clock.set(datetime(2026, 9, 15, 7, 59, tzinfo=UTC))
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    assert (await evaluate(uow)).raised == 0
    clock.advance(minutes=1)  # two hours before departure
    publisher.clear()
    run = await evaluate(uow)
    assert (run.raised, run.cleared, run.open) == (1, 0, 1)
    assert await open_keys(uow) == {f"escort_missing:{w.departure_id}:{pid}:operational"}
    [event] = publisher.events
    assert isinstance(event, AlertRaised) and event.alert_kind == "escort_missing"
    assert f"board:AMS:{DAY}" in event.streams and event.passenger_id == pid
    assert await board_alerts(uow, w.departure_id) == 1
    # Nothing changed: nothing happens.
    publisher.clear()
    assert (await evaluate(uow)).raised == 0 and publisher.events == []
    # A coordinator acknowledges it: who and when; twice changes nothing.
    alert_id = await uow.read(lambda s: s.scalar(select(Alert.id)))
    clock.advance(minutes=3)
    assert await uow.run(alerts.acknowledge_alert, COORD, alert_id) is True
    assert await uow.run(alerts.acknowledge_alert, COORD, alert_id) is False
    assert [type(e) for e in publisher.events] == [AlertAcknowledged]
    views = await uow.read(alerts.alert_list, "AMS", clock.now())
    assert views[0].acknowledged_at == clock.now() and views[0].open
    # Assigning the escort resolves it; the next evaluation clears it.
    await uow.run(escorts.assign_escort, COORD, w.departure_id, pid, "operational", "Bram")
    publisher.clear()
    run = await evaluate(uow)
    assert (run.raised, run.cleared, run.open) == (0, 1, 0)
    assert [type(e) for e in publisher.events] == [AlertCleared]
    assert await board_alerts(uow, w.departure_id) == 0
    views = await uow.read(alerts.alert_list, "AMS", clock.now())
    assert views[0].cleared_at == clock.now() and not views[0].open


async def test_gate_change_delay_and_cancellation_from_the_feed(
        uow: UnitOfWork, clock: ManualClock) -> None:
    w = await world(uow)
    clock.set(datetime(2026, 9, 15, 5, 0, tzinfo=UTC))
    await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    assert await open_keys(uow) == set() and (await evaluate(uow)).open == 0
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"gate": "D9"}, **FEED)
    await evaluate(uow)
    assert await open_keys(uow) == {f"gate_change:{w.departure_id}:D9"}
    scheduled = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
    await uow.run(mv.update_flight, SYSTEM, w.departure_id,
                  {"estimated_at": scheduled + timedelta(minutes=40), "flight_state": "DEL"},
                  **FEED)
    await evaluate(uow)
    assert await open_keys(uow) == {f"gate_change:{w.departure_id}:D9",
                                    f"delay:{w.departure_id}"}
    message = await uow.read(lambda s: s.scalar(select(Alert.message).where(
        Alert.kind == "delay")))
    assert message == "KL1234 delayed 40 min: now 12:40 (scheduled 12:00)"  # local time
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"flight_state": "CNX"}, **FEED)
    run = await evaluate(uow)
    assert (run.raised, run.cleared) == (1, 2)
    assert await open_keys(uow) == {f"cancelled:{w.departure_id}"}


async def test_connection_rules_minor_and_case_split(uow: UnitOfWork,
                                                     clock: ManualClock) -> None:
    clock.set(datetime(2026, 9, 15, 5, 0, tzinfo=UTC))
    w = await world(uow)

    def transit(tx: Tx) -> tuple[int, int]:
        inbound = mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind.TRANSIT_IN, carrier="KQ", flight_number="116",
            operational_date=DAY, origin="NBO", destination="AMS",
            scheduled_at=datetime(2026, 9, 15, 8, 0, tzinfo=UTC)))
        onward = mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind.TRANSIT_OUT, carrier="KL", flight_number="691",
            operational_date=DAY, origin="AMS", destination="YYZ",
            scheduled_at=datetime(2026, 9, 15, 9, 30, tzinfo=UTC)))
        mv.link_transit(tx, inbound, onward)
        return inbound, onward

    inbound, onward = await uow.run(transit, SYSTEM)
    family, _ = await uow.run(add_pax, SYSTEM, inbound, "RS-1")
    await uow.run(passengers.book_passenger, SYSTEM, family, onward)
    assert (await evaluate(uow)).open == 0  # 90 min, airport minimum 50
    await uow.run(alerts.set_connection_rule, SYSTEM, "AMS", "KL", 100)
    await evaluate(uow)
    assert await open_keys(uow) == {f"connection_risk:{inbound}:{onward}"}
    await uow.run(alerts.set_connection_rule, SYSTEM, "AMS", "KL", 60)
    assert (await evaluate(uow)).cleared == 1
    # The inbound leg runs an hour late: in at 09:00 + 20 min transfer > gate closes 09:15.
    await uow.run(mv.update_flight, SYSTEM, inbound,
                  {"estimated_at": datetime(2026, 9, 15, 9, 0, tzinfo=UTC)}, **FEED)
    await evaluate(uow)
    keys = await open_keys(uow)
    assert f"connection_risk:{inbound}:{onward}" in keys
    message = await uow.read(lambda s: s.scalar(select(Alert.message).where(
        Alert.kind == "connection_risk", Alert.cleared_at.is_(None))))
    assert "gate closes 11:15" in message and "KL needs 60" in message
    # An unaccompanied minor on this connection, with KQ refusing connections for minors.
    child, _ = await uow.run(add_pax, SYSTEM, inbound, "FR-9", "Achieng", "Faith",
                             needs=(("UMNR", None),), release_to_name="Peter Achieng")
    await uow.run(passengers.book_passenger, SYSTEM, child, onward)
    await uow.run(alerts.set_umnr_rule, SYSTEM, "KQ", False, 0)
    await uow.run(alerts.set_umnr_rule, SYSTEM, "KL", True, 1)
    # Part of the RS-1 case goes on another flight: the case is split.
    await uow.run(add_pax, SYSTEM, w.departure_id, "RS-1", "Okello", "John")
    await evaluate(uow)
    keys = await open_keys(uow)
    assert f"umnr_connection:{child}:KQ" in keys
    case_id = await uow.read(lambda s: s.get(Passenger, family).case_id)  # type: ignore[union-attr]
    assert {f"case_split:{case_id}:{inbound}", f"case_split:{case_id}:{w.departure_id}"} <= keys
    await uow.run(alerts.set_umnr_rule, SYSTEM, "KQ", True, 1)
    await evaluate(uow)
    assert f"umnr_connection:{child}:KQ" not in await open_keys(uow)


async def test_check_in_and_waiting_times(uow: UnitOfWork, clock: ManualClock) -> None:
    w = await world(uow)  # departure 10:00 UTC (report 07:00), arrival 12:00 UTC
    pid, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    apid, abid = await uow.run(add_pax, SYSTEM, w.arrival_id, "C-2")
    clock.set(datetime(2026, 9, 15, 7, 30, tzinfo=UTC))
    assert (await evaluate(uow)).open == 0
    clock.advance(minutes=1)
    await evaluate(uow)
    assert await open_keys(uow) == {f"wait_departure:{w.departure_id}:{pid}"}
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    clock.set(datetime(2026, 9, 15, 9, 0, tzinfo=UTC))
    await evaluate(uow)
    assert await open_keys(uow) == {f"not_checked_in:{w.departure_id}:{pid}"}
    await uow.run(milestones.record_milestone, GATE, bid, "checked_in")
    assert (await evaluate(uow)).cleared == 1
    on_block = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id,
                  {"actual_at": on_block, "flight_state": "LND"}, **FEED)
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"flight_state": "DEP"}, **FEED)
    clock.set(on_block + timedelta(minutes=20))
    assert (await evaluate(uow)).open == 0
    clock.advance(minutes=1)
    await evaluate(uow)
    assert await open_keys(uow) == {f"wait_arrival:{w.arrival_id}:{apid}"}
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "ARR"}, **FEED)
    await uow.run(milestones.record_milestone, GATE, abid, "met_at_aircraft")
    assert (await evaluate(uow)).cleared == 1
    assert await open_keys(uow) == set()
