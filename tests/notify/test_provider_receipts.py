"""Real SMS providers' delivery-status callbacks (issue 16): Twilio's StatusCallback and
Vonage's SMS API delivery receipt, posted as real HTTP requests to a real server on
127.0.0.1, signed as each provider documents.  The SMS themselves go through the real
loopback gateway first (so they are "sent"); Apprise gives no provider id back, so the
first callback naming an id is matched to the oldest message in flight to its number.

Each callback moves the right message (delivered, or failed with the provider's reason),
a repeat changes nothing, and a bad or unsigned one is refused with a clear message and
nothing written: messages, attempts, provider ids and the audit are counted."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select

from movements.app import create_app
from movements.domain.actions import outbox as ob
from movements.domain.clock import ManualClock
from movements.domain.models import AuditEntry
from movements.domain.outbox_models import (
    OutboxAttempt,
    OutboxMessage,
    OutboxState,
    ProviderRef,
)
from movements.domain.uow import Tx, UnitOfWork
from movements.notify.channels import Channels
from movements.notify.loopback import SmsGateway
from movements.notify.receipts import twilio_signature, vonage_signature
from movements.notify.sender import OutboxSender
from movements.platform.config import Settings
from tests.factories import SYSTEM, add_pax, build_world
from tests.notify.conftest import DAY, change_gate, serving
from tests.pg import free_port

TOKEN = "twilio-auth-token-of-the-test"
VONAGE_SECRET = "vonage-signature-secret"
NUMBERS = ("+31612345670", "+31612345671")


class Site:
    def __init__(self, port: int, uow: UnitOfWork) -> None:
        self.port, self.uow = port, uow
        self.base = f"http://127.0.0.1:{port}"


@pytest.fixture
async def site(database_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    port = free_port()
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=f"http://127.0.0.1:{port}", run_jobs=False,
                        notify_twilio_auth_token=TOKEN,
                        notify_vonage_signature_secret=VONAGE_SECRET,
                        webhook_allow_private=True)
    app = create_app(settings, clock=ManualClock(datetime(2026, 9, 15, 8, 0, tzinfo=UTC)))
    async with serving(app, port):
        yield Site(port, app.state.services.uow)


def _gate_change(tx: Tx) -> None:
    world = build_world(tx, DAY)
    for n, name in enumerate(("Okello", "Haddad")):
        pid, _ = add_pax(tx, world.departure_id, f"CASE-{n}", name, "Test",
                         birth_date=date(1990, 1, 1))
        ob.set_passenger_contact(tx, pid, phone=NUMBERS[n])
    change_gate(tx, world.departure_id, "E9")


async def _sent(site: Site, gateway: SmsGateway) -> None:
    await site.uow.run(_gate_change, SYSTEM)
    run = await OutboxSender(site.uow, Channels(gateway.url, ""),
                             public_url="https://m.example").drain()
    assert run.sent == 2


def _snapshot(session: Any) -> dict[str, Any]:
    def count(model: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model)))

    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    return {"attempts": count(OutboxAttempt), "refs": count(ProviderRef),
            "audit": count(AuditEntry),
            "messages": [(r.recipient, r.state, r.last_error, r.delivered_at) for r in rows]}


def _messages(session: Any) -> dict[str, OutboxMessage]:
    rows = session.scalars(select(OutboxMessage))
    out = {r.recipient: r for r in rows}
    session.expunge_all()
    return out


async def _twilio(client: httpx.AsyncClient, site: Site, fields: dict[str, str], *,
                  token: str = TOKEN, url: str | None = None,
                  signed: dict[str, str] | None = None) -> httpx.Response:
    """POST a StatusCallback as Twilio does: form fields, X-Twilio-Signature over the
    URL it calls + the sorted fields (``signed``: sign other fields than are sent)."""
    target = f"{site.base}/outbox/receipts/twilio"
    signature = twilio_signature(url or target, signed or fields, token)
    return await client.post(target, content=urlencode(fields), headers={
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature})


def _twilio_fields(sid: str, status: str, to: str, code: str = "") -> dict[str, str]:
    fields = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01",
              "From": "+3197010000000", "MessageSid": sid, "SmsSid": sid,
              "MessageStatus": status, "SmsStatus": status, "To": to}
    if code:
        fields["ErrorCode"] = code
    return fields


def test_the_documented_signature_vectors() -> None:
    """Twilio's own example (twilio.com/docs/usage/security: URL, form fields, Auth Token
    12345) and vonage-python-sdk's test vector for the default "md5hash" method."""
    assert twilio_signature("https://mycompany.com/myapp.php?foo=1&bar=2", {
        "CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
        "From": "+12349013030", "To": "+18005551212"}, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    params = {"a": "1", "b": "2", "timestamp": "1461605396"}
    assert vonage_signature(params, "secret", "md5hash") == "6af838ef94998832dbfc29020b564830"
    # HMAC methods: HMAC of the same "&name=value" string, keyed with the secret.
    assert vonage_signature(params, "secret", "sha256") == hmac.new(
        b"secret", b"&a=1&b=2&timestamp=1461605396", hashlib.sha256).hexdigest()
    # "&" and "=" inside values are signed as "_".
    assert vonage_signature({"text": "a=b&c"}, "s", "md5hash") == hashlib.md5(
        b"&text=a_b_cs").hexdigest()


async def test_twilio_status_callbacks_move_the_right_message_once(
        site: Site, gateway: SmsGateway) -> None:
    await _sent(site, gateway)
    first, second = NUMBERS
    async with httpx.AsyncClient() as client:
        sent = await _twilio(client, site, _twilio_fields("SM" + "a" * 32, "sent", first))
        assert sent.status_code == 200, sent.text
        assert sent.json() | {} == {"provider": "twilio", "ref": "SM" + "a" * 32,
                                    "status": "sent", "state": "sent", "changed": True}
        delivered = await _twilio(client, site,
                                  _twilio_fields("SM" + "a" * 32, "delivered", first))
        assert delivered.json()["state"] == "delivered"
        before = await site.uow.read(_snapshot)
        again = await _twilio(client, site,
                              _twilio_fields("SM" + "a" * 32, "delivered", first))
        assert again.status_code == 200 and again.json()["changed"] is False
        assert await site.uow.read(_snapshot) == before  # a repeat writes nothing
        failed = await _twilio(client, site,
                               _twilio_fields("SM" + "b" * 32, "undelivered", second, "30003"))
        assert failed.json()["state"] == "failed"
    rows = await site.uow.read(_messages)
    assert rows[first].state is OutboxState.DELIVERED and rows[first].delivered_at
    assert rows[second].state is OutboxState.FAILED
    assert rows[second].last_error == (f"twilio SM{'b' * 32}: undelivered "
                                       "(error 30003: unreachable destination handset)")
    snapshot = await site.uow.read(_snapshot)
    assert snapshot["refs"] == 2

    def outcomes(session: Any) -> list[str]:
        return list(session.scalars(select(OutboxAttempt.outcome).order_by(OutboxAttempt.id)))

    assert await site.uow.read(outcomes) == ["sent", "sent", "delivered", "failed"]


async def test_two_messages_in_flight_to_one_number_are_told_apart_by_order(
        site: Site, gateway: SmsGateway) -> None:
    """A second gate change to the same people: two SMS in flight per number.  The first
    id Twilio reports is the older message's, the next one the newer's."""
    await _sent(site, gateway)

    def gate_again(tx: Tx) -> None:
        from movements.domain.models import Movement

        movement = tx.session.scalar(select(Movement).where(Movement.kind == "departure"))
        assert movement is not None
        change_gate(tx, movement.id, "F2")

    await site.uow.run(gate_again, SYSTEM)
    await OutboxSender(site.uow, Channels(gateway.url, ""), public_url="https://m.example"
                       ).drain()
    async with httpx.AsyncClient() as client:
        for sid in ("SMold", "SMnew"):
            answer = await _twilio(client, site, _twilio_fields(sid, "sent", NUMBERS[0]))
            assert answer.status_code == 200, answer.text
        late = await _twilio(client, site, _twilio_fields("SMthird", "sent", NUMBERS[0]))
        assert late.status_code == 404 and "no SMS to +31612345670" in late.json()["error"]

    def bound(session: Any) -> list[tuple[str, str]]:
        return [(ref, body) for ref, body in session.execute(
            select(ProviderRef.ref, OutboxMessage.body).join(
                OutboxMessage, OutboxMessage.id == ProviderRef.message_id)
            .order_by(ProviderRef.id))]

    pairs = await site.uow.read(bound)
    assert [ref for ref, _ in pairs] == ["SMold", "SMnew"]
    assert "E9" in pairs[0][1] and "F2" in pairs[1][1]


async def test_bad_twilio_callbacks_are_refused_and_write_nothing(
        site: Site, gateway: SmsGateway) -> None:
    await _sent(site, gateway)
    before = await site.uow.read(_snapshot)
    good = _twilio_fields("SM" + "c" * 32, "delivered", NUMBERS[0])
    target = f"{site.base}/outbox/receipts/twilio"
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(target, content=urlencode(good), headers={
            "content-type": "application/x-www-form-urlencoded"})
        wrong_token = await _twilio(client, site, good, token="another-token")
        tampered = await _twilio(client, site, good, signed=good | {
            "MessageStatus": "failed"})
        other_url = await _twilio(client, site, good, url="https://elsewhere.example/cb")
        inbound = await _twilio(client, site, good | {"MessageStatus": "received"})
        no_sid = await _twilio(client, site, {k: v for k, v in good.items()
                                              if k not in ("MessageSid",)})
        stranger = await _twilio(client, site, good | {"To": "+31699999999"})
        as_json = await client.post(target, content=json.dumps(good), headers={
            "content-type": "application/json",
            "x-twilio-signature": twilio_signature(target, good, TOKEN)})
    assert unsigned.status_code == 401 and "no X-Twilio-Signature" in unsigned.json()["error"]
    for answer in (wrong_token, tampered, other_url):
        assert answer.status_code == 401, answer.text
        assert "does not verify" in answer.json()["error"]
    assert inbound.status_code == 400 and "'MessageStatus'" in inbound.json()["error"]
    assert no_sid.status_code == 400 and "'MessageSid'" in no_sid.json()["error"]
    assert stranger.status_code == 404 and "+31699999999" in stranger.json()["error"]
    assert as_json.status_code == 415 and "content-type" in as_json.json()["error"]
    assert await site.uow.read(_snapshot) == before


def _vonage_fields(ref: str, status: str, msisdn: str, code: str = "0", *,
                   stamp: int | None = None) -> dict[str, str]:
    fields = {"msisdn": msisdn.removeprefix("+"), "to": "Movements", "network-code": "20408",
              "messageId": ref, "price": "0.03330000", "status": status,
              "scts": "2609150805", "err-code": code, "api-key": "abcd1234",
              "message-timestamp": "2026-09-15 08:05:00",
              "timestamp": str(int(time.time()) if stamp is None else stamp),
              "nonce": "6a1b2c3d-0000-4000-8000-000000000001"}
    fields["sig"] = vonage_signature(fields, VONAGE_SECRET, "md5hash")
    return fields


async def _vonage(client: httpx.AsyncClient, site: Site, fields: dict[str, str], *,
                  as_json: bool = False, by_get: bool = False) -> httpx.Response:
    target = f"{site.base}/outbox/receipts/vonage"
    if by_get:  # the account's webhook method set to GET: the fields in the query
        return await client.get(target, params=fields)
    if as_json:
        return await client.post(target, content=json.dumps(fields),
                                 headers={"content-type": "application/json"})
    return await client.post(target, content=urlencode(fields),
                             headers={"content-type": "application/x-www-form-urlencoded"})


async def test_vonage_receipts_by_form_json_and_get_each_part_of_a_long_sms(
        site: Site, gateway: SmsGateway) -> None:
    """Vonage gives each part its own messageId: a two-part SMS is delivered when both
    parts are; a failed receipt carries Vonage's err-code reason."""
    await _sent(site, gateway)

    def two_parts(tx: Tx) -> None:  # as a long (booking) SMS would be
        row = tx.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == NUMBERS[0]))
        assert row is not None
        row.segments = 2

    await site.uow.run(two_parts, SYSTEM)
    async with httpx.AsyncClient() as client:
        accepted = await _vonage(client, site, _vonage_fields("0A0000001", "accepted",
                                                              NUMBERS[0]))
        assert accepted.status_code == 200, accepted.text
        part1 = await _vonage(client, site, _vonage_fields("0A0000001", "delivered",
                                                           NUMBERS[0]), as_json=True)
        assert part1.json()["state"] == "sent"  # one part of two
        part2 = await _vonage(client, site, _vonage_fields("0A0000002", "delivered",
                                                           NUMBERS[0]), by_get=True)
        assert part2.json()["state"] == "delivered"
        before = await site.uow.read(_snapshot)
        repeat = await _vonage(client, site, _vonage_fields("0A0000002", "delivered",
                                                            NUMBERS[0]))
        assert repeat.json()["changed"] is False
        assert await site.uow.read(_snapshot) == before
        rejected = await _vonage(client, site, _vonage_fields("0B0000001", "rejected",
                                                              NUMBERS[1], "6"))
        assert rejected.json()["state"] == "failed"
    rows = await site.uow.read(_messages)
    assert rows[NUMBERS[0]].state is OutboxState.DELIVERED
    assert rows[NUMBERS[1]].last_error == ("vonage 0B0000001: rejected "
                                           "(err-code 6: anti-spam rejection)")


