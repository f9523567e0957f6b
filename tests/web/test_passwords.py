"""Passwords (issue 13.7): an admin resets a user's password to a one-time password
(their sessions end; they choose their own at the next sign-in); everyone changes their
own password, checked against the current one and the rule."""

from __future__ import annotations

import re

from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.models import AuditEntry, User
from tests.web.conftest import BASE, PASSWORD, Site, login

ONE_TIME = re.compile(r"One-time password for gate: (\S+) ")


def test_an_admin_resets_a_password_and_the_user_chooses_their_own(site: Site) -> None:
    uow = site.app.state.services.uow
    with TestClient(site.app, base_url=BASE) as gate:
        login(gate, "gate")
        gate_cookies = dict(gate.cookies)
        gate.cookies.clear()
        admin = gate  # one client (one app lifespan), two people by their cookies
        csrf = login(admin, "admin")
        gate_id = gate.blocking_portal.call(uow.read, lambda s: s.scalar(
            select(User.id).where(User.username == "gate")))
        reset = admin.post("/admin/users/reset-password", headers={"X-CSRF-Token": csrf},
                           data={"user_id": str(gate_id)})
        assert reset.status_code == 200
        one_time = ONE_TIME.search(reset.text).group(1)  # type: ignore[union-attr]
        assert len(one_time) >= 12
        # the old session ended, the old password no longer works
        gate.cookies.clear()
        gate.cookies.update(gate_cookies)
        assert gate.get("/board", follow_redirects=False).status_code in (303, 401)
        old = gate.post("/login", data={"username": "gate", "password": PASSWORD},
                        follow_redirects=False)
        assert old.status_code == 401
        signed = gate.post("/login", data={"username": "gate", "password": one_time},
                           follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/account/password"
        page = gate.get("/account/password").text
        assert 'id="one-time"' in page
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        h = {"X-CSRF-Token": token}
        short = gate.post("/account/password", headers=h, data={
            "current_password": one_time, "new_password": "short",
            "repeat_password": "short"})
        assert short.status_code == 422 and "at least 10 characters" in short.text
        wrong = gate.post("/account/password", headers=h, data={
            "current_password": "not it at all", "new_password": "a new long password",
            "repeat_password": "a new long password"})
        assert wrong.status_code == 422 and "current password is wrong" in wrong.text
        ok = gate.post("/account/password", headers=h, data={
            "current_password": one_time, "new_password": "a new long password",
            "repeat_password": "a new long password"})
        assert ok.status_code == 200 and "Password changed." in ok.text
        assert 'id="one-time"' not in ok.text
        again = gate
        again.cookies.clear()
        again_in = again.post("/login", data={"username": "gate",
                                              "password": "a new long password"},
                              follow_redirects=False)
        assert again_in.status_code == 303 and again_in.headers["location"] == "/board"
        actions = again.blocking_portal.call(uow.read, lambda s: [e.action for e in s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "user",
                                     AuditEntry.action.like("%password")
                                     ).order_by(AuditEntry.id))])
        assert actions == ["reset_password", "change_password"]
