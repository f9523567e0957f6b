"""Unit of work: run an action in one transaction, COMMIT, then publish its events.

Actions are plain synchronous SQLAlchemy code that receive a ``Tx``; the async
``UnitOfWork`` runs them through ``AsyncSession.run_sync`` so the rules read as ordinary
code (lazy loads work) while the web edge stays async.  Events recorded during the action
are handed to the publisher only after the commit succeeded: a listener can never see a
change that is not there yet or that rolled back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import input_rules, outbox
from .clock import Clock, SystemClock
from .errors import Busy, ConflictError, RuleViolation
from .events import DomainEvent
from .models import (
    AuditEntry,
    IdempotentResponse,
    Movement,
    Role,
    StreamCounter,
    StreamEvent,
    Transit,
    loaded_day,
)
from .phrases import N_, Phrase
from .storage import StorageHealth, StorageUnavailable, classify
from .streams import (
    EVERY_AIRPORT,
    BoardStream,
    board_stream,
    movement_stream,
    parse_stream,
    report_counter,
    report_month_scope,
)

log = logging.getLogger(__name__)

input_rules.install()  # every write, whoever makes it, keeps the text rule

#: Tells the engine this transaction writes: SQLite says BEGIN IMMEDIATE, PostgreSQL sets
#: a lock timeout (movements.platform.db reads it).
WRITE_TXN_OPTION = "movements_write_txn"

#: How long a write waits for the database (SQLite's write lock, a PostgreSQL row lock)
#: before it is refused as ``Busy`` (503, retry): a tap must never hang for long.
WRITE_WAIT_SECONDS = 3


def is_lock_timeout(exc: BaseException) -> bool:
    """True for "could not get the lock in time": SQLite's ``database is locked`` after
    its busy timeout, PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    text = str(orig if orig is not None else exc).lower()
    return code == "55P03" or "database is locked" in text or "lock timeout" in text \
        or "database table is locked" in text

def database_busy(exc: BaseException) -> bool:
    """True for "the database is busy/locked": ``Busy`` (a write that did not get the
    database within its bound) or a raw lock timeout (a read: SQLite's ``database is
    locked``, PostgreSQL's 55P03).  For the jobs an expected operating condition: retried,
    then one warning line, never a traceback."""
    return isinstance(exc, Busy) or (isinstance(exc, DBAPIError) and is_lock_timeout(exc))


