"""Stored replies for retried writes (tablets on flaky Wi-Fi send the same tap twice).

A key is *claimed* inside the write transaction, before the change: an
``INSERT ... ON CONFLICT DO NOTHING`` on the key.  Two copies of one request racing each
other therefore serialise on the key's row (PostgreSQL waits for the first transaction;
SQLite has one writer): the loser finds the winner's row and replays its reply, or is
told to wait (409) while the winner's reply is not stored yet.  Never a unique-key error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import ConflictError, RuleViolation
from ..models import IdempotentResponse
from ..phrases import N_, Phrase
from ..uow import Tx

#: ``status_code`` of a claimed key whose reply is not stored yet.
PENDING = 0
#: A claim this old without a reply belongs to a process that died after its commit.
ABANDONED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: str


def _replay(row: IdempotentResponse, user_id: int | None, request_hash: str
            ) -> StoredResponse:
    if row.user_id != user_id or row.request_hash != request_hash:
        raise RuleViolation(Phrase(N_("this idempotency key was used for a different request")),
                            field="Idempotency-Key")
    if row.status_code == PENDING:
        raise ConflictError(Phrase(N_("this request was received already and is still being "
                                      "processed; reload in a moment to see its result")),
                            field="Idempotency-Key")
    return StoredResponse(row.status_code, row.body)


def recall(session: Session, key: str, user_id: int | None, request_hash: str
           ) -> StoredResponse | None:
    """The stored reply for ``key`` (a read, outside any write: the fast path of a retry).

    Raises RuleViolation (422) when the key belongs to another request or user, and
    ConflictError (409) while the first request with it is still running."""
    row = session.get(IdempotentResponse, key)
    return None if row is None else _replay(row, user_id, request_hash)


def claim(tx: Tx, key: str, request_hash: str) -> StoredResponse | None:
    """Claim ``key`` for this request, inside the write transaction and before the change.

    None: claimed, go ahead (the claim commits or rolls back with the change).  A stored
    reply: another copy of the request finished first, replay it and change nothing.
    Raises as ``recall`` does."""
    insert = postgresql.insert if tx.session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    won = tx.session.execute(
        insert(IdempotentResponse).values(
            key=key, user_id=tx.actor.user_id, request_hash=request_hash,
            status_code=PENDING, body="", created_at=tx.now)
        .on_conflict_do_nothing(index_elements=[IdempotentResponse.key])
        .returning(IdempotentResponse.key)).first()
    if won is not None:
        return None
    row = tx.session.execute(
        select(IdempotentResponse).where(IdempotentResponse.key == key)
        .execution_options(populate_existing=True)).scalar_one()
    if row.status_code == PENDING and tx.now - row.created_at > ABANDONED_AFTER \
            and row.user_id == tx.actor.user_id and row.request_hash == request_hash:
        raise ConflictError(Phrase(N_("this request was applied already; reload to see its "
                                      "result")),
                            field="Idempotency-Key")
    return _replay(row, tx.actor.user_id, request_hash)


def complete(tx: Tx, key: str, status_code: int, body: str) -> None:
    """Store the reply of a claimed key (in the claiming transaction, or just after it)."""
    tx.session.execute(update(IdempotentResponse).where(IdempotentResponse.key == key)
                       .values(status_code=status_code, body=body))


def remember(tx: Tx, key: str, request_hash: str, status_code: int, body: str) -> None:
    """Store a reply for ``key`` in one step (claim and complete; for seeding and tests)."""
    tx.session.add(IdempotentResponse(key=key, user_id=tx.actor.user_id,
                                      request_hash=request_hash, status_code=status_code,
                                      body=body, created_at=tx.now))
