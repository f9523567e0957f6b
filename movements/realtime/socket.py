"""The websocket a board or movement page holds.

Order matters: subscribe to the stream first, then answer the page's hello with a replay
or a snapshot read after subscribing, so nothing committed in between is missed.  While a
catch-up is read and sent, forwarding waits (one send lock), so the page sees numbers in
order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromQuery

from movements.domain.access import access_stream
from movements.domain.errors import NotFound
from movements.services import Services
from movements.web.auth import STAFF, current_user, same_origin
from movements.web.deps import ChannelsDep, ServicesDep

from .hub import LiveHub

log = logging.getLogger(__name__)

#: Close codes the htmx ws extension reconnects after (1012: service restart).
RESTART = 1012
POLICY = 1008


def _after(message: Any) -> int | None:
    if not isinstance(message, dict):
        return None
    for key in ("hello", "resync"):
        if key in message:
            value = message[key]
            if isinstance(value, dict):
                value = value.get("after")
            if isinstance(value, int) and value >= 0:
                return value
            return None
    return None


async def _may_watch(socket: WebSocket[Any, Any, Any], services: Services,
                     stream: str) -> bool:
    """The access policy decides (access.access_stream): the board of one of the user's
    airports, or a movement page they may see."""
    user = current_user(socket)
    if user is None:
        return False
    try:
        await services.uow.read(access_stream, user.actor, stream)
    except NotFound:
        return False
    return True


@websocket("/ws", opt={"live": True}, guards=[STAFF])
async def stream_socket(socket: WebSocket[Any, Any, Any], channels: ChannelsDep,
                        services: ServicesDep, stream: FromQuery[str]) -> None:
    hub: LiveHub = socket.app.state.hub
    if not same_origin(socket, services.settings.public_url):
        log.warning("websocket from foreign origin %s refused", socket.headers.get("origin"))
        await socket.close(code=POLICY, reason="foreign origin")
        return
    if not await _may_watch(socket, services, stream):
        await socket.close(code=POLICY, reason="not allowed")
        return
    await socket.accept()
    lock = asyncio.Lock()
    hub.watchers[stream] += 1
    state: dict[str, Any] = {"closed": False}

    async def send(text: str) -> None:
        async with lock:
            if not state["closed"]:
                await socket.send_text(text)

    async def forward(data: bytes) -> None:
        await send(data.decode())

    async def heartbeats() -> None:
        while True:
            await asyncio.sleep(services.settings.heartbeat_seconds)
            await send(hub.heartbeat(stream))

    try:
        async with channels.start_subscription([stream]) as subscriber, \
                subscriber.run_in_background(forward, join=False):
            beat = asyncio.create_task(heartbeats())
            try:
                while True:
                    raw = await socket.receive_text()
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        continue
                    after = _after(message)
                    async with lock:  # hold forwarding back while catching up
                        text = await hub.catch_up(stream, after)
                        await socket.send_text(text)
            finally:
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        state["closed"] = True
        hub.watchers[stream] -= 1
