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
from dataclasses import dataclass

from litestar.channels import ChannelsPlugin
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain.events import DomainEvent
from movements.domain.models import StreamCounter
from movements.domain.uow import UnitOfWork, events_after, stream_seq

from .connection import SocketRegistry
from .fragments import Fragments, header, parse_stream

log = logging.getLogger(__name__)

#: By default, a client further behind than this gets a snapshot instead of a replay.
REPLAY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class _Item:
    seq: int
    kind: str
    movement_id: int | None
    passenger_id: int | None


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
        #: The sockets this process holds (uow and session rules set by the composition
        #: root, like ``uow``).
        self.sockets = SocketRegistry(None, None, channels)

    # -- publishing -------------------------------------------------------------------
    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Render each stream's share of one commit once and broadcast the bytes."""
        assert self.uow is not None
        committed_at = time.time() * 1000
        by_stream: dict[str, list[_Item]] = defaultdict(list)
        for e in events:
            for stream, seq in e.streams.items():
                self.note_seq(stream, seq)
                if self.local_only and self.watchers.get(stream, 0) <= 0:
                    continue
                by_stream[stream].append(_Item(seq, e.kind, e.movement_id, e.passenger_id))
        if not by_stream:
            return
        messages = await self.uow.read(self._render_batches, dict(by_stream), committed_at)
        for stream, message in messages:
            await self.channels.wait_published(message.encode(), [stream])

    def _render_batches(self, session: Session, by_stream: dict[str, list[_Item]],
                        committed_at: float) -> list[tuple[str, str]]:
        out = []
        for stream, items in by_stream.items():
            items.sort(key=lambda i: i.seq)
            body = self._render(session, stream, items)
            self.note_seq(stream, items[-1].seq)
            out.append((stream, header(stream, items[0].seq, items[-1].seq, "event",
                                       committed_at) + body))
        return out

    def _render(self, session: Session, stream: str, items: list[_Item]) -> str:
        parsed = parse_stream(stream)
        if parsed is None:
            return ""
        if parsed[0] == "board":
            _, airport, day = parsed  # type: ignore[misc]
            return self.fragments.board_update(
                session, airport, day, [i.movement_id for i in items if i.movement_id],
                {i.kind for i in items})
        _, movement_id = parsed  # type: ignore[misc]
        return self.fragments.movement_update(
            session, movement_id, [(i.kind, i.movement_id, i.passenger_id) for i in items])

    def note_seq(self, stream: str, seq: int) -> None:
        if seq > self.latest.get(stream, 0):
            self.latest[stream] = seq

    # -- catching a socket up -----------------------------------------------------------
    async def catch_up(self, stream: str, after: int | None) -> str:
        assert self.uow is not None
        return await self.uow.read(self._catch_up, stream, after)

    def _catch_up(self, session: Session, stream: str, after: int | None) -> str:
        current = stream_seq(session, stream)
        self.note_seq(stream, current)
        if after is not None and after == current:
            return header(stream, current, current, "heartbeat")
        if after is not None and 0 <= after < current and current - after <= self.replay_limit:
            missed = events_after(session, stream, after)
            if len(missed) == current - after:  # all still kept: replay is exact
                items = [_Item(e.seq, e.kind, e.movement_id, e.passenger_id) for e in missed]
                # Render from current state: the rows then show at least `current`.
                return header(stream, after + 1, current, "replay") + self._render(
                    session, stream, items)
        return header(stream, current, current, "snapshot") + self._snapshot(session, stream)

    def _snapshot(self, session: Session, stream: str) -> str:
        parsed = parse_stream(stream)
        if parsed is None:
            return ""
        if parsed[0] == "board":
            _, airport, day = parsed  # type: ignore[misc]
            return self.fragments.board_snapshot(session, airport, day)
        _, movement_id = parsed  # type: ignore[misc]
        return self.fragments.movement_snapshot(session, movement_id)

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
        rows = await self.uow.read(lambda s: list(s.execute(
            select(StreamCounter.stream, StreamCounter.last_seq)
            .where(StreamCounter.stream.in_(watched)))))
        for stream, seq in rows:
            self.note_seq(stream, int(seq))

    async def run_refresher(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh_latest()
            except Exception:  # noqa: BLE001 - a database blip must not end the loop
                log.exception("could not refresh stream counters")
