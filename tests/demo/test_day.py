"""The demo day: built through the domain actions, on both databases, on any day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.demo.day import (
    DEMO_DAY_PATH,
    DemoDataError,
    DemoSummary,
    demo_users,
    load_demo_day,
    read_fixture,
    resolve_path,
)
from movements.domain.actions import setup
from movements.domain.clock import local_to_utc
from movements.domain.errors import RuleViolation
from movements.domain.events import (
    CaseSplitFlagged,
    HandoverSigned,
    MilestoneRecorded,
    MovementCreated,
    NoShowRecorded,
    PassengerBooked,
)
from movements.domain.models import (
    Airport,
    AuditEntry,
    Booking,
    BookingStatus,
    Case,
    EscortAssignment,
    EscortKind,
    Handover,
    HandoverStatus,
    Milestone,
    Movement,
    MovementKind,
    Organisation,
    OrganisationKind,
    Passenger,
    Role,
    Transit,
    User,
)
from movements.domain.uow import UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM

AMS = "Europe/Amsterdam"
DAY = date(2026, 9, 15)


def at(day: date, hhmm: str) -> datetime:
    return local_to_utc(day, hhmm, AMS)


async def load(uow: UnitOfWork, day: date = DAY, hhmm: str = "15:00") -> DemoSummary:
    return await uow.run(load_demo_day, SYSTEM, day, at(day, hhmm))


def movement(s: Session, carrier: str, number: str, day: date = DAY) -> Movement:
    return s.scalars(select(Movement).where(
        Movement.carrier == carrier, Movement.flight_number == number,
        Movement.operational_date == day)).one()


def final_step(m: Movement) -> str | None:
    return {MovementKind.DEPARTURE: "departed", MovementKind.ARRIVAL: "handed_over",
            MovementKind.TRANSIT_IN: "boarded_onward"}.get(m.kind)


def in_block(text: str | None, first: int, last: int) -> bool:
    return any(first <= ord(c) <= last for c in text or "")


# ---------------------------------------------------------------- checks on one loaded day
# A load runs every step through the actions (some 800 milestones with their events and
# audit), so each test loads once and runs several of these checks.

def check_shape(s: Session, summary: DemoSummary) -> None:
    ams_today = list(s.scalars(select(Movement).join(Airport).where(
        Airport.iata == "AMS", Movement.operational_date == DAY)))
    assert len(ams_today) >= 20
    assert {m.lane for m in ams_today} == {"departure", "arrival", "transit"}
    times = sorted(m.scheduled_at for m in ams_today)
    assert times[0] < at(DAY, "07:00") and times[-1] > at(DAY, "21:00")
    bru = s.scalars(select(Movement).join(Airport).where(Airport.iata == "BRU")).all()
    assert 2 <= len(bru) <= 3
    assert {a.timezone for a in s.scalars(select(Airport))} == {
        "Europe/Amsterdam", "Europe/Brussels"}
    assert {o.kind for o in s.scalars(select(Organisation))} == set(OrganisationKind)
    from movements.domain.actions.planning import check_other_end
    for m in s.scalars(select(Movement)):  # the planning rule holds for the demo's data too
        check_other_end(m.airport.iata, m.kind, m.origin, m.destination)

    n_pax = s.scalar(select(func.count(Passenger.id)))
    assert n_pax is not None and n_pax >= 150
    assert summary == DemoSummary(
        airports=2, movements=s.scalar(select(func.count(Movement.id))) or 0,
        passengers=n_pax, cases=s.scalar(select(func.count(Case.id))) or 0,
        handovers=s.scalar(select(func.count(Handover.id))) or 0)
    # Made through the actions: every passenger and movement has its audit entry.
    audited = dict(s.execute(select(AuditEntry.action, func.count(AuditEntry.id))
                             .group_by(AuditEntry.action)).all())
    assert audited["add_passenger"] == n_pax
    assert audited["create_movement"] == summary.movements

    charter = s.scalars(select(Movement).where(Movement.is_charter.is_(True))).one()
    stops = [st.airport_code for st in charter.stops]
    assert stops == ["BGW", "EBL", "BSR"]
    booked = [b.stop for b in charter.bookings]
    assert 30 <= len(booked) <= 40
    assert set(booked) == set(stops)
    assert all(booked.count(code) >= 5 for code in stops)

    links = s.scalars(select(Transit)).all()
    assert len(links) == 2
    assert {lk.onward.destination for lk in links} == {"YYZ", "OSL"}
    for lk in links:
        assert lk.inbound.kind is MovementKind.TRANSIT_IN
        assert lk.onward.kind is MovementKind.TRANSIT_OUT
        inbound_pax = {b.passenger_id for b in lk.inbound.bookings}
        assert inbound_pax and inbound_pax == {b.passenger_id for b in lk.onward.bookings}
    kq = movement(s, "KQ", "116")
    assert kq.origin == "NBO" and kq.kind is MovementKind.TRANSIT_IN


def check_needs_flags_and_families(s: Session) -> None:
    pax = list(s.scalars(select(Passenger)))
    by_code: dict[str, list[Passenger]] = {}
    for p in pax:
        for code in p.codes:
            by_code.setdefault(code, []).append(p)
    assert {"STCR", "MEDA", "OXYG", "WCHC", "WCHR", "BLND", "LANG", "MAAS", "UMNR",
            "INFT", "CHLD"} <= set(by_code)
    assert not {"DEPA", "DEPU", "INAD"} & set(by_code)
    for p in by_code["INFT"]:
        assert p.birth_date is not None and (p.age_on(DAY) or 0) < 2
    for p in by_code["CHLD"]:
        assert p.birth_date is not None and 2 <= (p.age_on(DAY) or 0) < 12
    assert any(p.chronic_condition is not None for p in pax)
    assert any("OXYG" in p.codes for p in by_code["MEDA"])
    for p in by_code["STCR"] + by_code["MEDA"]:
        for b in p.bookings:
            assert s.scalar(select(EscortAssignment.id).where(
                EscortAssignment.passenger_id == p.id,
                EscortAssignment.movement_id == b.movement_id,
                EscortAssignment.kind == EscortKind.MEDICAL)) is not None
    ages = [a for a in (p.age_on(DAY) for p in pax) if a is not None]
    assert len(ages) == len(pax) and min(ages) == 0 and max(ages) >= 90

    victims = [p for p in pax if p.victim_of_trafficking]
    assert victims and all(b.movement.kind is MovementKind.DEPARTURE
                           for p in victims for b in p.bookings)

    split = s.scalars(select(Case).where(Case.split_flagged.is_(True))).all()
    assert len(split) == 1
    assert len({b.movement_id for p in split[0].passengers for b in p.bookings}) == 2

    no_shows = s.scalars(select(Booking).where(Booking.status == BookingStatus.NO_SHOW)).all()
    assert len(no_shows) == 1 and no_shows[0].no_show_reason
    assert no_shows[0].milestones == []

    names = list(s.scalars(select(Passenger.native_name)))
    assert sum(in_block(n, 0x0600, 0x06FF) for n in names) >= 20  # Arabic
    assert sum(in_block(n, 0x0400, 0x04FF) for n in names) >= 10  # Cyrillic
    assert sum(in_block(n, 0x1200, 0x137F) for n in names) >= 10  # Ge'ez (Ethiopic)


def check_progress(s: Session, day: date, now: datetime) -> None:
    partial = 0
    for m in s.scalars(select(Movement).where(Movement.operational_date == day)):
        ticks = [x for b in m.bookings for x in b.milestones]
        assert all(x.at <= now for x in ticks)
        final = final_step(m)
        if m.scheduled_at < now - timedelta(hours=2):
            assert m.flight_state in {"DEP", "ARR"}, m.flight
            assert m.actual_at is not None and m.actual_at <= now
            if final and m.kind is not MovementKind.ARRIVAL:
                for b in m.bookings:
                    if b.status is BookingStatus.BOOKED:
                        assert final in {x.kind for x in b.milestones}, m.flight
        elif m.scheduled_at > now + timedelta(hours=3):
            assert m.flight_state in {"SCH", "DEL"}, m.flight
            assert ticks == [] and m.actual_at is None
        for b in m.bookings:
            kinds = {x.kind for x in b.milestones}
            if kinds and final not in kinds:
                partial += 1
    assert all(h.handed_at <= now for h in s.scalars(select(Handover)))
    if now < at(day, "22:00"):
        assert partial > 0  # some passengers are half way through right now


def check_handovers(s: Session, day: date) -> None:
    morning = movement(s, "TK", "1951", day)
    evening = movement(s, "TK", "1957", day)
    signed = s.scalars(select(Handover).where(Handover.movement_id == morning.id)).one()
    assert signed.status is HandoverStatus.SIGNED
    assert signed.receiving_organisation.kind is OrganisationKind.RECEPTION_AUTHORITY
    assert {p.id for p in signed.passengers} == {b.passenger_id for b in morning.bookings}
    for b in morning.bookings:
        assert "handed_over" in {x.kind for x in b.milestones}
    todo = s.scalars(select(Handover).where(Handover.movement_id == evening.id)).one()
    assert todo.status is HandoverStatus.DRAFT and todo.signed_at is None

    umnr = [p for p in s.scalars(select(Passenger)) if p.is_unaccompanied_minor]
    assert len(umnr) == 1
    child = umnr[0]
    assert child.birth_date is not None and 9 <= (child.age_on(day) or 0) <= 11
    handover = s.scalars(select(Handover).join(Handover.passengers)
                         .where(Passenger.id == child.id)).one()
    assert handover.status is HandoverStatus.SIGNED
    assert handover.receiving_organisation.kind is OrganisationKind.FAMILY
    assert handover.receiving_person == child.release_to_name
    assert handover.receiver_id_checked
    booking = child.bookings[0]
    assert booking.movement.kind is MovementKind.ARRIVAL
    assert "handed_over" in {x.kind for x in booking.milestones}

    departed = movement(s, "HV", "5421", day)
    abroad = s.scalars(select(Handover).where(Handover.movement_id == departed.id)).one()
    assert abroad.receiving_organisation.kind is OrganisationKind.RECEIVING_MISSION
    handed = {p.id for p in abroad.passengers}
    assert handed and all(b.status is BookingStatus.BOOKED
                          for b in departed.bookings if b.passenger_id in handed)


# ---------------------------------------------------------------- the tests

async def test_the_afternoon_board(uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    now = at(DAY, "15:00")
    summary = await uow.run(load_demo_day, SYSTEM, DAY, now)
    # One transaction: everything, planning and the steps played in, is published once.
    assert len(publisher.batches) == 1
    kinds = {type(e) for e in publisher.events}
    assert {MovementCreated, PassengerBooked, MilestoneRecorded, NoShowRecorded,
            HandoverSigned, CaseSplitFlagged} <= kinds
    await uow.read(lambda s: check_shape(s, summary))
    await uow.read(check_needs_flags_and_families)
    await uow.read(lambda s: check_progress(s, DAY, now))

    def afternoon(s: Session) -> None:
        ir = movement(s, "IR", "716")  # delayed: the estimate is known, the gate is open
        assert ir.estimated_at == ir.scheduled_at + timedelta(minutes=40)
        tia = movement(s, "HV", "5421")  # a step's time is its own, not the loading time
        met = [x.at for b in tia.bookings for x in b.milestones if x.kind == "met_at_point"]
        assert met and max(met) < tia.scheduled_at
        evening = movement(s, "TK", "1957")  # left Istanbul, 15 minutes late
        assert evening.flight_state == "AIR"
        assert evening.estimated_at == evening.scheduled_at + timedelta(minutes=15)
        assert movement(s, "W6", "4456").flight_state == "SCH"

    await uow.read(afternoon)

    # The CLI's accounts fit the loaded organisations and airports.
    users = demo_users()
    assert {u.role for u in users} == set(Role)
    airports = set(await uow.read(lambda s: s.scalars(select(Airport.iata)).all()))
    gate_at = {a for u in users if u.role is Role.GATE_STAFF for a in u.airports}
    assert gate_at == airports == {"AMS", "BRU"}  # gate staff to sign in at every airport
    for u in users:
        await uow.run(setup.add_user, SYSTEM, u.username, u.display_name, u.role,
                      "not-a-real-hash", organisation=u.organisation, airports=u.airports)
    reception = await uow.read(lambda s: s.scalars(select(Organisation.kind).join(
        User, User.organisation_id == Organisation.id).where(User.role == Role.RECEPTION)).one())
    assert reception is OrganisationKind.RECEPTION_AUTHORITY

    # A second load is refused and changes nothing.
    with pytest.raises(RuleViolation, match="only into an empty database"):
        await uow.run(load_demo_day, SYSTEM, DAY, now)
    count = await uow.read(lambda s: s.scalar(select(func.count(Movement.id))))
    assert count == summary.movements


async def test_early_morning_board_has_nothing_ticked_yet(uow: UnitOfWork) -> None:
    await uow.run(load_demo_day, SYSTEM, DAY, at(DAY, "04:00"))
    ticked = await uow.read(lambda s: s.scalar(select(func.count(Milestone.id))))
    states = await uow.read(lambda s: dict(s.execute(select(
        Movement.flight_state, func.count(Movement.id)).group_by(Movement.flight_state)).all()))
    assert ticked == 0
    assert set(states) <= {"SCH", "AIR", "DEL"}
    assert states.get("AIR")  # the long-haul early arrivals are on their way


# Each daylight-saving day once, each on one database (a load takes a while).
@pytest.mark.parametrize(("backend", "day", "six_local_utc", "late_local_utc"), [
    # Summer time starts at 02:00 on 29 March 2026: 06:00 CEST is 04:00 UTC.
    ("sqlite", date(2026, 3, 29), datetime(2026, 3, 29, 4, 0, tzinfo=UTC),
     datetime(2026, 3, 29, 20, 10, tzinfo=UTC)),
    # Summer time ends at 03:00 on 25 October 2026: 06:00 CET is 05:00 UTC.
    ("postgresql", date(2026, 10, 25), datetime(2026, 10, 25, 5, 0, tzinfo=UTC),
     datetime(2026, 10, 25, 21, 10, tzinfo=UTC)),
], indirect=["backend"], ids=["spring-forward", "fall-back"])
async def test_late_evening_on_daylight_saving_days(
        uow: UnitOfWork, day: date, six_local_utc: datetime, late_local_utc: datetime) -> None:
    now = at(day, "23:30")
    await uow.run(load_demo_day, SYSTEM, day, now)

    def check(s: Session) -> None:
        early = movement(s, "ET", "724", day)  # 06:00 local in the fixture
        assert early.scheduled_at == six_local_utc
        late = movement(s, "KQ", "117", day)  # 22:10 local
        assert late.scheduled_at == late_local_utc
        assert late.flight_state == "DEP"
        bru = s.scalars(select(Movement).join(Airport).where(
            Airport.iata == "BRU", Movement.carrier == "ET")).one()  # 12:10 Brussels time
        assert bru.scheduled_at == local_to_utc(day, "12:10", "Europe/Brussels")
        tomorrow = movement(s, "HV", "5421", day + timedelta(days=1))
        assert tomorrow.scheduled_at == local_to_utc(day + timedelta(days=1), "09:15", AMS)
        assert tomorrow.flight_state == "SCH"
        assert all(b.milestones == [] for b in tomorrow.bookings)
        check_progress(s, day, now)
        check_handovers(s, day)

    await uow.read(check)


async def test_naive_now_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(RuleViolation, match="aware"):
        await uow.run(load_demo_day, SYSTEM, DAY, datetime(2026, 9, 15, 12, 0))


# ---------------------------------------------------------------- the file

def test_fixture_is_found_and_an_explicit_path_is_honoured(tmp_path: Path) -> None:
    assert DEMO_DAY_PATH.is_file()
    assert resolve_path() == DEMO_DAY_PATH
    copy = tmp_path / "day.json"
    copy.write_text(DEMO_DAY_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert read_fixture(copy) == read_fixture()
    with pytest.raises(FileNotFoundError):
        resolve_path(tmp_path / "missing.json")


def test_gate_staff_of_each_airport_belong_to_their_own_team(tmp_path: Path) -> None:
    users = {u.username: u for u in demo_users()}
    assert users["gatebru"].organisation == "Agency airport team Brussels"
    assert users["gate"].organisation == "Agency airport team Schiphol"
    # A fixture that puts Brussels gate staff in the Schiphol team is refused.
    data = read_fixture()
    for u in data["users"]:
        if u["username"] == "gatebru":
            u["organisation"] = "team"
    wrong = tmp_path / "day.json"
    wrong.write_text(json.dumps(data))
    with pytest.raises(DemoDataError, match="gatebru: gate staff at BRU"):
        demo_users(wrong)
