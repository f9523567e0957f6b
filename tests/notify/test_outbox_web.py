"""The coordinators' outbox page: what waits, what failed and why; resend and cancel need
the CSRF token and are audited; other roles are refused."""

from __future__ import annotations

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
        from movements.domain.actions import movements as mv

        for n, pid in enumerate(site.passenger_ids):
            ob.set_passenger_contact(tx, pid, phone=f"+3161234560{n}")
        mv.update_flight(tx, site.world.departure_id, {"gate": "E9"})

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
