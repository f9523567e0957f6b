"""Unit of work: run an action in one transaction, COMMIT, then publish its events.

Actions are plain synchronous SQLAlchemy code that receive a ``Tx``; the async
``UnitOfWork`` runs them through ``AsyncSession.run_sync`` so the rules read as ordinary
code (lazy loads work) while the web edge stays async.  Events recorded during the action
are handed to the publisher only after the commit succeeded: a listener can never see a
change that is not there yet or that rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .clock import Clock, SystemClock
from .errors import ConflictError
from .events import DomainEvent
from .models import AuditEntry, BoardCounter, BoardEvent, Movement, Role

log = logging.getLogger(__name__)

#: Tells the SQLite engine to BEGIN IMMEDIATE (movements.db reads it); ignored elsewhere.
WRITE_TXN_OPTION = "movements_write_txn"

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

    def next_seq(self, airport_id: int, board_date: date) -> int:
        """Bump the board's counter inside this transaction (gapless: rollback undoes it)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(BoardCounter).values(airport_id=airport_id, board_date=board_date,
                                           last_seq=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[BoardCounter.airport_id, BoardCounter.board_date],
            set_={"last_seq": BoardCounter.last_seq + 1},
        ).returning(BoardCounter.last_seq)
        return int(self.session.execute(stmt).scalar_one())

    def record(self, event_type: type[DomainEvent], movement: Movement,
               passenger_id: int | None = None, **payload: Any) -> DomainEvent:
        """Write the board event row and keep the typed event for after COMMIT."""
        seq = self.next_seq(movement.airport_id, movement.operational_date)
        event = event_type(
            airport_id=movement.airport_id, airport=movement.airport.iata,
            board_date=movement.operational_date, seq=seq, movement_id=movement.id,
            passenger_id=passenger_id, **payload,
        )
        self.session.add(BoardEvent(
            airport_id=movement.airport_id, board_date=movement.operational_date, seq=seq,
            kind=event.kind, movement_id=movement.id, passenger_id=passenger_id,
            payload=_jsonable(payload), created_at=self.now,
        ))
        self.events.append(event)
        return event

    def audit(self, action: str, entity: str, entity_id: int | None, *,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              detail: str | None = None) -> None:
        self.session.add(AuditEntry(
            at=self.now, user_id=self.actor.user_id, username=self.actor.username,
            action=action, entity=entity, entity_id=entity_id,
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None, detail=detail,
        ))


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


class UnitOfWork:
    """The async adapter around actions, shared by the web, the CLI and the jobs."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], publisher: Publisher,
                 clock: Clock | None = None) -> None:
        self.sessions = sessions
        self.publisher = publisher
        self.clock: Clock = clock or SystemClock()

    async def run(self, action: Callable[Concatenate[Tx, P], R], actor: Actor,
                  *args: P.args, **kwargs: P.kwargs) -> R:
        events: list[DomainEvent] = []

        def call(session: Session) -> R:
            tx = Tx(session=session, now=self.clock.now(), actor=actor, events=events)
            result = action(tx, *args, **kwargs)
            session.flush()
            return result

        async with self.sessions() as session:
            try:
                async with session.begin():
                    await session.connection(execution_options={WRITE_TXN_OPTION: True})
                    result = await session.run_sync(call)
            except StaleDataError as exc:
                raise ConflictError(
                    "this record was changed by someone else meanwhile; reload and retry"
                ) from exc
        # Committed.  Only now may anything leave the process.
        if events:
            await self.publisher.publish(events)
        return result

    async def read(self, query: Callable[Concatenate[Session, P], R],
                   *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a read model query (no events; nothing to commit)."""
        async with self.sessions() as session:
            return await session.run_sync(lambda s: query(s, *args, **kwargs))


def replay_events(session: Session, airport_id: int, board_date: date,
                  after_seq: int) -> list[BoardEvent]:
    return list(session.scalars(
        select(BoardEvent)
        .where(BoardEvent.airport_id == airport_id, BoardEvent.board_date == board_date,
               BoardEvent.seq > after_seq)
        .order_by(BoardEvent.seq)
    ))


def board_seq(session: Session, airport_id: int, board_date: date) -> int:
    value = session.scalar(select(BoardCounter.last_seq).where(
        BoardCounter.airport_id == airport_id, BoardCounter.board_date == board_date))
    return int(value or 0)


__all__ = ["Actor", "NullPublisher", "Publisher", "Tx", "UnitOfWork", "board_seq",
           "replay_events"]
