"""The coordinators' outbox (issue 16): what was sent, what waits, what failed and why;
resend and cancel.

``/outbox`` (coordinators and admins, scoped by the access policy to their airports)
lists the airport's messages, newest first, with the recipient masked; ``?only=failed``
narrows it.  The buttons are plain forms with the CSRF field; they answer 303 back to the
list.  A message of another airport reads as not found.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Response

from movements.domain.actions import outbox as outbox_actions
from movements.domain.uow import Tx
from movements.web.auth import COORDINATION, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.media import HTML
from movements.web.render import page as render_page


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # the guards make sure
    return user


def _back(airport: str) -> Response[str]:
    return Response("", status_code=303, headers={"Location": f"/outbox?airport={airport}"})


class Outbox(Controller):
    guards = [COORDINATION]

    @get("/outbox")
    async def page(self, request: Request[Any, Any, Any], services: ServicesDep,
                   airport: FromQuery[str | None] = None,
                   only: FromQuery[str | None] = None) -> Response[str]:
        user = _user(request)
        page = await services.uow.read(outbox_actions.outbox_page, user.actor, airport,
                                       services.settings.airport, only or None)
        return Response(render_page(request, "outbox.html",
            page=page, user=user, csrf_token=user.csrf_token, page_timezone=page.timezone,
            airport_name=page.airport),
            media_type=HTML, headers={"Cache-Control": "no-store"})

    @post("/outbox/{message_id:int}/resend")
    async def resend(self, request: Request[Any, Any, Any], services: ServicesDep,
                     message_id: PathId) -> Response[str]:
        def act(tx: Tx) -> str:
            outbox_actions.resend(tx, message_id)
            return outbox_actions.message_airport(tx.session, message_id)

        return _back(await services.uow.run(act, _user(request).actor))

    @post("/outbox/{message_id:int}/cancel")
    async def cancel(self, request: Request[Any, Any, Any], services: ServicesDep,
                     message_id: PathId) -> Response[str]:
        def act(tx: Tx) -> str:
            outbox_actions.cancel(tx, message_id)
            return outbox_actions.message_airport(tx.session, message_id)

        return _back(await services.uow.run(act, _user(request).actor))


OUTBOX_ROUTES: list[Any] = [Outbox]

__all__ = ["OUTBOX_ROUTES", "Outbox"]
