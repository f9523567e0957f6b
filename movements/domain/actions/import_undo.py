"""The undo journal of a chunked bulk write: all or nothing without one long transaction.

A long import committed as one transaction would hold SQLite's only writer for minutes
(gate taps would starve, issue 19.4).  So an import commits in bounded chunks, and each
chunk also writes, in its own transaction, what it changed (``ImportUndo`` rows: the key
of every row it inserted, the before-image of every row it updated or deleted).  If a
later chunk fails, ``undo`` puts the earlier chunks back, in bounded steps as well, and
drops the journal; if the import finishes, ``forget`` drops it.

What a chunk writes to the journal is taken from the ORM's flushes (``journal``): every
write of a journalled chunk must go through the session's objects, not bulk statements.
The audit trail and the live events are not journalled: they are append-only and
gapless, so a chunked import collects them (``Deferred``) and writes them in its closing
transaction, once the data is in for good.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, event, insert, inspect, select, update
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.types import Enum as SqlEnum

from ..models import Base, ImportUndo, Movement
from ..uow import Tx

INSERT, UPDATE, DELETE = "insert", "update", "delete"


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"$enum": value.name}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(table: Table, column: str, value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$enum":
            col_type = table.c[column].type
            enum_class = col_type.enum_class if isinstance(col_type, SqlEnum) else None
            return enum_class[raw] if enum_class is not None else raw
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
    return value


def _row_key(obj: Base) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    key = mapper.primary_key_from_instance(obj)
    return {str(c.key): _encode(v) for c, v in zip(mapper.primary_key, key, strict=True)}


def _table(obj: Base) -> Table:
    table = inspect(obj).mapper.local_table
    assert isinstance(table, Table)
    return table


def _before(obj: Base) -> dict[str, Any]:
    """The committed values of the columns this flush changed (version columns aside:
    an undo moves the version on instead, so a stale form still conflicts)."""
    state = inspect(obj)
    version = state.mapper.version_id_col
    before: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if column is version or column.table is not _table(obj):
            continue
        history = state.attrs[attr.key].history
        if history.deleted:  # a real change of a loaded value (flag_modified alone: none)
            before[column.key] = _encode(history.deleted[0])
    return before


def _whole(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        history = state.attrs[attr.key].history
        current = history.deleted[0] if history.deleted else getattr(obj, attr.key)
        values[column.key] = _encode(current)
    return values


class Journal:
    """What the flushes of one chunk changed, kept until the chunk's transaction ends.

    ``mark`` and ``rollback_to`` follow the chunk's savepoints: a row that is refused
    rolls back its savepoint, and what it had flushed must leave the journal too."""

    def __init__(self, batch: str) -> None:
        self.batch = batch
        self.entries: list[dict[str, Any]] = []  # rows of import_undo, inserted at once

    def mark(self) -> int:
        return len(self.entries)

    def rollback_to(self, mark: int) -> None:
        del self.entries[mark:]

    def after_flush(self, sess: Session, _: UOWTransaction) -> None:
        for obj in sess.new:
            if not isinstance(obj, ImportUndo):
                self.entries.append(dict(
                    batch=self.batch, op=INSERT, table_name=_table(obj).name,
                    row_key=_row_key(obj), data=None))
        for obj in sess.dirty:
            if isinstance(obj, ImportUndo) or not sess.is_modified(obj):
                continue
            before = _before(obj)
            if before:
                self.entries.append(dict(
                    batch=self.batch, op=UPDATE, table_name=_table(obj).name,
                    row_key=_row_key(obj), data=before))
        for obj in sess.deleted:
            if not isinstance(obj, ImportUndo):
                self.entries.append(dict(
                    batch=self.batch, op=DELETE, table_name=_table(obj).name,
                    row_key=_row_key(obj), data=_whole(obj)))


@contextmanager
def journal(session: Session, batch: str) -> Iterator[Journal]:
    """While open, every flush of ``session`` notes what it changed; on a clean exit the
    notes are written to the journal of ``batch`` in the same transaction, so a chunk
    and its journal commit together (or neither does)."""
    notes = Journal(batch)
    event.listen(session, "after_flush", notes.after_flush)
    try:
        yield notes
        session.flush()
    finally:
        event.remove(session, "after_flush", notes.after_flush)
    if notes.entries:  # one multi-row statement, not an ORM object (and id fetch) per entry
        session.execute(insert(ImportUndo), notes.entries)


def undo_order(session: Session, batch: str) -> list[int]:
    """The journal entries of ``batch`` in the order they are undone: updates back
    (newest first), deleted rows back, then inserted rows removed, children before
    parents (every foreign key then still points at a row)."""
    rows = session.execute(select(ImportUndo.id, ImportUndo.op, ImportUndo.table_name)
                           .where(ImportUndo.batch == batch)).all()
    rank = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    updates = sorted((r for r in rows if r.op == UPDATE), key=lambda r: -r.id)
    deletes = sorted((r for r in rows if r.op == DELETE),
                     key=lambda r: (rank.get(r.table_name, 0), r.id))
    inserts = sorted((r for r in rows if r.op == INSERT),
                     key=lambda r: (-rank.get(r.table_name, 0), -r.id))
    return [r.id for r in (*updates, *deletes, *inserts)]


def undo_step(tx: Tx, ids: Sequence[int]) -> int:
    """Undo the journal entries ``ids`` (a slice of ``undo_order``) and drop them, in
    this transaction.  Returns how many were undone."""
    tables = Base.metadata.tables
    entries = {e.id: e for e in tx.session.scalars(
        select(ImportUndo).where(ImportUndo.id.in_(ids)))}
    for entry_id in ids:
        entry = entries.get(entry_id)
        if entry is None:
            continue  # undone already (a retried step)
        table = tables[entry.table_name]
        where = [table.c[k] == _decode(table, k, v) for k, v in entry.row_key.items()]
        if entry.op == INSERT:
            tx.session.execute(delete(table).where(*where))
        elif entry.op == UPDATE:
            values = {k: _decode(table, k, v) for k, v in (entry.data or {}).items()}
            if "version" in table.c:
                values["version"] = table.c.version + 1
            tx.session.execute(update(table).where(*where).values(**values))
        else:
            values = {k: _decode(table, k, v) for k, v in (entry.data or {}).items()}
            tx.session.execute(table.insert().values(**values))
    tx.session.execute(delete(ImportUndo).where(ImportUndo.id.in_(ids)))
    tx.session.expire_all()
    return len(entries)


def forget(tx: Tx, batch: str) -> None:
    """The import is in for good: drop its journal."""
    tx.session.execute(delete(ImportUndo).where(ImportUndo.batch == batch))


@dataclass
class Deferred:
    """Audit entries and live events a chunk would write, kept for the closing
    transaction (they are append-only and gapless, so they are never undone)."""

    audits: list[tuple[str, str, int | None, dict[str, Any]]] = field(default_factory=list)
    events: list[tuple[Any, int, int | None, dict[str, Any]]] = field(default_factory=list)

    def write(self, tx: Tx) -> None:
        """Write them, in order, in ``tx`` (the import's closing transaction)."""
        for event_type, movement_id, passenger_id, payload in self.events:
            movement = tx.session.get(Movement, movement_id)
            if movement is not None:
                tx.record(event_type, movement, passenger_id, **payload)
        for action, entity, entity_id, kwargs in self.audits:
            tx.audit(action, entity, entity_id, **kwargs)


@dataclass
class DeferringTx(Tx):
    """A chunk's Tx: the same session and actor, but ``audit`` and ``record`` go to
    ``deferred`` instead of the database."""

    deferred: Deferred = field(default_factory=Deferred)

    def record(self, event_type: Any, movement: Movement,  # type: ignore[override]
               passenger_id: int | None = None, **payload: Any) -> None:
        self.deferred.events.append((event_type, movement.id, passenger_id, payload))

    def audit(self, action: str, entity: str, entity_id: int | None, *,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
              detail: str | None = None) -> None:
        self.deferred.audits.append((action, entity, entity_id,
                                     {"before": before, "after": after, "detail": detail}))


def deferring(tx: Tx, deferred: Deferred) -> DeferringTx:
    """``tx`` with its audit and live events kept in ``deferred``."""
    return DeferringTx(session=tx.session, now=tx.now, actor=tx.actor, events=tx.events,
                       deferred=deferred)


__all__ = ["Deferred", "DeferringTx", "Journal", "deferring", "forget", "journal", "undo_order",
           "undo_step"]
