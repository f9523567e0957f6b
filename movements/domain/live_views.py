"""What the live streams push, as read models: which rows changed, or the whole screen.

The push edge (``movements.realtime``) asks for these inside one read and renders them
afterwards, outside the database; it never touches the session or the ORM itself.  Event
kinds are dispatched on their types (``events.event_types``), never on spelled names,
through one table, ``REDRAW``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events as ev
from . import queries, row_read
from .models import Booking, StreamCounter
from .planning_queries import MovementPlan, board_readiness, movement_plan
from .streams import BoardStream, MovementStream, parse_stream
from .uow import events_after, stream_seq


class Redraw(IntEnum):
    """What a live page draws again after an event; a commit with several events draws
    the most any of them asks for (the larger value)."""

    #: The touched board rows; on the movement page its header and the touched
    #: passengers' rows.
    ROWS = 1
    #: As ROWS, and the movement page's notes.
    NOTES = 2
    #: The movement page whole (rows appear or vanish); the touched board rows.
    PAGE = 3
    #: The board whole and the movement page whole (a movement appeared).
    BOARD = 4


#: The one dispatch of the live streams: each event type (the class itself, not its
#: name, and not through a base class) to what it redraws.  A new event type gets its
#: line here: tests/realtime/test_event_dispatch.py fails until it has exactly one.
REDRAW: dict[type[ev.DomainEvent], Redraw] = {
    ev.MovementCreated: Redraw.BOARD,
    ev.MovementUpdated: Redraw.ROWS,
    ev.CarrierNoticeIssued: Redraw.ROWS,
    ev.PassengerBooked: Redraw.PAGE,
    ev.PassengerUpdated: Redraw.ROWS,
    ev.MilestoneRecorded: Redraw.ROWS,
    ev.NoShowRecorded: Redraw.ROWS,
    ev.MilestoneRemoved: Redraw.ROWS,
    ev.NoShowRevoked: Redraw.ROWS,
    ev.EscortAssigned: Redraw.ROWS,
    ev.EscortUnassigned: Redraw.ROWS,
    ev.NoteAdded: Redraw.NOTES,
    ev.CaseSplitFlagged: Redraw.PAGE,
    ev.HandoverCreated: Redraw.PAGE,
    ev.HandoverSigned: Redraw.PAGE,
    ev.HandoverDiscarded: Redraw.PAGE,
    ev.AlertRaised: Redraw.ROWS,
    ev.AlertCleared: Redraw.ROWS,
    ev.AlertAcknowledged: Redraw.ROWS,
    ev.PassengerPurged: Redraw.PAGE,
}


def redraw(changes: Sequence[Change]) -> Redraw:
    """The most the changes' event types ask for (``REDRAW``).  A kind with no type any
    more (a removed event class, in a stored row) or a type without a line redraws
    everything: a page is never left showing less than what changed."""
    kinds = {c.kind for c in changes}
    types = ev.event_types(kinds)
    if len(types) < len(kinds) or not types <= REDRAW.keys():
        return Redraw.BOARD
    return max(REDRAW[t] for t in types)


@dataclass(frozen=True, slots=True)
class Change:
    """One committed event as a stream numbered it."""

    seq: int
    kind: str  # the event class name (StreamEvent.kind)
    movement_id: int | None
    passenger_id: int | None


@dataclass(frozen=True, slots=True)
class BoardUpdate:
    """``lanes`` set: the whole board; else the rows to swap and the rows to drop."""

    lanes: list[queries.MovementSummary] | None = None
    rows: list[queries.MovementSummary] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    #: Readiness per departing movement shown ("ready" / "missing: ..."; issue 14.4).
    ready: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MovementUpdate:
    """``page`` set: the whole movement page; else its header, the touched passenger rows
    and (after a note) the notes."""

    page: queries.MovementDetail | None = None
    header: queries.MovementSummary | None = None
    rows: list[queries.PassengerView] = field(default_factory=list)
    notes: queries.MovementDetail | None = None
    #: The plan section (charter legs, readiness, carrier notice; issue 14), every time.
    plan: MovementPlan | None = None


Update = BoardUpdate | MovementUpdate


@dataclass(frozen=True, slots=True)
class CatchUp:
    """The answer to a page's hello: ``kind`` is heartbeat (nothing missed), replay (the
    changed rows, numbered first..last) or snapshot (the whole screen at ``last``)."""

    kind: str
    first: int
    last: int
    update: Update | None


def board_snapshot(session: Session, stream: BoardStream) -> BoardUpdate:
    lanes = queries.board(session, stream.airport, stream.day)
    return BoardUpdate(lanes=lanes, ready=board_readiness(session, [r.id for r in lanes]))


def board_update(session: Session, stream: BoardStream, changes: Sequence[Change]
                 ) -> BoardUpdate:
    """The rows of the board's day that the changes touched (a transit's onward leg shows
    on its inbound leg's row); a row that left the board is dropped; a new movement
    re-renders the board."""
    if redraw(changes) is Redraw.BOARD:
        return board_snapshot(session, stream)
    rows: dict[int, queries.MovementSummary] = {}
    ready: dict[int, str] = {}
    gone: list[int] = []
    for mid in sorted({c.movement_id for c in changes if c.movement_id}):
        # One row in a few statements (row_read.py): this read sits between the commit
        # and every other tablet's screen.
        found = row_read.board_row_with_readiness(session, mid)
        if found is None:
            continue
        if found[0].kind == "transit_out" and found[0].inbound_id is not None:
            found = row_read.board_row_with_readiness(session, found[0].inbound_id) or found
        s, readiness = found
        if s.airport == stream.airport and s.operational_date == stream.day \
                and s.shown_on_board:
            rows.setdefault(s.id, s)
            if readiness is not None:
                ready[s.id] = readiness
        elif s.id == mid:
            gone.append(mid)  # moved to another day: open boards drop it, as a fresh page
    return BoardUpdate(rows=list(rows.values()), gone=gone, ready=ready)


def movement_snapshot(session: Session, stream: MovementStream) -> MovementUpdate:
    return MovementUpdate(page=queries.movement_detail(session, stream.movement_id),
                          plan=movement_plan(session, stream.movement_id))


def movement_update(session: Session, stream: MovementStream, changes: Sequence[Change]
                    ) -> MovementUpdate:
    """Only what changed: the header, the touched passengers' rows, the notes."""
    what = redraw(changes)
    if what >= Redraw.PAGE:
        return movement_snapshot(session, stream)
    mid = stream.movement_id
    summary = queries.movement_summary(session, mid)
    if summary is None:
        return MovementUpdate()
    rows: list[queries.PassengerView] = []
    for pid in dict.fromkeys(c.passenger_id for c in changes if c.passenger_id is not None):
        booking_id = session.scalar(select(Booking.id).where(
            Booking.movement_id == mid, Booking.passenger_id == pid))
        found = queries.booking_view(session, booking_id) if booking_id else None
        if found is not None:
            rows.append(found[1])
    notes = queries.movement_detail(session, mid) if what is Redraw.NOTES else None
    return MovementUpdate(header=summary, rows=rows, notes=notes,
                          plan=movement_plan(session, mid))


