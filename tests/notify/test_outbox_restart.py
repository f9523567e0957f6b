"""Never lost, never twice, with real processes (issue 16, acceptance): a coordinator's
change commits on a real server, the server is killed with SIGKILL before its sender ran,
a new server starts, and the real SMTP server and HTTP SMS gateway on loopback receive
each message exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from movements.domain.actions import outbox as ob
from movements.domain.models import Passenger
from movements.domain.outbox_models import OutboxState
from movements.domain.uow import Tx
from movements.notify.loopback import HOLD, SmsGateway, SmtpReceiver
from tests.live import seed_site, sign_in, start_server
from tests.notify.conftest import GATE_SWAP, outbox_rows, read_on, write_on
from tests.web.conftest import PASSWORD


def _contacts(database_url: str, passenger_ids: list[int], org_id: int) -> None:
    def go(tx: Tx) -> None:
        for n, pid in enumerate(passenger_ids):
            ob.set_passenger_contact(tx, pid, phone=f"+3161234560{n}")
        ob.set_organisation_email(tx, org_id, "desk@reception.example")
        for pid in passenger_ids:
            passenger = tx.session.get(Passenger, pid)
            assert passenger is not None
            ob.set_case_counterpart(tx, passenger.case_id, org_id)

    write_on(database_url, go)


def _outbox(database_url: str) -> list[tuple[str, OutboxState, int]]:
    return [(m.idempotency_key, m.state, m.attempts)
            for m in read_on(database_url, outbox_rows)]


def test_kill_9_between_commit_and_send_then_restart_sends_each_once(
        database_url: str, tmp_path: Path, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    world, pids, _ = seed_site(database_url)
    _contacts(database_url, pids, world.reception_org_id)
    channels = {"MOVEMENTS_NOTIFY_SMS_URL": gateway.url,
                "MOVEMENTS_NOTIFY_EMAIL_URL": smtp.url()}
    # The first server commits changes but its sender never gets to run: jobs are off,
    # exactly the state of a process that died right after the COMMIT.
    first = start_server(database_url, tmp_path, extra_env={
        **channels, "MOVEMENTS_RUN_JOBS": "false"}, name="first")
    try:
        client, csrf = sign_in(first.base, "coord", PASSWORD)
        resp = client.post(f"/movements/{world.departure_id}/flight", 
                           data={"gate": "E9", "reason": GATE_SWAP},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert resp.status_code == 200, resp.text
        client.close()
    finally:
        first.stop(signal.SIGKILL)
    assert first.process.returncode == -signal.SIGKILL
    queued = _outbox(database_url)
    assert len(queued) == len(pids) == 3  # one SMS per booked passenger
    assert all(state is OutboxState.QUEUED for _, state, _ in queued)
    assert gateway.received == []

    second = start_server(database_url, tmp_path, extra_env={
        **channels, "MOVEMENTS_RUN_JOBS": "true", "MOVEMENTS_JOB_LEASE_SECONDS": "2",
        "MOVEMENTS_OUTBOX_INTERVAL_SECONDS": "0.2"}, name="second")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if all(state is OutboxState.SENT for _, state, _ in _outbox(database_url)):
                break
            time.sleep(0.2)
        final = _outbox(database_url)
        assert all(state is OutboxState.SENT for _, state, _ in final), (final, second.log())
    finally:
        second.stop()
    keys = [r.key for r in gateway.received]
    assert sorted(keys) == sorted(k for k, _, _ in final)  # every message, each once
    assert sorted(r.to for r in gateway.received) == [
        "+31612345600", "+31612345601", "+31612345602"]
    assert all("E9" in r.text for r in gateway.received)
    assert all(attempts == 1 for _, _, attempts in final)


def _wait_all_sent(database_url: str, server: object, seconds: float = 90
                   ) -> list[tuple[str, OutboxState, int]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = _outbox(database_url)
        if rows and all(state is OutboxState.SENT for _, state, _ in rows):
            return rows
        time.sleep(0.2)
    rows = _outbox(database_url)
    raise AssertionError(f"not all sent: {rows}\n{server.log()}")  # type: ignore[attr-defined]


def test_kill_9_while_the_provider_is_answering_then_restart_delivers_each_once_by_key(
        database_url: str, tmp_path: Path, gateway: SmsGateway, smtp: SmtpReceiver) -> None:
    """The hardest window: the provider has taken the first message, the sender is
    killed before it hears back.  The new sender sends it again once the claim runs out,
    with the same Idempotency-Key: the provider takes each key once."""
    world, pids, _ = seed_site(database_url)
    _contacts(database_url, pids, world.reception_org_id)
    gateway.script.append(HOLD)
    env = {"MOVEMENTS_NOTIFY_SMS_URL": gateway.url, "MOVEMENTS_NOTIFY_EMAIL_URL": smtp.url(),
           "MOVEMENTS_RUN_JOBS": "true", "MOVEMENTS_JOB_LEASE_SECONDS": "2",
           "MOVEMENTS_OUTBOX_INTERVAL_SECONDS": "0.2", "MOVEMENTS_OUTBOX_CLAIM_SECONDS": "3"}
    first = start_server(database_url, tmp_path, extra_env=env, name="first")
    try:
        client, csrf = sign_in(first.base, "coord", PASSWORD)
        resp = client.post(f"/movements/{world.departure_id}/flight", 
                           data={"gate": "E9", "reason": GATE_SWAP},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert resp.status_code == 200, resp.text
        client.close()
        assert gateway.holding.wait(60), first.log()  # taken, not yet answered
    finally:
        first.stop(signal.SIGKILL)
    gateway.release.set()
    held = gateway.received
    assert len(held) == 1
    assert any(state is OutboxState.SENDING for _, state, _ in _outbox(database_url))

    second = start_server(database_url, tmp_path, extra_env=env, name="second")
    try:
        final = _wait_all_sent(database_url, second)
    finally:
        second.stop()
    keys = sorted(k for k, _, _ in final)
    assert len(keys) == 3
    # The provider saw the first message twice, under one key; it takes each key once.
    copies = sorted(r.key or "" for r in gateway.received)
    assert copies.count(held[0].key or "") == 2 and sorted(set(copies)) == keys
    assert sorted(r.key or "" for r in gateway.accepted) == keys
