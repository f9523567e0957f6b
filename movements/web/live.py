"""The websocket a board or movement page holds: the HTTP edge's route (guards, session,
Origin, the access policy), around the push core in ``movements.realtime``.

Order matters: subscribe to the stream first, then answer the page's hello with a replay
or a snapshot read after subscribing, so nothing committed in between is missed.  While a
catch-up is read and sent, forwarding waits (one send lock), so the page sees numbers in
order.  The socket's life (session checks, caps, coalesced catch-ups) is connection.py's.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import WebSocket, websocket
from litestar.params import FromQuery

from movements.domain.access import access_stream
from movements.domain.errors import NotFound
from movements.realtime.connection import POLICY, Holder, LiveSocket, serve
from movements.realtime.hub import LiveHub
from movements.services import Services
from movements.web.auth import STAFF, AuthUser, current_user, same_origin
from movements.web.deps import ChannelsDep, ServicesDep

log = logging.getLogger(__name__)

#: Close codes the page reconnects after (1012: service restart).
RESTART = 1012


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


def holder_of(user: AuthUser) -> Holder:
    """The rights a socket carries, taken from its session when it opens."""
    return Holder(user_id=user.id, session_id=user.session_id, role=user.role,
                  airport_ids=user.airport_ids)


@websocket("/ws", opt={"live": True}, guards=[STAFF])
async def stream_socket(socket: WebSocket[Any, Any, Any], channels: ChannelsDep,
                        services: ServicesDep, stream: FromQuery[str]) -> None:
    hub: LiveHub = socket.app.state.hub
    if not same_origin(socket, services.settings.public_url):
        log.warning("websocket from foreign origin %s refused", socket.headers.get("origin"))
        await socket.close(code=POLICY, reason="foreign origin")
        return
    user = current_user(socket)
    if user is None or not await _may_watch(socket, services, stream):
        await socket.close(code=POLICY, reason="not allowed")
        return
    await socket.accept()
    # The socket reads the stream in its person's language (its own fan-out channel).
    channel = hub.watch(stream, user.locale)

    async def catch_up(after: int | None) -> str:
        return await hub.catch_up(stream, after, user.locale)

    try:
        live = LiveSocket(socket, holder_of(user), backlog=services.settings.subscriber_backlog)
        await serve(live, hub.sockets, channels, [channel],
                    heartbeat=lambda: hub.heartbeat(stream), catch_up=catch_up,
                    fanout=hub.fanout)
    finally:
        hub.unwatch(stream, user.locale)
