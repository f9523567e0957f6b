"""The same person cannot be added twice: same name and birth date in a case, the same
travel document (number and issuing country) in a case; implausible birth dates.  Both
backends; nothing is written on a refusal."""

from __future__ import annotations

from datetime import date

import pytest

from movements.domain.actions import planning as pl
from movements.domain.errors import RuleViolation
from movements.domain.models import Passenger
from movements.domain.planning_models import TravelDocument
from movements.domain.uow import UnitOfWork
from tests.domain.test_planning import PLANNER, count, person
from tests.factories import world


def _doc(number: str, country: str = "IRQ") -> pl.DocumentIn:
    return pl.DocumentIn("passport", number, date(2030, 1, 1), country)


async def test_the_same_person_twice_in_a_case_is_refused(uow: UnitOfWork) -> None:
    await world(uow)
    documents = await count(uow, TravelDocument)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-900")
    amina = person("HASSAN", "Amina", sex="F", birth_date=date(1990, 4, 2))
    await uow.run(pl.create_passenger, PLANNER, cid, amina, _doc("A1234567"))
    before = await count(uow, Passenger)
    # Same name (any case, extra spaces) and birth date, another passport: refused.
    with pytest.raises(RuleViolation, match="already in this case as passenger HASSAN/Amina"):
        await uow.run(pl.create_passenger, PLANNER, cid,
                      person("Hassan ", "amina", sex="F", birth_date=date(1990, 4, 2)),
                      _doc("B7654321"))
    # A child with the same passport number (same issuing country): refused.
    with pytest.raises(RuleViolation,
                       match="A1234567 .IRQ. already belongs to passenger HASSAN/Amina"):
        await uow.run(pl.create_passenger, PLANNER, cid,
                      person("HASSAN", "Yusuf", sex="M", birth_date=date(2018, 5, 1)),
                      _doc("a1234567"))
    assert await count(uow, Passenger) == before
    assert await count(uow, TravelDocument) == documents + 1
    # The same number from another issuing country is another document.
    await uow.run(pl.create_passenger, PLANNER, cid,
                  person("HASSAN", "Yusuf", sex="M", birth_date=date(2018, 5, 1)),
                  _doc("A1234567", "SYR"))
    # Editing one into the other's name and birth date is refused too.
    other = await uow.run(pl.create_passenger, PLANNER, cid,
                          person("HASSAN", "Noor", sex="F", birth_date=date(2015, 1, 1)))
    with pytest.raises(RuleViolation, match="already in this case"):
        await uow.run(pl.edit_passenger, PLANNER, other, amina)


@pytest.mark.parametrize("born", [date(1890, 1, 1), date(1905, 12, 31)])
async def test_a_birth_date_over_120_years_ago_is_refused(uow: UnitOfWork, born: date) -> None:
    await world(uow)
    before = await count(uow, Passenger)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-901")
    with pytest.raises(RuleViolation, match="more than 120 years ago") as refused:
        await uow.run(pl.create_passenger, PLANNER, cid, person("HASSAN", "Amina",
                                                                birth_date=born))
    assert refused.value.field == "birth_date"
    assert await count(uow, Passenger) == before


async def test_the_same_passport_in_two_cases_on_one_movement_is_refused(
        uow: UnitOfWork) -> None:
    from movements.domain.models import Booking
    from tests.domain.test_planning import dep
    await world(uow)
    mid = await uow.run(pl.plan_movement, PLANNER, dep())
    first = await uow.run(pl.create_case, PLANNER, "AMS", "C-910")
    await uow.run(pl.create_passenger, PLANNER, first,
                  person("HASSAN", "Amina", sex="F", birth_date=date(1990, 4, 2)),
                  _doc("A1234567"))
    second = await uow.run(pl.create_case, PLANNER, "AMS", "C-911")
    await uow.run(pl.create_passenger, PLANNER, second,
                  person("HASAN", "Amina", sex="F", birth_date=date(1990, 4, 2)),
                  _doc("A1234567"))  # another case: allowed until they share a movement
    await uow.run(pl.book_case, PLANNER, first, mid)
    bookings = await count(uow, Booking)
    with pytest.raises(RuleViolation, match="already belongs to passenger HASSAN/Amina"):
        await uow.run(pl.book_case, PLANNER, second, mid)
    assert await count(uow, Booking) == bookings


@pytest.mark.parametrize("code,born,fits", [
    ("CHLD", date(1990, 4, 2), False),  # 36: not a child
    ("CHLD", date(2025, 1, 1), False),  # under 2: an infant
    ("CHLD", date(2019, 1, 1), True),
    ("INFT", date(2023, 1, 1), False),  # 3: not an infant
    ("INFT", date(2026, 1, 1), True),
])
async def test_chld_and_inft_must_fit_the_age(uow: UnitOfWork, code: str, born: date,
                                              fits: bool) -> None:
    await world(uow)
    before = await count(uow, Passenger)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-920")
    new = person("HASSAN", "Yusuf", sex="M", birth_date=born, needs=((code, None),))
    if fits:
        await uow.run(pl.create_passenger, PLANNER, cid, new)
        return
    with pytest.raises(RuleViolation, match=f"{code} .* does not fit a passenger aged") as no:
        await uow.run(pl.create_passenger, PLANNER, cid, new)
    assert no.value.field == "needs"
    assert await count(uow, Passenger) == before


async def test_a_child_who_is_12_on_the_travel_date_cannot_be_booked_as_chld(
        uow: UnitOfWork) -> None:
    from datetime import UTC, datetime

    from movements.domain.models import Booking
    from tests.domain.test_planning import dep
    await world(uow)
    later = date(2026, 10, 20)  # the clock reads 2026-09-15
    mid = await uow.run(pl.plan_movement, PLANNER, dep(
        operational_date=later, scheduled_at=datetime(2026, 10, 20, 14, tzinfo=UTC)))
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-930")
    # 11 when planned, 12 on the travel date.
    await uow.run(pl.create_passenger, PLANNER, cid, person(
        "HASSAN", "Yusuf", sex="M", birth_date=date(2014, 10, 1), needs=(("CHLD", None),)))
    bookings = await count(uow, Booking)
    with pytest.raises(RuleViolation, match="aged 12 on 2026-10-20"):
        await uow.run(pl.book_case, PLANNER, cid, mid)
    assert await count(uow, Booking) == bookings
