"""Real SMS providers' delivery-status callbacks (issue 16): Twilio's StatusCallback at
``/outbox/receipts/twilio`` and Vonage's SMS API delivery receipt at
``/outbox/receipts/vonage`` (POST as a form or JSON, or GET with the fields in the query
string: Vonage's dashboard offers all three "HTTP methods" for delivery receipts).
Public (a provider has no session), each refused unless its provider's signature
verifies (``movements.notify.receipts``); the message it is about is found and moved on
by the domain (``actions.receipts``).  A refusal writes nothing and answers JSON
``{"error": ...}``; 404 when the provider's secret is not set or no message matches, 401
for a signature, 400 for a field.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from litestar import Controller, Request, get, post
from litestar.enums import MediaType
from litestar.response import Response

from movements.domain.actions import receipts as receipt_actions
from movements.domain.errors import DomainError
from movements.domain.uow import Actor
from movements.notify.receipts import BadReceipt, twilio_receipt, vonage_receipt
from movements.web.deps import ServicesDep

#: Who records a provider's receipt (the attempts' actor).
PROVIDERS = Actor.system("receipts")
#: Longest callback body read (a receipt is a few hundred bytes).
MAX_BODY = 16_384


def _refuse(status: int, message: str) -> Response[Any]:
    return Response({"error": message}, status_code=status, media_type=MediaType.JSON)


async def _fields(request: Request[Any, Any, Any], provider: str) -> dict[str, str]:
    """The callback's fields: an urlencoded form, or (Vonage POST-JSON) a JSON object
    of strings.  Raises BadReceipt for another body."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise BadReceipt(413, f"{provider} receipt: body over {MAX_BODY} bytes")
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadReceipt(400, f"{provider} receipt: body is not UTF-8") from None
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(text, keep_blank_values=True))
    if kind == "application/json" and provider == "vonage":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadReceipt(400, f"vonage receipt: body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadReceipt(400, "vonage receipt: body is not a JSON object")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    raise BadReceipt(415, f"{provider} receipt: content-type {kind or '(none)'} (expected "
                          "application/x-www-form-urlencoded"
                          + (" or application/json)" if provider == "vonage" else ")"))


async def _apply(services: Any, receipt: receipt_actions.ProviderReceipt) -> Response[Any]:
    try:
        applied = await services.uow.run(receipt_actions.record_provider_receipt,
                                         PROVIDERS, receipt)
    except DomainError as exc:
        return _refuse(400, f"{receipt.provider} receipt: {exc.message}")
    if applied is None:
        return _refuse(404, f"{receipt.provider} receipt {receipt.ref}: no SMS to "
                            f"{receipt.to} awaits a receipt")
    return Response({"provider": receipt.provider, "ref": receipt.ref,
                     "status": receipt.status, "state": applied.state.value,
                     "changed": applied.changed}, media_type=MediaType.JSON)


class ProviderReceipts(Controller):
    """Twilio and Vonage delivery-status callbacks (see the module text)."""

    @post("/outbox/receipts/twilio", opt={"public": True}, status_code=200)
    async def twilio(self, request: Request[Any, Any, Any],
                     services: ServicesDep) -> Response[Any]:
        """Twilio's StatusCallback, signed with ``MOVEMENTS_NOTIFY_TWILIO_AUTH_TOKEN``
        over ``MOVEMENTS_PUBLIC_URL`` + this path (the URL Twilio calls)."""
        token = services.settings.notify_twilio_auth_token
        if not token:
            return _refuse(404, "twilio receipts are not configured "
                                "(MOVEMENTS_NOTIFY_TWILIO_AUTH_TOKEN)")
        url = services.settings.public_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        try:
            fields = await _fields(request, "twilio")
            receipt = twilio_receipt(url, fields, request.headers.get("x-twilio-signature"),
                                     token)
        except BadReceipt as exc:
            return _refuse(exc.status, exc.message)
        return await _apply(services, receipt)

    @post("/outbox/receipts/vonage", opt={"public": True}, status_code=200)
    async def vonage(self, request: Request[Any, Any, Any],
                     services: ServicesDep) -> Response[Any]:
        """Vonage's SMS API delivery receipt (POST or POST-JSON), signed with
        ``MOVEMENTS_NOTIFY_VONAGE_SIGNATURE_SECRET`` by
        ``MOVEMENTS_NOTIFY_VONAGE_SIGNATURE_METHOD``."""
        return await _vonage(request, services, from_query=False)

    @get("/outbox/receipts/vonage", opt={"public": True}, status_code=200)
    async def vonage_by_get(self, request: Request[Any, Any, Any],
                            services: ServicesDep) -> Response[Any]:
        """Vonage's delivery receipt when the account's webhook method is GET: the same
        signed fields, in the query string."""
        return await _vonage(request, services, from_query=True)


async def _vonage(request: Request[Any, Any, Any], services: Any, *,
                  from_query: bool) -> Response[Any]:
    """One Vonage receipt, its fields from the body or the query string (the same
    signature either way: Vonage signs the parameters, not the transport)."""
    secret = services.settings.notify_vonage_signature_secret
    if not secret:
        return _refuse(404, "vonage receipts are not configured "
                            "(MOVEMENTS_NOTIFY_VONAGE_SIGNATURE_SECRET)")
    try:
        if from_query:
            query = request.url.query or ""
            if len(query) > MAX_BODY:
                raise BadReceipt(414, f"vonage receipt: query over {MAX_BODY} bytes")
            fields = dict(parse_qsl(query, keep_blank_values=True))
        else:
            fields = await _fields(request, "vonage")
        receipt = vonage_receipt(fields, secret,
                                 services.settings.notify_vonage_signature_method)
    except BadReceipt as exc:
        return _refuse(exc.status, exc.message)
    return await _apply(services, receipt)


__all__ = ["ProviderReceipts"]
