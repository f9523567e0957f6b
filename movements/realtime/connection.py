"""One live socket's life, shared by every live route (board, movement page, alerts).

What it guarantees (issues 12 and 20):

- **The session governs the socket.** Every heartbeat (``SocketRegistry.beat``: all
  sockets of the process in one read) and every catch-up (replay or snapshot) re-checks
  the socket's session; sign-out, deactivation, a role
  or airport change and expiry close it with 1008.  Other processes learn of such a change
  through the fan-out channel ``live:sessions`` (``SocketRegistry.sessions_changed``) and
  re-check at once; the heartbeat check is the bound when that message is lost.
- **Few sockets.** A socket that has not said hello within ``HELLO_TIMEOUT`` is closed
  (4002), and a session holds at most ``PER_SESSION`` sockets: opening one more closes
  the oldest (4001), so a page that leaked sockets behind a stalled network cannot keep
  them.
- **Catch-up requests are coalesced and rate-limited.** hello/resync frames only mark a
  catch-up as wanted (the oldest ``after`` asked for wins); one task serves it, at most
  ``CATCH_UP_BURST`` at once and then ``CATCH_UP_RATE`` per second, so 300 hellos cost a
  handful of renders, not 300.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from litestar import WebSocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import WebSocketDisconnect

from movements.domain.actions.sessions import HeldRights, session_verdict, session_verdicts
from movements.domain.uow import UnitOfWork

from .fanout import Fanout, start_eagerly

log = logging.getLogger(__name__)

POLICY = 1008  #: the session no longer allows this socket (do not reconnect as is)
EVICTED = 4001  #: closed because the same session opened a newer socket beyond the cap
NO_HELLO = 4002  #: the page never said hello within HELLO_TIMEOUT
PER_SESSION = 4
HELLO_TIMEOUT = 10.0  # seconds
CATCH_UP_BURST = 3
CATCH_UP_RATE = 2.0  # catch-ups per second after the burst
SESSIONS_CHANNEL = "live:sessions"
_SNAPSHOT = -1  # the "after" of a request for a full snapshot (oldest of all)


#: Whose rights a socket carries: read from the session when it opened.
Holder = HeldRights


@dataclass(frozen=True, slots=True)
class SessionRules:
    idle: timedelta
    lifetime: timedelta
    now: Callable[[], datetime]


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second (monotonic clock)."""

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, burst: int, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def wait_time(self) -> float:
        """Seconds until a token is free (0 when one is): refills first."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass(eq=False, slots=True)
class LiveSocket:
    """One accepted socket.  ``push`` sends without waiting (the fan-out's path);
    ``send`` and ``exclusive`` wait their turn; messages keep their order either way."""

    socket: WebSocket[Any, Any, Any]
    holder: Holder
    #: Most messages kept behind a busy socket; beyond, the oldest are dropped (the page
    #: notices the gap from the numbers and resyncs, as with the channels' backlog).
    backlog: int = 500
    opened: float = field(default_factory=time.monotonic)
    #: Set once when the socket closes (a flag: nothing waits on it, and an Event costs
    #: ~0.6 KiB per socket; ``serve`` waits on ``_ended``).
    closed: bool = False
    #: What the socket's heartbeat says (set by ``serve``; the registry's beat sends it).
    beat: Callable[[], str] | None = None
    #: The page's first hello has been answered: heartbeats start after that, as a
    #: heartbeat before the snapshot would only make the page ask again.
    answered: bool = False
    close_code: int | None = None
    #: Not None while a send is under way: what is pushed meanwhile waits here.
    _queue: deque[str] | None = None
    #: Made only when someone waits for a busy socket (an Event costs ~0.6 KiB; most
    #: sockets never need one).
    _idle: asyncio.Event | None = None
    _writer: asyncio.Task[None] | None = None
    #: Resolved when the socket closes (``serve`` waits on it: a future, not a task).
    _ended: asyncio.Future[None] | None = None

    def _mark_closed(self) -> None:
        self.closed = True
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    def push(self, text: str) -> None:
        """Send ``text`` now when the socket takes it without waiting (the usual case:
        no task, no lock), else queue it behind the send under way."""
        if self.closed:
            return
        if self._queue is not None:
            self._queue.append(text)
            return
        try:
            rest = start_eagerly(self.socket.send_text(text))
        except Exception:  # noqa: BLE001 - the peer is gone: serve() ends on ``closed``
            self._mark_closed()
            return
        if rest is not None:  # the transport is full: finish in the background
            self._busy()
            self._writer = asyncio.create_task(self._drain(rest))

    async def send(self, text: str) -> None:
        """Send ``text`` after what is queued, and wait until it is written."""
        async with self.exclusive():
            if not self.closed:
                await self.socket.send_text(text)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold pushes back (they queue) while the body reads and sends, e.g. a
        catch-up, so the page sees the numbers in order; then send what queued."""
        while self._queue is not None:
            if self._idle is None:
                self._idle = asyncio.Event()
            await self._idle.wait()
        self._busy()
        try:
            yield
        finally:
            await self._drain(None)

    def _busy(self) -> None:
        self._queue = deque(maxlen=self.backlog)

    async def _drain(self, first: asyncio.Task[None] | None) -> None:
        try:
            if first is not None:
                await first
            while self._queue and not self.closed:
                await self.socket.send_text(self._queue.popleft())
        except Exception:  # noqa: BLE001 - the peer is gone: serve() ends on ``closed``
            self._mark_closed()
        finally:
            self._queue = None
            self._writer = None
            if self._idle is not None:
                self._idle.set()
                self._idle = None

    async def close(self, code: int, reason: str) -> None:
        """Close once; the serving loop ends when ``closed`` is set even if the peer
        never answers the close (a stalled network)."""
        if self.closed:
            return
        self.close_code = code
        self._mark_closed()
        if self._writer is not None:
            self._writer.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.socket.close(code=code, reason=reason), 2)


