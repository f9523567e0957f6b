"""The coordinators' outbox (issue 16): what was sent, what waits, what failed and why;
resend and cancel.

``/outbox`` (coordinators and admins, scoped by the access policy to their airports)
lists the airport's messages, newest first, with the recipient masked; ``?only=failed``
narrows it.  The buttons are plain forms with the CSRF field; they answer 303 back to the
list.  A message of another airport reads as not found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import MediaType
from litestar.params import FromQuery
from litestar.response import Response
from standardwebhooks import Webhook, WebhookVerificationError

from movements import i18n
from movements.domain.actions import outbox as outbox_actions
from movements.domain.errors import DomainError
from movements.domain.phrases import quoted
from movements.domain.uow import Actor, Tx
from movements.web.auth import COORDINATION, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.forms import FORM, TypedForm
from movements.web.media import HTML
from movements.web.provider_receipts import ProviderReceipts
from movements.web.render import page as render_page

#: Who records a delivery receipt (the audit's and the attempts' actor).
RECEIPTS = Actor.system("receipts")


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # the guards make sure
    return user


@dataclass
class WebhookForm(TypedForm):
    """A new webhook subscription: the airport, the partner's address and the events
    ticked (one box arrives as a string, several as a list).  The address is checked by
    the domain (``subscribe_webhook``), whose refusal names it."""

    airport: str = ""
    url: str = ""
    events: list[str] | str = field(default_factory=list)

    def event_list(self) -> list[str]:
        return [self.events] if isinstance(self.events, str) else list(self.events)


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
                                       services.settings.airport, only or None,
                                       public_url=services.settings.public_url)
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


def _refuse(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status, media_type=MediaType.JSON)


class Receipts(Controller):
    """Delivery receipts from the SMS provider (its status callback), signed as Standard
    Webhooks with ``MOVEMENTS_NOTIFY_RECEIPT_SECRET``: ``{"key": <the message's
    Idempotency-Key>, "status": "delivered" | "failed" | "undelivered", "detail": ...}``.
    Public (a provider has no session) but refused unless the signature verifies and its
    timestamp is within five minutes (the library's tolerance: no replays)."""

    @post("/outbox/receipts", opt={"public": True}, status_code=200)
    async def receipt(self, request: Request[Any, Any, Any],
                      services: ServicesDep) -> Response[Any]:
        secret = services.settings.notify_receipt_secret
        if not secret:
            return _refuse(404, "delivery receipts are not configured "
                                "(MOVEMENTS_NOTIFY_RECEIPT_SECRET)")
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            Webhook(secret).verify(raw, headers)
        except (WebhookVerificationError, ValueError) as exc:
            return _refuse(401, f"receipt signature does not verify: {exc}")
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _refuse(400, f"receipt body is not JSON: {exc}")
        key, status = (payload.get("key"), payload.get("status")) \
            if isinstance(payload, dict) else (None, None)
        if not isinstance(key, str) or not key or len(key) > 160:
            return _refuse(400, "receipt field 'key': the message's Idempotency-Key")
        detail = payload.get("detail")
        try:
            state = await services.uow.run(outbox_actions.record_delivery, RECEIPTS, key,
                                           str(status),
                                           str(detail)[:500] if detail is not None else None)
        except DomainError as exc:
            return _refuse(400, f"receipt field 'status': {exc.message}")
        if state is None:
            return _refuse(404, f"no message with key {quoted(repr(key))}")
        return Response({"key": key, "state": state.value}, media_type=MediaType.JSON)


class Webhooks(Controller):
    """Partner systems' webhook subscriptions of an airport: list, add (the secret is
    shown once, on the answer to the form), disable, and one's delivery log."""

    guards = [COORDINATION]

    async def _page(self, request: Request[Any, Any, Any], services: ServicesDep,
                    airport: str | None, log: int | None = None, *, secret: str | None = None,
                    added: int | None = None, error: str | None = None,
                    form: dict[str, Any] | None = None, status: int = 200) -> Response[str]:
        user = _user(request)
        page = await services.uow.read(outbox_actions.webhooks_page, user.actor, airport,
                                       services.settings.airport, log)
        return Response(render_page(
            request, "webhooks.html", page=page, user=user, csrf_token=user.csrf_token,
            page_timezone=page.timezone,
            airport_name=page.airport, secret=secret, added=added, error=error,
            form=form or {}), status_code=status,
            media_type=HTML, headers={"Cache-Control": "no-store"})

    @get("/webhooks")
    async def page(self, request: Request[Any, Any, Any], services: ServicesDep,
                   airport: FromQuery[str | None] = None,
                   log: FromQuery[int | None] = None) -> Response[str]:
        return await self._page(request, services, airport, log)

    @post("/webhooks")
    async def add(self, request: Request[Any, Any, Any], services: ServicesDep,
                  data: Annotated[WebhookForm, FORM]) -> Response[str]:
        airport, url, events = data.airport, data.url, data.event_list()
        try:
            made = await services.uow.run(
                outbox_actions.subscribe_webhook, _user(request).actor, airport, url, events,
                allow_private=services.settings.webhook_allow_private)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await self._page(request, services, airport or None,
                                    error=i18n.gettext(exc.phrase),
                                    form={"url": url, "events": events},
                                    status=exc.status)
        return await self._page(request, services, airport, secret=made.secret,
                                added=made.id, status=201)

    @post("/webhooks/{webhook_id:int}/disable")
    async def disable(self, request: Request[Any, Any, Any], services: ServicesDep,
                      webhook_id: PathId) -> Response[str]:
        code = await services.uow.run(outbox_actions.disable_webhook, _user(request).actor,
                                      webhook_id)
        return Response("", status_code=303, headers={"Location": f"/webhooks?airport={code}"})


OUTBOX_ROUTES: list[Any] = [Outbox, Receipts, ProviderReceipts, Webhooks]

__all__ = ["OUTBOX_ROUTES", "Outbox", "Receipts", "Webhooks"]
