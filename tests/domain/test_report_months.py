"""Issue 17 item 6: reports added up from per-month parts kept under per-month stamps.

After each kind of write (demo year load, planning a movement, bulk passenger import,
moving a movement's date across a month end, a no-show, a passenger's edit, cancelling
a booking and a movement, the retention purge), the report added up from the parts
that were kept (recomputing only the months whose stamp moved) equals the report
computed over the whole range, table by table and fact by fact; and the months
recomputed are the write's own.  A write that failed to move its month's stamp would
leave a stale part in the sum and fail here.  Both backends."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.demo.load_year import load_year
from movements.domain import report_months as rm
from movements.domain import reports as rp
from movements.domain.actions import milestones
from movements.domain.actions import planning as pl
from movements.domain.actions.passenger_import import import_passengers
from movements.domain.actions.retention import purge_personal_data
from movements.domain.models import Booking, BookingStatus, Case, Movement, MovementKind
from movements.domain.uow import UnitOfWork
from movements.ingest import passengers_csv
from tests.domain.test_planning import DOC, PLANNER, at, family, person
from tests.factories import SYSTEM, world

HISTORY = (date(2016, 2, 1), date(2016, 3, 31))
PLANNED = (date(2026, 8, 1), date(2026, 10, 31))


class Parts:
    """What the web's ReportCache does for the reports: one part per month and kind,
    recomputed when that month's stamp moved.  ``recomputed`` lists the months the last
    ``check`` computed again."""

    def __init__(self) -> None:
        self.kept: dict[Any, tuple[Any, Any]] = {}
        self.recomputed: set[tuple[int, int]] = set()

    def part(self, session: Session, kind: str, f: rp.ReportFilter,
             stamps: dict[tuple[int, int], tuple[int, ...]], per: str) -> Any:
        key, stamp = (kind, f, per), stamps[rm.month_of(f)]
        hit = self.kept.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        self.recomputed.add(rm.month_of(f))
        value = rp.annual(session, f, top=None) if kind == "annual" \
            else rp.service_part(session, f, per=per)
        self.kept[key] = (stamp, value)
        return value

    def check(self, session: Session, first: date, last: date, *, per: str = "month"
              ) -> set[tuple[int, int]]:
        """Add the range up from the parts, compare with a whole recompute, and answer
        the months recomputed."""
        self.recomputed = set()
        f = rp.ReportFilter((1,), first, last)
        stamps = rp.month_stamps(session, ["AMS"], first, last)
        months = rm.month_filters(f)
        added = rm.add_annual([self.part(session, "annual", m, stamps, per)
                               for m in months])
        whole = rp.annual(session, f)
        assert added.facts == whole.facts
        for mine, theirs in zip(added.tables, whole.tables, strict=True):
            assert mine == theirs, mine.key
        assert rp.for_audience(added, coordinator=False) == \
            rp.for_audience(whole, coordinator=False)
        service, worst = rm.add_service([self.part(session, "service", m, stamps, per)
                                         for m in months])
        whole_service, whole_worst = rp.service_levels(session, f, per=per)
        for mine, theirs in zip(service.tables, whole_service.tables, strict=True):
            assert mine == theirs, mine.key
        assert worst == whole_worst
        for direction in ("departure",):  # a filter goes through the parts the same way
            g = rp.ReportFilter((1,), first, last, (direction,), need="WCHR")
            assert rm.add_annual([rp.annual(session, m, top=None)
                                  for m in rm.month_filters(g)]) == rp.annual(session, g)
        return set(self.recomputed)


async def test_parts_add_up_to_the_whole_after_every_kind_of_write(uow: UnitOfWork) -> None:
    await world(uow)  # AMS (id 1) and its users; the clock stands at 15 Sep 2026
    history, planned = Parts(), Parts()

    async def check(parts: Parts, span: tuple[date, date], per: str = "month"
                    ) -> set[tuple[int, int]]:
        return await uow.read(lambda s: parts.check(s, *span, per=per))

    assert await check(history, HISTORY) == {(2016, 2), (2016, 3)}  # nothing kept yet
    assert await check(history, HISTORY) == set()  # all kept

    # The demo year load (two months of it, in chunks): both months, nothing else.
    await load_year(uow, 2016, months={2, 3})
    assert await check(history, HISTORY) == {(2016, 2), (2016, 3)}
    assert await check(planned, PLANNED) == {(2026, 8), (2026, 9), (2026, 10)}
    assert await check(planned, PLANNED) == set()

    def first_booking(day: date, kind: MovementKind) -> Any:
        """The first booked passenger of that kind in the week from ``day``."""
        def q(s: Session) -> Any:
            return s.execute(select(Booking.id, Booking.passenger_id).join(Movement).where(
                Movement.operational_date.between(day, day.replace(day=day.day + 6)),
                Movement.kind == kind,
                Booking.status == BookingStatus.BOOKED).order_by(Booking.id).limit(1)).one()
        return q

    # A no-show in March: March only.
    booking, _ = await uow.read(first_booking(date(2016, 3, 10), MovementKind.DEPARTURE))
    await uow.run(milestones.record_no_show, SYSTEM, booking, "did not come")
    assert await check(history, HISTORY) == {(2016, 3)}

    # A passenger's nationality edited: the months of their bookings.
    _, pid = await uow.read(first_booking(date(2016, 2, 10), MovementKind.ARRIVAL))
    await uow.run(pl.edit_passenger, PLANNER, pid, person("Edited", "Someone",
                                                          nationality="SYR"), DOC)
    assert await check(history, HISTORY) == {(2016, 2)}

    # Planning in September: September only (August and October kept).
    flight = await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="HV", flight_number="5871",
        operational_date=date(2026, 9, 30), origin="AMS", destination="EBL",
        scheduled_at=at(18, day=date(2026, 9, 30))))
    cid, _pids = await family(uow, "C-R1", n=3)
    await uow.run(pl.book_case, PLANNER, cid, flight)
    assert await check(planned, PLANNED) == {(2026, 9)}

    # A bulk passenger import onto that flight.
    rows, errors = passengers_csv.parse(
        "case_reference,surname,given_names,nationality,needs,flight,flight_date\n"
        "C-R2,Karimi,Amal,AFG,WCHR,HV5871,2026-09-30\n"
        "C-R2,Karimi,Omid,AFG,,HV5871,2026-09-30\n")
    assert not errors
    await uow.run(import_passengers, PLANNER, "AMS", rows)
    assert await check(planned, PLANNED) == {(2026, 9)}

    # Its date moved across the month end: the old month and the new one.
    version = await uow.read(lambda s: s.get(Movement, flight).version)
    await uow.run(pl.edit_movement, PLANNER, flight,
                  {"operational_date": date(2026, 10, 1),
                   "scheduled_at": at(6, day=date(2026, 10, 1))}, version,
                  reason="the carrier moved the flight to the next morning")
    assert await check(planned, PLANNED) == {(2026, 9), (2026, 10)}
    assert await check(planned, PLANNED, per="day") == {(2026, 8), (2026, 9), (2026, 10)}

    # A booking cancelled: October only.
    booking, _ = await uow.read(first_booking(date(2026, 10, 1), MovementKind.DEPARTURE))
    await uow.run(pl.cancel_booking, PLANNER, booking, "travel document expired")
    assert await check(planned, PLANNED) == {(2026, 10)}

    # A case moved to a September flight: both months.
    earlier = await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="HV", flight_number="5873",
        operational_date=date(2026, 9, 20), origin="AMS", destination="EBL",
        scheduled_at=at(18, day=date(2026, 9, 20))))
    assert await check(planned, PLANNED) == {(2026, 9)}
    c_r2 = await uow.read(lambda s: s.scalar(select(Case.id).where(Case.reference == "C-R2")))
    await uow.run(pl.move_case, PLANNER, c_r2, flight, earlier)
    assert await check(planned, PLANNED) == {(2026, 9), (2026, 10)}

    # That flight cancelled once its case is moved back: both months again, then
    # September only.
    await uow.run(pl.move_case, PLANNER, c_r2, earlier, flight)
    assert await check(planned, PLANNED) == {(2026, 9), (2026, 10)}
    version = await uow.read(lambda s: s.get(Movement, earlier).version)
    await uow.run(pl.cancel_movement, PLANNER, earlier, "flight withdrawn", version)
    assert await check(planned, PLANNED) == {(2026, 9)}

    # The retention purge of 2016's people: their months (figures unchanged, still equal).
    await uow.run(purge_personal_data, SYSTEM, 365)
    assert (2016, 2) in await check(history, HISTORY)
    assert await check(planned, PLANNED) <= {(2026, 8), (2026, 9), (2026, 10)}