#: The rolled-back row of ``probe_writes``: big enough to need new pages.
PROBE_KEY = "~storage-probe"
PROBE_BYTES = 16384

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting.  ``None`` user_id means the system (a job, an import)."""

    user_id: int | None
    username: str
    role: Role
    organisation_id: int | None = None
    airport_ids: frozenset[int] = frozenset()

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, username=name, role=Role.ADMIN)


class Publisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...


class NullPublisher:
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        return None


@dataclass
class Tx:
    """What an action works with: the session, the time, the actor, and the event log."""

    session: Session
    now: datetime
    actor: Actor
    events: list[DomainEvent] = field(default_factory=list)
    #: Airports' months ("AMS:2016-09") whose data this transaction changed, as its
    #: events say; and whether it audited anything (every write does): see
    #: ``stamp_reports``.
    report_scopes: set[str] = field(default_factory=set)
    audited: bool = False
    #: Set by ``leaves_reports``: an event-less write that no report counts.
    report_neutral: bool = False
    #: Transit links an action already read, by movement id (None: the movement has
    #: none), so ``record`` need not ask again (``streams_of``).
    transit_links: dict[int, Transit | None] = field(default_factory=dict)
    #: The movements this transaction's events name, held so that the outbox step after
    #: the action finds them in the session (the identity map holds rows weakly).
    event_movements: dict[int, Movement] = field(default_factory=dict)
    #: Events recorded and not yet written: (event, its streams, its row's columns).
    pending_events: list[tuple[DomainEvent, list[str], dict[str, Any]]] = field(
        default_factory=list)

    def next_seq(self, stream: str) -> int:
        """Bump the stream's counter inside this transaction (gapless: rollback undoes it)."""
        return self.next_seqs([stream])[stream]

    def next_seqs(self, names: list[str] | dict[str, int]) -> dict[str, int]:
        """Bump several counters in one statement (a multi-row upsert returning the new
        numbers): by one each, or by the count given per name.  Rows in name order, so
        two transactions lock them in the same order.  Gapless as ``next_seq``.  Sent as
        one executemany that SQLAlchemy folds into one multi-VALUES statement
        ("insertmanyvalues"): a statement built with ``.values([...])`` is not cacheable
        and was compiled again on every write (bench/actions.py)."""
        counts = names if isinstance(names, dict) else dict.fromkeys(names, 1)
        rows = [{"stream": name, "last_seq": counts[name]} for name in sorted(counts)]
        upsert = _COUNTER_UPSERT[self.session.get_bind().dialect.name == "postgresql"]
        return {stream: int(seq) for stream, seq in self.session.execute(upsert, rows)}

    def record(self, event_type: type[DomainEvent], movement: Movement,
               passenger_id: int | None = None, **payload: Any) -> DomainEvent:
        """Note one event for every stream that shows it; keep the typed event for after
        COMMIT.  Its rows are written at the end of the action (``stamp_reports``, run by
        ``UnitOfWork.run`` before the outbox step): every counter of the transaction, the
        report counters included, moves in one statement and every event row goes in one
        executemany; ``event.streams`` holds the numbers from then on.  An event deleted
        from ``tx.events`` before that (a row rolled back with its savepoint, as
        ``passenger_import`` does) is never written and takes no number."""
        names = streams_of(self.session, movement, self.transit_links)
        event = event_type(
            airport_id=movement.airport_id, airport=movement.airport.iata,
            board_date=movement.operational_date, streams={}, movement_id=movement.id,
            passenger_id=passenger_id, **payload,
        )
        self.events.append(event)
        self.pending_events.append((event, names, {
            "kind": event_type.__name__, "movement_id": movement.id,
            "passenger_id": passenger_id, "payload": _jsonable(payload),
            "created_at": self.now}))
        # The months of the boards that show it: its day's, the old day's when this
        # transaction moved it, and its linked transit leg's.
        for name in names:
            stream = parse_stream(name)
            if isinstance(stream, BoardStream):
                self.report_scopes.add(report_month_scope(stream.airport, stream.day))
        self.event_movements[movement.id] = movement
        return event

    def touch_reports(self, airport: str, days: Iterable[date]) -> None:
        """Say that this transaction changed report data of ``airport`` (IATA) on these
        operational days, for a write that records no live event (a history load)."""
        for day in days:
            self.report_scopes.add(report_month_scope(airport, day))

    def leaves_reports(self) -> None:
        """Say that this write changes no report figure although it records no live event
        (a case or passenger with nothing booked yet: reports count bookings), so that
        it does not make every cached report stale."""
        self.report_neutral = True

    def stamp_reports(self) -> None:
        """Write the events recorded so far (see ``record``) and bump the report counter
        of every airport's month this transaction changed (so cached aggregates of those
        months, and only those, go stale); a write that recorded no live event and named
        no month (``touch_reports``) bumps the every-airport counter instead (what it
        changed is unknown), unless it said it ``leaves_reports``.  All counters in one
        statement, in name order: every stream name sorts before ``reports:``, so the
        report counters, the rows every write of an airport shares, are locked last, as
        before.  Runs once per transaction, at its end."""
        kept = {id(event) for event in self.events}
        pending = [p for p in self.pending_events if id(p[0]) in kept]
        self.pending_events = []
        counts: dict[str, int] = {}
        for _event, names, _row in pending:
            for name in names:
                counts[name] = counts.get(name, 0) + 1
        scopes = self.report_scopes or (
            {EVERY_AIRPORT} if self.audited and not self.report_neutral else set())
        reports = dict.fromkeys((report_counter(scope) for scope in scopes), 1)
        if any(name >= _REPORTS_PREFIX for name in counts):
            # A stream named after the report counters (none today): its own statement,
            # so that the report counters still come last.
            self._write_events(pending, self.next_seqs(counts))
            pending, counts = [], {}
        counts.update(reports)
        if counts:
            self._write_events(pending, self.next_seqs(counts))

    def _write_events(self, pending: list[tuple[DomainEvent, list[str], dict[str, Any]]],
                      last: dict[str, int]) -> None:
        """Number the pending events from their counters' new values (a stream moved by
        k events ends at ``last``: its events take last-k+1 .. last, in recorded order)
        and write their rows in one executemany (on the table: the ORM's bulk path would
        only add work)."""
        if not pending:
            return
        taken = dict(last)
        for _event, names, _row in pending:
            for name in names:
                taken[name] -= 1
        rows: list[dict[str, Any]] = []
        for event, names, row in pending:
            for name in names:
                taken[name] += 1
                event.streams[name] = taken[name]
                rows.append({**row, "stream": name, "seq": taken[name]})
        self.session.execute(_STREAM_EVENT_INSERT, rows)

    def audit(self, action: str, entity: str, entity_id: int | None, *,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              detail: str | None = None) -> None:
        self.audited = True
        self.session.add(AuditEntry(
            at=self.now, user_id=self.actor.user_id, username=self.actor.username,
            action=action, entity=entity, entity_id=entity_id,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None, detail=detail,
        ))

    def audit_direct(self, action: str, entity: str, entity_id: int | None, *,
                     before: dict[str, Any] | None = None,
                     after: dict[str, Any] | None = None, detail: str | None = None) -> None:
        """``audit``, written at once with a Core insert built once (no ORM object, no
        unit-of-work cycle: the per-tap actions' audit row).  The row passes the same
        text rule a flushed row does (``input_rules.check_row``).  Not for writes under
        an import journal (``import_undo.journal`` notes ORM rows only)."""
        self.audited = True
        row = {"at": self.now, "user_id": self.actor.user_id,
               "username": self.actor.username, "action": action, "entity": entity,
               "entity_id": entity_id,
               "before": _jsonable(before) if before is not None else None,
               "after": _jsonable(after) if after is not None else None, "detail": detail}
        input_rules.check_row(AuditEntry, row)
        self.session.execute(_AUDIT_INSERT, row)