async def test_bad_vonage_receipts_are_refused_and_write_nothing(
        site: Site, gateway: SmsGateway) -> None:
    await _sent(site, gateway)
    before = await site.uow.read(_snapshot)
    good = _vonage_fields("0C0000001", "delivered", NUMBERS[0])
    unsigned = {k: v for k, v in good.items() if k != "sig"}
    forged = good | {"sig": vonage_signature(good, "not-the-secret", "md5hash")}
    tampered = good | {"status": "failed"}  # signed as delivered
    stale = _vonage_fields("0C0000001", "delivered", NUMBERS[0],
                           stamp=int(time.time()) - 3 * 24 * 3600)
    unknown_status = _vonage_fields("0C0000001", "read", NUMBERS[0])
    bad_number = _vonage_fields("0C0000001", "delivered", "not-a-number")
    async with httpx.AsyncClient() as client:
        answers = {name: await _vonage(client, site, fields) for name, fields in (
            ("unsigned", unsigned), ("forged", forged), ("tampered", tampered),
            ("stale", stale), ("unknown_status", unknown_status),
            ("bad_number", bad_number))}
        by_get = {name: await _vonage(client, site, fields, by_get=True)
                  for name, fields in (("unsigned", unsigned), ("forged", forged),
                                       ("tampered", tampered))}
        not_json = await client.post(f"{site.base}/outbox/receipts/vonage",
                                     content=b"{not json",
                                     headers={"content-type": "application/json"})
    assert answers["unsigned"].status_code == 401
    assert "no 'sig'" in answers["unsigned"].json()["error"]
    for name in ("forged", "tampered"):
        assert answers[name].status_code == 401
        assert "does not verify" in answers[name].json()["error"]
    assert answers["stale"].status_code == 401
    assert "'timestamp'" in answers["stale"].json()["error"]
    assert answers["unknown_status"].status_code == 400
    assert "'status'" in answers["unknown_status"].json()["error"]
    assert answers["bad_number"].status_code == 400
    assert "'msisdn'" in answers["bad_number"].json()["error"]
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    assert {name: answer.status_code for name, answer in by_get.items()} == {
        "unsigned": 401, "forged": 401, "tampered": 401}
    assert await site.uow.read(_snapshot) == before


async def test_unconfigured_providers_refuse(database_url: str, tmp_path: Path) -> None:
    """No token or secret set: both routes answer 404 naming the setting."""
    port = free_port()
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=f"http://127.0.0.1:{port}", run_jobs=False)
    app = create_app(settings)
    async with serving(app, port), httpx.AsyncClient() as client:
        twilio = await client.post(f"http://127.0.0.1:{port}/outbox/receipts/twilio",
                                   content="MessageSid=SM1", headers={
                                       "content-type": "application/x-www-form-urlencoded"})
        vonage = await client.post(f"http://127.0.0.1:{port}/outbox/receipts/vonage",
                                   content="messageId=1", headers={
                                       "content-type": "application/x-www-form-urlencoded"})
    assert twilio.status_code == 404
    assert "MOVEMENTS_NOTIFY_TWILIO_AUTH_TOKEN" in twilio.json()["error"]
    assert vonage.status_code == 404
    assert "MOVEMENTS_NOTIFY_VONAGE_SIGNATURE_SECRET" in vonage.json()["error"]
