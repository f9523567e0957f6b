"""Fan-out inside one process: one channel subscription, every socket, no per-socket task.

Before (issue 18 measured it): every live socket had its own Litestar ``Subscriber``
(a queue and a background task), so one pushed message woke one task per socket, which
decoded the bytes and took a lock before sending.  Now each channel this process serves
has ONE subscriber and ONE task (``Fanout``); a message is decoded once and handed to
every socket reading the channel with ``LiveSocket.push``, which writes it at once when
the socket can take it (``start_eagerly``: the ASGI send of a socket whose buffer has
room finishes without suspending) and only queues it behind a socket that is busy
(a catch-up being sent, or a peer that does not read).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from litestar.channels import ChannelsPlugin

if TYPE_CHECKING:
    from litestar.channels import Subscriber

    from .connection import LiveSocket

log = logging.getLogger(__name__)


def start_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` now, up to its first real suspension (what Python 3.12's eager tasks
    do; this is 3.11).  Returns None when it finished without suspending, else a task
    that finishes it.  An exception raised before the first suspension propagates."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    except BaseException:
        coro.close()
        raise
    return asyncio.ensure_future(_resume(coro, yielded))


async def _resume(coro: Coroutine[Any, Any, None], yielded: Any) -> None:
    """Drive ``coro`` as a task would from where ``start_eagerly`` left it: it yielded
    ``yielded`` (a future it waits for, or None for a bare yield to the loop)."""
    while True:
        try:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                yielded._asyncio_future_blocking = False  # as Task.__step resets it
                await asyncio.wait([yielded])
        except asyncio.CancelledError:
            coro.close()
            raise
        try:
            yielded = coro.send(None)
        except StopIteration:
            return


class Fanout:
    """The sockets of this process per channel, and one subscription per channel.

    ``direct`` (the memory backend: every socket is in this process): no subscription
    at all; the hub hands each rendered message to ``deliver_text`` itself, right after
    rendering it, instead of through the channel's queue and this process's pump task
    (two hops of the event loop, between the commit and the screens, for nothing)."""

    def __init__(self, channels: ChannelsPlugin, *, direct: bool = False) -> None:
        self.channels = channels
        self.direct = direct
        #: channel -> its sockets (a dict keeps join order: the oldest socket first).
        self.readers: dict[str, dict[LiveSocket, None]] = {}
        self._pumps: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Future[None]] = {}

    async def join(self, channel: str, live: LiveSocket) -> None:
        """``live`` receives every message published on ``channel`` from now on
        (returns once the channel's subscription is in place)."""
        readers = self.readers.setdefault(channel, {})
        readers[live] = None
        if self.direct:
            return
        ready = self._ready.get(channel)
        if ready is None:
            ready = self._ready[channel] = asyncio.get_running_loop().create_future()
            try:
                subscriber = await self.channels.subscribe([channel])
            except BaseException as exc:
                self._ready.pop(channel, None)
                readers.pop(live, None)
                if not ready.done():
                    ready.set_exception(exc)
                    ready.exception()  # retrieved: other joiners get it raised
                raise
            self._pumps[channel] = asyncio.create_task(self._pump(channel, subscriber))
            ready.set_result(None)
        else:
            await asyncio.shield(ready)

    async def leave(self, channel: str, live: LiveSocket) -> None:
        """``live`` no longer reads ``channel``; the last socket ends the subscription."""
        readers = self.readers.get(channel)
        if readers is None:
            return
        readers.pop(live, None)
        if readers:
            return
        del self.readers[channel]
        self._ready.pop(channel, None)
        pump = self._pumps.pop(channel, None)
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    def count(self, channel: str) -> int:
        return len(self.readers.get(channel, ()))

    def deliver(self, channel: str, data: bytes) -> None:
        """Hand one published message to every socket of ``channel``: decoded once, the
        same string to each (uvicorn writes it as one text frame per socket)."""
        if self.readers.get(channel):
            self.deliver_text(channel, data.decode())

    def deliver_text(self, channel: str, text: str) -> None:
        """``deliver`` of a message already decoded (the hub's direct path)."""
        readers = self.readers.get(channel)
        if not readers:
            return
        for live in list(readers):
            live.push(text)

    async def _pump(self, channel: str, subscriber: Subscriber) -> None:
        try:
            async for data in subscriber.iter_events():
                self.deliver(channel, data)
        finally:
            with contextlib.suppress(Exception):
                await self.channels.unsubscribe(subscriber, [channel])