class SocketRegistry:
    """The sockets this process holds, by session and user; session checks for them."""

    def __init__(self, uow: UnitOfWork | None, rules: SessionRules | None,
                 channels: ChannelsPlugin | None, per_session: int = PER_SESSION) -> None:
        self.uow, self.rules, self.channels = uow, rules, channels
        self.per_session = per_session
        self.by_session: dict[int, list[LiveSocket]] = defaultdict(list)

    def count(self, session_id: int | None = None) -> int:
        if session_id is not None:
            return len(self.by_session.get(session_id, []))
        return sum(len(v) for v in self.by_session.values())

    async def add(self, live: LiveSocket) -> None:
        held = self.by_session[live.holder.session_id]
        held.append(live)
        while len(held) > self.per_session:
            oldest = held.pop(0)
            log.info("session %s opened socket %d of %d: closing its oldest",
                     live.holder.session_id, len(held) + 1, self.per_session)
            await oldest.close(EVICTED, "too many live connections for this session")

    def remove(self, live: LiveSocket) -> None:
        held = self.by_session.get(live.holder.session_id)
        if held and live in held:
            held.remove(live)
        if not held:
            self.by_session.pop(live.holder.session_id, None)

    async def verdict(self, holder: Holder) -> str | None:
        """Why ``holder``'s session no longer allows a socket, or None (one read)."""
        if self.uow is None or self.rules is None:
            return None
        rules = self.rules
        return await self.uow.read(session_verdict, holder.session_id, holder.user_id,
                                   holder.role, holder.airport_ids, rules.now(),
                                   rules.idle, rules.lifetime)

    async def check(self, live: LiveSocket) -> bool:
        """Re-check ``live``'s session; close it with 1008 when it no longer holds."""
        try:
            reason = await self.verdict(live.holder)
        except Exception:  # noqa: BLE001 - a database blip: keep the socket, check again
            log.warning("could not re-check session %s", live.holder.session_id,
                        exc_info=True)
            return True
        if reason is None:
            return True
        log.info("closing live socket of user %s: %s", live.holder.user_id, reason)
        await live.close(POLICY, reason)
        return False

    # -- heartbeats ----------------------------------------------------------------------
    async def beat(self) -> None:
        """One heartbeat of every socket of this process: their sessions checked in ONE
        read (``session_verdicts``), a socket whose session no longer holds closed with
        1008, every other one sent its heartbeat.  A database blip keeps the sockets (the
        next beat checks again) but still sends the heartbeats."""
        sockets = [live for held in self.by_session.values() for live in held
                   if not live.closed]
        if not sockets:
            return
        reasons: dict[HeldRights, str | None] = {}
        if self.uow is not None and self.rules is not None:
            rules = self.rules
            try:
                reasons = await self.uow.read(session_verdicts,
                                              list({live.holder for live in sockets}),
                                              rules.now(), rules.idle, rules.lifetime)
            except Exception:  # noqa: BLE001 - keep the sockets, check at the next beat
                log.warning("could not re-check the sessions of %d sockets", len(sockets),
                            exc_info=True)
        ending = []
        for live in sockets:
            reason = reasons.get(live.holder)
            if reason is not None:
                log.info("closing live socket of user %s: %s", live.holder.user_id, reason)
                ending.append(live.close(POLICY, reason))
            elif live.beat is not None and live.answered:
                live.push(live.beat())
        if ending:
            await asyncio.gather(*ending)

    # -- across processes -----------------------------------------------------------------
    async def sessions_changed(self, user_id: int) -> None:
        """Tell every process that ``user_id``'s sessions or rights changed (after the
        commit): each re-checks that user's sockets at once."""
        if self.channels is None:
            return
        try:
            await self.channels.wait_published(json.dumps({"user": user_id}).encode(),
                                               [SESSIONS_CHANNEL])
        except Exception:  # noqa: BLE001 - the heartbeat check still closes them
            log.warning("could not announce a session change of user %s", user_id,
                        exc_info=True)

    async def on_sessions_message(self, data: bytes) -> None:
        try:
            user_id = int(json.loads(data)["user"])
        except (ValueError, KeyError, TypeError):
            return
        for held in list(self.by_session.values()):
            for live in list(held):
                if live.holder.user_id == user_id:
                    await self.check(live)

    async def run_listener(self) -> None:
        """Follow ``live:sessions`` for the life of the app (started by its lifespan)."""
        assert self.channels is not None
        while True:
            try:
                async with self.channels.start_subscription([SESSIONS_CHANNEL]) as sub:
                    async for data in sub.iter_events():
                        await self.on_sessions_message(data)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - resubscribe; heartbeats still check
                log.warning("session channel lost; resubscribing", exc_info=True)
                await asyncio.sleep(1)


