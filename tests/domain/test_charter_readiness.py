"""Issue 14, items 3-4: charters (route, capacity per leg, crew, pickups) and readiness
before departure (document, MEDIF, UMNR, declaration/consent, escort; confirm or
override).  Allowed and refused, nothing written on refusal, both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from movements.domain.actions import charters as ch
from movements.domain.actions import escorts
from movements.domain.actions import planning as pl
from movements.domain.actions.readiness import ClearanceIn, confirm_case, record_clearance
from movements.domain.errors import RuleViolation
from movements.domain.events import MovementUpdated
from movements.domain.models import AuditEntry, Booking, CharterStop
from movements.domain.planning_models import (
    CarrierNotification,
    CaseConfirmation,
    CharterCrew,
    GroundPickup,
)
from movements.domain.planning_queries import charter_view
from movements.domain.readiness import add_months, case_readiness, country_of
from movements.domain.uow import UnitOfWork
from tests.conftest import CapturingPublisher
from tests.domain.test_planning import DAY, DOC, PLANNER, at, count, family, person
from tests.factories import world


def charter_plan(seats: int = 6) -> tuple[pl.NewMovement, str, int, tuple[ch.StopIn, ...]]:
    new = pl.NewMovement(airport="AMS", kind=pl.MovementKind.DEPARTURE, carrier="OR",
                         flight_number="9301", operational_date=DAY, origin="AMS",
                         destination="BSR", scheduled_at=at(9), aircraft_type="B738",
                         aircraft_registration="PH-TFA")
    stops = (ch.StopIn("BGW", at(14)), ch.StopIn("EBL", at(16)), ch.StopIn("BSR", at(18)))
    return new, "TUI fly Netherlands", seats, stops


async def a_charter(uow: UnitOfWork, seats: int = 6) -> int:
    await world(uow)
    return await uow.run(ch.plan_charter, PLANNER, *charter_plan(seats))


async def test_three_stop_charter_with_headcount_per_leg(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow)
    view = await uow.read(charter_view, mid)
    assert view is not None
    assert [(s.code, s.scheduled_at) for s in view.stops] == [
        ("BGW", at(14)), ("EBL", at(16)), ("BSR", at(18))]
    assert (view.operator, view.seat_capacity, view.aircraft_registration) == (
        "TUI fly Netherlands", 6, "PH-TFA")
    wheel, _ = await family(uow, "C-W", n=1)
    fam, _ = await family(uow, "C-F", n=3)
    await uow.run(pl.book_case, PLANNER, wheel, mid, stop="BGW")
    await uow.run(pl.book_case, PLANNER, fam, mid, stop="ebl")
    await uow.run(ch.add_crew, PLANNER, mid, "Dr. A. Visser", "medical_doctor", leave_at="EBL")
    view = await uow.read(charter_view, mid)
    assert view is not None
    assert [(lg.frm, lg.to, lg.passengers, lg.crew, lg.free) for lg in view.legs] == [
        ("AMS", "BGW", 4, 1, 1), ("BGW", "EBL", 3, 1, 2), ("EBL", "BSR", 0, 0, 6)]


async def test_over_capacity_is_refused_and_nothing_is_booked(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow, seats=4)
    first, _ = await family(uow, "C-1", n=3)
    second, _ = await family(uow, "C-2", n=2)
    await uow.run(pl.book_case, PLANNER, first, mid, stop="BSR")
    before = await count(uow, Booking)
    publisher.clear()
    with pytest.raises(RuleViolation, match=r"OR9301 AMS\u2013BGW: 5 on board \(5 passengers, "
                                            r"0 crew\) for 4 seats; 1 over capacity"):
        await uow.run(pl.book_case, PLANNER, second, mid, stop="BGW")
    assert await count(uow, Booking) == before and publisher.events == []
    with pytest.raises(RuleViolation, match="over capacity"):
        await uow.run(ch.add_crew, PLANNER, mid, "J. de Boer", "escort")
        await uow.run(ch.add_crew, PLANNER, mid, "K. de Boer", "escort")
    assert await count(uow, CharterCrew) == 1
    with pytest.raises(RuleViolation, match="over capacity"):
        await uow.run(ch.edit_charter, PLANNER, mid, seat_capacity=3)


@pytest.mark.parametrize(("stops", "message"), [
    ((), "at least one stop"),
    ((ch.StopIn("BGW", at(14)), ch.StopIn("BGW", at(16))), "BGW is on the route twice"),
    ((ch.StopIn("BGW", at(14)), ch.StopIn("EBL", at(13))), r"stop 2 \(EBL\) must be after"),
    ((ch.StopIn("BG1", at(14)),), "not an IATA airport code"),
])
async def test_bad_route_is_refused_and_nothing_is_planned(
        uow: UnitOfWork, stops: tuple[ch.StopIn, ...], message: str) -> None:
    await world(uow)
    new, op, seats, _ = charter_plan()
    with pytest.raises(RuleViolation, match=message):
        await uow.run(ch.plan_charter, PLANNER, new, op, seats, stops)
    assert await count(uow, CharterStop) == 0
    assert await count(uow, AuditEntry, AuditEntry.action == "plan_charter") == 0


async def test_charter_booking_needs_a_stop_on_the_route(uow: UnitOfWork) -> None:
    mid = await a_charter(uow)
    cid, _ = await family(uow, n=1)
    with pytest.raises(RuleViolation, match="choose the stop"):
        await uow.run(pl.book_case, PLANNER, cid, mid)
    with pytest.raises(RuleViolation, match=r"does not stop at NJF \(stops: BGW, EBL, BSR\)"):
        await uow.run(pl.book_case, PLANNER, cid, mid, stop="NJF")


async def test_crew_and_pickups(uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    mid = await a_charter(uow)
    publisher.clear()
    await uow.run(ch.add_crew, PLANNER, mid, "M. Jansen", "nurse", board_at="AMS", leave_at="BSR")
    assert isinstance(publisher.events[0], MovementUpdated)
    with pytest.raises(RuleViolation, match="must leave after boarding"):
        await uow.run(ch.add_crew, PLANNER, mid, "X", "escort", board_at="EBL", leave_at="BGW")
    with pytest.raises(RuleViolation, match="role 'pilot' must be one of"):
        await uow.run(ch.add_crew, PLANNER, mid, "X", "pilot")
    pid = await uow.run(ch.add_pickup, PLANNER, mid, "Reception centre Ter Apel", at(5),
                        "coach 52 seats", 38)
    for when, n, message in ((at(9, 30), 10, "not before the departure"),
                             (at(5), 0, "between 1 and 90")):
        with pytest.raises(RuleViolation, match=message):
            await uow.run(ch.add_pickup, PLANNER, mid, "AZC Budel", when, "van", n)
    assert await count(uow, GroundPickup) == 1
    view = await uow.read(charter_view, mid)
    assert view is not None and view.pickup_headcount == 38 and view.pickups[0].id == pid
    await uow.run(ch.remove_pickup, PLANNER, pid)
    assert await count(uow, GroundPickup) == 0


# --------------------------------------------------------------------------- readiness

def test_helpers() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert country_of("EBL") == "IQ" and country_of("ZZZ") is None


async def test_readiness_from_missing_medical_clearance_to_ready(uow: UnitOfWork) -> None:
    mid = await a_charter(uow)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-MED")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        "Karim", "Layla", needs=(("WCHC", None), ("MEDA", "post-operative"))), DOC)
    await uow.run(pl.book_case, PLANNER, cid, mid, stop="EBL")
    state = await uow.read(case_readiness, cid, mid)
    assert state is not None
    assert state.summary == ("missing: medical clearance, voluntary-movement declaration, "
                             "consent, medical escort")
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(
        medif_valid_until=DAY + timedelta(days=10), medif_flights=("KL1", "or 9301"),
        declaration=True, consent=True))
    await uow.run(ch.add_crew, PLANNER, mid, "Dr. A. Visser", "medical_doctor")
    state = await uow.read(case_readiness, cid, mid)
    assert state is not None and state.summary == "ready"


async def test_medif_must_cover_every_leg_and_the_travel_date(uow: UnitOfWork) -> None:
    w = await world(uow)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-OX")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        "Karim", "Omar", needs=(("OXYG", None),), medical_escort_required=True), DOC)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    await uow.run(escorts.assign_escort, PLANNER, w.departure_id, pid, "medical", "N. Bos")
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(
        medif_valid_until=DAY - timedelta(days=1), medif_flights=("KL1234",),
        declaration=True, consent=True))

    async def missing() -> tuple[str, ...]:
        state = await uow.read(case_readiness, cid, w.departure_id)
        assert state is not None
        return state.missing

    assert await missing() == ("medical clearance",)
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(
        medif_valid_until=DAY, medif_flights=("KL9999",)))
    assert await missing() == ("medical clearance",)
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(medif_flights=("KL1234",)))
    assert await missing() == ()
    with pytest.raises(RuleViolation, match="not a flight such as KL1234"):
        await uow.run(record_clearance, PLANNER, pid, ClearanceIn(medif_flights=("12",)))


async def test_document_validity_and_six_months_for_the_destination(uow: UnitOfWork) -> None:
    w = await world(uow)  # KL1234 to TIA (Albania: no six-month rule in the list)
    erbil = await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=pl.MovementKind.DEPARTURE, carrier="KL", flight_number="1571",
        operational_date=DAY, origin="AMS", destination="EBL", scheduled_at=at(14)))
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-DOC")
    soon = pl.DocumentIn("passport", "P1", DAY + timedelta(days=60), "IRQ")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person("Aziz", "Sami"), soon)
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(declaration=True, consent=True))
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    await uow.run(pl.book_case, PLANNER, cid, erbil)
    tia = await uow.read(case_readiness, cid, w.departure_id)
    ebl = await uow.read(case_readiness, cid, erbil)
    assert tia is not None and tia.ready
    assert ebl is not None and ebl.missing == ("travel document valid 6 months after travel "
                                               "(EBL)",)
    expired = pl.DocumentIn("passport", "P1", DAY - timedelta(days=1), "IRQ")
    await uow.run(pl.edit_passenger, PLANNER, pid, person("Aziz", "Sami"), expired)
    tia = await uow.read(case_readiness, cid, w.departure_id)
    assert tia is not None and tia.missing == ("travel document valid on 2026-09-15",)


async def test_validity_table_is_data_an_admin_edits(uow: UnitOfWork) -> None:
    """Allowed and refused by the table in force: packaged (IQ asks 6 months, AL nothing),
    then an administrator's rows (AL 3 months, IQ none); others may not edit it."""
    from movements.domain.actions import entry_validity as ev
    from movements.domain.errors import PermissionDenied
    from movements.domain.planning_models import EntryValidityRule
    from movements.domain.uow import Actor
    from tests.factories import SYSTEM

    w = await world(uow)  # KL1234 to TIA (Albania)
    erbil = await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=pl.MovementKind.DEPARTURE, carrier="KL", flight_number="1571",
        operational_date=DAY, origin="AMS", destination="EBL", scheduled_at=at(14)))
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-DOC")
    soon = pl.DocumentIn("passport", "P1", DAY + timedelta(days=60), "IRQ")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person("Aziz", "Sami"), soon)
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(declaration=True, consent=True))
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    await uow.run(pl.book_case, PLANNER, cid, erbil)

    async def missing(movement_id: int) -> tuple[str, ...]:
        state = await uow.read(case_readiness, cid, movement_id)
        assert state is not None
        return state.missing

    assert await missing(w.departure_id) == ()
    assert await missing(erbil) == ("travel document valid 6 months after travel (EBL)",)
    with pytest.raises(PermissionDenied):
        await uow.run(ev.set_rule, PLANNER, "AL", 3, "a coordinator's guess")
    for bad, match in ((("XK1", 3, "src"), "country 'XK1' is not an ISO 3166 country"),
                       (("AL", 25, "src"), "months 25: expected 0 to 24"),
                       (("AL", 3, "  "), "source")):
        with pytest.raises(RuleViolation, match=match):
            await uow.run(ev.set_rule, SYSTEM, *bad)
    assert await count(uow, EntryValidityRule) == 0
    assert await count(uow, AuditEntry, AuditEntry.action == "set_entry_validity") == 0
    admin = Actor.system("admin-ana")
    await uow.run(ev.set_rule, admin, "alb", 3, "Embassy of Albania, letter 2026-10-02")
    await uow.run(ev.set_rule, admin, "Iraq", 0, "Iraqi consulate, 2026-11-20")
    assert await missing(w.departure_id) == ("travel document valid 3 months after travel "
                                             "(TIA)",)
    assert await missing(erbil) == ()
    entry = await uow.read(lambda s: s.scalars(select(AuditEntry).where(
        AuditEntry.action == "set_entry_validity").order_by(AuditEntry.id)).first())
    assert entry is not None and entry.username == "admin-ana" and entry.detail == "AL"
    await uow.run(ev.clear_rule, admin, "IQ")
    assert await missing(erbil) == ("travel document valid 6 months after travel (EBL)",)


