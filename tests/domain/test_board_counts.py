"""The board row's counts come from SQL aggregates (``queries._row_counts``): they must
equal what the per-row Python (``queries._summary`` over loaded bookings) counts, for
every kind of passenger the badges and counters tell apart."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain import milestones as steps
from movements.domain import queries
from movements.domain.actions import milestones, planning
from movements.domain.actions import movements as mv
from movements.domain.models import ChronicCondition, Movement, MovementKind
from movements.domain.uow import UnitOfWork
from tests.factories import COORD, GATE, SYSTEM, add_pax, transit_legs, world

DAY = date(2026, 9, 15)


def _loaded(session: Session) -> dict[int, queries.MovementSummary]:
    """Every movement's row counted the old way: from its loaded bookings."""
    movements = list(session.scalars(select(Movement).options(
        *queries._movement_options())).unique())  # type: ignore[arg-type]
    ids = [m.id for m in movements]
    links = queries._links(session, ids)
    alerts = queries._open_alerts(session, ids)
    return {m.id: queries._summary(m, alerts[m.id], links, queries._legs(session, links))
            for m in movements}


async def _all_steps(uow: UnitOfWork, booking_id: int, kind: MovementKind) -> None:
    for step in steps.sequence_for(kind):
        await uow.run(milestones.record_milestone, GATE, booking_id, step.key,
                      override_reason="aircraft at the stand early")


async def test_aggregate_counts_equal_the_loaded_rows(uow: UnitOfWork) -> None:
    w = await world(uow)
    inbound, onward = await uow.run(transit_legs, SYSTEM)
    dep, arr = w.departure_id, w.arrival_id
    # One passenger per badge group (codes and the agency's flags), several groups at
    # once, a need of a group the board does not show, and no need at all.
    for ref, needs, flags in (
            ("C-WCH", (("WCHR", None),), {}),
            ("C-STR", (("STCR", None), ("MEDA", "oxygen")), {}),
            ("C-MIN", (("UMNR", None),), {"release_to_name": "Aunt Ilse"}),
            ("C-MAA", (("MAAS", None), ("WCHC", None)), {}),
            ("C-DEF", (("DEAF", None),), {}),
            ("C-ESC", (), {"operational_escort_required": True}),
            ("C-MED", (), {"medical_escort_required": True}),
            ("C-CHR", (), {"chronic_condition": ChronicCondition.DIABETES}),
            ("C-NON", (), {})):
        await uow.run(add_pax, SYSTEM, dep, ref, "Pax", ref, needs, **flags)
    # Counters: booked, no-show, cancelled (counts nowhere), all steps done.
    _, done_bid = await uow.run(add_pax, SYSTEM, arr, "C-DONE", "Done", "Dana")
    await _all_steps(uow, done_bid, MovementKind.ARRIVAL)
    _, half_bid = await uow.run(add_pax, SYSTEM, arr, "C-HALF", "Half", "Hana")
    await uow.run(milestones.record_milestone, GATE, half_bid,
                  steps.sequence_for(MovementKind.ARRIVAL)[0].key,
                  override_reason="aircraft at the stand early")
    _, ns_bid = await uow.run(add_pax, SYSTEM, arr, "C-NS", "Noshow", "Nina",
                              (("WCHR", None),))
    await uow.run(milestones.record_no_show, GATE, ns_bid, "did not come")
    _, cx_bid = await uow.run(add_pax, SYSTEM, arr, "C-CX", "Cancel", "Cleo",
                              (("STCR", None),), medical_escort_required=True)
    await uow.run(planning.cancel_booking, COORD, cx_bid, "released")
    # A case split over two flights; the transit's legs.
    await uow.run(add_pax, SYSTEM, dep, "C-SPLIT", "Split", "Sam")
    await uow.run(add_pax, SYSTEM, arr, "C-SPLIT", "Split", "Sara", (("WCHS", None),))
    _, t_bid = await uow.run(add_pax, SYSTEM, inbound, "C-T", "Transit", "Tom",
                             (("BLND", None),))
    await _all_steps(uow, t_bid, MovementKind.TRANSIT_IN)
    await uow.run(add_pax, SYSTEM, onward, "C-T2", "Transit", "Tia")

    expected = await uow.read(_loaded)
    board = {r.id: r for r in await uow.read(queries.board, "AMS", DAY)}
    assert set(board) == set(expected) == {dep, arr, inbound, onward}
    for mid, row in board.items():
        assert row == expected[mid], mid
        single = await uow.read(queries.movement_summary, mid)
        assert single is not None and single == expected[mid], mid
    # The figures themselves (so equal-but-both-wrong cannot pass).
    d, a, t = board[dep], board[arr], board[inbound]
    assert d.badges == {"escort": 6, "medical": 3, "stretcher_oxygen": 1,
                        "wheelchair": 2, "minor": 1, "meet_assist": 1}
    assert (d.passenger_count, d.no_show_count, d.done_count) == (10, 0, 0)
    assert (a.passenger_count, a.no_show_count, a.done_count) == (3, 1, 1)
    assert a.badges == {"wheelchair": 2}  # the cancelled STCR passenger counts nowhere
    assert a.case_references == ("C-DONE", "C-HALF", "C-NS", "C-SPLIT")
    assert a.case_split and d.case_split and not t.case_split
    assert t.done_count == 1 and board[onward].done_count == 0