def _counter_upsert(insert: Any) -> Any:
    """Add ``last_seq`` (the count of events) to the stream's counter, or start it there."""
    table = StreamCounter.__table__
    insert_ = insert(table)
    return insert_.on_conflict_do_update(
        index_elements=[table.c.stream],
        set_={"last_seq": table.c.last_seq + insert_.excluded.last_seq},
    ).returning(table.c.stream, table.c.last_seq)


#: The counters' upsert, built once per dialect (index: is PostgreSQL) so it is cached.
_COUNTER_UPSERT = (_counter_upsert(sqlite.insert), _counter_upsert(postgresql.insert))
_STREAM_EVENT_INSERT = insert(cast(Table, StreamEvent.__table__))
_AUDIT_INSERT = insert(cast(Table, AuditEntry.__table__))
#: Report counters' names start with it (``streams.report_counter``).
_REPORTS_PREFIX = report_counter("")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


Offload = Callable[[Callable[[], R]], Awaitable[R]]


class UnitOfWork:
    """The async adapter around actions, shared by the web, the CLI and the jobs.

    Two ways to run the same synchronous action code, chosen by the composition root
    (``movements.platform.db.Database``):

    * async sessions (PostgreSQL/asyncpg): ``AsyncSession.run_sync``; each statement
      awaits the network without blocking the loop.
    * sync sessions plus an ``offload`` (SQLite): the whole transaction runs in a worker
      thread.  aiosqlite hops threads once per statement, which made an action ~2.5x
      slower and ran the ORM's Python work on the event loop (see bench/actions.py).
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None,
                 publisher: Publisher, clock: Clock | None = None, *,
                 sync_sessions: sessionmaker[Session] | None = None,
                 offload: Offload[Any] | None = None,
                 offload_write: Offload[Any] | None = None) -> None:
        if sessions is None and (sync_sessions is None or offload is None):
            raise ValueError("give async sessions, or sync sessions with an offload")
        self.sessions = sessions
        self.sync_sessions = sync_sessions if offload is not None else None
        self.offload = offload
        #: runs write transactions (SQLite: one at a time per process, in arrival order,
        #: waiting at most WRITE_WAIT_SECONDS; see movements.platform.db)
        self.offload_write = offload_write
        self.publisher = publisher
        self.clock: Clock = clock or SystemClock()
        #: Whether writes work (read by /readyz and the jobs; see domain/storage.py).
        self.storage = StorageHealth()
        #: The SQLite file, when there is one (to tell a read-only filesystem apart).
        self.database_file: Path | None = None

    async def run(self, action: Callable[Concatenate[Tx, P], R], actor: Actor,
                  *args: P.args, **kwargs: P.kwargs) -> R:
        events: list[DomainEvent] = []

        def call(session: Session) -> R:
            tx = Tx(session=session, now=self.clock.now(), actor=actor, events=events)
            result = action(tx, *args, **kwargs)
            tx.stamp_reports()
            session.flush()
            if events:  # messages the change calls for, in its own transaction
                outbox.queue_for_events(tx, events)
                session.flush()
            return result

        try:
            if self.sync_sessions is not None and self.offload is not None:
                sync_sessions = self.sync_sessions

                def in_thread() -> R:
                    with sync_sessions() as session, session.begin():
                        session.connection(execution_options={WRITE_TXN_OPTION: True})
                        return call(session)

                result = await (self.offload_write or self.offload)(in_thread)
            else:
                assert self.sessions is not None
                async with self.sessions() as session, session.begin():
                    await session.connection(execution_options={WRITE_TXN_OPTION: True})
                    result = await session.run_sync(call)
        except StaleDataError as exc:
            raise ConflictError(
                Phrase(N_("this record was changed by someone else meanwhile; reload and retry"))
            ) from exc
        except DBAPIError as exc:
            if is_lock_timeout(exc):
                raise Busy() from exc  # 503 with Retry-After: the tap retries itself
            reason = classify(exc, self.database_file)
            if reason is None:
                if _data_exception(exc):  # a value the edge let through: still a refusal
                    raise RuleViolation(Phrase.of(N_("a value does not fit its field: "
                                                     "%(detail)s"),
                                                  detail=str(exc.orig).splitlines()[0])) from None
                raise
            self.storage.failed(reason)  # logged once a minute, not per request
            raise StorageUnavailable(reason) from None
        self.storage.succeeded()
        # Committed.  Only now may anything leave the process.
        if events:
            await self.publisher.publish(events)
        return result

    async def probe_writes(self) -> str | None:
        """Whether writes work now: a write that needs fresh pages (a 16 KB row), rolled
        back.  Returns the storage fault it met (``storage.READ_ONLY``, ``FULL``, ``IO``)
        or None, and updates ``self.storage`` (so recovery is noticed without traffic).
        Other database errors propagate."""
        probe = insert(IdempotentResponse).values(
            key=PROBE_KEY, user_id=None, request_hash="", status_code=0,
            # Random, so that PostgreSQL cannot compress it into the page it has (a
            # repeated letter shrinks to a few bytes and a full tablespace passed).
            body=secrets.token_hex(PROBE_BYTES // 2), created_at=self.clock.now())

        def attempt(session: Session) -> None:
            try:
                session.connection(execution_options={WRITE_TXN_OPTION: True})
                session.execute(probe)
                session.flush()
            finally:
                session.rollback()

        try:
            if self.sync_sessions is not None and self.offload is not None:
                sync_sessions = self.sync_sessions

                def in_thread() -> None:
                    with sync_sessions() as session:
                        attempt(session)

                await self.offload(in_thread)
            else:
                assert self.sessions is not None
                async with self.sessions() as session:
                    await session.run_sync(attempt)
        except DBAPIError as exc:
            reason = classify(exc, self.database_file)
            if reason is None:
                raise
            self.storage.failed(reason)
            return reason
        self.storage.succeeded()
        return None

    async def read(self, query: Callable[Concatenate[Session, P], R],
                   *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a read model query (no events; nothing to commit).  A storage fault (e.g.
        SQLite's shared-memory file on a read-only filesystem) raises StorageUnavailable."""
        try:
            if self.sync_sessions is not None and self.offload is not None:
                sync_sessions = self.sync_sessions

                def in_thread() -> R:
                    with sync_sessions() as session:
                        return query(session, *args, **kwargs)

                return await self.offload(in_thread)
            assert self.sessions is not None
            async with self.sessions() as session:
                return await session.run_sync(lambda s: query(s, *args, **kwargs))
        except DBAPIError as exc:
            reason = classify(exc, self.database_file)
            if reason is None:
                raise
            self.storage.failed(reason)
            raise StorageUnavailable(reason) from None