def stream_update(session: Session, name: str, changes: Sequence[Change]) -> Update | None:
    """What one stream shows of these changes (None for a name that is no stream)."""
    stream = parse_stream(name)
    if isinstance(stream, BoardStream):
        return board_update(session, stream, changes)
    if isinstance(stream, MovementStream):
        return movement_update(session, stream, changes)
    return None


def updates(session: Session, by_stream: dict[str, list[Change]]
            ) -> dict[str, Update | None]:
    """``stream_update`` for each stream of one commit, in one read."""
    return {name: stream_update(session, name, sorted(changes, key=lambda c: c.seq))
            for name, changes in by_stream.items()}


def snapshot(session: Session, name: str) -> Update | None:
    stream = parse_stream(name)
    if isinstance(stream, BoardStream):
        return board_snapshot(session, stream)
    if isinstance(stream, MovementStream):
        return movement_snapshot(session, stream)
    return None


def catch_up(session: Session, name: str, after: int | None, replay_limit: int) -> CatchUp:
    """A page that has applied everything up to ``after`` (None: nothing): a heartbeat if
    it is current, a replay of the changed rows if the stream still keeps every event
    since (at most ``replay_limit``), else a snapshot.  Rows are read from current state,
    so they show at least the number sent."""
    current = stream_seq(session, name)
    if after is not None and after == current:
        return CatchUp("heartbeat", current, current, None)
    if after is not None and 0 <= after < current and current - after <= replay_limit:
        missed = events_after(session, name, after)
        if len(missed) == current - after:  # all still kept: the replay is exact
            changes = [Change(e.seq, e.kind, e.movement_id, e.passenger_id) for e in missed]
            return CatchUp("replay", after + 1, current, stream_update(session, name, changes))
    return CatchUp("snapshot", current, current, snapshot(session, name))


def latest_seqs(session: Session, names: Sequence[str]) -> dict[str, int]:
    """The current number of each stream (a stream with no change yet is left out)."""
    rows = session.execute(select(StreamCounter.stream, StreamCounter.last_seq)
                           .where(StreamCounter.stream.in_(list(names))))
    return {stream: int(seq) for stream, seq in rows}


__all__ = ["BoardUpdate", "CatchUp", "Change", "MovementUpdate", "Update", "redraw",
           "REDRAW", "Redraw", "catch_up", "latest_seqs", "snapshot", "stream_update",
           "updates"]
