"""The board row a live push re-renders (``row_read.board_row_with_readiness``: two or
three statements) equals the board's own row and readiness (``queries.board`` /
``queries.board_row`` + ``planning_queries.board_readiness``), over every badge group,
counter, transit pair, charter, crew, validity override and readiness item, and after
each kind of write that changes a row (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain import live_views as lv
from movements.domain import queries, row_read
from movements.domain.actions import charters as ch
from movements.domain.actions import entry_validity as ev
from movements.domain.actions import escorts, milestones, planning
from movements.domain.actions import movements as mv
from movements.domain.actions.alerts import evaluate_alerts
from movements.domain.actions.readiness import ClearanceIn, record_clearance
from movements.domain.models import Booking, Movement, MovementKind
from movements.domain.planning_queries import board_readiness
from movements.domain.streams import BoardStream
from movements.domain.uow import Actor, UnitOfWork
from tests.domain import test_board_counts as worlds
from tests.domain.test_planning import PLANNER, doc_of, person
from tests.factories import GATE, SYSTEM

DAY = date(2026, 9, 15)
ADMIN = Actor.system("admin-ana")


def _board(session: Session) -> dict[int, tuple[queries.MovementSummary, str | None]]:
    """Every movement as the board of its day shows it: row and readiness."""
    out: dict[int, tuple[queries.MovementSummary, str | None]] = {}
    days = {d for d in session.scalars(select(Movement.operational_date))}
    for day in days:
        rows = queries.board(session, "AMS", day)
        ready = board_readiness(session, [r.id for r in rows])
        out.update((r.id, (r, ready.get(r.id))) for r in rows)
    return out


def _single(session: Session) -> dict[int, tuple[queries.MovementSummary, str | None]]:
    """Every movement read alone, as a push reads it."""
    out = {}
    for mid in session.scalars(select(Movement.id)):
        found = row_read.board_row_with_readiness(session, mid)
        assert found is not None
        out[mid] = found
    return out


async def _same(uow: UnitOfWork) -> dict[int, tuple[queries.MovementSummary, str | None]]:
    board, single = await uow.read(_board), await uow.read(_single)
    assert set(single) == set(board)
    for mid, (row, ready) in board.items():
        assert single[mid] == (row, ready), mid
        assert await uow.read(queries.board_row, mid) == row, mid
    return board


async def test_single_row_equals_the_board_over_every_counter_and_badge(
        uow: UnitOfWork) -> None:
    await worlds.test_aggregate_counts_equal_the_loaded_rows(uow)  # its world, figures
    legs = await uow.read(lambda s: {m.flight: m.id for m in s.scalars(select(Movement))})
    await uow.run(mv.link_transit, PLANNER, legs["KQ116"], legs["KL673"])
    board = await _same(uow)
    assert any(row.badges for row, _ in board.values())
    assert any(row.done_count for row, _ in board.values())
    assert any(row.no_show_count for row, _ in board.values())
    assert any(row.linked is not None for row, _ in board.values())
    assert await uow.read(row_read.board_row_with_readiness, 10_000) is None


async def test_single_row_equals_the_board_over_every_readiness_rule(
        uow: UnitOfWork) -> None:
    await worlds.test_readiness_read_as_columns_equals_the_per_passenger_rules(uow)
    board = await _same(uow)
    texts = {ready for _, ready in board.values() if ready}
    assert any("guardians confirmed (destination)" in t for t in texts)
    assert any("6 months after travel" in t for t in texts)
    # A charter with stops, a passenger for a stop, crew; administrators' overrides.
    charter = await uow.run(ch.plan_charter, PLANNER, planning.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9301",
        operational_date=DAY, origin="AMS", destination="BSR",
        scheduled_at=datetime(2026, 9, 15, 9, tzinfo=UTC)), "TUI fly Netherlands", 8,
        (ch.StopIn("BGW", datetime(2026, 9, 15, 14, tzinfo=UTC)),
         ch.StopIn("EBL", datetime(2026, 9, 15, 16, tzinfo=UTC)),
         ch.StopIn("BSR", datetime(2026, 9, 15, 18, tzinfo=UTC))))
    cid = await uow.run(planning.create_case, PLANNER, "AMS", "R-CH")
    await uow.run(planning.create_passenger, PLANNER, cid, person(
        "Crew", "Cara", medical_escort_required=True), doc_of("Cara"))
    medif = await uow.run(planning.create_passenger, PLANNER, cid, person(
        "Crew", "Cem", needs=(("MEDA", None),)), doc_of("Cem"))
    await uow.run(record_clearance, PLANNER, medif, ClearanceIn(
        medif_valid_until=date(2026, 9, 20), medif_flights=("KL1234",), declaration=True,
        consent=True))
    await uow.run(planning.book_case, PLANNER, cid, charter, stop="EBL")
    before = await _same(uow)
    assert before[charter][0].stops == ("BGW", "EBL", "BSR")
    assert "medical escort" in (before[charter][1] or "")
    assert "medical clearance" in (before[charter][1] or "")  # names another flight
    await uow.run(ch.add_crew, PLANNER, charter, "Dr. A. Visser", "medical_doctor",
                  leave_at="EBL")
    after = await _same(uow)
    assert "medical escort" not in (after[charter][1] or "")
    await uow.run(ev.set_rule, ADMIN, "alb", 3, "Embassy of Albania, letter 2026-10-02")
    await uow.run(ev.set_rule, ADMIN, "Iraq", 0, "Iraqi consulate, 2026-11-20")
    overridden = await _same(uow)
    assert overridden != after


async def test_pushed_rows_equal_the_board_after_each_kind_of_write(
        uow: UnitOfWork) -> None:
    """``live_views.board_update`` (what a push renders) after each write that changes a
    row, against the board read fresh after the same write."""
    await worlds.test_readiness_read_as_columns_equals_the_per_passenger_rules(uow)
    dep = await uow.read(lambda s: s.scalar(select(Movement.id).where(
        Movement.flight_number == "1234")))
    booking = await uow.read(lambda s: s.scalars(select(Booking).where(
        Booking.movement_id == dep).order_by(Booking.id)).first())
    assert dep is not None and booking is not None
    stream = BoardStream("AMS", DAY)

    async def check(kind: str, movement_id: int) -> None:
        pushed = await uow.read(lv.board_update, stream,
                                [lv.Change(1, kind, movement_id, None)])
        board = await uow.read(_board)
        assert pushed.rows, kind
        for row in pushed.rows:
            assert (row, pushed.ready.get(row.id)) == board[row.id], kind

    first = "met_at_point"
    await uow.run(milestones.record_milestone, GATE, booking.id, first,
                  override_reason="aircraft at the stand early")
    await check("MilestoneRecorded", dep)
    await uow.run(milestones.record_no_show, GATE, booking.id, "did not come")
    await check("NoShowRecorded", dep)
    await uow.run(escorts.assign_escort, PLANNER, dep, booking.passenger_id, "operational",
                  "J. de Boer")
    await check("EscortAssigned", dep)
    await uow.run(record_clearance, PLANNER, booking.passenger_id,
                  ClearanceIn(declaration=True, consent=True))
    await check("PassengerUpdated", dep)
    await uow.run(planning.cancel_booking, PLANNER, booking.id, "released")
    await check("PassengerUpdated", dep)
    await uow.run(evaluate_alerts, SYSTEM, "AMS")
    await check("AlertRaised", dep)
    alerted = await uow.read(row_read.board_row_with_readiness, dep)
    assert alerted is not None and alerted[0].open_alerts > 0  # the check saw them
    await uow.run(mv.update_flight, SYSTEM, dep, {"flight_state": "DEP"}, source="feed")
    await check("MovementUpdated", dep)
    departed = await uow.read(lv.board_update, stream, [lv.Change(1, "MovementUpdated",
                                                                  dep, None)])
    assert dep not in departed.ready  # a departed flight shows no readiness
