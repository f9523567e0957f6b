"""Redis pub/sub fan-out that survives a Redis restart.

The stock backend's stream task dies silently when Redis goes away (see
../shared/STACK.md).  This one re-subscribes with capped backoff; messages published
during the outage are lost, which the pages notice from the sequence numbers and resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator

from litestar.channels.backends.redis import RedisChannelsPubSubBackend

log = logging.getLogger(__name__)


class ReconnectingRedisBackend(RedisChannelsPubSubBackend):
    async def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        delay = 0.2
        while True:
            try:
                async for item in super().stream_events():
                    delay = 0.2
                    yield item
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any Redis failure: reconnect
                log.warning("redis subscription lost (%s); reconnecting in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 3.0)
                await self._resubscribe()

    async def _resubscribe(self) -> None:
        with contextlib.suppress(Exception):
            await self._pub_sub.reset()
        channels = list(self._active_channels) if hasattr(self, "_active_channels") else []
        if channels:
            try:
                await self._pub_sub.subscribe(*channels)
            except Exception as exc:  # noqa: BLE001
                log.warning("resubscribe failed: %s", exc)
