"""Issue 12.4: forwarding headers are believed only from MOVEMENTS_TRUSTED_PROXIES, on a
real uvicorn server started the way ``movements serve`` starts it (uvicorn's own default
believes X-Forwarded-For from loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from movements.domain.actions.sessions import MAX_FAILURES_PER_CLIENT
from movements.domain.models import LoginAttempt, UserSession
from movements.domain.uow import NullPublisher
from movements.platform.db import Database
from tests.conftest import run_async
from tests.live import LiveServer, seed_site, start_server
from tests.web.conftest import PASSWORD


def _rows(database_url: str) -> tuple[list[str], list[str]]:
    async def go() -> tuple[list[str], list[str]]:
        db = Database.open(database_url)
        try:
            return await db.unit_of_work(NullPublisher()).read(lambda s: (
                list(s.scalars(select(LoginAttempt.client_address))),
                [str(a) for a in s.scalars(select(UserSession.client_address))]))
        finally:
            await db.dispose()
    return run_async(go())


@pytest.fixture
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest
           ) -> Iterator[LiveServer]:
    seed_site(database_url)
    proxies = getattr(request, "param", "")
    live = start_server(database_url, tmp_path,
                        extra_env={"MOVEMENTS_TRUSTED_PROXIES": proxies} if proxies else None)
    try:
        yield live
    finally:
        live.stop()


def _forged(i: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{i % 250 + 1}"}


def test_forged_forwarded_for_does_not_escape_the_address_lock(server: LiveServer,
                                                               database_url: str) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        # A signed-in admin first, with a forged header: the session shows the real peer.
        ok = client.post("/login", data={"username": "admin", "password": PASSWORD},
                         headers=_forged(0))
        assert ok.status_code in (200, 303), ok.text[:300]
        for i in range(MAX_FAILURES_PER_CLIENT):  # distinct names: no account lockout
            resp = client.post("/login", data={"username": f"nobody{i}", "password": "x"})
            assert resp.status_code == 401
        statuses = {client.post("/login", data={"username": f"probe{i}", "password": "x"},
                                headers=_forged(i)).status_code for i in range(10)}
        assert statuses == {429}
        admin = client.post("/login", data={"username": "admin", "password": PASSWORD},
                            headers=_forged(99), follow_redirects=False)
        assert admin.status_code == 429
    attempts, sessions = _rows(database_url)
    assert set(attempts) == {"127.0.0.1"}
    assert sessions == ["127.0.0.1"]


@pytest.mark.parametrize("server", ["127.0.0.1"], indirect=True)
def test_a_configured_proxy_is_believed(server: LiveServer, database_url: str) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        ok = client.post("/login", data={"username": "admin", "password": PASSWORD},
                         headers={"X-Forwarded-For": "198.51.100.7"})
        assert ok.status_code in (200, 303)
    attempts, sessions = _rows(database_url)
    assert attempts == ["198.51.100.7"] and sessions == ["198.51.100.7"]
