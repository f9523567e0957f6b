"""Choose the channels backend from MOVEMENTS_CHANNELS_URL."""

from __future__ import annotations

from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend


def make_backend(url: str) -> ChannelsBackend:
    if url.startswith("memory://"):
        return MemoryChannelsBackend()
    if url.startswith("redis://"):
        from redis.asyncio import Redis

        from .redis_backend import ReconnectingRedisBackend

        return ReconnectingRedisBackend(redis=Redis.from_url(url))
    raise ValueError(f"channels backend {url!r}: expected memory:// or redis://")
