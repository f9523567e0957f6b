"""The transactional outbox (issue 16): each event kind queues its messages in the change's
own transaction, the sender delivers them to a real SMTP server and a real HTTP SMS
gateway on loopback, once; retries, failure with reason, resend, cancel, opt-out and a
minor's guardian."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from movements.domain.actions import handovers, milestones, setup
from movements.domain.actions import movements as mv
from movements.domain.actions import outbox as ob
from movements.domain.actions.documents import issue_handover_manifest
from movements.domain.actions.readiness import confirm_case
from movements.domain.clock import ManualClock
from movements.domain.errors import ConflictError, NotFound, RuleViolation
from movements.domain.models import AuditEntry, OrganisationKind, Passenger
from movements.domain.outbox_models import OutboxAttempt, OutboxState
from movements.domain.uow import Actor, Tx, UnitOfWork
from movements.notify.channels import Channels
from movements.notify.loopback import SmsGateway, SmtpReceiver, WebhookReceiver
from movements.notify.sender import OutboxSender
from tests.factories import COORD, GATE, SYSTEM, add_pax, build_world, on_blocks_and_met
from tests.notify.conftest import DAY, PUBLIC, change_gate, make_sender, outbox_rows


@dataclass
class Scene:
    departure_id: int
    arrival_id: int
    reception_org_id: int
    receiving_org_id: int
    adult_id: int
    adult_case_id: int
    minor_id: int
    opted_out_id: int
    arrival_pax_id: int
    arrival_case_id: int


def _scene(tx: Tx) -> Scene:
    world = build_world(tx, DAY)
    receiving = setup.ensure_organisation(tx, "Receiving Mission Tirana (test)",
                                          OrganisationKind.RECEIVING_MISSION)
    adult, _ = add_pax(tx, world.departure_id, "CASE-A", "Okello", "Grace", language="Dutch",
                       birth_date=date(1990, 1, 1))
    minor, _ = add_pax(tx, world.departure_id, "CASE-A", "Okello", "Amir",
                       birth_date=date(2015, 5, 5), language="Arabic")
    opted, _ = add_pax(tx, world.departure_id, "CASE-B", "Haddad", "Lina",
                       birth_date=date(1985, 3, 3))
    arriving, _ = add_pax(tx, world.arrival_id, "CASE-C", "Petrenko", "Ivan",
                          birth_date=date(1980, 2, 2))
    ob.set_passenger_contact(tx, adult, phone="06 12345678")
    ob.set_passenger_contact(tx, minor, phone="+31 6 11111111", guardian_phone="0622222222")
    ob.set_passenger_contact(tx, opted, phone="+31633333333", opted_out=True)
    ob.set_organisation_email(tx, world.reception_org_id, "desk@reception.example")
    ob.set_organisation_email(tx, receiving, "duty@mission.example")
    case_a = tx.session.get(Passenger, adult)
    case_c = tx.session.get(Passenger, arriving)
    assert case_a is not None and case_c is not None
    ob.set_case_counterpart(tx, case_a.case_id, world.reception_org_id)
    ob.set_case_counterpart(tx, case_c.case_id, receiving)
    return Scene(world.departure_id, world.arrival_id, world.reception_org_id, receiving,
                 adult, case_a.case_id, minor, opted, arriving, case_c.case_id)


async def test_phone_numbers_are_stored_e164_and_bad_ones_refused(uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)

    def numbers(s: object) -> list[tuple[str | None, str | None]]:
        from movements.domain.outbox_models import Contact

        rows = s.scalars(select(Contact).where(  # type: ignore[attr-defined]
            Contact.passenger_id.in_([scene.adult_id, scene.minor_id])).order_by(Contact.id))
        return [(c.phone, c.guardian_phone) for c in rows]

    assert await uow.read(numbers) == [("+31612345678", None),
                                       ("+31611111111", "+31622222222")]
    for bad in ("12", "+31 6 1234", "call me", "+999 123456789"):
        with pytest.raises(RuleViolation) as caught:
            await uow.run(ob.set_passenger_contact, COORD, scene.adult_id, phone=bad)
        assert caught.value.field == "phone" and repr(bad) in caught.value.message
    assert (await uow.read(numbers))[0] == ("+31612345678", None)  # nothing half-applied


async def test_each_event_kind_commits_its_messages_and_each_arrives_once(
        uow: UnitOfWork, clock: ManualClock, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    # booking confirmed -> flight details to the adult and to the minor's guardian
    await uow.run(confirm_case, COORD, scene.adult_case_id, scene.departure_id,
                  override_reason="test: readiness not recorded")
    # gate change and delay -> SMS to the same two
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    await uow.run(mv.update_flight, COORD, scene.departure_id, {
        "estimated_at": datetime(2026, 9, 15, 11, 5, tzinfo=UTC)})
    # departed -> the reception centre, once for the case (two members depart)
    for pid in (scene.adult_id, scene.minor_id):
        booking = await uow.read(_booking_of, pid, scene.departure_id)
        await uow.run(milestones.record_milestone, GATE, booking, "departed",
                      override_reason="test")
    # landed, passport control -> the receiving mission
    await uow.run(mv.update_flight, SYSTEM, scene.arrival_id, {
        "actual_at": datetime(2026, 9, 15, 12, 10, tzinfo=UTC)}, source="feed")
    arr_booking = await uow.read(_booking_of, scene.arrival_pax_id, scene.arrival_id)
    await uow.run(milestones.record_milestone, GATE, arr_booking, "passport_control",
                  override_reason="test")
    # handed over, manifest issued -> the receiving organisation, with the verify link
    await uow.run(on_blocks_and_met, SYSTEM, scene.arrival_id)
    hid = await uow.run(handovers.create_handover, GATE, scene.arrival_id,
                        scene.receiving_org_id, "J. Bakker", [scene.arrival_pax_id])
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "J. Bakker")
    await uow.run(issue_handover_manifest, GATE, hid, b"%PDF-1.4 test")
    await uow.run(issue_handover_manifest, GATE, hid, b"%PDF-1.4 test")  # again: no new

    rows = await uow.read(outbox_rows)
    kinds = sorted((m.event, m.recipient) for m in rows)
    assert kinds == sorted([
        ("booking_confirmed", "+31612345678"), ("booking_confirmed", "+31622222222"),
        ("gate_changed", "+31612345678"), ("gate_changed", "+31622222222"),
        ("delayed", "+31612345678"), ("delayed", "+31622222222"),
        ("departed", "desk@reception.example"),
        ("landed", "duty@mission.example"), ("passport_control", "duty@mission.example"),
        ("handed_over", "duty@mission.example"), ("manifest_issued", "duty@mission.example"),
    ])
    # the opted-out passenger and the child's own number never appear
    assert not {"+31633333333", "+31611111111"} & {m.recipient for m in rows}
    assert all(m.state is OutboxState.QUEUED for m in rows)
    assert gateway.received == [] and smtp.received == []  # nothing left before the job

    run = await make_sender(uow, gateway, smtp).drain()
    assert run.sent == len(rows) and run.failed == 0
    sms = gateway.received
    mails = smtp.received
    assert len(sms) == 6 and len(mails) == 5
    assert len({r.key for r in sms + mails}) == 11  # each once, by its key
    assert {r.key for r in sms + mails} == {m.idempotency_key for m in rows}
    by_kind = {m.idempotency_key: m.event for m in rows}
    texts = {by_kind[r.key or ""]: r.text for r in mails}
    dutch = {by_kind[r.key or ""]: r.text for r in sms if r.to == "+31612345678"}
    arabic = {by_kind[r.key or ""]: r.text for r in sms if r.to == "+31622222222"}
    assert dutch["gate_changed"].startswith("Vlucht KL1234 op 15 sep 2026: nieuwe gate E9.")
    assert dutch["delayed"].startswith("Vlucht KL1234 op 15 sep 2026 vertrekt nu om 13:05")
    assert dutch["booking_confirmed"].startswith("Uw vlucht KL1234 vertrekt van Amsterdam")
    assert "3 uur voor vertrek" in dutch["booking_confirmed"]
    assert arabic["gate_changed"].startswith("الرحلة KL1234")  # logical order kept
    assert "E9" in arabic["gate_changed"] and "بـ3 ساعات" in arabic["booking_confirmed"]
    assert "CASE-A" in texts["departed"] and "2 people" in texts["departed"]
    document = await uow.read(_document_of, hid)
    assert f"{PUBLIC}/verify/{document}" in texts["handed_over"]
    assert f"{PUBLIC}/verify/{document}" in texts["manifest_issued"]
    assert all(r.text and "%PDF" not in r.text for r in mails)
    for received in sms + mails:  # no names in anything sent
        for name in ("Okello", "Grace", "Amir", "Haddad", "Petrenko", "Ivan", "Bakker"):
            assert name not in received.text and name not in received.subject

    after = await uow.read(outbox_rows)
    assert all(m.state is OutboxState.SENT and m.attempts == 1 for m in after)
    assert await make_sender(uow, gateway, smtp).drain() == type(run)()  # nothing more to send
    assert len(gateway.received) == 6 and len(smtp.received) == 5


async def test_a_rolled_back_change_queues_nothing(uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)

    def change_then_fail(tx: Tx) -> None:
        change_gate(tx, scene.departure_id, "F1")
        raise RuleViolation("refused after the change")

    with pytest.raises(RuleViolation):
        await uow.run(change_then_fail, COORD)
    assert await uow.read(outbox_rows) == []


async def test_500_then_200_is_retried_with_backoff_and_sent_once(
        uow: UnitOfWork, clock: ManualClock, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    gateway.script.extend([500, 500])  # the adult's and the guardian's first tries
    sender = make_sender(uow, gateway, smtp, first_backoff=timedelta(seconds=30))
    first = await sender.run_once()
    assert first.retrying == 2 and gateway.received == [] and gateway.requests == 2
    rows = await uow.read(outbox_rows)
    assert all(m.state is OutboxState.QUEUED and m.last_error for m in rows)
    assert all("error=500" in (m.last_error or "") for m in rows)
    assert all(m.next_attempt_at == clock.now() + timedelta(seconds=30) for m in rows)
    assert (await sender.run_once()).outcomes == []  # not due yet
    clock.advance(seconds=31)
    second = await sender.run_once()
    assert second.sent == 2
    assert len(gateway.received) == 2 and gateway.requests == 4
    assert len({r.key for r in gateway.received}) == 2
    attempts = await uow.read(_attempts)
    assert sorted(a for _, a in attempts) == ["error", "error", "sent", "sent"]


async def test_always_failing_ends_failed_with_reason_and_resend_works(
        uow: UnitOfWork, clock: ManualClock, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    gateway.script.extend([503] * 6)
    sender = make_sender(uow, gateway, smtp, first_backoff=timedelta(seconds=1), max_attempts=3)
    for _ in range(3):
        await sender.run_once()
        clock.advance(minutes=5)
    rows = await uow.read(outbox_rows)
    assert [m.state for m in rows] == [OutboxState.FAILED, OutboxState.FAILED]
    assert all(m.attempts == 3 and m.last_error for m in rows)
    assert all("error=503" in (m.last_error or "") for m in rows)
    assert gateway.received == []
    assert (await sender.run_once()).outcomes == []  # failed stays failed
    # a coordinator resends one: it goes (the gateway answers 200 now), once
    await uow.run(ob.resend, COORD, rows[0].id)
    with pytest.raises(ConflictError):
        await uow.run(ob.resend, COORD, rows[0].id)  # queued already
    run = await sender.run_once()
    assert run.sent == 1 and len(gateway.received) == 1
    assert gateway.received[0].key == rows[0].idempotency_key
    # and cancels the other: it is never sent, even when resent attempts are due
    await uow.run(ob.cancel, COORD, rows[1].id)
    assert (await sender.run_once()).outcomes == []
    final = await uow.read(outbox_rows)
    assert [m.state for m in final] == [OutboxState.SENT, OutboxState.CANCELLED]
    audit = await uow.read(_audit_actions)
    assert audit.count("resend_message") == 1 and audit.count("cancel_message") == 1


async def test_resend_and_cancel_follow_the_access_policy(uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    rows = await uow.read(outbox_rows)
    elsewhere = Actor(user_id=None, username="rtm", role=COORD.role,
                      airport_ids=frozenset({999}))
    with pytest.raises(NotFound):
        await uow.run(ob.cancel, elsewhere, rows[0].id)
    with pytest.raises(Exception) as caught:
        await uow.run(ob.cancel, GATE, rows[0].id)
    assert "coordinator" in str(caught.value)
    assert [m.state for m in await uow.read(outbox_rows)] == [OutboxState.QUEUED] * 2
    assert "cancel_message" not in await uow.read(_audit_actions)


async def test_unconfigured_channel_leaves_messages_queued(uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    sender = OutboxSender(uow, Channels("", ""), public_url=PUBLIC)
    assert (await sender.run_once()).outcomes == []
    assert all(m.state is OutboxState.QUEUED and m.attempts == 0
               for m in await uow.read(outbox_rows))


async def test_a_claim_that_ran_out_is_sent_again_with_the_same_key(
        uow: UnitOfWork, clock: ManualClock, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    """A sender that died after claiming: the claim runs out, another sends it."""
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    claimed = await uow.run(ob.claim_due, SYSTEM, 20)
    assert len(claimed) == 2
    sender = make_sender(uow, gateway, smtp)
    assert (await sender.run_once()).outcomes == []  # still claimed
    clock.advance(seconds=ob.CLAIM.total_seconds() + 1)
    assert (await sender.run_once()).sent == 2
    assert sorted(r.key or "" for r in gateway.received) == sorted(
        c.idempotency_key for c in claimed)


def _booking_of(session: object, passenger_id: int, movement_id: int) -> int:
    from movements.domain.models import Booking

    return int(session.scalar(select(Booking.id).where(  # type: ignore[attr-defined]
        Booking.passenger_id == passenger_id, Booking.movement_id == movement_id)))


def _document_of(session: object, handover_id: int) -> str:
    from movements.domain.models import Handover

    handover = session.get(Handover, handover_id)  # type: ignore[attr-defined]
    return str(handover.document_id)


def _attempts(session: object) -> list[tuple[int, str]]:
    return [(a.message_id, a.outcome) for a in session.scalars(  # type: ignore[attr-defined]
        select(OutboxAttempt).order_by(OutboxAttempt.id))]


def _audit_actions(session: object) -> list[str]:
    return list(session.scalars(select(AuditEntry.action)))  # type: ignore[attr-defined]




async def test_opting_out_after_queueing_stops_the_message_and_says_why(
        uow: UnitOfWork, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    await uow.run(ob.set_passenger_contact, COORD, scene.adult_id, phone="0612345678",
                  opted_out=True)
    run = await make_sender(uow, gateway, smtp).drain()
    assert run.sent == 1  # the guardian's
    assert [r.to for r in gateway.received] == ["+31622222222"]
    rows = {m.recipient: m for m in await uow.read(outbox_rows)}
    stopped = rows["+31612345678"]
    assert stopped.state is OutboxState.CANCELLED
    assert stopped.last_error == "the person opted out of messages"
    # and nothing new is queued for them
    await uow.run(change_gate, COORD, scene.departure_id, "E10")
    assert [m.recipient for m in await uow.read(outbox_rows)][-1:] == ["+31622222222"]


async def test_a_minor_without_a_guardian_number_gets_nothing(uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(ob.set_passenger_contact, COORD, scene.minor_id, phone="+31611111111")
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    rows = await uow.read(outbox_rows)
    assert [(m.passenger_id, m.recipient) for m in rows] == [
        (scene.adult_id, "+31612345678")]  # the child's own number is never used


@pytest.fixture
def partner() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


async def test_webhooks_are_signed_retried_and_logged(
        uow: UnitOfWork, clock: ManualClock, gateway: SmsGateway, smtp: SmtpReceiver,
        partner: WebhookReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    with pytest.raises(RuleViolation) as bad:
        await uow.run(ob.subscribe_webhook, COORD, "AMS", "ftp://x", ["gate_changed"])
    assert bad.value.field == "url"
    with pytest.raises(RuleViolation) as bad:
        await uow.run(ob.subscribe_webhook, COORD, "AMS", partner.url, ["boarding_soon"],
                      allow_private=True)
    assert bad.value.field == "events" and "boarding_soon" in bad.value.message
    sub = await uow.run(ob.subscribe_webhook, COORD, "AMS", partner.url,
                        ["gate_changed", "handed_over"], allow_private=True)
    partner.secret = sub.secret
    partner.script.extend([500])
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    await uow.run(mv.update_flight, COORD, scene.departure_id, {  # not subscribed
        "estimated_at": datetime(2026, 9, 15, 11, 5, tzinfo=UTC)})
    sender = make_sender(uow, gateway, smtp, first_backoff=timedelta(seconds=10))
    await sender.run_once()
    clock.advance(seconds=11)
    await sender.run_once()
    assert [(verified, json.loads(body)["type"]) for _, body, verified in partner.deliveries
            ] == [(True, "gate_changed"), (True, "gate_changed")]  # 500, then 200
    headers, body, _ = partner.deliveries[1]
    payload = json.loads(body)
    assert payload["flight"] == "KL1234" and payload["gate"] == "E9"
    assert headers["webhook-id"] == payload["id"] == partner.deliveries[0][0]["webhook-id"]
    for name in ("Okello", "Grace", "Amir", "Haddad"):
        assert name not in body
    hooks = [m for m in await uow.read(outbox_rows) if m.channel.value == "webhook"]
    assert [(m.state, m.attempts) for m in hooks] == [(OutboxState.SENT, 2)]
    log = [a for a in await uow.read(_attempts) if a[0] == hooks[0].id]
    assert [outcome for _, outcome in log] == ["error", "sent"]
    # a tampered body or another secret does not verify at the partner
    from standardwebhooks import Webhook, WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(sub.secret).verify(body.replace("E9", "E1"), headers)


async def test_the_family_waiting_hears_by_sms_in_the_travellers_language(
        uow: UnitOfWork, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)

    def family(tx: Tx) -> int:
        pid, _ = add_pax(tx, scene.arrival_id, "CASE-F", "Nasser", "Rami", language="Farsi",
                         birth_date=date(1970, 1, 1))
        org = setup.ensure_organisation(tx, "Family Nasser (test)", OrganisationKind.FAMILY)
        ob.set_organisation_email(tx, org, None, phone="+31 6 44444444")
        passenger = tx.session.get(Passenger, pid)
        assert passenger is not None
        ob.set_case_counterpart(tx, passenger.case_id, org)
        return org

    org = await uow.run(family, SYSTEM)
    await uow.run(mv.update_flight, SYSTEM, scene.arrival_id, {
        "actual_at": datetime(2026, 9, 15, 12, 10, tzinfo=UTC)}, source="feed")
    await make_sender(uow, gateway, smtp).drain()
    to_family = [r for r in gateway.received if r.to == "+31644444444"]
    assert len(to_family) == 1
    text = to_family[0].text
    assert text.startswith("عضو خانواده شما با پرواز TK1957 ساعت 14:10 رسید.")
    assert "Nasser" not in text and "Rami" not in text and "Petrenko" not in text
    rows = [m for m in await uow.read(outbox_rows) if m.organisation_id == org]
    assert [(m.event, m.language, m.channel.value) for m in rows] == [("landed", "fa", "sms")]


async def test_an_estimate_moving_a_minute_at_a_time_sends_one_delay_sms(
        uow: UnitOfWork) -> None:
    scene = await uow.run(_scene, SYSTEM)
    for minute in range(10, 31):  # 10:10 ... 10:30 UTC, the schedule is 10:00
        await uow.run(mv.update_flight, SYSTEM, scene.departure_id, {
            "estimated_at": datetime(2026, 9, 15, 10, minute, tzinfo=UTC)}, source="feed")
    delays = [m for m in await uow.read(outbox_rows) if m.event == "delayed"]
    # told at 10:15 (15 min late); 10:30 is 15 min from what they were told: told again
    assert sorted({m.idempotency_key.split(":")[3] for m in delays}) == [
        "t202609151015", "t202609151030"]
    assert len(delays) == 4  # the adult and the guardian, twice


@pytest.mark.parametrize("left", [
    {"actual_at": datetime(2026, 9, 15, 10, 4, tzinfo=UTC)},  # off-block time recorded
    {"flight_state": "DEP"},
    {"flight_state": "AIR"},
], ids=["actual-time", "departed", "airborne"])
async def test_no_gate_or_delay_sms_once_the_flight_has_left(
        uow: UnitOfWork, left: dict[str, object]) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(mv.update_flight, SYSTEM, scene.departure_id, left, source="feed")
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    await uow.run(mv.update_flight, COORD, scene.departure_id, {
        "estimated_at": datetime(2026, 9, 15, 11, 5, tzinfo=UTC)})
    sms = [m for m in await uow.read(outbox_rows) if m.event in ("gate_changed", "delayed")
           and m.passenger_id is not None]
    assert sms == []


async def test_a_gate_sms_queued_before_departure_is_cancelled_once_it_has_left(
        uow: UnitOfWork, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    scene = await uow.run(_scene, SYSTEM)
    await uow.run(change_gate, COORD, scene.departure_id, "E9")
    queued = [m for m in await uow.read(outbox_rows) if m.event == "gate_changed"]
    assert len(queued) == 2 and {m.state for m in queued} == {OutboxState.QUEUED}
    await uow.run(mv.update_flight, SYSTEM, scene.departure_id, {
        "flight_state": "DEP", "actual_at": datetime(2026, 9, 15, 10, 4, tzinfo=UTC)},
        source="feed")
    run = await make_sender(uow, gateway, smtp).drain()
    assert run.sent == 0 and gateway.received == []
    rows = [m for m in await uow.read(outbox_rows) if m.event == "gate_changed"]
    assert {(m.state, m.last_error) for m in rows} == {
        (OutboxState.CANCELLED, "flight already left")}
    assert sorted(a for a in await uow.read(_attempts) if a[1] == "cancel") == sorted(
        (m.id, "cancel") for m in rows)