async def test_readiness_read_as_columns_equals_the_per_passenger_rules(
        uow: UnitOfWork) -> None:
    """``movements_readiness`` (plain columns, every movement at once) against
    ``movement_readiness`` (ORM rows, one passenger at a time) over every rule."""
    from movements.domain.actions import escorts
    from movements.domain.actions.readiness import ClearanceIn, record_clearance
    from movements.domain.planning_queries import board_readiness
    from movements.domain.readiness import movement_readiness, movements_readiness
    from tests.domain.test_planning import PLANNER, doc_of, person

    w = await world(uow)
    inbound, onward = await uow.run(transit_legs, SYSTEM)
    erbil = await uow.run(planning.plan_movement, PLANNER, planning.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number="1571",
        operational_date=DAY, origin="AMS", destination="EBL",
        scheduled_at=datetime(2026, 9, 15, 14, tzinfo=UTC)))
    soon = planning.DocumentIn("passport", "P1", date(2026, 11, 1), "IRQ")
    expired = planning.DocumentIn("passport", "P2", date(2026, 9, 1), "IRQ")

    async def case_of(ref: str, movement_id: int, people: list[tuple[planning.NewPassenger,
                      planning.DocumentIn | None, ClearanceIn | None]]) -> list[int]:
        cid = await uow.run(planning.create_case, PLANNER, "AMS", ref)
        pids = []
        for new, doc, clearance in people:
            pid = await uow.run(planning.create_passenger, PLANNER, cid, new, doc)
            if clearance is not None:
                await uow.run(record_clearance, PLANNER, pid, clearance)
            pids.append(pid)
        await uow.run(planning.book_case, PLANNER, cid, movement_id)
        return pids

    full = ClearanceIn(declaration=True, consent=True)
    await case_of("R-READY", w.departure_id, [(person("Ready", "Rea"), doc_of("Ready"), full)])
    await case_of("R-NODOC", w.departure_id, [(person("Nodoc", "Nia"), None, None),
                                              (person("Nodoc", "Ned"), expired, full)])
    await case_of("R-6M", erbil, [(person("Six", "Sami"), soon, full)])
    med = await case_of("R-MED", w.departure_id, [(person(
        "Karim", "Omar", needs=(("OXYG", None),), medical_escort_required=True), doc_of("Karim"),
        ClearanceIn(medif_valid_until=date(2026, 9, 20), medif_flights=("KL1234",),
                    declaration=True, consent=True))])
    await uow.run(escorts.assign_escort, PLANNER, w.departure_id, med[0], "medical", "N. Bos")
    await case_of("R-UM", w.departure_id, [(person(
        "Noor", "Ali", birth_date=date(2014, 1, 1), needs=(("UMNR", None),),
        release_to_name="Fatima Noor", release_to_relation="aunt"), doc_of("Noor"),
        ClearanceIn(declaration=True, consent=True, guardian_origin_confirmed=True))])
    await case_of("R-ESC", erbil, [(person("Escort", "Eli", operational_escort_required=True),
                                    doc_of("Escort"), full)])
    # A transit: the MEDIF must name both legs (it names only the first).
    await uow.run(mv.link_transit, PLANNER, inbound, onward)
    await case_of("R-TR", inbound, [(person("Leg", "Lea", needs=(("MEDA", None),)),
                                     doc_of("Leg"),
                                     ClearanceIn(medif_valid_until=date(2026, 9, 30),
                                                 medif_flights=("KQ116",),
                                                 declaration=True, consent=True))])
    ids = [w.departure_id, erbil, inbound, onward, w.arrival_id]
    together = await uow.read(movements_readiness, ids)
    for mid in ids:
        alone = await uow.read(movement_readiness, mid)
        assert together.get(mid, []) == alone, mid
    shown = await uow.read(board_readiness, ids)
    assert shown[w.departure_id] == (
        "missing: travel document, voluntary-movement declaration, consent, "
        "travel document valid on 2026-09-15, guardians confirmed (destination)")
    assert shown[erbil] == ("missing: travel document valid 6 months after travel (EBL), "
                            "escort")
