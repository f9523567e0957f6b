"""Writes that run once per idempotency key: a tablet's retry replays the stored reply,
the same key with another body is refused (422).  Shared by every form that writes."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

from litestar import Request
from litestar.exceptions import ValidationException

from movements.domain.actions import idempotency
from movements.domain.errors import Busy
from movements.domain.uow import Tx
from movements.services import Services
from movements.web.auth import AuthUser

log = logging.getLogger(__name__)

MAX_KEY = 80
NOT_PART_OF_THE_REQUEST = ("_csrf", "_idem")
T = TypeVar("T")


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
                   act: Callable[[Tx], T], status_code: int,
                   render: Callable[[T], Awaitable[str]] | None = None
                   ) -> tuple[str, int, bool]:
    """(body, status code, replayed).

    The key is claimed inside the write transaction, before ``act`` changes anything, so
    parallel copies of one request make one change; the others replay its stored reply
    (or get 409 while it is still running), never a unique-key error.  Without
    ``render``, ``act`` returns the reply body itself (something cheap, e.g. where to go
    next) and it is stored in the same transaction.  With ``render``, the reply is
    rendered from ``act``'s result after COMMIT (a read, off SQLite's only writer) and
    stored just after."""
    if key:
        stored = await services.uow.read(idempotency.recall, key, user.id, digest)
        if stored is not None:
            return stored.body, stored.status_code, True

    def run(tx: Tx) -> tuple[T, idempotency.StoredResponse | None]:
        if key:
            stored = idempotency.claim(tx, key, digest)
            if stored is not None:
                return cast(T, None), stored
        result = act(tx)
        if key and render is None:
            idempotency.complete(tx, key, status_code, str(result))
        return result, None

    result, stored = await services.uow.run(run, user.actor)
    if stored is not None:
        return stored.body, stored.status_code, True
    if render is None:
        return str(result), status_code, False
    body = await render(result)
    if key:
        try:
            await services.uow.run(idempotency.complete, user.actor, key, status_code, body)
        except Busy:
            # The change is committed: answering 503 now would make the page resend a
            # change that is in (and meet its own pending claim: 409).  Reply with what
            # was done; store the reply once the database lets us (a resend meanwhile
            # is told to reload, as for any request still being processed).
            task = asyncio.create_task(_store_later(services, user, key, status_code, body))
            _pending.add(task)
            task.add_done_callback(_pending.discard)
    return body, status_code, False


_pending: set[asyncio.Task[None]] = set()
#: Tries to store a reply after its change was committed (each waits the write bound).
STORE_TRIES = 10


async def _store_later(services: Services, user: AuthUser, key: str, status_code: int,
                       body: str) -> None:
    for _ in range(STORE_TRIES):
        try:
            await services.uow.run(idempotency.complete, user.actor, key, status_code, body)
            return
        except Busy:
            await asyncio.sleep(1)
    log.warning("idempotency: the reply to key %s could not be stored (database busy); "
                "a resend is told it was applied already", key[:12])
