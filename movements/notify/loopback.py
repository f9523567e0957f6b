"""Real receivers on loopback for the tests and the demo: an SMTP server (aiosmtpd) and
a small HTTP SMS gateway, both keeping what they receive.

Not used in production: there the outbox's URLs name a real provider and SMTP server.
The SMS gateway answers with a scripted sequence of status codes (e.g. 500 then 200) so
the retry paths meet a real HTTP refusal.  Both count copies by ``Idempotency-Key`` so a
test can tell "received once" from "received again after a crash".

``python -m movements.notify.loopback --smtp-port 8125 --sms-port 8126 --log DIR`` runs
both until interrupted, appending what arrives to ``DIR/mail.jsonl`` and ``DIR/sms.jsonl``
(the demo script starts it and prints where to look).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import signal
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Received:
    """One message as it arrived: who to, the idempotency key, subject and text."""

    to: str
    key: str | None
    subject: str
    text: str
    raw: dict[str, Any] = field(default_factory=dict)


class _Store:
    def __init__(self, log: Path | None) -> None:
        self.items: list[Received] = []
        self.lock = threading.Lock()
        self.log = log
        self.arrived = threading.Condition(self.lock)

    def add(self, item: Received) -> None:
        with self.arrived:
            self.items.append(item)
            self.arrived.notify_all()
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"to": item.to, "key": item.key, "subject": item.subject,
                                      "text": item.text}, ensure_ascii=False) + "\n")

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.items)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)


HOLD = -1


class SmsGateway:
    """An HTTP server that takes ``POST`` JSON (Apprise's json://: ``title``,
    ``message``, and the ``to`` the URL adds) and answers from ``script`` (then 200).

    With ``receipt_url`` and ``receipt_secret`` it then reports each accepted message's
    fate as real providers' status callbacks do: a JSON POST ``{"key": <its
    Idempotency-Key>, "status": receipt_status}`` signed as Standard Webhooks, from
    another thread, after the answer (``receipts`` keeps what the console answered)."""

    def __init__(self, port: int = 0, *, script: list[int] | None = None,
                 log: Path | None = None, receipt_url: str | None = None,
                 receipt_secret: str | None = None,
                 receipt_status: str = "delivered") -> None:
        self.store = _Store(log)
        self.receipt_url, self.receipt_secret = receipt_url, receipt_secret
        self.receipt_status = receipt_status
        self.receipts: list[tuple[str, int]] = []
        self._receipt_threads: list[threading.Thread] = []
        self.script: deque[int] = deque(script or [])
        self.requests = 0
        #: A script entry of HOLD: take the message, then answer only once this is set
        #: (a sender killed while it waits never learns it was taken).
        self.release = threading.Event()
        self.holding = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size)
                with gateway.store.lock:
                    gateway.requests += 1
                    status = gateway.script.popleft() if gateway.script else 200
                if status in (200, HOLD):
                    body = json.loads(raw.decode("utf-8"))
                    gateway.store.add(Received(
                        to=str(body.get("to", "")), key=self.headers.get("Idempotency-Key"),
                        subject=str(body.get("title", "")), text=str(body.get("message", "")),
                        raw=body))
                if status == HOLD:
                    gateway.holding.set()
                    gateway.release.wait(60)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                key = self.headers.get("Idempotency-Key")
                if status == 200 and key and gateway.receipt_url and gateway.receipt_secret:
                    gateway._report(key)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="sms-gateway")

    def _report(self, key: str) -> None:
        thread = threading.Thread(target=self._post_receipt, args=(key,), daemon=True,
                                  name="sms-receipt")
        with self.store.lock:
            self._receipt_threads.append(thread)
        thread.start()

    def _post_receipt(self, key: str) -> None:
        """POST one signed delivery receipt (Standard Webhooks, like the outbox's own
        webhooks) and keep what the console answered."""
        from datetime import UTC, datetime

        import httpx
        from standardwebhooks import Webhook

        assert self.receipt_url and self.receipt_secret
        body = json.dumps({"key": key, "status": self.receipt_status})
        now = datetime.now(UTC)
        receipt_id = f"rcpt-{key}"
        headers = {"content-type": "application/json", "webhook-id": receipt_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": Webhook(self.receipt_secret).sign(receipt_id, now,
                                                                          body)}
        try:
            status = httpx.post(self.receipt_url, content=body.encode(), headers=headers,
                                timeout=30).status_code
        except httpx.HTTPError:
            status = 0
        with self.store.arrived:
            self.receipts.append((key, status))
            self.store.arrived.notify_all()

    @property
    def url(self) -> str:
        """The outbox's ``MOVEMENTS_NOTIFY_SMS_URL`` for this gateway."""
        return f"json://127.0.0.1:{self.port}/sms?:to={{to}}"

    def start(self) -> SmsGateway:
        self.thread.start()
        return self

    @property
    def received(self) -> list[Received]:
        return self.store.snapshot()

    @property
    def accepted(self) -> list[Received]:
        """What a gateway that keeps idempotency keys delivers: each key's first copy."""
        seen: set[str | None] = set()
        out = []
        for item in self.received:
            if item.key not in seen:
                seen.add(item.key)
                out.append(item)
        return out

    def stop(self) -> None:
        self.release.set()  # a held request answers, so the server can shut down
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
        for thread in list(self._receipt_threads):
            thread.join(35)