CatchUp = Callable[[int | None], Awaitable[str]]


async def serve(live: LiveSocket, registry: SocketRegistry, channels: ChannelsPlugin,
                streams: list[str], *, heartbeat: Callable[[], str], catch_up: CatchUp,
                on_event: Callable[[bytes], Awaitable[None]] | None = None,
                fanout: Fanout | None = None) -> None:
    """Serve an accepted socket until it or its session ends.

    Subscribes first, then answers hello/resync with ``catch_up(after)`` (``after`` None:
    a snapshot), forwards each published message (or hands it to ``on_event``); the
    registry's ``beat`` re-checks the session and sends ``heartbeat()`` (one session read
    per beat for every socket of the process, no task per socket).  With
    ``fanout`` (and no ``on_event``) the socket joins the process's one subscription per
    channel instead of holding its own (fanout.py)."""
    socket = live.socket
    loop = asyncio.get_running_loop()
    wanted: dict[str, int | None] = {}
    bucket = TokenBucket(CATCH_UP_BURST, CATCH_UP_RATE)
    # Ends the serving: resolved by ``live.close`` (and a peer gone), failed by a
    # catch-up's error or a missing hello.  A future, so no task waits per socket.
    ended: asyncio.Future[None] = loop.create_future()
    live._ended = ended
    serving: asyncio.Task[None] | None = None  # the catch-up under way, if any

    def end_with(exc: BaseException) -> None:
        if not ended.done():
            ended.set_exception(exc)

    def no_hello() -> None:
        end_with(TimeoutError())

    async def forward(data: bytes) -> None:
        if on_event is not None:
            await on_event(data)
        else:
            await live.send(data.decode())

    async def receive() -> None:
        while True:
            raw = await socket.receive_text()
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            after = _after(message)
            if after is _IGNORED:
                continue
            hello_timer.cancel()  # the first hello came in time
            key = _SNAPSHOT if after is None else after
            current = wanted.get("after")
            # Coalesce: one pending request, for the oldest number asked about.
            wanted["after"] = key if current is None else min(current, key)
            start_catch_up()

    def start_catch_up() -> None:
        """A task serves the pending request (and any arriving meanwhile), then ends: an
        idle socket holds no catch-up task."""
        nonlocal serving
        if serving is None or serving.done():
            serving = asyncio.create_task(catch_ups())
            serving.add_done_callback(caught_up)

    def caught_up(task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            if "after" in wanted and not live.closed:
                start_catch_up()
        elif isinstance(exc, (WebSocketDisconnect, RuntimeError)):
            live._mark_closed()  # the peer is gone
        else:
            end_with(exc)

    async def catch_ups() -> None:
        while "after" in wanted:
            delay = bucket.wait_time()
            if delay:
                await asyncio.sleep(delay)  # requests arriving meanwhile merge into one
                bucket.wait_time()
            bucket.take()
            key = wanted.pop("after", _SNAPSHOT)
            if not await registry.check(live):
                return
            async with live.exclusive():  # pushes queue while catching up
                if live.closed:
                    return
                text = await catch_up(None if key == _SNAPSHOT else key)
                await socket.send_text(text)
                live.answered = True

    @contextlib.asynccontextmanager
    async def subscribed() -> AsyncIterator[None]:
        if fanout is not None and on_event is None:
            joined: list[str] = []
            try:
                for stream in streams:
                    await fanout.join(stream, live)
                    joined.append(stream)
                yield
            finally:
                for stream in joined:
                    await fanout.leave(stream, live)
        else:
            async with channels.start_subscription(streams) as subscriber, \
                    subscriber.run_in_background(forward, join=False):
                yield

    live.beat = heartbeat
    await registry.add(live)
    hello_timer = loop.call_later(HELLO_TIMEOUT, no_hello)
    try:
        async with subscribed():
            reader = asyncio.create_task(receive())
            try:
                await asyncio.wait([reader, ended], return_when=asyncio.FIRST_COMPLETED)
                for f in (reader, ended):
                    if not f.done() or f.cancelled() or f.exception() is None:
                        continue
                    exc = f.exception()
                    if isinstance(exc, TimeoutError):
                        await live.close(NO_HELLO, "no hello in time")
                    elif not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                        raise exc  # type: ignore[misc]
            finally:
                hello_timer.cancel()
                running = [t for t in (reader, serving) if t is not None]
                for t in running:
                    t.cancel()
                for t in running:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await t
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hello_timer.cancel()
        live._mark_closed()
        registry.remove(live)


_IGNORED: Any = object()


def _after(message: Any) -> Any:
    """hello/resync -> the number the page applied last (None: it has nothing, send a
    snapshot); anything else -> _IGNORED."""
    if not isinstance(message, dict):
        return _IGNORED
    for key in ("hello", "resync"):
        if key in message:
            value = message[key]
            if isinstance(value, dict):
                value = value.get("after")
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
            return None
    return _IGNORED
