"""The Redis fan-out keeps delivering after Redis restarts (the stock backend does not)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.channels import ChannelsPlugin
from redis.asyncio import Redis

from movements.realtime.redis_backend import ReconnectingRedisBackend
from tests.redis_server import start_redis


async def test_delivery_resumes_after_a_redis_restart(tmp_path: Path) -> None:
    redis_server = start_redis(tmp_path)
    redis = Redis.from_url(redis_server.url)
    publisher_redis = Redis.from_url(redis_server.url)
    plugin = ChannelsPlugin(backend=ReconnectingRedisBackend(redis=redis),
                            arbitrary_channels_allowed=True)
    other = ReconnectingRedisBackend(redis=publisher_redis)  # "process B" publishing
    try:
        async with plugin, plugin.start_subscription(["board:AMS:2026-09-15"]) as sub:
            inbox: asyncio.Queue[bytes] = asyncio.Queue()

            async def consume() -> None:
                async for event in sub.iter_events():
                    inbox.put_nowait(event)

            consumer = asyncio.create_task(consume())
            await asyncio.sleep(0.2)
            await other.publish(b"one", ["board:AMS:2026-09-15"])
            assert await asyncio.wait_for(inbox.get(), 5) == b"one"
            redis_server.stop()
            await other.publish(b"lost", ["board:AMS:2026-09-15"])  # logged, not raised
            await asyncio.sleep(0.5)
            redis_server.start()  # same port
            received = None
            for attempt in range(40):  # publish until the re-subscribed stream hears
                await other.publish(f"two-{attempt}".encode(), ["board:AMS:2026-09-15"])
                try:
                    received = await asyncio.wait_for(inbox.get(), 0.5)
                    break
                except TimeoutError:
                    continue
            consumer.cancel()
            assert received is not None and received.startswith(b"two-")
    finally:
        redis_server.stop()
        await redis.aclose()
        await publisher_redis.aclose()
