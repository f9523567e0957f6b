"""A one-time password (an admin's reset) forces choosing one's own on every route, not
only on the landing page (issue 13.7): pages redirect to the password form, htmx and API
requests are refused with a message that says why, the live socket does not open; the
password form and signing out stay open.  After the change everything works again."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.domain.models import AuditEntry, User
from movements.web.auth import ONE_TIME_OK
from tests.web.conftest import BASE, Site, login

ONE_TIME = re.compile(r"One-time password for coord: (\S+) ")
PAGE = {"Accept": "text/html"}
NEW = "my own long password"


def _reset(site: Site, client: TestClient[Litestar]) -> str:
    csrf = login(client, "admin")
    uow = site.app.state.services.uow
    user_id = client.blocking_portal.call(uow.read, lambda s: s.scalar(
        select(User.id).where(User.username == "coord")))
    reply = client.post("/admin/users/reset-password", headers={"X-CSRF-Token": csrf},
                        data={"user_id": str(user_id)})
    client.cookies.clear()
    match = ONE_TIME.search(reply.text)
    assert match, reply.text[:300]
    return match.group(1)


def _get_routes(app: Litestar) -> list[str]:
    """Every GET route a signed-in person may open, path parameters filled with 1."""
    paths = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in handler.http_methods or handler.opt.get("public") \
                    or handler.opt.get(ONE_TIME_OK) or route.path.startswith("/static"):
                continue
            paths.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return sorted(set(paths))


def test_every_route_waits_for_the_new_password(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        one_time = _reset(site, client)
        signed = client.post("/login", data={"username": "coord", "password": one_time},
                             follow_redirects=False)
        assert signed.headers["location"] == "/account/password"
        routes = _get_routes(site.app)
        assert {"/board", "/plan", "/reports", "/movements/1", "/api/v1/movements",
                "/account/sessions", "/alerts"} <= set(routes)
        for path in routes:
            page = client.get(path, headers=PAGE, follow_redirects=False)
            if path.startswith("/api/"):  # the API answers JSON whatever is accepted
                assert page.status_code == 403, path
            else:
                assert (page.status_code, page.headers.get("location")) == \
                    (303, "/account/password"), path
            api = client.get(path, follow_redirects=False)
            assert api.status_code == 403, path
            assert "one-time password" in api.json()["error"], path
        form = client.get("/account/password")
        assert form.status_code == 200 and 'id="one-time"' in form.text
        token = re.search(r'name="csrf-token" content="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        h = {"X-CSRF-Token": token}
        # an htmx action: refused, nothing written, and htmx is told where to go
        count = client.blocking_portal.call(site.app.state.services.uow.read,
                                            lambda s: s.scalar(select(func.count(AuditEntry.id))))
        tap = client.post(f"/bookings/{site.booking_ids[0]}/milestones",
                          headers={**h, "HX-Request": "true"}, data={"step": "check_in"})
        assert tap.status_code == 403 and tap.headers["hx-redirect"] == "/account/password"
        assert client.blocking_portal.call(site.app.state.services.uow.read, lambda s: s.scalar(
            select(func.count(AuditEntry.id)))) == count
        with pytest.raises(WebSocketDisconnect), \
                client.websocket_connect("/ws?airport=AMS") as ws:
            ws.send_json({"type": "hello", "after": 0})
            ws.receive_json()
        changed = client.post("/account/password", headers=h, data={
            "current_password": one_time, "new_password": NEW, "repeat_password": NEW})
        assert changed.status_code == 200 and "Password changed." in changed.text
        for path in ("/board", "/plan", "/account/sessions", "/api/v1/movements"):
            assert client.get(path, headers=PAGE, follow_redirects=False).status_code == 200, path


def test_signing_out_stays_open(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        one_time = _reset(site, client)
        client.post("/login", data={"username": "coord", "password": one_time})
        form = client.get("/account/password").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        out = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/board", headers=PAGE, follow_redirects=False
                          ).headers["location"].startswith("/login")
