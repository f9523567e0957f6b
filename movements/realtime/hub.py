"""The push edge: committed events -> fragments rendered once -> every subscribed socket.

``LiveHub`` is the publisher the unit of work hands committed events to, and the thing
each websocket asks for a catch-up (replay or snapshot).  Fan-out goes through Litestar
channels (memory in one process, Redis across processes).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Sequence

from litestar.channels import ChannelsPlugin

from movements import i18n
from movements.domain import live_views as lv
from movements.domain.events import DomainEvent
from movements.domain.uow import UnitOfWork

from .connection import SocketRegistry
from .fanout import Fanout
from .fragments import Fragments, channel_for, header

log = logging.getLogger(__name__)

#: By default, a client further behind than this gets a snapshot instead of a replay.
REPLAY_LIMIT = 200


class LiveHub:
    def __init__(self, channels: ChannelsPlugin, fragments: Fragments,
                 replay_limit: int = REPLAY_LIMIT, *, local_only: bool = False) -> None:
        self.channels = channels
        self.replay_limit = replay_limit
        # With the memory backend every subscriber is in this process: a stream nobody
        # here watches needs no rendering.  (With Redis, other processes may watch.)
        self.local_only = local_only
        self.fragments = fragments
        self.uow: UnitOfWork | None = None  # set by the composition root (a cycle)
        self.latest: dict[str, int] = {}
        self.watchers: dict[str, int] = defaultdict(int)
        #: Sockets per (stream, language): which languages a stream is rendered in.
        self.languages: dict[tuple[str, str], int] = defaultdict(int)
        self._renderers = {loc: fragments.in_locale(loc) for loc in i18n.LANGUAGES}
        #: The sockets this process holds (uow and session rules set by the composition
        #: root, like ``uow``).
        self.sockets = SocketRegistry(None, None, channels)
        #: The latest snapshot per (stream, language): (its number, the message).
        self._snapshots: dict[tuple[str, str], tuple[int, str]] = {}
        self._snapshots_pending: dict[tuple[str, str, int], asyncio.Future[str]] = {}
        #: One subscription per channel for the sockets of this process (fanout.py).
        self.fanout = Fanout(channels, direct=local_only)

    # -- publishing -------------------------------------------------------------------
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Render each stream's share of one commit once and broadcast the bytes."""
        assert self.uow is not None
        committed_at = time.time() * 1000
        by_stream: dict[str, list[lv.Change]] = defaultdict(list)
        for e in events:
            for stream, seq in e.streams.items():
                self.note_seq(stream, seq)
                if self.local_only and self.watchers.get(stream, 0) <= 0:
                    continue
                by_stream[stream].append(lv.Change(seq, e.kind, e.movement_id,
                                                   e.passenger_id))
        if not by_stream:
            return
        # Read what changed in one read, then render outside the database.
        updates = await self.uow.read(lv.updates, dict(by_stream))
        for stream, changes in by_stream.items():
            first, last = min(c.seq for c in changes), max(c.seq for c in changes)
            self.note_seq(stream, last)
            head = header(stream, first, last, "event", committed_at)
            # Once per language someone reads the stream in (every language when other
            # processes may hold the sockets), each on its own channel.
            for locale in self._locales_for(stream):
                message = head + self._renderers[locale].update(updates[stream])
                channel = channel_for(stream, locale)
                if self.fanout.direct:  # this process's sockets: now, no queue between
                    self.fanout.deliver_text(channel, message)
                # Other subscribers (a socket with its own handler; other processes).
                await self.channels.wait_published(message.encode(), [channel])

    def _locales_for(self, stream: str) -> list[str]:
        """The languages to render ``stream`` in: all with Redis (sockets elsewhere),
        else those of this process's sockets; a watcher with no language (the alerts page
        only listens for board events) counts as English."""
        if not self.local_only:
            return list(i18n.LANGUAGES)
        found = [loc for loc in i18n.LANGUAGES if self.languages.get((stream, loc), 0) > 0]
        with_language = sum(self.languages.get((stream, loc), 0) for loc in found)
        if (not found or self.watchers.get(stream, 0) > with_language) \
                and i18n.DEFAULT not in found:
            found.append(i18n.DEFAULT)
        return found

    def watch(self, stream: str, locale: str) -> str:
        """A socket starts reading ``stream`` in ``locale``: the channel to subscribe."""
        locale = i18n.known(locale)
        self.watchers[stream] += 1
        self.languages[(stream, locale)] += 1
        return channel_for(stream, locale)

    def unwatch(self, stream: str, locale: str) -> None:
        locale = i18n.known(locale)
        self.watchers[stream] -= 1
        self.languages[(stream, locale)] -= 1
        if self.languages[(stream, locale)] <= 0:  # nobody here reads it: keep nothing
            self._snapshots.pop((stream, locale), None)

    def note_seq(self, stream: str, seq: int) -> None:
        if seq > self.latest.get(stream, 0):
            self.latest[stream] = seq

    # -- catching a socket up -----------------------------------------------------------
    async def catch_up(self, stream: str, after: int | None, locale: str = i18n.DEFAULT
                       ) -> str:
        """The answer to a page that has applied ``after``: heartbeat, replay or
        snapshot (live_views.catch_up), rendered after the read in ``locale``.

        A snapshot (``after`` None) is kept per stream number and language: the tablets
        of a shift connect together and all ask for one; they share one read and one
        render.  The number is read first (after the socket subscribed), so the shared
        snapshot is never older than the socket's subscription."""
        assert self.uow is not None
        locale = i18n.known(locale)
        if after is None:
            return await self._snapshot(stream, locale)
        found = await self.uow.read(lv.catch_up, stream, after, self.replay_limit)
        self.note_seq(stream, found.last)
        return header(stream, found.first, found.last, found.kind) + \
            self._renderers[locale].update(found.update)

    async def _snapshot(self, stream: str, locale: str) -> str:
        assert self.uow is not None
        seq = (await self.uow.read(lv.latest_seqs, [stream])).get(stream, 0)
        kept = self._snapshots.get((stream, locale))
        if kept is not None and kept[0] >= seq:
            return kept[1]
        key = (stream, locale, seq)
        pending = self._snapshots_pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._read_snapshot(stream, locale))
            self._snapshots_pending[key] = pending
            pending.add_done_callback(lambda _: self._snapshots_pending.pop(key, None))
        return await asyncio.shield(pending)

    async def _read_snapshot(self, stream: str, locale: str) -> str:
        assert self.uow is not None
        found = await self.uow.read(lv.catch_up, stream, None, self.replay_limit)
        self.note_seq(stream, found.last)
        text = header(stream, found.first, found.last, found.kind) + \
            self._renderers[locale].update(found.update)
        kept = self._snapshots.get((stream, locale))
        if kept is None or kept[0] <= found.last:
            self._snapshots[(stream, locale)] = (found.last, text)
        return text

    # -- heartbeats ---------------------------------------------------------------------
    def heartbeat(self, stream: str) -> str:
        seq = self.latest.get(stream, 0)
        return header(stream, seq, seq, "heartbeat")

    async def refresh_latest(self) -> None:
        """Read the watched streams' counters, so a message this process never saw (lost
        in a Redis outage, published by another process) still shows up in heartbeats."""
        assert self.uow is not None
        watched = [s for s, n in self.watchers.items() if n > 0]
        if not watched:
            return
        for stream, seq in (await self.uow.read(lv.latest_seqs, watched)).items():
            self.note_seq(stream, seq)

    async def run_beats(self, interval: float) -> None:
        """Every ``interval`` seconds: read the watched streams' numbers, then the
        sockets' heartbeat (``SocketRegistry.beat``: every session checked in one read,
        the heartbeats carry the numbers just read).  Started by the app's lifespan."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh_latest()
            except Exception:  # noqa: BLE001 - a database blip must not end the loop
                log.exception("could not refresh stream counters")
            try:
                await self.sockets.beat()
            except Exception:  # noqa: BLE001 - nor a failed beat
                log.exception("heartbeat failed")
