"""The whole synthetic year in SQLite (one backend: it takes ~20 s; September runs on
both in test_load_year.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import distinct, func, select

from movements.demo.load_year import load_year
from movements.demo.year import YEAR_2016_TARGETS
from movements.domain.models import Booking, Movement, MovementKind, Passenger, SpecialNeed
from movements.domain.uow import UnitOfWork
from tests.demo.test_load_year import people


@pytest.fixture
def backend() -> str:
    return "sqlite"


async def test_the_whole_year_in_the_database_equals_the_2016_figures(uow: UnitOfWork
                                                                      ) -> None:
    await load_year(uow, 2016)
    t = YEAR_2016_TARGETS
    assert await uow.read(people, MovementKind.DEPARTURE) == t.departures == 4635
    assert await uow.read(people, MovementKind.TRANSIT_IN) == t.transits == 8133
    assert await uow.read(people, MovementKind.ARRIVAL) == t.arrivals == 1970
    assert await uow.read(lambda s: s.scalar(select(func.count(Passenger.id)))) == 14738
    chronic = await uow.read(lambda s: s.scalar(select(func.count(Passenger.id)).where(
        Passenger.chronic_condition.is_not(None))))
    assert chronic == t.medical_chronic == 87
    umnr_returned = await uow.read(lambda s: s.scalar(
        select(func.count(distinct(Passenger.id))).join(SpecialNeed)
        .join(Booking, Booking.passenger_id == Passenger.id).join(Movement)
        .where(SpecialNeed.code == "UMNR", Movement.kind == MovementKind.DEPARTURE)))
    assert umnr_returned == t.unaccompanied_children_returned == 18
