"""A telex time far from the schedule, and a station the IATA table lacks, are applied
with a note the coordinator sees (the telex log's stored outcome, an alert on the
movement that the board row counts), never silently.  Both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from movements import i18n
from movements.domain.actions.telex import (
    EARLY_LIMIT,
    FAR_FROM_SCHEDULE,
    FUTURE_TOLERANCE,
    LATE_LIMIT,
)
from movements.domain.clock import ManualClock
from movements.domain.models import Alert, Movement, TelexMessage
from movements.domain.phrases import stored_phrase
from movements.domain.queries import board
from movements.domain.uow import UnitOfWork
from tests.factories import build_world
from tests.ingest.test_apply import SYSTEM, at, send


@pytest.fixture(autouse=True)
def _telexes_arrive_after_what_they_report(clock: ManualClock) -> None:
    """An MVT reports actual times that have happened (a future one is refused):
    these telexes arrive the morning after the day they report."""
    clock.set(datetime(2026, 9, 16, 6, 0, tzinfo=UTC))


async def _alerts(uow: UnitOfWork) -> list[Alert]:
    return await uow.read(lambda s: list(s.scalars(
        select(Alert).where(Alert.kind == FAR_FROM_SCHEDULE))))


def _dutch(stored: TelexMessage) -> str:
    phrase = stored_phrase(stored.detail_phrase, stored.detail or "", ())
    return i18n.gettext(phrase, "nl")


async def _stored(uow: UnitOfWork, telex_id: int) -> TelexMessage:
    return await uow.read(lambda s: s.get(TelexMessage, telex_id))


@pytest.mark.parametrize(("element", "actual", "says"), [
    ("AD150430/150442", at(4, 30), "is 5 h 30 min before the schedule 15 10:00Z"),
    ("ED152330", at(23, 30), "is 13 h 30 min after the schedule 15 10:00Z"),
    ("AD160001/160015", at(0, 1, day=16), "is 14 h 01 min after the schedule 15 10:00Z"),
], ids=["off-block-5.5h-early", "estimate-13.5h-late", "next-day"])
async def test_a_departure_far_from_its_schedule_is_applied_with_a_note_and_an_alert(
        uow: UnitOfWork, element: str, actual: object, says: str) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, f"MVT\nKL1234/15.PHBXA.AMS\n{element}")
    assert outcome.outcome == "applied", outcome.detail
    assert says in outcome.detail and "check it with the airline" in outcome.detail
    m = await uow.read(lambda s: s.get(Movement, world.departure_id))
    assert actual in (m.actual_at, m.estimated_at)
    # The telex log keeps the note as a phrase: it reads Dutch after a reload.
    stored = await _stored(uow, outcome.id)
    dutch = _dutch(stored)
    assert "voor de geplande tijd" in dutch or "na de geplande tijd" in dutch, dutch
    alerts = await _alerts(uow)
    assert [(a.movement_id, a.cleared_at) for a in alerts] == [(world.departure_id, None)]
    assert says in alerts[0].message
    rows = await uow.read(lambda s: board(s, "AMS", at(0).date()))
    assert {r.id: r.open_alerts for r in rows}[world.departure_id] == 1


@pytest.mark.parametrize("element", ["AD151022/151035", "AD150801/150815", "ED152130"],
                         ids=["22-min-late", "just-inside-early", "just-inside-late"])
async def test_a_time_within_the_window_gets_no_note(uow: UnitOfWork, element: str) -> None:
    await uow.run(build_world, SYSTEM)
    outcome = await send(uow, f"MVT\nKL1234/15.PHBXA.AMS\n{element}")
    assert outcome.outcome == "applied", outcome.detail
    assert "schedule" not in outcome.detail
    assert await _alerts(uow) == []
    assert EARLY_LIMIT.total_seconds() == 2 * 3600 and LATE_LIMIT.total_seconds() == 12 * 3600


async def test_an_arrival_far_from_its_schedule_is_noted(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, "MVT\nTK1957/15.TCJRA.IST\nAD150300/150312 EA1510 AMS")
    assert outcome.outcome == "applied", outcome.detail
    assert "schedule" not in outcome.detail  # an estimate 3 h 10 min late: inside
    landed = await send(uow, "MVT\nTK1957/15.TCJRA.AMS\nAA150630/150640")
    assert landed.outcome == "applied", landed.detail
    assert "is 5 h 20 min before the schedule 15 12:00Z" in landed.detail, landed.detail
    assert [a.movement_id for a in await _alerts(uow)] == [world.arrival_id]


async def test_a_station_the_iata_table_lacks_is_noted(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, "MVT\nTK1957/15.TCJRA.IST\nAD150830/150842 EA1205 ZZZ")
    assert outcome.outcome == "applied", outcome.detail
    assert "ZZZ: not an airport code in the IATA table" in outcome.detail, outcome.detail
    stored = await _stored(uow, outcome.id)
    dutch = _dutch(stored)
    assert "ZZZ: geen luchthavencode in de IATA-tabel" in dutch, dutch
    known = await send(uow, "MVT\nTK1957/15.TCJRA.IST\nAD150830/150842 EA1205 AMS")
    assert "IATA table" not in known.detail
    m = await uow.read(lambda s: s.get(Movement, world.arrival_id))
    assert m.flight_state == "AIR"


async def test_a_name_list_to_an_unknown_destination_is_noted(uow: UnitOfWork) -> None:
    await uow.run(build_world, SYSTEM)
    outcome = await send(uow, "PNL\nKL1234/15SEP AMS PART1\n-QQQ001Y\n1OKELLO/GRACE MRS\n"
                              "ENDPNL")
    assert outcome.outcome == "applied", outcome.detail
    assert "QQQ: not an airport code in the IATA table" in outcome.detail, outcome.detail




@pytest.mark.parametrize(("element", "says"), [
    ("AD150632/150641 EA1055 IST", "AD 15 06:32Z is 3 h 31 min after the telex arrived "
                                   "(15 03:01Z)"),
    ("AD150312", "AD 15 03:12Z is 0 h 11 min after the telex arrived (15 03:01Z)"),
], ids=["off-block-3.5h-ahead", "just-past-the-tolerance"])
async def test_an_actual_time_in_the_future_is_refused_and_nothing_written(
        uow: UnitOfWork, clock: ManualClock, element: str, says: str) -> None:
    """The newcomer's telex: at 03:01Z an MVT reported an off-block at 06:32Z and the
    flight showed as departed while it stood at its gate.  An actual time is a fact that
    has happened: more than FUTURE_TOLERANCE ahead, the telex is refused with its line
    and the movement is left as it was (the telex log keeps the refusal, in Dutch)."""
    clock.set(at(3, 1))
    world = await uow.run(build_world, SYSTEM)
    before = await uow.read(lambda s: s.get(Movement, world.departure_id))
    outcome = await send(uow, f"MVT\nKL1234/15.PHBXA.AMS\n{element}")
    assert outcome.outcome == "rejected", outcome.detail
    assert "line 2" in outcome.detail and says in outcome.detail, outcome.detail
    after = await uow.read(lambda s: s.get(Movement, world.departure_id))
    assert (after.actual_at, after.flight_state, after.estimated_at, after.version) == (
        before.actual_at, before.flight_state, before.estimated_at, before.version)
    assert "in de toekomst" in _dutch(await _stored(uow, outcome.id))
    # Within the tolerance (clocks differ by minutes) the time is applied.
    clock.set(at(3, 12) - FUTURE_TOLERANCE)
    applied = await send(uow, "MVT\nKL1234/15.PHBXA.AMS\nAD150312")
    assert applied.outcome == "applied", applied.detail
