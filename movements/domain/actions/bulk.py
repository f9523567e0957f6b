"""The record of a chunked bulk write, and what happens to one whose process died.

A chunked write (``passenger_import.import_in_chunks``, ``telex`` lists...) commits in
bounded transactions and journals each chunk (``import_undo``), so a failure undoes the
chunks already in.  That undo runs in the writing process; a process killed outright
(kill -9, power loss) cannot run it.  So every chunked write is recorded in
``bulk_batch`` with its owner (``host:pid:token`` of the process) and a heartbeat moved
on by every chunk.  ``recover_unfinished`` (run when a process starts, and by the jobs)
finds ``running`` batches whose owner is gone and undoes them from their journal:

* owner on this host: gone when its pid is not running (or is this very process with
  another token, i.e. a restart that reused the pid);
* owner on another host: gone when its heartbeat is older than ``STALE_AFTER`` (a chunk
  takes well under a second; nothing moves the heartbeat of a dead process).

States: ``running``; ``done`` (in for good); ``undone`` (refused or failed: the writing
process put it back); ``recovered`` (its process died; rolled back from the journal by
another start or the jobs).  The imports page shows the last of them per airport.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Busy
from ..models import BulkBatch
from ..uow import Actor, Tx, UnitOfWork
from . import import_undo as undo

log = logging.getLogger(__name__)

RUNNING, DONE, UNDONE, RECOVERED = "running", "done", "undone", "recovered"
#: A running batch of another host whose heartbeat is this old is taken for dead.
STALE_AFTER = timedelta(minutes=10)
#: Journal entries undone per transaction in a recovery (as ``undo_import``).
UNDO_STEP = 500

_owner: tuple[int, str] | None = None


def this_process() -> str:
    """``host:pid:token`` of the running process (a new token per process start)."""
    global _owner
    pid = os.getpid()
    if _owner is None or _owner[0] != pid:  # a forked worker is another process
        _owner = (pid, f"{socket.gethostname()}:{pid}:{secrets.token_hex(4)}")
    return _owner[1]


def owner_alive(owner: str, heartbeat_at: datetime, now: datetime) -> bool:
    """Whether the process that runs a batch may still be running (see the module)."""
    host, _, rest = owner.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return now - heartbeat_at < STALE_AFTER
    pid = int(pid_text)
    if pid == os.getpid():
        return owner == this_process()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return now - heartbeat_at < STALE_AFTER


def start(tx: Tx, batch: str, kind: str, airport: str | None, label: str | None) -> None:
    """Record a chunked write that is about to commit its first chunk."""
    tx.session.add(BulkBatch(batch=batch, kind=kind, airport=airport,
                             label=(label or "")[:200] or None, user_id=tx.actor.user_id,
                             owner=this_process(), state=RUNNING, started_at=tx.now,
                             heartbeat_at=tx.now))


def beat(tx: Tx, batch: str) -> None:
    """Move the heartbeat on (in every chunk's transaction)."""
    row = tx.session.get(BulkBatch, batch)
    if row is not None:
        row.heartbeat_at = tx.now


def end(tx: Tx, batch: str, state: str, detail: str | None = None) -> None:
    """The batch ended (``DONE``, ``UNDONE`` or ``RECOVERED``)."""
    row = tx.session.get(BulkBatch, batch)
    if row is not None:
        row.state = state
        row.ended_at = tx.now
        row.detail = (detail or "")[:500] or None


@dataclass(frozen=True, slots=True)
class BatchRow:
    batch: str
    kind: str
    label: str | None
    state: str
    started_at: datetime
    ended_at: datetime | None
    detail: str | None


def recent(session: Session, airport: str, limit: int = 5) -> list[BatchRow]:
    """The latest bulk writes for ``airport``, newest first (the imports page)."""
    rows = session.scalars(select(BulkBatch).where(BulkBatch.airport == airport)
                           .order_by(BulkBatch.started_at.desc()).limit(limit))
    return [BatchRow(r.batch, r.kind, r.label, r.state, r.started_at, r.ended_at, r.detail)
            for r in rows]


def _any_running(session: Session) -> bool:
    return session.scalar(select(BulkBatch.batch).where(BulkBatch.state == RUNNING)
                          .limit(1)) is not None


def _orphans(tx: Tx, alive: Callable[[str, datetime, datetime], bool]) -> list[str]:
    rows = tx.session.scalars(select(BulkBatch).where(BulkBatch.state == RUNNING))
    return [r.batch for r in rows if not alive(r.owner, r.heartbeat_at, tx.now)]


def _undo_order(tx: Tx, batch: str) -> list[int]:
    return undo.undo_order(tx.session, batch)


def _undo_step(tx: Tx, batch: str, ids: list[int]) -> int:
    beat(tx, batch)
    return undo.undo_step(tx, ids)


def _recovered(tx: Tx, batch: str) -> None:
    row = tx.session.get(BulkBatch, batch)
    if row is None or row.state != RUNNING:
        return
    end(tx, batch, RECOVERED, "the process running it stopped before it finished; "
                              "what it had written was rolled back")
    tx.audit("recover_bulk_write", "bulk_batch", None,
             after={"batch": batch, "kind": row.kind, "airport": row.airport,
                    "label": row.label}, detail="rolled back after its process stopped")


def _undone(tx: Tx, batch: str, why: str) -> None:
    end(tx, batch, UNDONE, why)


async def undo_batch(uow: UnitOfWork, actor: Actor, batch: str, why: str) -> None:
    """Put back what the committed chunks of ``batch`` wrote (its journal), in bounded
    steps, in the writing process; a busy step is tried again (20 tries, each waiting
    the write bound); the record ends ``undone``.  Raises Busy if it never got in (the
    batch then stays ``running`` and the jobs roll it back later)."""
    for _ in range(20):
        try:
            ids = await uow.run(_undo_order, actor, batch)
            for i in range(0, len(ids), UNDO_STEP):
                await uow.run(_undo_step, actor, batch, ids[i:i + UNDO_STEP])
            await uow.run(_undone, actor, batch, why)
            return
        except Busy:
            continue
    raise Busy()


async def recover_unfinished(uow: UnitOfWork, actor: Actor,
                             alive: Callable[[str, datetime, datetime], bool] = owner_alive
                             ) -> list[str]:
    """Roll back every ``running`` batch whose process is gone, from its journal, in
    bounded steps (each its own transaction; a busy step is tried again by the next
    call: the steps are idempotent).  Returns the batches recovered."""
    recovered: list[str] = []
    if not await uow.read(_any_running):
        return recovered  # the usual case: a read, no write transaction at all
    for batch in await uow.run(_orphans, actor, alive):
        try:
            ids = await uow.run(_undo_order, actor, batch)
            for i in range(0, len(ids), UNDO_STEP):
                await uow.run(_undo_step, actor, batch, ids[i:i + UNDO_STEP])
            await uow.run(_recovered, actor, batch)
        except Busy:
            log.warning("bulk: rolling back %s met a busy database; the jobs try again",
                        batch)
            continue
        log.warning("bulk: %s was left unfinished by a stopped process; rolled back",
                    batch)
        recovered.append(batch)
    return recovered


__all__ = ["DONE", "RECOVERED", "RUNNING", "UNDONE", "BatchRow", "beat", "end", "owner_alive",
           "recent", "recover_unfinished", "start", "this_process", "undo_batch"]
