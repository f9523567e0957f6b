"""Pre-notified in the service levels (ECAC Doc 30 Annex 5-G, EC 1107/2006): named in a
carrier notification issued at least 48 h before the scheduled time, from the recorded
notification, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from movements.domain import reports as rp
from movements.domain.actions import planning as pl
from movements.domain.actions.prenotification import record_notice_sent
from movements.domain.models import Booking, Movement
from movements.domain.planning_models import CarrierNotification, NotifiedPassenger
from movements.domain.prenotification import carrier_notice
from movements.domain.uow import UnitOfWork
from tests.domain.test_planning import DAY, PLANNER, at, doc_of, person
from tests.factories import world


async def _departure(uow: UnitOfWork, number: str, days: int) -> int:
    day = DAY + timedelta(days=days)
    return await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=pl.MovementKind.DEPARTURE, carrier="KL", flight_number=number,
        operational_date=day, origin="AMS", destination="EBL", scheduled_at=at(9, day=day)))


async def _booked(uow: UnitOfWork, ref: str, surname: str, movement_id: int) -> int:
    cid = await uow.run(pl.create_case, PLANNER, "AMS", ref)
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        surname, "Adil", needs=(("WCHR", None),)), doc_of(ref + surname))
    await uow.run(pl.book_case, PLANNER, cid, movement_id)
    return pid


async def _notify(uow: UnitOfWork, movement_id: int) -> None:
    notice = await uow.read(carrier_notice, movement_id)
    await uow.run(record_notice_sent, PLANNER, movement_id, notice.fingerprint)


def _prenotified(session: Session) -> dict[int, bool]:
    return {pid: bool(flag) for pid, flag in session.execute(
        select(Booking.passenger_id, case((rp.prenotified(session), 1), else_=0))
        .join(Movement, Movement.id == Booking.movement_id)).all()}


async def test_prenotified_is_named_in_a_notice_issued_48_hours_before(
        uow: UnitOfWork) -> None:
    await world(uow)  # AMS and its users; the clock stands at 15 Sep 08:00 UTC
    early = await _departure(uow, "1571", days=3)  # 73 h ahead
    late = await _departure(uow, "1573", days=1)  # 25 h ahead
    never = await _departure(uow, "1575", days=4)
    on_time = await _booked(uow, "C-1", "Saleh", early)
    too_late = await _booked(uow, "C-2", "Haddad", late)
    unsent = await _booked(uow, "C-3", "Nasser", never)
    await _notify(uow, early)
    await _notify(uow, late)
    after = await _booked(uow, "C-4", "Karimi", early)  # booked after the notice went out
    state = await uow.read(_prenotified)
    assert state == {on_time: True, too_late: False, unsent: False, after: False}
    # The notice names whom it was about, with the codes sent.
    named = await uow.read(lambda s: sorted(
        (n.passenger_id, n.codes) for n in s.scalars(select(NotifiedPassenger))))
    assert named == sorted([(on_time, "WCHR"), (too_late, "WCHR")])
    # A corrected notice issued in time names the later booking too.
    await _notify(uow, early)
    state = await uow.read(_prenotified)
    assert state[after] is True
    sent = await uow.read(lambda s: [(n.username, n.corrected) for n in s.scalars(
        select(CarrierNotification).where(CarrierNotification.movement_id == early)
        .order_by(CarrierNotification.id))])
    assert sent == [("coord", False), ("coord", True)]