def _data_exception(exc: DBAPIError) -> bool:
    """SQLSTATE class 22 (data exception: too long, out of range, bad encoding)."""
    orig = exc.orig
    state = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    return state.startswith("22")


def transit_of(movement_id: Any) -> Any:
    """The join condition of "the transit link this movement is a leg of" (either leg);
    ``movement_id`` is an id or a column."""
    return (Transit.inbound_movement_id == movement_id) \
        | (Transit.onward_movement_id == movement_id)


def streams_of(session: Session, movement: Movement,
               known_links: dict[int, Transit | None] | None = None) -> list[str]:
    """The streams that show a movement: its day's board and its page, and those of the
    linked transit leg (a transit page shows both legs; the board row shows the pair).
    ``known_links`` (movement id -> link or None) answers the link without a query when
    the action already read it."""
    legs = [movement]
    if known_links is not None and movement.id in known_links:
        link = known_links[movement.id]
    else:
        link = session.scalar(select(Transit).where(transit_of(movement.id)))
    if link is not None:
        other = link.onward if link.inbound_movement_id == movement.id else link.inbound
        legs.append(other)
    names: list[str] = []
    for leg in legs:
        # A leg whose date this transaction changed is also on the board of its old day
        # until that board hears of it (then it drops the row, as a fresh page would).
        before = loaded_day(leg)
        days = [leg.operational_date, *([before] if before not in (None, leg.operational_date)
                                        else [])]
        for name in (*(board_stream(leg.airport.iata, d) for d in days if d is not None),
                     movement_stream(leg.id)):
            if name not in names:
                names.append(name)
    return names


def events_after(session: Session, stream: str, after_seq: int) -> list[StreamEvent]:
    return list(session.scalars(
        select(StreamEvent).where(StreamEvent.stream == stream, StreamEvent.seq > after_seq)
        .order_by(StreamEvent.seq)))


def stream_seq(session: Session, stream: str) -> int:
    value = session.scalar(select(StreamCounter.last_seq).where(StreamCounter.stream == stream))
    return int(value or 0)


__all__ = ["Actor", "NullPublisher", "Publisher", "Tx", "UnitOfWork", "board_stream",
           "events_after", "movement_stream", "stream_seq", "streams_of"]
