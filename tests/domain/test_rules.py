"""Every rule of the domain actions: the allowed case, the refused case, and the events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from movements.domain.actions import escorts, handovers, milestones, passengers
from movements.domain.errors import ConflictError, RuleViolation
from movements.domain.events import (
    CaseSplitFlagged,
    EscortAssigned,
    HandoverCreated,
    HandoverSigned,
    MilestoneRecorded,
    NoShowRecorded,
)
from movements.domain.models import AuditEntry, Booking, Handover, StreamEvent
from movements.domain.uow import UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import GATE, SYSTEM, add_pax, on_blocks_and_met, world


async def _version(uow: UnitOfWork, booking_id: int) -> int:
    return await uow.read(lambda s: s.get(Booking, booking_id).version)  # type: ignore[union-attr]


async def test_milestones_in_order_are_recorded_with_events(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    publisher.clear()
    v = await _version(uow, bid)
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point", v)
    await uow.run(milestones.record_milestone, GATE, bid, "checked_in")
    kinds = [(type(e), getattr(e, "milestone", None)) for e in publisher.events]
    assert kinds == [(MilestoneRecorded, "met_at_point"), (MilestoneRecorded, "checked_in")]
    board = f"board:AMS:{date(2026, 9, 15)}"
    seqs = [e.streams[board] for e in publisher.events]
    assert seqs[1] == seqs[0] + 1
    assert f"movement:{w.departure_id}" in publisher.events[0].streams


async def test_out_of_order_milestone_needs_a_reason(uow: UnitOfWork,
                                                     publisher: CapturingPublisher) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    publisher.clear()
    with pytest.raises(RuleViolation, match="comes after: Met at designated point"):
        await uow.run(milestones.record_milestone, GATE, bid, "checked_in")
    assert publisher.events == []
    await uow.run(milestones.record_milestone, GATE, bid, "checked_in",
                  override_reason="met by airline staff at the desk")
    event = publisher.events[-1]
    assert isinstance(event, MilestoneRecorded) and event.overridden


async def test_milestone_of_another_movement_kind_is_refused(uow: UnitOfWork) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    with pytest.raises(RuleViolation, match="not a step of a departure"):
        await uow.run(milestones.record_milestone, GATE, bid, "customs")


@pytest.mark.parametrize("code", ["STCR", "MEDA"])
async def test_medical_passenger_boards_only_with_medical_escort(
        uow: UnitOfWork, publisher: CapturingPublisher, code: str) -> None:
    w = await world(uow)
    pid, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1", needs=((code, None),))
    for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate"):
        await uow.run(milestones.record_milestone, GATE, bid, step)
    publisher.clear()
    with pytest.raises(RuleViolation, match="medical escort"):
        await uow.run(milestones.record_milestone, GATE, bid, "boarded")
    assert publisher.events == []
    # An operational escort is not enough.
    await uow.run(escorts.assign_escort, GATE, w.departure_id, pid, "operational", "A. Smit")
    with pytest.raises(RuleViolation, match="medical escort"):
        await uow.run(milestones.record_milestone, GATE, bid, "boarded")
    await uow.run(escorts.assign_escort, GATE, w.departure_id, pid, "medical", "Dr. B. Jansen")
    await uow.run(milestones.record_milestone, GATE, bid, "boarded")
    assert [type(e) for e in publisher.events] == [EscortAssigned, EscortAssigned,
                                                   MilestoneRecorded]


async def test_no_show_needs_a_reason(uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    publisher.clear()
    with pytest.raises(RuleViolation, match="no-show reason is required"):
        await uow.run(milestones.record_no_show, GATE, bid, "   ")
    await uow.run(milestones.record_no_show, GATE, bid, "did not come to the meeting point")
    assert isinstance(publisher.events[-1], NoShowRecorded)
    with pytest.raises(RuleViolation, match="no-show"):
        await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")


async def test_stale_version_is_a_conflict(uow: UnitOfWork) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    v = await _version(uow, bid)
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point", v)
    with pytest.raises(ConflictError, match="changed by someone else"):
        await uow.run(milestones.record_no_show, GATE, bid, "gone", v)
    assert await _version(uow, bid) > v


async def test_case_split_across_movements_is_flagged(uow: UnitOfWork,
                                                      publisher: CapturingPublisher) -> None:
    w = await world(uow)
    await uow.run(add_pax, SYSTEM, w.departure_id, "FAM-7", "Haddad", "Rami")
    publisher.clear()
    await uow.run(add_pax, SYSTEM, w.departure_id, "FAM-7", "Haddad", "Lina")
    assert not [e for e in publisher.events if isinstance(e, CaseSplitFlagged)]
    await uow.run(add_pax, SYSTEM, w.arrival_id, "FAM-7", "Haddad", "Sami")
    flagged = [e for e in publisher.events if isinstance(e, CaseSplitFlagged)]
    assert {e.movement_id for e in flagged} == {w.departure_id, w.arrival_id}
    assert flagged[0].case_reference == "FAM-7"


def _umnr() -> dict[str, object]:
    return {"needs": (("UMNR", None),), "birth_date": date(2015, 3, 1),
            "release_to_name": "Selam Tesfaye", "release_to_relation": "mother"}


async def test_unaccompanied_minor_released_only_to_named_adult_with_id_check(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "FR-1", "Tesfaye", "Hana", **_umnr())
    with pytest.raises(RuleViolation, match="only to the named adult"):
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "Someone Else", [pid], receiver_id_checked="passport NX123")
    with pytest.raises(RuleViolation, match="ID checked"):
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "Selam Tesfaye", [pid])
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    publisher.clear()
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "  selam  TESFAYE ", [pid], receiver_id_checked="passport NX123")
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
    kinds = [type(e) for e in publisher.events]
    assert kinds == [HandoverCreated, MilestoneRecorded, HandoverSigned]


async def test_unaccompanied_minor_needs_named_adult_at_registration(uow: UnitOfWork) -> None:
    w = await world(uow)
    with pytest.raises(RuleViolation, match="named adult"):
        await uow.run(add_pax, SYSTEM, w.arrival_id, "FR-2", "Tesfaye", "Abel",
                      needs=(("UMNR", None),))


async def test_signed_handover_is_never_edited_correction_is_new_version(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    p1, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-1", "Yilmaz", "Deniz")
    p2, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-1", "Yilmaz", "Ece")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "J. de Vries", [p1])
    await uow.run(handovers.edit_handover, GATE, hid, receiving_person="J. de Vries-Bakker")
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "J. de Vries-Bakker")
    with pytest.raises(RuleViolation, match="never edited"):
        await uow.run(handovers.edit_handover, GATE, hid, notes="changed")
    new_id = await uow.run(handovers.correct_handover, GATE, hid, passenger_ids=[p1, p2],
                           reason="second family member was left off")
    new = await uow.read(lambda s: (s.get(Handover, new_id).supersedes_id,  # type: ignore[union-attr]
                                    s.get(Handover, new_id).handover_version))  # type: ignore[union-attr]
    assert new == (hid, 2)
    with pytest.raises(RuleViolation, match="already replaced"):
        await uow.run(handovers.correct_handover, GATE, hid, reason="again")
    old_signed = await uow.read(lambda s: s.get(Handover, hid).receiving_person)  # type: ignore[union-attr]
    assert old_signed == "J. de Vries-Bakker"


async def test_not_agency_codes_are_refused(uow: UnitOfWork) -> None:
    w = await world(uow)
    with pytest.raises(RuleViolation, match="not the agency's"):
        await uow.run(add_pax, SYSTEM, w.departure_id, "X-1", needs=(("DEPU", None),))
    with pytest.raises(RuleViolation, match="not an SSR code"):
        await uow.run(add_pax, SYSTEM, w.departure_id, "X-1", needs=(("XXXX", None),))


async def test_failed_commit_publishes_nothing_and_leaves_nothing(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    before = await uow.read(lambda s: (s.scalar(select(func.count(StreamEvent.id))),
                                       s.scalar(select(func.count(AuditEntry.id)))))
    publisher.clear()

    def tick_then_fail(tx, booking_id):  # type: ignore[no-untyped-def]
        milestones.record_milestone(tx, booking_id, "met_at_point")
        # A second booking of the same passenger on the same movement breaks a unique
        # constraint at flush/commit: the whole transaction must go.
        booking = tx.session.get(Booking, booking_id)
        tx.session.add(Booking(passenger_id=booking.passenger_id,
                               movement_id=booking.movement_id))

    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        await uow.run(tick_then_fail, GATE, bid)
    assert publisher.batches == []
    after = await uow.read(lambda s: (s.scalar(select(func.count(StreamEvent.id))),
                                      s.scalar(select(func.count(AuditEntry.id)))))
    assert after == before


async def test_stream_sequences_are_gapless_per_stream(uow: UnitOfWork) -> None:
    w = await world(uow)
    for i in range(3):
        await uow.run(add_pax, SYSTEM, w.departure_id, f"C-{i}")
    with pytest.raises(RuleViolation):
        await uow.run(add_pax, SYSTEM, w.departure_id, "C-9", needs=(("DEPU", None),))
    await uow.run(add_pax, SYSTEM, w.arrival_id, "C-10")
    rows = await uow.read(lambda s: list(s.execute(
        select(StreamEvent.stream, StreamEvent.seq).order_by(StreamEvent.stream,
                                                             StreamEvent.seq))))
    by_stream: dict[str, list[int]] = {}
    for stream, seq in rows:
        by_stream.setdefault(stream, []).append(seq)
    assert {f"board:AMS:{date(2026, 9, 15)}", f"movement:{w.departure_id}",
            f"movement:{w.arrival_id}"} <= set(by_stream)
    for stream, seqs in by_stream.items():
        assert seqs == list(range(1, len(seqs) + 1)), stream


async def test_every_write_is_audited(uow: UnitOfWork) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    rows = await uow.read(lambda s: [(a.action, a.username) for a in s.scalars(
        select(AuditEntry).order_by(AuditEntry.id))])
    assert ("record_milestone", "gate") in rows
    assert ("add_passenger", "tests") in rows


async def test_passenger_needs_update_checks_version(uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    await uow.run(passengers.update_needs, GATE, pid, (("WCHR", None),), 1)
    with pytest.raises(ConflictError):
        await uow.run(passengers.update_needs, GATE, pid, (("WCHC", None),), 1)


async def test_family_continuing_on_two_onward_flights_is_split(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    from datetime import UTC, datetime

    from movements.domain.actions import movements as mv
    from movements.domain.models import MovementKind

    await world(uow)

    def legs(tx):  # type: ignore[no-untyped-def]
        day = date(2026, 9, 15)
        ids = []
        for kind, number, origin, dest, hour in (
                (MovementKind.TRANSIT_IN, "116", "NBO", "AMS", 6),
                (MovementKind.TRANSIT_OUT, "673", "AMS", "YYZ", 10),
                (MovementKind.TRANSIT_OUT, "1143", "AMS", "OSL", 11)):
            ids.append(mv.create_movement(tx, mv.NewMovement(
                airport="AMS", kind=kind, carrier="KQ" if kind is MovementKind.TRANSIT_IN
                else "KL", flight_number=number, operational_date=day, origin=origin,
                destination=dest, scheduled_at=datetime(2026, 9, 15, hour, tzinfo=UTC))))
        mv.link_transit(tx, ids[0], ids[1])
        return ids

    inbound, to_yyz, to_osl = await uow.run(legs, SYSTEM)
    with pytest.raises(RuleViolation, match="already connects"):
        await uow.run(lambda tx: __import__(
            "movements.domain.actions.movements", fromlist=["x"]).link_transit(
                tx, inbound, to_osl), SYSTEM)
    p1, _ = await uow.run(add_pax, SYSTEM, inbound, "RS-9", "Okello", "Grace")
    p2, _ = await uow.run(add_pax, SYSTEM, inbound, "RS-9", "Okello", "Paul")
    await uow.run(passengers.book_passenger, SYSTEM, p1, to_yyz)
    publisher.clear()
    await uow.run(passengers.book_passenger, SYSTEM, p2, to_yyz)
    assert not [e for e in publisher.events if isinstance(e, CaseSplitFlagged)]
    p3, _ = await uow.run(add_pax, SYSTEM, inbound, "RS-9", "Okello", "Mary")
    publisher.clear()
    await uow.run(passengers.book_passenger, SYSTEM, p3, to_osl)
    flagged = [e for e in publisher.events if isinstance(e, CaseSplitFlagged)]
    assert {e.movement_id for e in flagged} == {inbound, to_yyz, to_osl}
    from movements.domain.models import Case

    assert await uow.read(lambda s: s.scalar(select(Case.split_flagged).where(
        Case.reference == "RS-9")))


async def test_a_person_corrects_flights_only_as_coordinator_whatever_the_source(
        uow: UnitOfWork) -> None:
    from movements.domain.actions import movements as mv
    from movements.domain.errors import PermissionDenied
    from movements.domain.models import Role
    from movements.domain.uow import Actor

    w = await world(uow)
    person = Actor(user_id=1, username="gate", role=Role.GATE_STAFF, airport_ids=frozenset({1}))
    with pytest.raises(PermissionDenied):
        await uow.run(mv.update_flight, person, w.departure_id, {"gate": "E1"}, source="feed")
    assert await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"gate": "E1"},
                         source="feed")


async def test_handover_tick_moves_the_booking_version_on(uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, bid = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-2", "Yilmaz", "Ada")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    v = await _version(uow, bid)
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "J. Bakker", [pid])
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "J. Bakker")
    assert await _version(uow, bid) > v
