"""The outbox's channels through Apprise, one URL per channel from the settings.

``MOVEMENTS_NOTIFY_SMS_URL`` and ``MOVEMENTS_NOTIFY_EMAIL_URL`` are Apprise URLs with
``{to}`` where the recipient goes (URL-quoted here).  Each message also carries its
idempotency key as an ``Idempotency-Key`` header (Apprise's ``+Header=value`` URL
argument: an HTTP header for json://, form:// and most SMS providers' HTTP APIs, a mail
header for mailto://), so a receiver can drop a copy sent again after a crash.
Examples (README, "Telling people")::

    json://127.0.0.1:8125/sms?:to={to}          a local gateway, the number in the JSON
    twilio://SID:TOKEN@+3197010000000/{to}      a real SMS provider
    mailtos://user:pass@smtp.example.org?from=ops@example.org&to={to}

Apprise reports only success or failure; the reason of a failure is what it logged
(captured with ``apprise.LogCapture``), kept as the attempt's detail.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from urllib.parse import quote

import httpcore
import httpx
from standardwebhooks import Webhook

from movements.domain.actions.outbox import Outgoing, filled
from movements.domain.errors import RuleViolation
from movements.domain.outbox_vocabulary import Channel
from movements.domain.webhook_address import Resolver, resolve_webhook_url
from movements.notify.pinning import PinnedTransport

log = logging.getLogger(__name__)


def _apprise() -> ModuleType:
    """Apprise, imported on first use (it takes about a second to import: a server
    start should not wait for it).  Its e-mail plugin (PGP support) imports the stdlib's
    imghdr, deprecated since Python 3.11, when its first URL is added: that is imported
    here first, quietly, so the warning is not raised in the middle of a send (the tests
    turn warnings into errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import imghdr  # noqa: F401
    import apprise

    return apprise


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    detail: str


class Channels:
    """Sends one claimed message over its channel; never raises for a channel fault."""

    def __init__(self, sms_url: str = "", email_url: str = "", *,
                 webhook_allow_private: bool = False,
                 resolve: Resolver = socket.getaddrinfo,
                 ssl_context: ssl.SSLContext | None = None,
                 network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.urls = {Channel.SMS: sms_url, Channel.EMAIL: email_url}
        #: ``MOVEMENTS_WEBHOOK_ALLOW_PRIVATE``: see movements.domain.webhook_address.
        self.webhook_allow_private = webhook_allow_private
        #: How a webhook's host name is resolved (once per send), the TLS roots and the
        #: socket layer: the system's; the tests pass their own (a rebinding resolver).
        self.resolve, self.ssl_context, self.network = resolve, ssl_context, network

    def configured(self, channel: Channel) -> bool:
        """Webhooks carry their own URL; SMS and e-mail need theirs in the settings."""
        return channel is Channel.WEBHOOK or bool(self.urls.get(channel))

    def url_for(self, message: Outgoing) -> str:
        """The Apprise URL of one message: the channel's, with the recipient and the
        idempotency key filled in."""
        template = self.urls[message.channel]
        url = template.replace("{to}", quote(message.recipient, safe="@"))
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}+Idempotency-Key={quote(message.idempotency_key, safe=':')}"

    async def send(self, message: Outgoing, public_url: str) -> Result:
        if message.channel is Channel.WEBHOOK:
            return await send_webhook(message, public_url,
                                      allow_private=self.webhook_allow_private,
                                      resolve=self.resolve, ssl_context=self.ssl_context,
                                      network=self.network)
        if not self.configured(message.channel):
            return Result(False, f"no {message.channel.value} channel configured "
                                 f"(MOVEMENTS_NOTIFY_{message.channel.value.upper()}_URL)")
        apprise = _apprise()
        notifier = apprise.Apprise()
        if not notifier.add(self.url_for(message)):
            return Result(False, f"the {message.channel.value} URL is not one Apprise knows")
        body = filled(message.body, public_url)
        with apprise.LogCapture(level=logging.WARNING) as captured:
            try:
                ok = bool(await notifier.async_notify(
                    body=body, title=message.subject,
                    body_format=apprise.NotifyFormat.TEXT))
            except Exception as exc:  # noqa: BLE001 - a plugin fault is a failed try
                return Result(False, f"{type(exc).__name__}: {exc}"[:500])
        if ok:
            return Result(True, f"sent by {message.channel.value}")
        return Result(False, _reason(captured.getvalue()) or "the channel refused it")


async def send_webhook(message: Outgoing, public_url: str, *, timeout: float = 10.0,
                       allow_private: bool = False, resolve: Resolver = socket.getaddrinfo,
                       ssl_context: ssl.SSLContext | None = None,
                       network: httpcore.AsyncNetworkBackend | None = None) -> Result:
    """POST a webhook's JSON body, signed as Standard Webhooks specifies (the
    ``standardwebhooks`` library): ``webhook-id`` (the idempotency key),
    ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (``v1,`` + base64 of
    HMAC-SHA256 over ``id.timestamp.body`` with the subscription's secret).  A 2xx answer
    is delivered; anything else, or no answer, is a failed try with its reason.  The
    address is checked again first (its DNS answer may have changed since it was saved):
    the name is resolved once (``resolve_webhook_url``, in a thread) and the request goes
    to a checked address only (``PinnedTransport``: no second DNS lookup at connect, so
    no rebinding window); a refusal is a failed try and nothing is posted."""
    try:
        checked = await asyncio.to_thread(resolve_webhook_url, message.recipient,
                                          allow_private=allow_private, resolve=resolve)
    except RuleViolation as exc:
        return Result(False, f"refused: {exc.message}"[:500])
    body = filled(message.body, public_url)
    if not message.secret:
        return Result(False, "the subscription has no secret")
    now = datetime.now(UTC)
    signature = Webhook(message.secret).sign(message.idempotency_key, now, body)
    headers = {"content-type": "application/json", "webhook-id": message.idempotency_key,
               "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature, "user-agent": "movements-outbox"}
    try:
        transport = PinnedTransport(checked, ssl_context=ssl_context, network=network)
        async with httpx.AsyncClient(timeout=timeout, transport=transport,
                                     trust_env=False) as client:
            answer = await client.post(message.recipient, content=body.encode("utf-8"),
                                       headers=headers)
    except httpx.HTTPError as exc:
        return Result(False, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= answer.status_code < 300:
        return Result(True, f"HTTP {answer.status_code}")
    return Result(False, f"HTTP {answer.status_code} {answer.reason_phrase}"[:500])


def _reason(logged: str) -> str:
    """Apprise's last warning or error line, without its timestamp prefix."""
    lines = [line.split(" - ", 2)[-1].strip() for line in logged.splitlines()
             if line.strip()]
    return " | ".join(lines[-2:])[:500]


__all__ = ["Channels", "Result", "send_webhook"]
