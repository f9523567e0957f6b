"""Redis pub/sub fan-out that survives a Redis restart.

The stock backend's stream task dies silently when Redis goes away (see
../shared/STACK.md): ``stream_events`` raises out of its loop and nothing restarts it.
This one keeps streaming: after a failure it waits (capped backoff) and reads again;
redis-py reconnects the pub/sub connection on the next read and re-subscribes the
channels it knows.  Messages published during the outage are lost; pages notice the gap
from the sequence numbers (heartbeats carry the latest number) and resync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any

from litestar.channels.backends.redis import RedisChannelsPubSubBackend

log = logging.getLogger(__name__)

MAX_BACKOFF = 3.0


class ReconnectingRedisBackend(RedisChannelsPubSubBackend):
    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = 0.2
        while True:
            try:
                async for item in super().stream_events():
                    delay = 0.2
                    yield item
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any Redis failure: wait, read again
                log.warning("redis pub/sub lost (%s: %s); retrying in %.1fs",
                            type(exc).__name__, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def publish(self, data: bytes, channels: Any) -> None:
        try:
            await super().publish(data, channels)
        except Exception as exc:  # noqa: BLE001
            # The change is committed; a lost push is repaired by the pages' resync.
            log.warning("redis publish failed (%s: %s); clients will resync",
                        type(exc).__name__, exc)
