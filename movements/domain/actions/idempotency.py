"""Stored replies for retried writes (tablets on flaky Wi-Fi send the same tap twice)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import RuleViolation
from ..models import IdempotentResponse
from ..uow import Tx


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: str


def recall(session: Session, key: str, user_id: int | None, request_hash: str
           ) -> StoredResponse | None:
    row = session.get(IdempotentResponse, key)
    if row is None:
        return None
    if row.user_id != user_id or row.request_hash != request_hash:
        raise RuleViolation("this idempotency key was used for a different request",
                            field="Idempotency-Key")
    return StoredResponse(row.status_code, row.body)


def remember(tx: Tx, key: str, request_hash: str, status_code: int, body: str) -> None:
    tx.session.add(IdempotentResponse(key=key, user_id=tx.actor.user_id,
                                      request_hash=request_hash, status_code=status_code,
                                      body=body, created_at=tx.now))
