"""Issue 14, items 1-2: movements, transits, cases, passengers, whole-case bookings,
moves and cancellations.  Each rule: the allowed case, the refused case (with nothing
written: rows and audit entries), and the live events.  Both backends (``backend``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements import i18n
from movements.domain.actions import planning as pl
from movements.domain.errors import ConflictError, PermissionDenied, RuleViolation
from movements.domain.events import (
    CaseSplitFlagged,
    MovementCreated,
    MovementUpdated,
    PassengerBooked,
    PassengerUpdated,
)
from movements.domain.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Case,
    Movement,
    MovementKind,
    Passenger,
    Role,
)
from movements.domain.planning_models import BookingCancellation, TravelDocument
from movements.domain.uow import Actor, UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import GATE, SYSTEM, World, letters, world

#: A coordinator of AMS (the world's first airport, id 1 on both backends).
PLANNER = Actor(user_id=None, username="coord", role=Role.COORDINATOR,
                airport_ids=frozenset({1}))
ELSEWHERE = Actor(user_id=None, username="coord-rtm", role=Role.COORDINATOR,
                  airport_ids=frozenset({2}))

DAY = date(2026, 9, 15)


def at(h: int, m: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=UTC)


def dep(flight: str = "KL1571", dest: str = "EBL", hour: int = 14, **kw: object
        ) -> pl.NewMovement:
    fields: dict[str, object] = {"operational_date": DAY, "origin": "AMS",
                                 "destination": dest, "scheduled_at": at(hour), **kw}
    return pl.NewMovement(airport="AMS", kind=fields.pop("kind", MovementKind.DEPARTURE),  # type: ignore[arg-type]
                          carrier=flight[:2], flight_number=flight[2:], **fields)  # type: ignore[arg-type]


async def count(uow: UnitOfWork, model: type, *where: object) -> int:
    def q(s: Session) -> int:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]
    return await uow.read(q)


async def audits(uow: UnitOfWork, action: str) -> int:
    return await count(uow, AuditEntry, AuditEntry.action == action)


def person(surname: str, given: str, **kw: object) -> pl.NewPassenger:
    return pl.NewPassenger(surname=surname, given_names=given, **kw)  # type: ignore[arg-type]


DOC = pl.DocumentIn("passport", "A1234567", date(2030, 1, 1), "IRQ")


def doc_of(owner: str) -> pl.DocumentIn:
    """``DOC`` with a number of ``owner``'s own: one document belongs to one person, so
    passengers who share a case or a movement never share a passport number."""
    return pl.DocumentIn("passport", f"A{_alnum(owner).upper()[:8]}", date(2030, 1, 1), "IRQ")


def _alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


async def family(uow: UnitOfWork, ref: str = "C-100", n: int = 3) -> tuple[int, list[int]]:
    cid = await uow.run(pl.create_case, PLANNER, "AMS", ref)
    pids = []
    for i in range(n):
        pids.append(await uow.run(pl.create_passenger, PLANNER, cid,
                                  person("Hassan", f"Member {letters(i)}", sex="F",
                                         birth_date=date(1990 + i, 1, 1),
                                         nationality="irq"),
                                  pl.DocumentIn("passport", f"A{_alnum(ref)}{i}", date(2030, 1, 1),
                                                "IRQ")))
    return cid, pids


# --------------------------------------------------------------------------- movements

async def test_coordinator_plans_a_departure_live_and_audited(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    await world(uow)
    publisher.clear()
    mid = await uow.run(pl.plan_movement, PLANNER, dep())
    assert [type(e) for e in publisher.events] == [MovementCreated]
    assert "board:AMS:2026-09-15" in publisher.events[0].streams
    assert await audits(uow, "create_movement") == 3  # two from the world, this one
    m = await uow.read(lambda s: s.get(Movement, mid))
    assert (m.flight, m.destination, m.kind) == ("KL1571", "EBL", MovementKind.DEPARTURE)


@pytest.mark.parametrize(("new", "field", "message"), [
    (dep(operational_date=date(1900, 1, 1)), "date",
     "date 1900-01-01 is more than 7 days ago; plan flights from 2026-09-08"),
    (dep(operational_date=date(9999, 12, 31)), "date",
     "date 9999-12-31 is more than 2 years ahead; plan flights up to 2028-09-15"),
    (dep(dest="AMS"), "destination", "to AMS: a flight leaving AMS goes to another airport"),
    (dep(kind=MovementKind.ARRIVAL, origin="AMS", destination="AMS"), "origin",
     "from AMS: a flight arriving at AMS comes from another airport"),
], ids=["1900", "9999", "departure-to-itself", "arrival-from-itself"])
async def test_a_plan_far_off_in_time_or_to_its_own_airport_is_refused(
        uow: UnitOfWork, new: pl.NewMovement, field: str, message: str) -> None:
    await world(uow)
    before = await count(uow, Movement)
    with pytest.raises(RuleViolation) as refused:
        await uow.run(pl.plan_movement, PLANNER, new)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert await count(uow, Movement) == before
    assert await audits(uow, "create_movement") == 2  # the world's two only


async def test_telex_lists_of_a_movement_at_the_calendars_ends_do_not_overflow(
        uow: UnitOfWork) -> None:
    """Rows dated at the calendar's ends may exist (planned before the date rule):
    reconciling them finds no list instead of overflowing."""
    from movements.domain.actions.movements import create_movement
    from movements.domain.reconciliation import reconcile
    await world(uow)
    for day in (date.min, date.max):
        mid = await uow.run(create_movement, SYSTEM, dep(
            flight="KL9", operational_date=day, scheduled_at=at(10, day=day)))
        assert await uow.read(reconcile, mid) is None


async def test_gate_staff_cannot_plan_and_nothing_is_written(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    await world(uow)
    before = await count(uow, Movement)
    publisher.clear()
    with pytest.raises(PermissionDenied, match="only coordinator, admin") as refused:
        await uow.run(pl.plan_movement, GATE, dep())
    # Roles by their words, in the reader's language, never the stored "gate_staff".
    assert refused.value.message.endswith("you are gate staff"), refused.value.message
    dutch = i18n.refused(refused.value, "nl")
    assert "gate_staff" not in dutch and i18n.gettext("gate staff", "nl") in dutch, dutch
    assert await count(uow, Movement) == before
    assert publisher.events == []


@pytest.mark.parametrize(("change", "field"), [
    ({"carrier": "K"}, "carrier"), ({"flight_number": "X1"}, "flight_number"),
    ({"destination": "ERBIL"}, "destination"), ({"origin": "1AB"}, "origin"),
    ({"destination": "AMS"}, "destination"),  # a departure from AMS to AMS
    ({"operational_date": date(9999, 12, 31)}, "date"),
    ({"operational_date": date(1900, 1, 1)}, "date"),
])
async def test_bad_flight_data_is_refused_with_its_field(
        uow: UnitOfWork, change: dict[str, str], field: str) -> None:
    w = await world(uow)
    with pytest.raises(RuleViolation) as err:
        await uow.run(pl.edit_movement, PLANNER, w.departure_id, change)
    assert err.value.field == field


@pytest.mark.parametrize(("typed", "expected"), [
    ("KL1571", ("KL", "1571")), ("kl 1571", ("KL", "1571")), ("U21234", ("U2", "1234")),
    ("3U8888", ("3U", "8888")), ("TRA5542", ("TRA", "5542")), ("HV6001A", ("HV", "6001A")),
])
def test_one_flight_rule_for_every_edge(typed: str, expected: tuple[str, str]) -> None:
    assert pl.flight_designator(typed) == expected


@pytest.mark.parametrize("typed", ["", "KL", "1573", "KLM", "KL-1571", "KLABC"])
def test_a_flight_without_designator_and_number_is_refused(typed: str) -> None:
    with pytest.raises(RuleViolation, match="expected a flight such as KL1234") as err:
        pl.flight_designator(typed, "in_flight")
    assert err.value.field == "in_flight"


async def test_transit_plans_both_legs_and_shows_the_connection(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    await world(uow)
    inbound = pl.NewMovement(airport="AMS", kind=MovementKind.TRANSIT_IN, carrier="TK",
                             flight_number="1951", operational_date=DAY, origin="IST",
                             destination="AMS", scheduled_at=at(9, 30))
    onward = dep("KL0689", "YYZ", 10, kind=MovementKind.TRANSIT_OUT)
    publisher.clear()
    t = await uow.run(pl.plan_transit, PLANNER, inbound, onward)
    assert (t.connection_minutes, t.min_connection_minutes, t.short) == (30, 50, True)
    kinds = [type(e) for e in publisher.events]
    assert kinds.count(MovementCreated) == 2 and MovementUpdated in kinds


async def test_transit_with_onward_before_inbound_writes_neither_leg(uow: UnitOfWork) -> None:
    await world(uow)
    before = await count(uow, Movement)
    inbound = pl.NewMovement(airport="AMS", kind=MovementKind.TRANSIT_IN, carrier="TK",
                             flight_number="1951", operational_date=DAY, origin="IST",
                             destination="AMS", scheduled_at=at(11))
    with pytest.raises(RuleViolation, match="onward leg must leave after"):
        await uow.run(pl.plan_transit, PLANNER, inbound, dep("KL0689", "YYZ", 10))
    assert await count(uow, Movement) == before


async def test_edit_movement_moves_version_and_refuses_stale_and_duplicates(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    v = await uow.read(lambda s: s.get(Movement, w.departure_id).version)
    publisher.clear()
    assert await uow.run(pl.edit_movement, PLANNER, w.departure_id,
                         {"gate": "d9", "scheduled_at": at(10, 30)}, v,
                         reason="slot and gate moved by the airline")
    assert isinstance(publisher.events[0], MovementUpdated)
    assert publisher.events[0].changes["gate"] == "D9"
    with pytest.raises(ConflictError):
        await uow.run(pl.edit_movement, PLANNER, w.departure_id, {"gate": "D1"}, v)
    await uow.run(pl.plan_movement, PLANNER, dep())
    with pytest.raises(RuleViolation, match="exists already"):
        await uow.run(pl.edit_movement, PLANNER, w.departure_id,
                      {"flight_number": "1571", "destination": "EBL"})
    assert not await uow.run(pl.edit_movement, PLANNER, w.departure_id, {"gate": "D9"})


async def test_cancel_movement_lists_booked_passengers_until_released(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    cid, _ = await family(uow, n=2)
    ids = await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    with pytest.raises(RuleViolation, match=r"2 passenger\(s\) are booked.*C-100 HASSAN "
                                            r"Member AAAA; C-100 HASSAN Member AAAB"):
        await uow.run(pl.cancel_movement, PLANNER, w.departure_id, "aircraft change")
    with pytest.raises(RuleViolation, match="reason is required"):
        await uow.run(pl.cancel_movement, PLANNER, w.departure_id, "  ")
    for bid in ids:
        await uow.run(pl.cancel_booking, PLANNER, bid, "released: flight cancelled")
    publisher.clear()
    await uow.run(pl.cancel_movement, PLANNER, w.departure_id, "aircraft change")
    m = await uow.read(lambda s: s.get(Movement, w.departure_id))
    assert m.flight_state == "CNX"
    assert publisher.events[0].changes == {"flight_state": "CNX", "cancelled": "aircraft change"}  # type: ignore[attr-defined]
    with pytest.raises(RuleViolation, match="was cancelled"):
        await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    assert await audits(uow, "cancel_movement") == 1


# --------------------------------------------------------------------------- cases

async def test_case_and_passenger_with_document_round_trip(uow: UnitOfWork) -> None:
    await world(uow)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "vr-2016-0042")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        "Al-Jabouri", "Zainab", native_name="زينب الجبوري", birth_date=date(1988, 3, 2),
        sex="f", nationality="IRQ", language="Arabic", needs=(("WCHR", "long corridors"),),
        chronic_condition=pl.ChronicCondition.DIABETES), DOC)
    p = await uow.read(lambda s: (lambda p: (p.case.reference, p.sex, p.native_name,
                                             p.codes))(s.get(Passenger, pid)))
    assert p == (
        "VR-2016-0042", "F", "زينب الجبوري", ("WCHR",))
    doc = await uow.read(lambda s: s.get(TravelDocument, pid))
    assert (doc.number, doc.issuing_country, doc.expires_on) == ("A1234567", "IRQ",
                                                                 date(2030, 1, 1))
    # The audit never carries the document number.
    entries = await uow.read(lambda s: [repr((a.before, a.after)) for a in s.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == pid))])
    assert not any("A1234567" in e for e in entries)
    with pytest.raises(RuleViolation, match="exists already"):
        await uow.run(pl.create_case, PLANNER, "AMS", "VR-2016-0042")


@pytest.mark.parametrize(("kw", "doc", "field"), [
    ({"nationality": "XYZ"}, None, "nationality"),
    ({"birth_date": date(2027, 1, 1)}, None, "birth_date"),
    ({"given_names": " "}, None, "given_names"),
    ({"sex": "Q"}, None, "sex"),
    ({"needs": (("DEPO", None),)}, None, "needs"),
    ({"needs": (("UMNR", None),)}, None, "release_to_name"),
    ({}, pl.DocumentIn("visa", "A1", date(2030, 1, 1), "IRQ"), "doc_type"),
    ({}, pl.DocumentIn("passport", "A1;--", date(2030, 1, 1), "IRQ"), "doc_number"),
    ({}, pl.DocumentIn("passport", "A1", date(2030, 1, 1), "QQQ"), "doc_country"),
])
async def test_bad_passenger_is_refused_with_its_field_and_nothing_written(
        uow: UnitOfWork, kw: dict[str, object], doc: pl.DocumentIn | None, field: str) -> None:
    await world(uow)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-1")
    values: dict[str, object] = {"surname": "Okello", "given_names": "Grace", **kw}
    with pytest.raises(RuleViolation) as err:
        await uow.run(pl.create_passenger, PLANNER, cid, pl.NewPassenger(**values), doc)  # type: ignore[arg-type]
    assert err.value.field == field
    assert await count(uow, Passenger) == 0
    assert await audits(uow, "add_passenger") == 0


async def test_edit_passenger_pushes_to_booked_movements_and_checks_version(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    cid, (pid, *_) = await family(uow, n=1)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    v = await uow.read(lambda s: s.get(Passenger, pid).version)
    publisher.clear()
    new = person("Hassan", "Member AAAA", sex="F", birth_date=date(1990, 1, 1), nationality="IRQ",
                 needs=(("WCHS", None),), victim_of_trafficking=True)
    assert await uow.run(pl.edit_passenger, PLANNER, pid, new,
                         pl.DocumentIn("passport", "B7654321", date(2031, 5, 5), "IRQ"), v)
    assert [type(e) for e in publisher.events] == [PassengerUpdated]
    after = await uow.read(lambda s: (s.get(Passenger, pid).codes,
                                      s.get(Passenger, pid).victim_of_trafficking))
    assert after == (("WCHS",), True)
    with pytest.raises(ConflictError):
        await uow.run(pl.edit_passenger, PLANNER, pid, new, None, v)
    entry = await uow.read(lambda s: s.scalars(select(AuditEntry).where(
        AuditEntry.action == "edit_passenger")).one().after)
    assert set(entry["changed"]) == {"needs", "victim_of_trafficking", "travel_document"}
    with pytest.raises(PermissionDenied):
        await uow.run(pl.edit_passenger, GATE, pid, new)


async def test_book_case_books_every_member_in_one_action(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    cid, pids = await family(uow)
    publisher.clear()
    ids = await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    assert len(ids) == 3 and len(publisher.batches) == 1
    assert [e.passenger_id for e in publisher.events if isinstance(e, PassengerBooked)] == pids
    assert await audits(uow, "book_case") == 1


async def test_book_case_is_all_or_nothing(uow: UnitOfWork,
                                           publisher: CapturingPublisher) -> None:
    w = await world(uow)
    cid, pids = await family(uow)
    other = await uow.run(pl.create_case, PLANNER, "AMS", "C-200")
    with pytest.raises(RuleViolation, match="has no passengers yet"):
        await uow.run(pl.book_case, PLANNER, other, w.departure_id)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    before = await count(uow, Booking)
    publisher.clear()
    with pytest.raises(RuleViolation, match="HASSAN Member AAAA of case C-100 is already on"):
        await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    with pytest.raises(RuleViolation, match="goes to TIA, not EBL"):
        await uow.run(pl.book_case, PLANNER, cid, w.departure_id, stop="EBL")
    assert await count(uow, Booking) == before and publisher.events == []


async def test_move_case_whole_or_split_with_a_reason(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    later = await uow.run(pl.plan_movement, PLANNER, dep("KL1235", "TIA", 18))
    cid, pids = await family(uow)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    with pytest.raises(RuleViolation, match="moving 1 of 3 members splits case C-100; give a "
                                            "reason"):
        await uow.run(pl.move_case, PLANNER, cid, w.departure_id, later,
                      passenger_ids=(pids[0],))
    assert await count(uow, Booking, Booking.movement_id == later) == 0
    plan = await uow.run(pl.move_case, PLANNER, cid, w.departure_id, later,
                         passenger_ids=(pids[0],), split_reason="hospital appointment")
    assert plan.splits and plan.staying == tuple(pids[1:])
    assert any(isinstance(e, CaseSplitFlagged) for e in publisher.events)
    assert await uow.read(lambda s: s.get(Case, cid).split_flagged)
    # Moving the rest joins them again: the split clears.
    whole = await uow.run(pl.move_case, PLANNER, cid, w.departure_id, later)
    assert not whole.splits and set(whole.moving) == set(pids[1:])
    assert not await uow.read(lambda s: s.get(Case, cid).split_flagged)
    reasons = await uow.read(lambda s: set(s.scalars(select(BookingCancellation.reason))))
    assert reasons == {"moved to KL1235"}
    assert await count(uow, Booking, Booking.movement_id == w.departure_id,
                       Booking.status == BookingStatus.CANCELLED) == 3


async def test_cancel_booking_needs_a_reason_and_refuses_a_boarded_passenger(
        uow: UnitOfWork) -> None:
    from movements.domain.actions import milestones

    w = await world(uow)
    cid, pids = await family(uow, n=2)
    a, b = await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    with pytest.raises(RuleViolation, match="reason is required"):
        await uow.run(pl.cancel_booking, PLANNER, a, "")
    for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded"):
        await uow.run(milestones.record_milestone, SYSTEM, b, step)
    with pytest.raises(RuleViolation, match="already boarded"):
        await uow.run(pl.cancel_booking, PLANNER, b, "changed mind")
    await uow.run(pl.cancel_booking, PLANNER, a, "withdrew voluntary return")
    assert await uow.read(lambda s: s.get(Booking, a).status) is BookingStatus.CANCELLED
    with pytest.raises(RuleViolation, match="cancelled already"):
        await uow.run(pl.cancel_booking, PLANNER, a, "again")


async def test_world_helper_still_builds(uow: UnitOfWork) -> None:
    w: World = await world(uow)
    assert w.departure_id > 0


async def test_another_airports_coordinator_finds_nothing(uow: UnitOfWork) -> None:
    from movements.domain.actions import setup
    from movements.domain.errors import NotFound

    w = await world(uow)
    await uow.run(setup.ensure_airport, SYSTEM, "RTM", "Rotterdam The Hague", "Europe/Amsterdam")
    cid, pids = await family(uow, n=1)
    for call in (lambda: uow.run(pl.book_case, ELSEWHERE, cid, w.departure_id),
                 lambda: uow.run(pl.cancel_movement, ELSEWHERE, w.departure_id, "x"),
                 lambda: uow.run(pl.edit_passenger, ELSEWHERE, pids[0], person("A", "B"))):
        with pytest.raises(NotFound, match="^No such (case|flight|passenger) among yours"):
            await call()
    with pytest.raises(NotFound):
        await uow.run(pl.create_case, ELSEWHERE, "AMS", "C-X")
    assert await count(uow, Booking) == 0
