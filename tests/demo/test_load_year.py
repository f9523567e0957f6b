"""The synthetic year written to a real database keeps its published figures."""

from __future__ import annotations

import pytest
from sqlalchemy import distinct, func, select

from movements.demo.load_year import load_year
from movements.demo.year import YEAR_2016_TARGETS
from movements.domain.errors import RuleViolation
from movements.domain.models import (
    AuditEntry,
    Booking,
    Movement,
    MovementKind,
    SpecialNeed,
    StreamEvent,
)
from movements.domain.uow import UnitOfWork


def people(session, kind: MovementKind) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count(distinct(Booking.passenger_id)))
                              .join(Movement).where(Movement.kind == kind)) or 0)


async def test_september_in_the_database_has_the_peak_transits(uow: UnitOfWork) -> None:
    summary = await load_year(uow, 2016, months={9})
    assert summary.movements > 0
    transits = await uow.read(people, MovementKind.TRANSIT_IN)
    assert transits == YEAR_2016_TARGETS.transits_by_month[8] == 1393
    # Each transit passenger has both legs; nothing was pushed live for history.
    onward = await uow.read(people, MovementKind.TRANSIT_OUT)
    assert onward == transits
    assert await uow.read(lambda s: s.scalar(select(func.count(StreamEvent.id)))) == 0
    assert await uow.read(lambda s: s.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "import_history"))) == 1
    # Agency passengers never carry deportee codes.
    bad = await uow.read(lambda s: s.scalar(select(func.count(SpecialNeed.id)).where(
        SpecialNeed.code.in_(["DEPA", "DEPU", "INAD"]))))
    assert bad == 0
    with pytest.raises(RuleViolation, match="already has"):
        await load_year(uow, 2016, months={9})


async def test_other_years_are_refused(uow: UnitOfWork) -> None:
    with pytest.raises(RuleViolation, match="only the 2016 figures"):
        await load_year(uow, 2017)
