"""Sign-in, sessions, CSRF, rate limits, headers (issue: who sees what)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.models import AuditEntry
from tests.web.conftest import BASE, PASSWORD, Site, login


@pytest.fixture
def backend() -> str:
    return "sqlite"


def audit(site: Site, action: str) -> list[str | None]:
    return site_read(site, lambda s: [a.detail for a in s.scalars(
        select(AuditEntry).where(AuditEntry.action == action))])


def site_read(site: Site, fn):  # type: ignore[no-untyped-def]
    with TestClient(site.app, base_url=BASE) as c:
        return c.blocking_portal.call(site.app.state.services.uow.read, fn)


def test_wrong_password_is_401_and_logged(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        resp = client.post("/login", data={"username": "gate", "password": "nope"})
        assert resp.status_code == 401 and "Wrong user name or password" in resp.text
        assert "mv_session" not in client.cookies
    assert any("username=gate" in (d or "") for d in audit(site, "login_refused"))


def test_cookie_flags_and_rotation_at_sign_in(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        resp = client.post("/login", data={"username": "gate", "password": PASSWORD},
                           follow_redirects=False)
        cookie = resp.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        first = client.cookies["mv_session"]
        client.post("/login", data={"username": "gate", "password": PASSWORD},
                    follow_redirects=False)
        second = client.cookies["mv_session"]
        assert first != second
        client.cookies.set("mv_session", first)
        assert client.get("/board", headers={"accept": "application/json"}).status_code == 401


def test_secure_cookie_by_default(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from movements.app import create_app
    from movements.platform.config import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url, public_url=BASE))
    with TestClient(app, base_url=BASE) as client:
        from tests.factories import SYSTEM
        from tests.web.conftest import seed

        client.blocking_portal.call(app.state.services.uow.run, seed, SYSTEM)
        resp = client.post("/login", data={"username": "gate", "password": PASSWORD},
                           follow_redirects=False)
        assert "secure" in resp.headers["set-cookie"].lower()


def test_idle_timeout_and_absolute_lifetime(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        site.clock.advance(minutes=29)
        assert client.get("/board").status_code == 200
        site.clock.advance(minutes=31)  # idle > 30 min since the last touch
        assert client.get("/board", headers={"accept": "application/json"}).status_code == 401
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        for _ in range(25):  # active all along, but 12 h is the most a session lives
            site.clock.advance(minutes=29)
            resp = client.get("/account/sessions", headers={"accept": "application/json"})
        assert resp.status_code == 401
    assert audit(site, "session_expired")


def test_rate_limit_per_account(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        for _ in range(5):
            client.post("/login", data={"username": "coord", "password": "wrong"})
        resp = client.post("/login", data={"username": "coord", "password": PASSWORD})
        assert resp.status_code == 429 and "Too many" in resp.text
        site.clock.advance(minutes=16)
        ok = client.post("/login", data={"username": "coord", "password": PASSWORD},
                         follow_redirects=False)
        assert ok.status_code == 303


def test_rate_limit_per_client_address(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        for i in range(20):
            client.post("/login", data={"username": f"nobody{i}", "password": "x"})
        resp = client.post("/login", data={"username": "admin", "password": PASSWORD})
        assert resp.status_code == 429


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        for i in range(20):
            client.post("/login", data={"username": f"x{i}", "password": "x"},
                        headers={"X-Forwarded-For": f"10.9.9.{i}"})
        # All twenty counted against the real peer, whatever the header claimed.
        resp = client.post("/login", data={"username": "admin", "password": PASSWORD},
                           headers={"X-Forwarded-For": "10.1.1.1"})
        assert resp.status_code == 429


def test_wrong_csrf_token_and_foreign_origin_change_nothing(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        bid = site.booking_ids[0]
        bad = client.post(f"/bookings/{bid}/milestones", data={"kind": "met_at_point"},
                          headers={"X-CSRF-Token": "forged"})
        assert bad.status_code == 403
        foreign = client.post(f"/bookings/{bid}/milestones", data={"kind": "met_at_point"},
                              headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
        assert foreign.status_code == 403
        page = client.get(f"/movements/{site.world.departure_id}").text
        assert "✓ Met at designated point" not in page


def test_user_sees_and_ends_own_sessions(site: Site) -> None:
    import re

    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        tablet = client.cookies["mv_session"]
        client.cookies.clear()
        csrf = login(client, "gate")  # the same person at a desk
        page = client.get("/account/sessions").text
        ids = [int(x) for x in re.findall(r"/account/sessions/(\d+)/end", page)]
        assert len(ids) == 2 and "this device" in page
        assert client.post(f"/account/sessions/{min(ids)}/end",
                           headers={"X-CSRF-Token": csrf},
                           follow_redirects=False).status_code == 303
        assert client.get("/board").status_code == 200  # the desk goes on
        client.cookies.set("mv_session", tablet)
        assert client.get("/board", headers={"accept": "application/json"}).status_code == 401


def test_pages_with_personal_data_are_not_stored_and_headers_are_strict(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        resp = client.get(f"/movements/{site.world.departure_id}")
        assert resp.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert resp.headers["referrer-policy"] == "same-origin"
        assert resp.headers["x-content-type-options"] == "nosniff"


def test_reception_never_sees_the_board(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "reception")
        assert client.get("/board").status_code == 403
        assert client.get(f"/movements/{site.world.departure_id}").status_code == 403
        assert client.get("/api/v1/movements").status_code == 403


def test_victim_of_trafficking_flag_only_for_coordinators(site: Site) -> None:
    from movements.domain.models import Passenger
    from movements.domain.uow import Tx
    from tests.factories import SYSTEM

    def flag(tx: Tx) -> None:
        tx.session.get(Passenger, site.passenger_ids[0]).victim_of_trafficking = True  # type: ignore[union-attr]

    with TestClient(site.app, base_url=BASE) as c:
        c.blocking_portal.call(site.app.state.services.uow.run, flag, SYSTEM)
    bid = site.booking_ids[0]
    with TestClient(site.app, base_url=BASE) as gate:
        login(gate, "gate")
        assert "Protection-sensitive" not in gate.get(f"/bookings/{bid}/reveal").text
    with TestClient(site.app, base_url=BASE) as coord:
        login(coord, "coord")
        assert "Protection-sensitive" in coord.get(f"/bookings/{bid}/reveal").text


