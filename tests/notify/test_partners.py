"""Issue 16 items 3-4, session 4: a guardian's own language; the receiving mission
abroad and the carrier's special-assistance pre-notification by e-mail through the real
SMTP server (aiosmtpd); delivery receipts from the loopback SMS gateway to the signed
callback route of a real server (uvicorn); the outbox page's message text."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from movements.app import create_app
from movements.domain.actions import escorts, milestones, setup
from movements.domain.actions import movements as mv
from movements.domain.actions import outbox as ob
from movements.domain.actions.prenotification import record_notice_sent
from movements.domain.actions.readiness import confirm_case
from movements.domain.clock import ManualClock
from movements.domain.errors import RuleViolation
from movements.domain.models import Booking, MovementKind, OrganisationKind, Passenger
from movements.domain.outbox_models import OutboxAttempt, OutboxMessage, OutboxState
from movements.domain.prenotification import carrier_notice
from movements.domain.uow import Tx, UnitOfWork
from movements.notify.channels import Channels
from movements.notify.loopback import SmsGateway, SmtpReceiver
from movements.notify.sender import OutboxSender
from movements.platform.config import Settings
from tests.factories import COORD, GATE, SYSTEM, add_pax, build_world
from tests.notify.conftest import DAY, PUBLIC, change_gate, make_sender, outbox_rows, serving
from tests.pg import free_port


def _case_of(tx: Tx, pid: int) -> int:
    passenger = tx.session.get(Passenger, pid)
    assert passenger is not None
    return passenger.case_id


# -- a guardian's language ----------------------------------------------------------------

@pytest.mark.parametrize(("guardian", "expected", "script_word"), [
    ("Russian", "ru", "Ваш рейс"),  # the guardian's own language, not the child's
    ("Tigrinya", "ti", "ነፋሪትኩም"),
    ("Klingon", "ar", "رحلتك"),  # no texts in it: the child's language next
    (None, "ar", "رحلتك"),  # none recorded: the child's
])
async def test_a_minors_sms_is_in_the_guardians_language(
        uow: UnitOfWork, gateway: SmsGateway, guardian: str | None, expected: str,
        script_word: str) -> None:
    def scene(tx: Tx) -> tuple[int, int]:
        world = build_world(tx, DAY)
        child, _ = add_pax(tx, world.departure_id, "CASE-G", "Okello", "Amir",
                           birth_date=date(2015, 5, 5), language="Arabic")
        ob.set_passenger_contact(tx, child, guardian_phone="+31622222222",
                                 guardian_language=guardian)
        return _case_of(tx, child), world.departure_id

    case_id, departure = await uow.run(scene, SYSTEM)
    await uow.run(confirm_case, COORD, case_id, departure, override_reason="test")
    assert (await make_sender(uow, gateway, None).drain()).sent == 1
    [sms] = gateway.accepted
    assert sms.to == "+31622222222" and script_word in sms.text
    [row] = await uow.read(outbox_rows)
    assert row.language == expected


async def test_a_guardian_language_too_long_is_refused_naming_the_field(
        uow: UnitOfWork) -> None:
    def scene(tx: Tx) -> int:
        world = build_world(tx, DAY)
        return add_pax(tx, world.departure_id, "CASE-G", "Okello", "Amir")[0]

    pid = await uow.run(scene, SYSTEM)
    with pytest.raises(RuleViolation) as caught:
        await uow.run(ob.set_passenger_contact, COORD, pid, guardian_phone="+31622222222",
                      guardian_language="x" * 41)
    assert caught.value.field == "guardian_language"


# -- the receiving mission abroad -----------------------------------------------------------

def _mission_scene(tx: Tx) -> dict[str, int]:
    world = build_world(tx, DAY)
    setup.ensure_airport(tx, "TIA", "Tirana", "Europe/Tirane")
    mission = setup.ensure_organisation(tx, "Agency mission Tirana (test)",
                                        OrganisationKind.RECEIVING_MISSION)
    ob.set_organisation_email(tx, mission, "reception@mission-tirana.example")
    # The same flight arriving at Tirana, where the agency also works: its time is the
    # expected arrival.
    mv.create_movement(tx, mv.NewMovement(
        airport="TIA", kind=MovementKind.ARRIVAL, carrier="KL", flight_number="1234",
        operational_date=DAY, origin="AMS", destination="TIA",
        scheduled_at=datetime(2026, 9, 15, 12, 40, tzinfo=UTC)))
    a, _ = add_pax(tx, world.departure_id, "CASE-M", "Hoxha", "Arben",
                   needs=(("WCHR", "needs the aisle seat"), ("MEDA", "insulin-dependent diabetes")),
                   birth_date=date(1950, 1, 1))
    b, _ = add_pax(tx, world.departure_id, "CASE-M", "Hoxha", "Drita",
                   birth_date=date(1955, 1, 1))
    other, _ = add_pax(tx, world.departure_id, "CASE-N", "Krasniqi", "Besa")  # no mission
    escorts.assign_escort(tx, world.departure_id, a, "medical", "Nurse Invented Example")
    ob.set_case_mission(tx, "CASE-M", "Agency mission Tirana (test)")
    return {"departure": world.departure_id, "a": a, "b": b, "other": other,
            "mission": mission}


def _booking(session: object, pid: int, movement_id: int) -> int:
    return int(session.scalar(select(Booking.id).where(  # type: ignore[attr-defined]
        Booking.passenger_id == pid, Booking.movement_id == movement_id)))


async def test_the_receiving_mission_hears_once_when_the_departure_leaves(
        uow: UnitOfWork, smtp: SmtpReceiver) -> None:
    s = await uow.run(_mission_scene, SYSTEM)
    for pid in (s["a"], s["b"]):
        booking = await uow.read(_booking, pid, s["departure"])
        await uow.run(milestones.record_milestone, GATE, booking, "departed",
                      override_reason="test")
    # the off-block time arriving afterwards does not send it again
    await uow.run(mv.update_flight, SYSTEM, s["departure"], {
        "actual_at": datetime(2026, 9, 15, 10, 12, tzinfo=UTC)}, source="feed")
    await make_sender(uow, None, smtp).drain()
    mails = [m for m in smtp.received if m.to == "reception@mission-tirana.example"]
    assert len(mails) == 1
    mail = mails[0]
    lines = mail.text.replace("\r\n", "\n").splitlines()
    assert "Escorts: Nurse Invented Example (medical)." in lines  # one fact a line
    assert mail.subject == "KL1234 AMS-TIA departed: 2 people for reception"
    assert "Expected arrival at TIA: 15 Sep 2026 12:40 UTC." in mail.text
    assert "CASE-M" in mail.text and "CASE-N" not in mail.text
    assert "Nurse Invented Example (medical)" in mail.text
    assert "WCHR: wheelchair for longer distances" in mail.text
    assert "MEDA" in mail.text  # the code, for the receiver to act on ...
    for secret in ("diabetes", "insulin", "aisle", "Hoxha", "Arben", "Drita", "Krasniqi"):
        assert secret not in mail.text and secret not in mail.subject  # ... no details
    assert "2. no special assistance" in mail.text


async def test_a_departure_without_a_mission_case_sends_no_mission_mail(
        uow: UnitOfWork, smtp: SmtpReceiver) -> None:
    s = await uow.run(_mission_scene, SYSTEM)
    booking = await uow.read(_booking, s["other"], s["departure"])
    await uow.run(milestones.record_milestone, GATE, booking, "departed",
                  override_reason="test")
    rows = await uow.read(outbox_rows)
    assert [r.event for r in rows if r.event == "mission_departed"] == []


async def test_a_mission_must_be_a_receiving_mission(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    await uow.run(lambda tx: add_pax(tx, world.departure_id, "CASE-X"), SYSTEM)
    with pytest.raises(RuleViolation) as caught:
        await uow.run(ob.set_case_mission, COORD, "CASE-X",
                      "Reception Agency Ter Apel (test)")
    assert caught.value.field == "organisation" and "not a receiving mission" in str(
        caught.value.message)


# -- the carrier's special-assistance pre-notification --------------------------------------

def _notice_scene(tx: Tx) -> tuple[int, int]:
    world = build_world(tx, DAY)
    pid, _ = add_pax(tx, world.departure_id, "CASE-P", "Haddad", "Layla",
                     needs=(("WCHR", "long corridors"),), birth_date=date(1960, 1, 1))
    return world.departure_id, pid


async def _issue(uow: UnitOfWork, movement_id: int) -> int:
    notice = await uow.read(lambda s: carrier_notice(s, movement_id))
    return int(await uow.run(record_notice_sent, COORD, movement_id, notice.fingerprint))


async def test_the_carrier_gets_the_notice_and_its_correction_by_email(
        uow: UnitOfWork, smtp: SmtpReceiver) -> None:
    departure, pid = await uow.run(_notice_scene, SYSTEM)
    await uow.run(ob.set_carrier_contact, COORD, "kl", "special-assistance@kl.example")
    await _issue(uow, departure)
    await make_sender(uow, None, smtp).drain()
    [first] = smtp.received
    text = first.text.replace("\r\n", "\n")  # the mail's line ends
    assert first.to == "special-assistance@kl.example"
    assert first.subject.startswith("Special assistance notification KL1234 2026-09-15")
    assert "HADDAD/LAYLA" in text and "WCHR 1 TIA" in text
    # the Type B lines arrive as lines (Apprise is told the body is text, not HTML)
    assert "\nPSM\nKL1234/15SEP AMS PART1\nWCHR 1 TIA HADDAD/LAYLA" in text
    assert text.endswith("\nENDPSM\n")
    assert "\nIssued 15 Sep 2026 08:00 UTC by coord.\n" in text

    # the needs change: the corrected notice goes out marked as such
    from movements.domain.models import SpecialNeed

    def add_need(tx: Tx) -> None:
        tx.session.add(SpecialNeed(passenger_id=pid, code="DEAF"))

    await uow.run(add_need, SYSTEM)
    await _issue(uow, departure)
    await make_sender(uow, None, smtp).drain()
    assert len(smtp.received) == 2
    corrected = smtp.received[1]
    assert corrected.subject.startswith("CORRECTED Special assistance notification KL1234")
    assert corrected.text.startswith("To the special assistance desk of KL")
    assert "\nCOR\nPSM\n" in corrected.text.replace("\r\n", "\n")
    assert "DEAF" in corrected.text
    rows = await uow.read(outbox_rows)
    assert [(r.event, r.state) for r in rows] == [
        ("carrier_notice", OutboxState.SENT), ("carrier_notice", OutboxState.SENT)]
    assert all(r.sent_at is not None for r in rows)


async def test_a_carrier_without_an_address_shows_failed_with_the_reason(
        uow: UnitOfWork) -> None:
    departure, _ = await uow.run(_notice_scene, SYSTEM)
    await _issue(uow, departure)
    [row] = await uow.read(outbox_rows)
    assert row.state is OutboxState.FAILED
    assert row.last_error and "no e-mail address for carrier KL" in row.last_error


async def test_carrier_codes_and_addresses_are_checked(uow: UnitOfWork) -> None:
    await uow.run(build_world, SYSTEM)
    for carrier, email, field in (("K", "a@b.example", "carrier"), ("KL!", "a@b.example",
                                                                   "carrier"),
                                  ("KL", "not an address", "email"), ("KL", "@b", "email")):
        with pytest.raises(RuleViolation) as caught:
            await uow.run(ob.set_carrier_contact, COORD, carrier, email)
        assert caught.value.field == field


# -- delivery receipts through a real server --------------------------------------------------

def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class _Served:
    def __init__(self, app: object, port: int, uow: UnitOfWork) -> None:
        self.app, self.port, self.uow = app, port, uow

    @property
    def receipts(self) -> str:
        return f"http://127.0.0.1:{self.port}/outbox/receipts"


@pytest.fixture
async def served(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[_Served, str]]:
    secret = _secret()
    port = free_port()
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=f"http://127.0.0.1:{port}", run_jobs=False,
                        notify_receipt_secret=secret, webhook_allow_private=True)
    app = create_app(settings, clock=ManualClock(datetime(2026, 9, 15, 8, 0, tzinfo=UTC)))
    async with serving(app, port):
        yield _Served(app, port, app.state.services.uow), secret


async def _wait_for(uow: UnitOfWork, state: OutboxState, count: int) -> list[OutboxMessage]:
    for _ in range(600):  # up to a minute on a loaded machine; no timing is asserted
        rows = await uow.read(outbox_rows)
        if sum(r.state is state for r in rows) >= count:
            return rows
        await asyncio.sleep(0.1)
    return await uow.read(outbox_rows)


def _gate_change(tx: Tx) -> None:
    world = build_world(tx, DAY)
    for n, name in enumerate(("Okello", "Haddad")):
        pid, _ = add_pax(tx, world.departure_id, f"CASE-{n}", name, "Test",
                         birth_date=date(1990, 1, 1))
        ob.set_passenger_contact(tx, pid, phone=f"+3161234567{n}")
    change_gate(tx, world.departure_id, "E9")


async def test_the_gateways_receipts_mark_messages_delivered(
        served: tuple[_Served, str]) -> None:
    site, secret = served
    await site.uow.run(_gate_change, SYSTEM)
    gateway = SmsGateway(receipt_url=site.receipts, receipt_secret=secret).start()
    try:
        run = await OutboxSender(site.uow, Channels(gateway.url, ""), public_url=PUBLIC
                                 ).drain()
        assert run.sent == 2
        rows = await _wait_for(site.uow, OutboxState.DELIVERED, 2)
    finally:
        gateway.stop()
    assert [r.state for r in rows] == [OutboxState.DELIVERED] * 2
    assert all(r.delivered_at is not None and r.sent_at is not None for r in rows)
    assert sorted(status for _, status in gateway.receipts) == [200, 200]

    def outcomes(session: object) -> list[str]:
        return list(session.scalars(select(OutboxAttempt.outcome)  # type: ignore[attr-defined]
                                    .order_by(OutboxAttempt.id)))

    assert sorted(await site.uow.read(outcomes)) == ["delivered", "delivered", "sent", "sent"]


async def test_a_failed_receipt_marks_the_message_failed_with_its_status(
        served: tuple[_Served, str]) -> None:
    site, secret = served
    await site.uow.run(_gate_change, SYSTEM)
    gateway = SmsGateway(receipt_url=site.receipts, receipt_secret=secret,
                         receipt_status="undelivered").start()
    try:
        await OutboxSender(site.uow, Channels(gateway.url, ""), public_url=PUBLIC).drain()
        rows = await _wait_for(site.uow, OutboxState.FAILED, 2)
    finally:
        gateway.stop()
    assert [r.state for r in rows] == [OutboxState.FAILED] * 2
    assert all("undelivered" in (r.last_error or "") for r in rows)


async def test_unsigned_or_missigned_receipts_change_nothing(
        served: tuple[_Served, str]) -> None:
    site, secret = served
    await site.uow.run(_gate_change, SYSTEM)
    key = (await site.uow.read(outbox_rows))[0].idempotency_key

    def attempts(session: object) -> int:
        return int(session.scalar(select(func.count()).select_from(  # type: ignore[attr-defined]
            OutboxAttempt)))

    before = await site.uow.read(attempts)
    body = json.dumps({"key": key, "status": "delivered"})
    now = datetime.now(UTC)
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(site.receipts, content=body,
                                     headers={"content-type": "application/json"})
        wrong = await client.post(site.receipts, content=body, headers={
            "content-type": "application/json", "webhook-id": "r1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(_secret()).sign("r1", now, body)})
        tampered = await client.post(site.receipts, content=body.replace(
            "delivered", "failed"), headers={
            "content-type": "application/json", "webhook-id": "r1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign("r1", now, body)})
        signed_bad = json.dumps({"key": key, "status": "read"})
        bad_status = await client.post(site.receipts, content=signed_bad, headers={
            "content-type": "application/json", "webhook-id": "r2",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign("r2", now, signed_bad)})
    assert (unsigned.status_code, wrong.status_code, tampered.status_code) == (401, 401, 401)
    assert bad_status.status_code == 400 and "status" in bad_status.json()["error"]
    assert await site.uow.read(attempts) == before
    assert all(r.state is OutboxState.QUEUED for r in await site.uow.read(outbox_rows))