class WebhookReceiver:
    """A partner system on loopback: takes signed webhook POSTs, answers from ``script``
    (then 200), and keeps each with whether its signature verified against ``secret``
    (set it once subscribed) by the ``standardwebhooks`` library.  With ``ssl_context``
    (a server context with its certificate) it speaks HTTPS and keeps each TLS server
    name (SNI) a client asked for in ``server_names``."""

    def __init__(self, *, script: list[int] | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        from standardwebhooks import Webhook, WebhookVerificationError

        self.secret = ""
        self.script: deque[int] = deque(script or [])
        self.deliveries: list[tuple[dict[str, str], str, bool]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(raw, headers)
                    verified = True
                except (WebhookVerificationError, ValueError):
                    verified = False
                with receiver.lock:
                    receiver.deliveries.append((headers, raw.decode("utf-8"), verified))
                    status = receiver.script.popleft() if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/movements"
        self.server_names: list[str | None] = []
        if ssl_context is not None:
            def sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
                self.server_names.append(name)

            ssl_context.sni_callback = sni  # type: ignore[assignment]
            self.server.socket = ssl_context.wrap_socket(self.server.socket,
                                                         server_side=True)
            self.url = f"https://127.0.0.1:{self.port}/hooks/movements"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       name="webhook-receiver")

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class SmtpReceiver:
    """aiosmtpd on loopback, keeping each message it accepts."""

    def __init__(self, port: int, *, log: Path | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.store = _Store(log)
        store = self.store

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                message = email.message_from_bytes(envelope.content,
                                                   policy=email.policy.default)
                part = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
                text = part.get_content() if part is not None else ""
                for rcpt in envelope.rcpt_tos:
                    store.add(Received(to=rcpt, key=message.get("Idempotency-Key"),
                                       subject=str(message.get("Subject", "")), text=text,
                                       raw={"from": envelope.mail_from}))
                return "250 OK"

        self.port = port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def url(self, sender: str = "ops@movements.example") -> str:
        """The outbox's ``MOVEMENTS_NOTIFY_EMAIL_URL`` for this server (plain SMTP)."""
        return f"mailto://127.0.0.1:{self.port}?from={sender}&to={{to}}&mode=insecure"

    def start(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.store.snapshot()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--sms-port", type=int, required=True)
    parser.add_argument("--log", type=Path, required=True, help="directory for the logs")
    parser.add_argument("--receipt-url", help="post signed delivery receipts here "
                        "(the console's /outbox/receipts)")
    parser.add_argument("--receipt-secret", help="their signing secret (whsec_...)")
    args = parser.parse_args()
    args.log.mkdir(parents=True, exist_ok=True)
    smtp = SmtpReceiver(args.smtp_port, log=args.log / "mail.jsonl").start()
    sms = SmsGateway(args.sms_port, log=args.log / "sms.jsonl", receipt_url=args.receipt_url,
                     receipt_secret=args.receipt_secret).start()
    print(f"SMTP on 127.0.0.1:{smtp.port} -> {args.log / 'mail.jsonl'}")
    print(f"SMS gateway on 127.0.0.1:{sms.port} -> {args.log / 'sms.jsonl'}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    sms.stop()
    smtp.stop()


if __name__ == "__main__":
    main()
