"""Alert texts name flights, initials and case references, never internal ids (issue
13.7: alerts said "passenger 202").  Checked on every alert of the demo day's two
airports, and the purge still removes the initials."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from movements.demo.day import load_demo_day
from movements.domain.actions import alerts as alert_actions
from movements.domain.alert_rules import PaxSnap, _pax
from movements.domain.models import Airport, Alert
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import SYSTEM

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
RAW_ID = re.compile(r"\b(passenger|movement|booking|handover|case|telex|alert)s? #?\d+\b",
                    re.IGNORECASE)


async def test_no_alert_names_an_internal_id(uow: UnitOfWork) -> None:
    def seed(tx: Tx) -> None:
        load_demo_day(tx, date(2026, 9, 15), NOW)
        for code in tx.session.scalars(select(Airport.iata)):
            alert_actions.evaluate_alerts(tx, code)

    await uow.run(seed, SYSTEM)
    texts = await uow.read(lambda s: list(s.scalars(select(Alert.message))))
    assert len(texts) >= 3
    assert [t for t in texts if RAW_ID.search(t)] == []


def test_a_passenger_is_named_by_initials_and_case() -> None:
    snap = PaxSnap(passenger_id=202, initials="AB", status="booked",
                   case_reference="AMS-2026-0042")
    assert str(_pax(snap)) == "AB (case AMS-2026-0042)"
    assert not RAW_ID.search(str(_pax(snap)))
