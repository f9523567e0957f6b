"""Times typed at the airport (issue 13.4): HH:MM is the occurrence nearest the scheduled
time (within ±12 h); impossible values are refused with a message naming the field;
estimates can be cleared; scheduled and actual times are corrected with a reason; the
delay alert follows the corrected estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import movements as mv
from movements.domain.clock import nearest_local
from movements.domain.errors import RuleViolation
from movements.domain.models import Alert, AuditEntry, Movement, MovementKind
from movements.domain.uow import UnitOfWork
from tests.factories import COORD, SYSTEM, add_pax, world

AMS = "Europe/Amsterdam"
DAY = date(2026, 9, 15)
LATE = datetime(2026, 9, 15, 20, 10, tzinfo=UTC)  # 22:10 CEST


@pytest.mark.parametrize(("reference", "typed", "expected"), [
    (LATE, "00:30", datetime(2026, 9, 15, 22, 30, tzinfo=UTC)),  # next day, 00:30 CEST
    (LATE, "21:55", datetime(2026, 9, 15, 19, 55, tzinfo=UTC)),  # early, same day
    (datetime(2026, 9, 14, 22, 20, tzinfo=UTC), "23:50",  # a 00:20 arrival on the 15th
     datetime(2026, 9, 14, 21, 50, tzinfo=UTC)),  # ... lands 23:50 the day before
    (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "02:30",  # 00:30 CEST, DST ends at 03:00
     datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
])
def test_hhmm_is_the_occurrence_nearest_the_scheduled_time(
        reference: datetime, typed: str, expected: datetime) -> None:
    assert nearest_local(reference, typed, AMS) == expected


@pytest.mark.parametrize(("typed", "words"), [
    ("25:00", "not a time of day"), ("12:60", "not a time of day"), ("7:05", "HH:MM"),
    ("noon", "HH:MM"), ("12:5", "HH:MM"), ("1230", "HH:MM"), ("-1:00", "HH:MM"),
])
def test_impossible_times_are_refused_naming_the_field(typed: str, words: str) -> None:
    with pytest.raises(RuleViolation, match=words) as refused:
        nearest_local(LATE, typed, AMS, what="estimated time")
    assert refused.value.field == "estimated time" and typed in refused.value.message


async def _late_departure(uow: UnitOfWork) -> int:
    await world(uow)
    mid = await uow.run(mv.create_movement, SYSTEM, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number="1771",
        operational_date=DAY, origin="AMS", destination="IST", scheduled_at=LATE))
    await uow.run(add_pax, SYSTEM, mid, "T-1")
    return int(mid)


async def _movement(uow: UnitOfWork, mid: int) -> Movement:
    m = await uow.read(lambda s: s.get(Movement, mid))
    assert m is not None
    return m


async def _delay_alert(uow: UnitOfWork, mid: int) -> Alert | None:
    return await uow.read(lambda s: s.scalar(select(Alert).where(
        Alert.kind == "delay", Alert.movement_id == mid, Alert.cleared_at.is_(None))))


async def test_an_estimate_after_midnight_is_a_delay_and_clearing_it_clears_the_alert(
        uow: UnitOfWork) -> None:
    mid = await _late_departure(uow)

    def correct(tx: object, typed: dict[str, str]) -> bool:
        changes = mv.times_from_local(tx, mid, typed)  # type: ignore[arg-type]
        return mv.update_flight(tx, mid, changes)  # type: ignore[arg-type]

    await uow.run(correct, COORD, {"estimated_at": "00:30"})
    assert (await _movement(uow, mid)).estimated_at == datetime(2026, 9, 15, 22, 30,
                                                                tzinfo=UTC)
    await uow.run(alert_actions.evaluate_alerts, SYSTEM, "AMS")
    alert = await _delay_alert(uow, mid)
    assert alert is not None and "KL1771 delayed 140 min" in alert.message
    await uow.run(correct, COORD, {"estimated_at": ""})  # cleared
    assert (await _movement(uow, mid)).estimated_at is None
    await uow.run(alert_actions.evaluate_alerts, SYSTEM, "AMS")
    assert await _delay_alert(uow, mid) is None
    # the same text again changes nothing (the form sends back what it shows)
    await uow.run(correct, COORD, {"estimated_at": "23:05"})
    assert not await uow.run(correct, COORD, {"estimated_at": "23:05"})


async def test_scheduled_and_actual_times_need_a_reason_which_is_audited(
        uow: UnitOfWork) -> None:
    mid = await _late_departure(uow)
    typed = {"scheduled_at": "22:40", "actual_at": "23:20"}
    changes = await uow.run(mv.times_from_local, COORD, mid, typed)
    with pytest.raises(RuleViolation, match="scheduled time and actual time needs a reason"):
        await uow.run(mv.update_flight, COORD, mid, changes)
    m = await _movement(uow, mid)
    assert (m.scheduled_at, m.actual_at) == (LATE, None)  # nothing half-applied
    await uow.run(mv.update_flight, COORD, mid, changes,
                  reason="slot moved by the airline (SCR message)")
    m = await _movement(uow, mid)
    assert m.scheduled_at == datetime(2026, 9, 15, 20, 40, tzinfo=UTC)
    assert m.actual_at == datetime(2026, 9, 15, 21, 20, tzinfo=UTC)
    entry = await uow.read(lambda s: s.scalar(select(AuditEntry).where(
        AuditEntry.action == "update_flight").order_by(AuditEntry.id.desc())))
    assert entry is not None and "slot moved by the airline" in (entry.detail or "")
    with pytest.raises(RuleViolation, match="25:00"):
        await uow.run(mv.times_from_local, COORD, mid, {"actual_at": "25:00"})
