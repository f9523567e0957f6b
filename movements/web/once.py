"""Writes that run once per idempotency key: a tablet's retry replays the stored reply,
the same key with another body is refused (422).  Shared by every form that writes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException

from movements.domain.actions import idempotency
from movements.domain.uow import Tx
from movements.services import Services
from movements.web.auth import AuthUser

MAX_KEY = 80
NOT_PART_OF_THE_REQUEST = ("_csrf", "_idem")


def request_hash(request: Request[Any, Any, Any], fields: Iterable[tuple[str, Any]]) -> str:
    body = "&".join(f"{k}={v}" for k, v in sorted(
        (k, str(v)) for k, v in fields if k not in NOT_PART_OF_THE_REQUEST))
    return hashlib.sha256(f"{request.method} {request.url.path}?{body}".encode()).hexdigest()


def checked_key(key: str | None) -> str:
    key = (key or "").strip()
    if len(key) > MAX_KEY:
        raise ValidationException(f"idempotency key is longer than {MAX_KEY} characters")
    return key


async def run_once(services: Services, user: AuthUser, key: str, digest: str,
                   act: Callable[[Tx], str], status_code: int
                   ) -> tuple[str, int, bool]:
    """(body, status code, replayed).  ``act`` returns the reply body; it is stored in
    the same transaction as the change, so a retry gets exactly what the first got."""
    if key:
        stored = await services.uow.read(idempotency.recall, key, user.id, digest)
        if stored is not None:
            return stored.body, stored.status_code, True

    def run(tx: Tx) -> str:
        body = act(tx)
        if key:
            idempotency.remember(tx, key, digest, status_code, body)
        return body

    return await services.uow.run(run, user.actor), status_code, False