async def test_unaccompanied_minor_needs_both_guardians(uow: UnitOfWork) -> None:
    w = await world(uow)
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-UM")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        "Noor", "Ali", birth_date=date(2014, 1, 1), needs=(("UMNR", None),),
        release_to_name="Fatima Noor", release_to_relation="aunt"), DOC)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    await uow.run(record_clearance, PLANNER, pid, ClearanceIn(
        declaration=True, consent=True, guardian_origin_confirmed=True))
    state = await uow.read(case_readiness, cid, w.departure_id)
    assert state is not None and state.missing == ("guardians confirmed (destination)",)


async def test_confirm_refused_while_missing_unless_overridden(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    cid, pids = await family(uow, n=2)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    publisher.clear()
    with pytest.raises(RuleViolation, match="case C-100 is not ready: missing: "
                                            "voluntary-movement declaration, consent"):
        await uow.run(confirm_case, PLANNER, cid, w.departure_id)
    assert await count(uow, CaseConfirmation) == 0 and publisher.events == []
    await uow.run(confirm_case, PLANNER, cid, w.departure_id,
                  override_reason="declaration signed on paper, scan follows")
    row = await uow.read(lambda s: s.scalars(select(CaseConfirmation)).one())
    assert row.missing == "voluntary-movement declaration, consent"
    for pid in pids:
        await uow.run(record_clearance, PLANNER, pid, ClearanceIn(declaration=True, consent=True))
    await uow.run(confirm_case, PLANNER, cid, w.departure_id)
    rows = await uow.read(lambda s: s.scalar(select(func.count()).select_from(
        CaseConfirmation).where(CaseConfirmation.override_reason.is_(None))))
    assert rows == 1


# --------------------------------------------------------------------------- pre-notification

async def test_carrier_notice_round_trips_through_the_psm_parser_and_corrects(
        uow: UnitOfWork, publisher: CapturingPublisher, clock: object) -> None:
    from movements.domain.actions.prenotification import (
        NOTICE_ALERT,
        evaluate_notices,
        record_notice_sent,
    )
    from movements.domain.models import Alert
    from movements.domain.prenotification import carrier_notice
    from movements.ingest.psm import parse_psm

    mid = await a_charter(uow)  # departs 15 Sep 09:00 UTC; the clock is 15 Sep 08:00
    cid = await uow.run(pl.create_case, PLANNER, "AMS", "C-W")
    pid = await uow.run(pl.create_passenger, PLANNER, cid, person(
        "Al-Jabouri", "Zainab Noor", sex="F", birth_date=date(1950, 1, 1),
        needs=(("WCHR", "long corridors"), ("MEDA", "diagnosis text")),
        victim_of_trafficking=True), DOC)
    await uow.run(pl.book_case, PLANNER, cid, mid, stop="EBL")
    notice = await uow.read(carrier_notice, mid)
    assert notice.telex.splitlines()[:3] == [
        "PSM", "OR9301/15SEP AMS PART1", "WCHR/MEDA 1 EBL ALJABOURI/ZAINABNOOR MRS FT LONG "
        "CORRIDORS"]
    psm = parse_psm(notice.telex, DAY)
    assert psm.entries[0].ssr_codes == ("WCHR", "MEDA")
    assert psm.entries[0].names[0].surname == "ALJABOURI"
    for text in (notice.telex, notice.email_body):
        assert "DIAGNOSIS" not in text.upper() and "traffick" not in text.lower()
    assert "WCHR (wheelchair for distance" in notice.email_body
    # Inside 48 h and not sent: the alert is raised once.
    assert await uow.run(evaluate_notices, PLANNER, "AMS") == (1, 0)
    assert await uow.run(evaluate_notices, PLANNER, "AMS") == (0, 0)
    with pytest.raises(Exception, match="changed since it was shown"):
        await uow.run(record_notice_sent, PLANNER, mid, "0" * 64)
    await uow.run(record_notice_sent, PLANNER, mid, notice.fingerprint)
    assert await count(uow, Alert, Alert.kind == NOTICE_ALERT, Alert.cleared_at.is_(None)) == 0
    with pytest.raises(RuleViolation, match="already sent"):
        await uow.run(record_notice_sent, PLANNER, mid, notice.fingerprint)
    # A change after sending: the notice is marked corrected, and overdue again.
    await uow.run(pl.edit_passenger, PLANNER, pid, person(
        "Al-Jabouri", "Zainab Noor", sex="F", birth_date=date(1950, 1, 1),
        needs=(("WCHC", None),)), None)
    corrected = await uow.read(carrier_notice, mid)
    assert corrected.corrected and corrected.telex.startswith("COR\nPSM\n")
    assert corrected.email_subject.startswith("CORRECTED ")
    assert await uow.run(evaluate_notices, PLANNER, "AMS") == (1, 0)
    await uow.run(record_notice_sent, PLANNER, mid, corrected.fingerprint)
    sent = await uow.read(lambda s: [(n.corrected, n.username) for n in s.scalars(
        select(CarrierNotification).order_by(CarrierNotification.id))])
    assert sent == [(False, "coord"), (True, "coord")]


async def test_no_notice_without_needs_and_no_alert_before_48h(uow: UnitOfWork,
                                                               clock: object) -> None:
    from movements.domain.actions.prenotification import evaluate_notices
    from movements.domain.prenotification import carrier_notice

    w = await world(uow)
    cid, _ = await family(uow, n=1)
    await uow.run(pl.book_case, PLANNER, cid, w.departure_id)
    with pytest.raises(RuleViolation, match="nothing to notify"):
        await uow.read(carrier_notice, w.departure_id)
    later = await uow.run(pl.plan_movement, PLANNER, pl.NewMovement(
        airport="AMS", kind=pl.MovementKind.DEPARTURE, carrier="KL", flight_number="1571",
        operational_date=DAY + timedelta(days=3), origin="AMS", destination="EBL",
        scheduled_at=at(9, day=DAY + timedelta(days=3))))
    wc = await uow.run(pl.create_case, PLANNER, "AMS", "C-WC")
    await uow.run(pl.create_passenger, PLANNER, wc, person("Saleh", "Adil",
                                                         needs=(("WCHR", None),)), DOC)
    await uow.run(pl.book_case, PLANNER, wc, later)
    assert await uow.run(evaluate_notices, PLANNER, "AMS") == (0, 0)


# --------------------------------------------------------------------------- CSV stop column

async def test_passenger_csv_books_charter_stops_within_capacity(uow: UnitOfWork) -> None:
    from movements.ingest import passengers_csv as pc

    mid = await a_charter(uow, seats=3)

    def line(ref: str, surname: str, stop: str) -> str:
        values = {"case_reference": ref, "surname": surname, "given_names": "A",
                  "flight": "OR9301", "flight_date": "2026-09-15", "stop": stop}
        return ",".join(values.get(c, "") for c in pc.COLUMNS)

    good = "\n".join([pc.HEADER, line("C-1", "Aziz", "BGW"), line("C-1", "Aziz", "bgw"),
                      line("C-2", "Saleh", "EBL")])
    # (the second C-1 row is the same passenger again: unchanged)
    report = await pc.import_file(uow, PLANNER, good, airport="AMS")
    assert report.errors == () and report.kept, report
    view = await uow.read(charter_view, mid)
    assert view is not None
    assert [(lg.frm, lg.to, lg.passengers) for lg in view.legs] == [
        ("AMS", "BGW", 2), ("BGW", "EBL", 1), ("EBL", "BSR", 0)]
    before = await count(uow, Booking)
    bad = "\n".join([pc.HEADER, line("C-3", "Noor", "NJF"), line("C-4", "Ali", "BSR"),
                     line("C-5", "Omar", "BSR"), line("C-6", "Zaid", "B1")])
    report = await pc.import_file(uow, PLANNER, bad, airport="AMS")
    assert not report.kept
    reasons = [str(e) for e in report.errors]
    assert any("line 2" in r and "does not stop at NJF" in r for r in reasons), reasons
    assert any("line 4" in r and "over capacity" in r for r in reasons), reasons
    assert any("line 5" in r and "stop 'B1' is not an IATA airport code" in r for r in reasons)
    assert await count(uow, Booking) == before
