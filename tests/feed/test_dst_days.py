"""The feed on the daylight-saving change days and across midnight, end to end: the
replay writes local times with the offset in force at each moment, the client reads them
back to the right UTC instant and matches the flight to the movement of its local date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.clock import ManualClock, local_to_utc
from movements.domain.models import Movement, MovementKind
from movements.domain.uow import Tx, UnitOfWork
from movements.feed.client import FeedClient, FeedPoller
from movements.feed.replay import ReplayFeedServer, recorded_day
from tests.factories import SYSTEM

TZ = "Europe/Amsterdam"


def flights(day: date) -> list[dict[str, Any]]:
    return [
        {"airport": "AMS", "kind": "departure", "carrier": "KL", "flight_number": "1001",
         "time": "01:30", "origin": "AMS", "destination": "TIA", "gate": "D1"},
        {"airport": "AMS", "kind": "departure", "carrier": "KL", "flight_number": "1003",
         "time": "04:30", "origin": "AMS", "destination": "TIA", "gate": "D3"},
        {"airport": "AMS", "kind": "arrival", "carrier": "KQ", "flight_number": "116",
         "time": "23:50", "origin": "NBO", "destination": "AMS", "gate": "E9", "delay": 35},
    ]


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 9, 15)])
async def test_change_days_and_midnight(uow: UnitOfWork, clock: ManualClock, day: date) -> None:
    demo = {"airports": [{"iata": "AMS", "timezone": TZ}], "movements": flights(day)}

    def plan(tx: Tx) -> dict[str, int]:
        setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", TZ)
        ids = {}
        for f in flights(day):
            ids[f["carrier"] + f["flight_number"]] = mv.create_movement(tx, mv.NewMovement(
                airport="AMS", kind=MovementKind(f["kind"]), carrier=f["carrier"],
                flight_number=f["flight_number"], operational_date=day,
                origin=f["origin"], destination=f["destination"],
                scheduled_at=local_to_utc(day, f["time"], TZ)))
        return ids

    ids = await uow.run(plan, SYSTEM)
    server = ReplayFeedServer(recorded_day(day, script={"airport": "AMS"}, demo_day=demo),
                              clock).start()
    poller = FeedPoller(client=FeedClient(server.url, "replay", "replay-key"), uow=uow,
                        clock=clock, airport="AMS", poll_seconds=60)
    try:
        clock.set(local_to_utc(day + timedelta(days=1), "01:00", TZ))  # after it all
        pages = server.flights(day, clock.now())
        offsets = {r["flightName"]: r["scheduleDateTime"][-6:] for r in pages}
        if day == date(2026, 3, 29):
            assert offsets == {"KL1001": "+01:00", "KL1003": "+02:00", "KQ116": "+02:00"}
        if day == date(2026, 10, 25):
            assert offsets == {"KL1001": "+02:00", "KL1003": "+01:00", "KQ116": "+01:00"}
        result = await poller.poll()
        assert result is not None and result.matched == 3
    finally:
        await poller.close()
        server.stop()
    rows = await uow.read(lambda s: {m.id: m for m in s.scalars(select(Movement))})
    for name, hhmm in (("KL1001", "01:30"), ("KL1003", "04:30")):
        m = rows[ids[name]]
        assert m.flight_state == "DEP" and m.gate == f"D{name[-1]}"
        assert m.actual_at == local_to_utc(day, hhmm, TZ) + timedelta(minutes=4)
    kq = rows[ids["KQ116"]]
    # Delayed past midnight: it lands on the next local day, still the movement of `day`.
    landed = local_to_utc(day, "23:50", TZ) + timedelta(minutes=35 - 6)
    assert kq.actual_at == landed and kq.flight_state == "ARR"
    assert kq.estimated_at == local_to_utc(day, "23:50", TZ) + timedelta(minutes=35)
    assert kq.estimated_at.astimezone(ZoneInfo(TZ)).date() == day + timedelta(days=1)
