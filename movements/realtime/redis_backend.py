"""Redis pub/sub fan-out that survives a Redis restart.

The stock backend's stream task dies silently when Redis goes away (see
../shared/STACK.md): ``stream_events`` raises out of its loop and nothing restarts it.
This one keeps streaming: after a failure it waits until Redis answers a ping again
(tenacity: exponential backoff from 0.2 s, capped at 3 s, one warning per wait) and reads
again; redis-py reconnects the pub/sub connection on the next read and re-subscribes the
channels it knows.  Messages published during the outage are lost; pages notice the gap
from the sequence numbers (heartbeats carry the latest number) and resync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential

log = logging.getLogger(__name__)

MAX_BACKOFF = 3.0


async def _first_wait(state: RetryCallState) -> None:
    if state.attempt_number == 1:
        await asyncio.sleep(0.2)


def _log_wait(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("redis still unreachable (%s: %s); next try in %.1fs", type(exc).__name__,
                exc, state.next_action.sleep if state.next_action else 0)


class ReconnectingRedisBackend(RedisChannelsPubSubBackend):
    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        while True:
            try:
                async for item in super().stream_events():
                    yield item
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any Redis failure: wait, read again
                log.warning("redis pub/sub lost (%s: %s); waiting for it",
                            type(exc).__name__, exc)
                await self._until_redis_answers()

    async def _until_redis_answers(self) -> None:
        """Return once Redis answers a ping (waits 0.2 s first: a restart takes that)."""
        async for attempt in AsyncRetrying(
                wait=wait_exponential(multiplier=0.1, min=0.2, max=MAX_BACKOFF),
                retry=retry_if_exception_type(Exception), before=_first_wait,
                before_sleep=_log_wait, reraise=True):
            with attempt:
                await self._redis.ping()

    async def publish(self, data: bytes, channels: Any) -> None:
        try:
            await super().publish(data, channels)
        except Exception as exc:  # noqa: BLE001
            # The change is committed; a lost push is repaired by the pages' resync.
            log.warning("redis publish failed (%s: %s); clients will resync",
                        type(exc).__name__, exc)
