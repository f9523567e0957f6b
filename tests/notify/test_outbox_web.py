"""The coordinators' outbox page: what waits, what failed and why; resend and cancel need
the CSRF token and are audited; other roles are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.actions import outbox as ob
from movements.domain.models import AuditEntry
from movements.domain.outbox_models import OutboxAttempt, OutboxMessage, OutboxState
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.notify.conftest import change_gate
from tests.web.conftest import BASE, Site, login
from tests.web.conftest import site as site  # noqa: F401 - the web tests' fixture


@pytest.fixture
def coord(site: Site) -> Iterator[tuple[TestClient[Litestar], str]]:
    with TestClient(site.app, base_url=BASE) as client:
        yield client, login(client, "coord")


def _prepare(site: Site, client: TestClient[Litestar]) -> list[int]:
    """Contacts for the three passengers, a gate change, and the first message failed."""
    uow = site.app.state.services.uow

    def change(tx: Tx) -> None:
        for n, pid in enumerate(site.passenger_ids):
            ob.set_passenger_contact(tx, pid, phone=f"+3161234560{n}")
        change_gate(tx, site.world.departure_id, "E9")

    def fail_first(tx: Tx) -> list[int]:
        ids = list(tx.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
        claimed = ob.claim_due(tx, 1)
        ob.record_result(tx, claimed[0].id, False, "error=503 from the gateway",
                         max_attempts=1)
        return ids

    client.blocking_portal.call(uow.run, change, SYSTEM)  # type: ignore[arg-type]
    return list(client.blocking_portal.call(uow.run, fail_first, SYSTEM))  # type: ignore[arg-type]


def _read(site: Site, client: TestClient[Litestar], query: object) -> object:
    return client.blocking_portal.call(site.app.state.services.uow.read, query)  # type: ignore[arg-type]


def _states(session: object) -> list[OutboxState]:
    return list(session.scalars(  # type: ignore[attr-defined]
        select(OutboxMessage.state).order_by(OutboxMessage.id)))


def _audit(session: object) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(  # type: ignore[attr-defined]
        AuditEntry.entity == "outbox_message")))


def test_the_page_shows_failed_with_reason_and_masks_numbers(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, _ = coord
    ids = _prepare(site, client)
    page = client.get("/outbox")
    assert page.status_code == 200
    text = page.text
    assert all(f'id="message-{i}"' in text for i in ids)
    assert "error=503 from the gateway" in text
    assert "+3161234560" not in text and "+31•••" in text  # masked
    failed = client.get("/outbox?only=failed").text
    assert f'id="message-{ids[0]}"' in failed and f'id="message-{ids[1]}"' not in failed
    refused = client.get("/outbox?only=lost")
    assert refused.status_code == 422 and "unknown state 'lost'" in refused.text


def test_resend_and_cancel_need_the_csrf_token_and_are_audited(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    ids = _prepare(site, client)
    before = _read(site, client, _states)
    assert client.post(f"/outbox/{ids[0]}/resend").status_code == 403  # no token
    assert _read(site, client, _states) == before and _read(site, client, _audit) == []
    resp = client.post(f"/outbox/{ids[0]}/resend", data={"_csrf": csrf},
                       follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/outbox?airport=AMS"
    resp = client.post(f"/outbox/{ids[1]}/cancel", data={"_csrf": csrf},
                       follow_redirects=False)
    assert resp.status_code == 303
    assert _read(site, client, _states) == [OutboxState.QUEUED, OutboxState.CANCELLED,
                                    OutboxState.QUEUED]
    assert _read(site, client, _audit) == ["resend_message", "cancel_message"]
    again = client.post(f"/outbox/{ids[1]}/cancel", data={"_csrf": csrf})
    assert again.status_code == 409 and "cancelled already" in again.text


def test_gate_staff_cannot_see_or_touch_the_outbox(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        ids = _prepare(site, client)
        csrf = login(client, "gate")
        assert client.get("/outbox").status_code == 403
        assert client.post(f"/outbox/{ids[0]}/cancel", data={"_csrf": csrf}).status_code == 403
        assert _read(site, client, _audit) == []
        assert _read(site, client, _attempt_outcomes) == ["error"]


def _attempt_outcomes(session: object) -> list[str]:
    return list(session.scalars(select(OutboxAttempt.outcome)))  # type: ignore[attr-defined]


def test_a_coordinator_records_a_members_number_and_consent_on_the_case_page(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    pid = site.passenger_ids[0]

    def contact(session: object) -> tuple[object, ...] | None:
        from movements.domain.outbox_models import Contact

        row = session.scalar(select(Contact).where(  # type: ignore[attr-defined]
            Contact.passenger_id == pid))
        return None if row is None else (row.phone, row.guardian_phone, row.opted_out)

    case_id = _read(site, client, lambda s: s.get(  # type: ignore[attr-defined]
        __import__("movements.domain.models", fromlist=["Passenger"]).Passenger, pid).case_id)
    bad = client.post(f"/plan/passengers/{pid}/contact",
                      data={"_csrf": csrf, "phone": "0612"}, follow_redirects=False)
    assert bad.status_code in (200, 422) and "is not a valid phone number" in bad.text
    assert _read(site, client, contact) is None  # nothing written
    ok = client.post(f"/plan/passengers/{pid}/contact",
                     data={"_csrf": csrf, "phone": "06 1234 5678", "opted_out": "on"},
                     follow_redirects=False)
    assert ok.status_code == 303, ok.text
    assert _read(site, client, contact) == ("+31612345678", None, True)
    page = client.get(f"/plan/cases/{case_id}").text
    assert 'value="+31612345678"' in page and "opted out" in page


def test_the_outbox_shows_each_messages_text(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    """An SMS whole (it holds no health data by construction), an e-mail's first lines."""
    client, _ = coord

    def mail(tx: Tx) -> None:
        from movements.domain import outbox
        from movements.domain.models import Movement
        from movements.domain.outbox_models import Channel

        movement = tx.session.get(Movement, site.world.departure_id)
        outbox.queue(tx, key="web:mail", event="departed", movement=movement,
                     to=outbox.Recipient(Channel.EMAIL, "desk@reception.example"),
                     subject="KL1234 AMS-TIA has departed",
                     body="First line.\n\nSecond line.\nThird line.\nFourth line hidden.\n")

    _prepare(site, client)
    client.blocking_portal.call(site.app.state.services.uow.run, mail, SYSTEM)  # type: ignore[arg-type]
    text = client.get("/outbox").text
    assert "Flight KL1234 on 15 Sept 2026: new gate E9. Departure at 12:00." in text
    assert "First line.\nSecond line.\nThird line. …" in text
    assert "Fourth line hidden." not in text


