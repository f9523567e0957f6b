"""The coordinator's alert list, its acknowledge button, and the flight feed's status.

``/alerts`` (coordinators and admins) lists the airport's open alerts and those cleared
in the last hours; it follows live over ``/alerts/ws``: the socket listens to the board
streams of yesterday, today and tomorrow (every alert raised, cleared or acknowledged is
an event on its movement's board stream) and answers each with the list re-rendered, as a
snapshot in the same ``<!--sync ...-->`` framing live.js understands, plus heartbeats.
``/feed/status`` is the small fragment the board polls to say whether the flight feed is
fresh, or stale and since when.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, WebSocket, get, post, websocket
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Response

from movements.domain import views
from movements.domain.actions import alerts as alert_actions
from movements.domain.errors import NotFound
from movements.domain.feed_status import feed_status_view
from movements.domain.streams import alerts_stream
from movements.domain.uow import Tx
from movements.realtime.connection import LiveSocket, serve
from movements.realtime.fragments import Fragments, header
from movements.services import Services
from movements.web.auth import COORDINATION, STAFF, AuthUser, current_user, same_origin
from movements.web.deps import ChannelsDep, PathId, ServicesDep
from movements.web.live import holder_of
from movements.web.media import HTML
from movements.web.render import page as render_page
from movements.web.render import partials

log = logging.getLogger(__name__)
POLICY = 1008


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # the guards make sure
    return user


async def _list_html(services: Services, user: AuthUser, draw: Fragments, airport: str
                     ) -> str:
    now = services.clock.now()
    page = await services.uow.read(views.alerts_page, user.actor, airport,
                                   services.settings.airport, now)
    return draw.alert_list(page.alerts, oob=True, csrf_token=user.csrf_token, now=now,
                           page_timezone=page.airport.timezone)


class Alerts(Controller):
    guards = [COORDINATION]

    @get("/alerts")
    async def page(self, request: HTMXRequest, services: ServicesDep,
                   airport: FromQuery[str | None] = None) -> Response[str]:
        user = _user(request)
        now = services.clock.now()
        page = await services.uow.read(views.alerts_page, user.actor, airport,
                                       services.settings.airport, now)
        context = {"alerts": page.alerts, "oob": False, "csrf_token": user.csrf_token,
                   "now": now, "page_timezone": page.airport.timezone}
        if request.htmx:
            return _html(partials(request).alert_list(
                page.alerts, oob=False, csrf_token=user.csrf_token, now=now,
                page_timezone=page.airport.timezone))
        return _html(render_page(request, "alerts.html",
            **context, user=user, airport_name=page.airport.code,
            heartbeat=services.settings.heartbeat_seconds,
            stream=alerts_stream(page.airport.code)))

    @post("/alerts/{alert_id:int}/ack")
    async def acknowledge(self, request: HTMXRequest, services: ServicesDep,
                          alert_id: PathId) -> Response[str]:
        user = _user(request)

        def act(tx: Tx) -> tuple[list[alert_actions.AlertView], str]:
            alert_actions.acknowledge_alert(tx, alert_id)
            airport = alert_actions.alert_airport(tx.session, alert_id)
            zone = views.airport_choice(tx.session, tx.actor, airport, airport).timezone
            return alert_actions.alert_list(tx.session, airport, tx.now), zone

        alerts, zone = await services.uow.run(act, user.actor)
        if not request.htmx:
            return Response("", status_code=303, headers={"Location": "/alerts"})
        view = next((a for a in alerts if a.id == alert_id), None)
        if view is None:  # cleared long ago: show the list as it is
            return _html(partials(request).alert_list(
                alerts, oob=False, csrf_token=user.csrf_token, now=services.clock.now(),
                page_timezone=zone))
        return _html(partials(request).alert_row(view, csrf_token=user.csrf_token,
                                                 page_timezone=zone))


@get("/feed/status", guards=[STAFF])
async def feed_status(request: Request[Any, Any, Any], services: ServicesDep,
                      airport: FromQuery[str | None] = None) -> Response[str]:
    user = _user(request)
    s = services.settings
    now = services.clock.now()

    choice = await services.uow.read(views.airport_choice, user.actor, airport, s.airport)
    own = s.feed_for(choice.code)  # this airport's feed, if it has one
    feed = await services.uow.read(feed_status_view, choice.code, now,
                                   own.poll_seconds if own else s.feed_poll_seconds,
                                   own is not None)
    zone = choice.timezone
    return _html(render_page(request, "partials/feed_status.html",
        feed=feed, now=now, page_timezone=zone))


@websocket("/alerts/ws", guards=[COORDINATION], opt={"live": True})
async def alerts_socket(socket: WebSocket[Any, Any, Any], channels: ChannelsDep,
                        services: ServicesDep) -> None:
    if not same_origin(socket, services.settings.public_url):
        await socket.close(code=POLICY, reason="foreign origin")
        return
    user = current_user(socket)
    if user is None:
        await socket.close(code=POLICY, reason="not allowed")
        return
    try:
        page = await services.uow.read(views.alerts_page, user.actor,
                                       socket.query_params.get("airport"),
                                       services.settings.airport, services.clock.now())
    except NotFound:
        await socket.close(code=POLICY, reason="not allowed")
        return
    airport = page.airport.code
    stream = alerts_stream(airport)
    draw = partials(socket)
    await socket.accept()
    hub = socket.app.state.hub
    live = LiveSocket(socket, holder_of(user))

    async def snapshot(_: int | None = None) -> str:
        # Every message is a whole snapshot (seq 0): the page never has a gap to mend.
        body = await _list_html(services, user, draw, airport)
        return header(stream, 0, 0, "snapshot") + body

    async def on_board_event(_: bytes) -> None:
        await live.send(await snapshot())

    watched = page.watched
    for name in watched:
        hub.watchers[name] += 1  # so the hub publishes these streams even if no board is open
    try:
        await serve(live, hub.sockets, channels, watched,
                    heartbeat=lambda: header(stream, 0, 0, "heartbeat"),
                    catch_up=snapshot, on_event=on_board_event)
    finally:
        for name in watched:
            hub.watchers[name] -= 1


ALERT_ROUTES: list[Any] = [Alerts, feed_status, alerts_socket]

__all__ = ["ALERT_ROUTES", "Alerts", "alerts_socket", "alerts_stream", "feed_status"]
