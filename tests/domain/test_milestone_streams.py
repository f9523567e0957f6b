"""record_milestone writes its stream events without asking for the transit link again:
the link read with the booking must name the same streams ``streams_of`` names."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from movements.domain import milestones as steps
from movements.domain.actions import milestones
from movements.domain.actions import movements as mv
from movements.domain.errors import ConflictError, RuleViolation
from movements.domain.models import (
    AuditEntry,
    Booking,
    Milestone,
    MovementKind,
    StreamCounter,
    StreamEvent,
)
from movements.domain.streams import report_counter, report_month_scope
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import COORD, GATE, SYSTEM, add_pax, transit_legs, world

DAY = date(2026, 9, 15)
#: The report counter of the month the steps fall in (reports are cached per airport month).
MONTH = report_counter(report_month_scope("AMS", DAY))


async def _streams_of_last(uow: UnitOfWork, kind: str) -> set[str]:
    def read(s: object) -> set[str]:
        from sqlalchemy.orm import Session
        assert isinstance(s, Session)
        last = s.scalars(select(StreamEvent).where(StreamEvent.kind == kind)
                         .order_by(StreamEvent.id.desc())).first()
        assert last is not None
        return set(s.scalars(select(StreamEvent.stream).where(
            StreamEvent.kind == kind, StreamEvent.created_at == last.created_at,
            StreamEvent.passenger_id == last.passenger_id)))
    return await uow.read(read)


async def test_a_plain_movement_step_goes_to_its_board_and_page(uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{w.departure_id}"}
    audits = await uow.read(lambda s: s.scalars(select(AuditEntry).where(
        AuditEntry.action == "record_milestone")).all())
    assert len(audits) == 1 and audits[0].entity_id == bid


async def test_a_transit_step_goes_to_both_legs_pages(uow: UnitOfWork) -> None:
    # (The onward leg has no steps of its own: its passengers are worked on the inbound.)
    await world(uow)
    inbound, onward = await uow.run(transit_legs, SYSTEM)
    _, bid = await uow.run(add_pax, SYSTEM, inbound, "T-1")
    first = steps.sequence_for(MovementKind.TRANSIT_IN)[0].key
    await uow.run(milestones.record_milestone, GATE, bid, first,
                  override_reason="met before on blocks (test)")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{inbound}"}  # not linked yet
    await uow.run(mv.link_transit, COORD, inbound, onward)
    _, bid = await uow.run(add_pax, SYSTEM, inbound, "T-2")
    await uow.run(milestones.record_milestone, GATE, bid, first,
                  override_reason="met before on blocks (test)")
    assert await _streams_of_last(uow, "MilestoneRecorded") == {
        f"board:AMS:{DAY}", f"movement:{inbound}", f"movement:{onward}"}


# --------------------------------------------------------------------------- numbering
# Events are numbered and written at the end of the action (Tx.stamp_reports): every
# counter in one upsert, by the count of events per stream.


def _seqs(s: Session, stream: str) -> list[int]:
    return list(s.scalars(select(StreamEvent.seq).where(StreamEvent.stream == stream)
                          .order_by(StreamEvent.seq)))


def _counter(s: Session, name: str) -> int:
    return int(s.scalar(select(StreamCounter.last_seq).where(
        StreamCounter.stream == name)) or 0)


async def test_two_steps_in_one_transaction_take_consecutive_numbers(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    _, b1 = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    _, b2 = await uow.run(add_pax, SYSTEM, w.departure_id, "C-2")
    board = f"board:AMS:{DAY}"
    before = await uow.read(lambda s: (_seqs(s, board), _counter(s, MONTH)))
    events: list[dict[str, int]] = []

    def both(tx: Tx) -> None:
        milestones.record_milestone(tx, b1, "met_at_point")
        milestones.record_milestone(tx, b2, "met_at_point")
        events.extend(e.streams for e in tx.events)

    await uow.run(both, GATE)
    seqs, reports = await uow.read(lambda s: (_seqs(s, board), _counter(s, MONTH)))
    last = before[0][-1]
    assert seqs == [*before[0], last + 1, last + 2]  # gapless, in the order recorded
    assert [e[board] for e in events] == [last + 1, last + 2]  # what was published
    assert reports == before[1] + 1  # once per transaction and airport month
    page = await uow.read(lambda s: _seqs(s, f"movement:{w.departure_id}"))
    assert [e[f"movement:{w.departure_id}"] for e in events] == page[-2:]


async def test_a_second_step_of_one_passenger_in_one_transaction_sees_the_first(
        uow: UnitOfWork) -> None:
    # The step row is a Core insert (no unit of work): a booking whose milestones were
    # already loaded in this session must still see it, or the next step is refused as
    # out of order (the demo day records a passenger's steps in one transaction).
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    first, second = steps.sequence_for(MovementKind.DEPARTURE)[:2]

    def both(tx: Tx) -> None:
        # Something in the transaction holds the booking with its steps loaded (the
        # session's identity map is weak: without a holder it would be read afresh).
        holder = tx.session.get(Booking, bid)
        assert holder is not None and holder.milestones == []
        milestones.record_milestone(tx, bid, first.key)
        milestones.record_milestone(tx, bid, second.key)  # no override reason needed

    await uow.run(both, GATE)
    kinds = await uow.read(lambda s: list(s.scalars(
        select(Milestone.kind).where(Milestone.booking_id == bid).order_by(Milestone.id))))
    assert kinds == [first.key, second.key]


async def test_an_event_dropped_with_its_savepoint_is_not_written(uow: UnitOfWork) -> None:
    # What passenger_import does when a row fails: the savepoint rolls back and the
    # row's events are deleted from tx.events; they must take no number.
    w = await world(uow)
    _, b1 = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    _, b2 = await uow.run(add_pax, SYSTEM, w.departure_id, "C-2")
    board = f"board:AMS:{DAY}"
    before = await uow.read(lambda s: _seqs(s, board))

    def one_dropped(tx: Tx) -> None:
        mark = len(tx.events)
        with pytest.raises(RuleViolation), tx.session.begin_nested():
            milestones.record_milestone(tx, b1, "met_at_point")
            raise RuleViolation("row refused (test)")
        del tx.events[mark:]
        milestones.record_milestone(tx, b2, "met_at_point")

    await uow.run(one_dropped, GATE)
    rows = await uow.read(lambda s: list(s.execute(
        select(StreamEvent.passenger_id, StreamEvent.seq).where(StreamEvent.stream == board)
        .order_by(StreamEvent.seq))))
    assert [seq for _pid, seq in rows] == [*before, before[-1] + 1]
    steps_done = await uow.read(lambda s: list(s.scalars(select(Milestone.booking_id))))
    assert steps_done == [b2]


async def test_a_stale_version_writes_nothing(uow: UnitOfWork) -> None:
    # The booking changed after this transaction read it: the versioned UPDATE matches
    # no row, and the milestone, audit and stream rows written after it roll back.
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    board = f"board:AMS:{DAY}"
    before = await uow.read(lambda s: (_seqs(s, board), _counter(s, MONTH)))

    def raced(tx: Tx) -> None:
        booking = tx.session.get(Booking, bid)
        assert booking is not None
        # another writer moves the row on underneath the loaded object
        tx.session.execute(update(Booking.__table__).where(Booking.__table__.c.id == bid)
                           .values(version=Booking.__table__.c.version + 1))
        milestones.record_milestone(tx, bid, "met_at_point")

    with pytest.raises(ConflictError):
        await uow.run(raced, GATE)
    after = await uow.read(lambda s: (_seqs(s, board), _counter(s, MONTH)))
    assert after == before
    assert await uow.read(lambda s: list(s.scalars(select(Milestone.id)))) == []
    assert await uow.read(lambda s: list(s.scalars(select(AuditEntry.id).where(
        AuditEntry.action == "record_milestone")))) == []


async def test_a_step_that_breaks_the_text_rule_writes_nothing(uow: UnitOfWork) -> None:
    # The milestone and audit rows are Core inserts: they keep the flush's text rule.
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1")
    with pytest.raises(RuleViolation, match="milestone.override_reason"):
        await uow.run(milestones.record_milestone, GATE, bid, "checked_in",
                      override_reason="skipped \ud800 step")
    assert await uow.read(lambda s: list(s.scalars(select(Milestone.id)))) == []
    assert await uow.read(lambda s: list(s.scalars(select(AuditEntry.id).where(
        AuditEntry.action == "record_milestone")))) == []