def test_the_outbox_shows_the_text_as_sent_with_no_placeholder_left(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    """The page renders a stored body with the sender's one renderer (ob.filled): the
    public address is filled in, in an SMS, an e-mail and a webhook's JSON alike."""
    client, _ = coord

    def queue(tx: Tx) -> None:
        from movements.domain import outbox
        from movements.domain.models import Movement
        from movements.domain.outbox_models import Channel

        movement = tx.session.get(Movement, site.world.departure_id)
        for n, (channel, to) in enumerate([(Channel.SMS, "+31612345678"),
                                           (Channel.EMAIL, "desk@reception.example")]):
            outbox.queue(tx, key=f"web:verify:{n}", event="manifest_issued",
                         movement=movement, to=outbox.Recipient(channel, to),
                         subject="Manifest", body="Check a copy you hold, at: "
                         "{public_url}/verify/9be6")

    _prepare(site, client)
    client.blocking_portal.call(site.app.state.services.uow.run, queue, SYSTEM)  # type: ignore[arg-type]
    text = client.get("/outbox").text
    assert text.count(f"at: {BASE}/verify/9be6") == 2
    assert "{public_url}" not in text

    def rows(session: object) -> list[str]:
        from movements.domain.outbox_models import OutboxMessage

        return [ob.preview(m, BASE) for m in  # type: ignore[attr-defined]
                session.scalars(select(OutboxMessage))]  # type: ignore[attr-defined]

    shown = _read(site, client, rows)
    assert shown and not [t for t in shown if re.search(r"\{[a-z_]+\}", t)], shown


def test_a_guardians_language_is_recorded_on_the_case_page(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    pid = site.passenger_ids[0]
    ok = client.post(f"/plan/passengers/{pid}/contact",
                     data={"_csrf": csrf, "guardian_phone": "0622222222",
                           "guardian_language": "Tigrinya"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text

    def language(session: object) -> str | None:
        from movements.domain.outbox_models import Contact

        return session.scalar(select(Contact.guardian_language).where(  # type: ignore[attr-defined]
            Contact.passenger_id == pid))

    assert _read(site, client, language) == "Tigrinya"


# -- webhook subscriptions ---------------------------------------------------------------

def _hooks(session: object) -> list[tuple[str, str, bool]]:
    from movements.domain.outbox_models import WebhookSubscription

    return [(h.url, h.events, h.active) for h in session.scalars(  # type: ignore[attr-defined]
        select(WebhookSubscription).order_by(WebhookSubscription.id))]


def test_coordinators_add_list_and_disable_webhooks(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    assert "No webhooks." in client.get("/webhooks").text
    no_token = client.post("/webhooks", data={"airport": "AMS", "url": "https://p.example/h",
                                              "events": "landed"})
    assert no_token.status_code == 403 and _read(site, client, _hooks) == []
    bad = client.post("/webhooks", data={"_csrf": csrf, "airport": "AMS",
                                         "url": "ftp://p.example/h", "events": "landed"})
    assert bad.status_code == 422 and "is not an http(s) address" in bad.text.replace("&#34;", "\"")
    assert 'value="ftp://p.example/h"' in bad.text  # what was typed stays
    unknown = client.post("/webhooks", data={"_csrf": csrf, "airport": "AMS",
                                             "url": "https://p.example/h", "events": "lunch"})
    assert unknown.status_code == 422 and "unknown lunch" in unknown.text
    assert _read(site, client, _hooks) == []  # nothing half-applied
    added = client.post("/webhooks", data={"_csrf": csrf, "airport": "AMS",
                                           "url": "https://p.example/h",
                                           "events": ["landed", "departed"]})
    assert added.status_code == 201
    secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text)
    assert secret is not None
    assert _read(site, client, _hooks) == [("https://p.example/h", "departed,landed", True)]
    listed = client.get("/webhooks").text
    assert "https://p.example/h" in listed and secret.group(1) not in listed  # shown once

    hook_id = int(re.search(r'id="webhook-(\d+)"', listed).group(1))  # type: ignore[union-attr]
    off = client.post(f"/webhooks/{hook_id}/disable", data={"_csrf": csrf},
                      follow_redirects=False)
    assert off.status_code == 303 and off.headers["location"] == "/webhooks?airport=AMS"
    assert _read(site, client, _hooks) == [("https://p.example/h", "departed,landed", False)]
    again = client.post(f"/webhooks/{hook_id}/disable", data={"_csrf": csrf})
    assert again.status_code == 409

    def audit(session: object) -> list[str]:
        return list(session.scalars(select(AuditEntry.action).where(  # type: ignore[attr-defined]
            AuditEntry.entity == "webhook_subscription").order_by(AuditEntry.id)))

    assert _read(site, client, audit) == ["subscribe_webhook", "disable_webhook"]


def test_the_delivery_log_shows_each_try_and_a_disabled_hook_sends_nothing_more(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    uow = site.app.state.services.uow

    def subscribe_and_fail(tx: Tx) -> int:
        made = ob.subscribe_webhook(tx, "AMS", "https://p.example/h", ["gate_changed"],
                                    allow_private=True)  # no DNS here
        change_gate(tx, site.world.departure_id, "E9")
        return made.id

    hook = client.blocking_portal.call(uow.run, subscribe_and_fail, SYSTEM)  # type: ignore[arg-type]

    def fail(tx: Tx) -> None:
        from movements.domain.outbox_models import Channel

        claimed = ob.claim_due(tx, 10, channels=(Channel.WEBHOOK,))
        assert len(claimed) == 1
        ob.record_result(tx, claimed[0].id, False, "HTTP 500 Internal Server Error")

    client.blocking_portal.call(uow.run, fail, SYSTEM)  # type: ignore[arg-type]
    log = client.get(f"/webhooks?log={hook}").text
    assert "gate changed" in log and "error (HTTP 500 Internal Server Error)" in log
    client.post(f"/webhooks/{hook}/disable", data={"_csrf": csrf})

    def webhook_states(session: object) -> list[OutboxState]:
        return list(session.scalars(select(OutboxMessage.state).where(  # type: ignore[attr-defined]
            OutboxMessage.webhook_id == hook)))

    assert _read(site, client, webhook_states) == [OutboxState.CANCELLED]
    assert "webhook disabled by coord" in client.get(f"/webhooks?log={hook}").text


def test_other_roles_cannot_reach_webhooks(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        assert client.get("/webhooks").status_code == 403
        assert client.post("/webhooks", data={"_csrf": csrf, "airport": "AMS",
                                              "url": "https://p.example/h",
                                              "events": "*"}).status_code == 403
        assert _read(site, client, _hooks) == []
