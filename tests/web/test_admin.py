"""Administration pages and the audit trail (issue: who sees what), on both databases."""

from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import movements
from movements.domain.actions import audit as audit_actions
from movements.domain.models import AuditEntry, Organisation, User, UserSession
from movements.domain.uow import Tx
from movements.web.admin import CSV_HEADER, _cell
from tests.factories import SYSTEM
from tests.web.conftest import BASE, PASSWORD, Site, login

T = TypeVar("T")
ADMIN_GETS = ["/admin/users", "/admin/organisations", "/admin/audit", "/admin/audit.csv"]
JSON = {"accept": "application/json"}


class Desk:
    """One test client (one app lifespan) that can hold several people's sessions and
    switch between them, as two browsers would; reads go through the same app."""

    def __init__(self, site: Site, client: TestClient[Litestar]) -> None:
        self.site = site
        self.client = client
        self.sessions: dict[str, tuple[str, str]] = {}

    def sign_in(self, username: str) -> TestClient[Litestar]:
        self.client.cookies.clear()
        csrf = login(self.client, username)
        self.sessions[username] = (self.client.cookies["mv_session"], csrf)
        return self.client

    def be(self, username: str) -> TestClient[Litestar]:
        self.client.cookies.set("mv_session", self.sessions[username][0])
        return self.client

    def csrf(self, username: str) -> str:
        return self.sessions[username][1]

    def read(self, fn: Callable[[Session], T]) -> T:
        return self.client.blocking_portal.call(  # type: ignore[arg-type]
            self.site.app.state.services.uow.read, fn)

    def run(self, fn: Callable[[Tx], T]) -> T:
        return self.client.blocking_portal.call(  # type: ignore[arg-type]
            self.site.app.state.services.uow.run, fn, SYSTEM)

    def user_id(self, username: str) -> int | None:
        return self.read(lambda s: s.scalar(select(User.id).where(User.username == username)))

    def audit_rows(self, action: str) -> list[AuditEntry]:
        return self.read(lambda s: list(s.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))))


@contextmanager
def desk(site: Site) -> Iterator[Desk]:
    with TestClient(site.app, base_url=BASE) as client:
        yield Desk(site, client)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


NEW_USER = {"username": "newbie", "display_name": "New Bie", "role": "gate_staff",
            "airports": "AMS", "password": PASSWORD}


# -- who may ------------------------------------------------------------------------------

def test_only_admins_reach_the_admin_pages(site: Site) -> None:
    with desk(site) as d:
        for username in ("gate", "coord", "reception"):
            client = d.sign_in(username)
            csrf = d.csrf(username)
            for path in ADMIN_GETS:
                assert client.get(path, headers=JSON).status_code == 403, (username, path)
            for path, data in (("/admin/users", NEW_USER),
                               ("/admin/users/deactivate", {"user_id": d.user_id("admin")}),
                               ("/admin/organisations", {"name": "Sneaky", "kind": "family"})):
                resp = client.post(path, data={**data, "_csrf": csrf}, follow_redirects=False)
                assert resp.status_code == 403, (username, path)
        assert d.user_id("newbie") is None
        assert d.read(lambda s: s.scalar(select(User.active).where(User.username == "admin")))
        assert d.read(lambda s: s.scalar(
            select(Organisation.id).where(Organisation.name == "Sneaky"))) is None
        assert d.audit_rows("read_audit") == []


def test_admin_sees_the_pages(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        users = client.get("/admin/users")
        assert users.status_code == 200 and users.headers["cache-control"] == "no-store"
        for name in ("gate", "coord", "reception", "reception2"):
            assert f'<td data-label="User name">{name}</td>' in users.text
        assert "Reception Agency Ter Apel (test)" in users.text
        orgs = client.get("/admin/organisations")
        assert orgs.status_code == 200 and "Other Reception (test)" in orgs.text
        page = client.get("/admin/audit")
        assert page.status_code == 200
        posting = re.findall(r'<form[^>]*method="post"[^>]*>', page.text)
        assert all('action="/logout"' in f for f in posting)  # nothing to edit or delete with


# -- users --------------------------------------------------------------------------------

def test_the_new_user_form_ticks_no_airport(site: Site) -> None:
    """A new user works at no airport until the admin ticks one (the domain refuses none:
    "choose their airports"); a refused form keeps what the admin ticked."""
    with desk(site) as d:
        client = d.sign_in("admin")
        page = client.get("/admin/users").text
        form = page[page.index('id="add-user"'):]
        form = form[:form.index("</form>")]
        boxes = re.findall(r'<input type="checkbox" name="airports"[^>]*>', form)
        assert boxes == ['<input type="checkbox" name="airports" value="AMS">']
        assert [b for b in boxes if "checked" in b] == []
        kept = client.post("/admin/users", data={
            **NEW_USER, "password": "short", "_csrf": d.csrf("admin")})
        assert kept.status_code == 422, kept.text
        form = kept.text[kept.text.index('id="add-user"'):]
        form = form[:form.index("</form>")]
        ticked = re.findall(r'<input type="checkbox" name="airports"[^>]*checked[^>]*>', form)
        assert ticked == ['<input type="checkbox" name="airports" value="AMS" checked>']


def test_added_user_can_sign_in(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        resp = client.post("/admin/users", data={**NEW_USER, "_csrf": d.csrf("admin")},
                           follow_redirects=False)
        assert resp.status_code == 303, resp.text
        new_id = d.user_id("newbie")
        assert resp.headers["location"] == f"/admin/users?added={new_id}"
        assert "Added newbie (gate staff)." in client.get(resp.headers["location"]).text

        client = d.sign_in("newbie")
        assert client.get("/board").status_code == 200
        assert client.get("/admin/users", headers=JSON).status_code == 403
        [entry] = d.audit_rows("add_user")[-1:]
    assert entry.username == "admin" and entry.entity_id == new_id
    assert entry.after == {"username": "newbie", "role": "gate_staff", "organisation": None,
                           "airports": ["AMS"], "locale": "en"}
    assert PASSWORD not in str(entry.after)  # the password is nowhere in the trail


def test_reception_user_needs_an_organisation(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        resp = client.post("/admin/users", data={
            **NEW_USER, "username": "portal", "role": "reception", "organisation": "",
            "_csrf": csrf})
        assert resp.status_code == 422
        assert "a reception user belongs to one organisation" in resp.text
        assert 'value="portal"' in resp.text  # what was typed is kept (not the password)
        assert PASSWORD not in resp.text
        assert d.user_id("portal") is None
        ok = client.post("/admin/users", data={
            **NEW_USER, "username": "portal", "role": "reception",
            "organisation": "Other Reception (test)", "_csrf": csrf}, follow_redirects=False)
        assert ok.status_code == 303
        assert d.read(lambda s: s.scalar(select(Organisation.name).join(
            User, User.organisation_id == Organisation.id).where(
            User.username == "portal"))) == "Other Reception (test)"


BAD_USERS = [
    ({"password": "short"}, "the password needs at least 10 characters"),
    ({"username": "gate"}, "user 'gate' exists already"),
    ({"username": "bad name!"}, "use letters, digits"),
    ({"role": "superuser"}, "role 'superuser' is not one of"),
    ({"airports": "XXX"}, "airport(s) not set up: XXX"),
    # A blank airports box names no airport (not "not set up: " with nothing after it).
    ({"airports": " "}, "works at least one airport: choose their airports"),
    ({"organisation": "Nobody Inc"}, "organisation 'Nobody Inc' does not exist"),
    ({"display_name": ""}, "display name is required"),
    ({"display_name": "Nul\x00Byte"}, "display_name contains a NUL character"),
]


def test_bad_user_input_is_refused_and_changes_nothing(site: Site) -> None:
    with desk(site) as d:
        before = d.read(lambda s: len(list(s.scalars(select(User)))))
        client = d.sign_in("admin")
        for change, message in BAD_USERS:
            resp = client.post("/admin/users", data={**NEW_USER, **change,
                                                     "_csrf": d.csrf("admin")})
            assert resp.status_code == 422, change
            assert message in resp.text.replace("&#39;", "'"), change
        assert d.read(lambda s: len(list(s.scalars(select(User))))) == before
        assert d.audit_rows("add_user")[-1].after["username"] == "reception2"  # type: ignore[index]


def test_deactivate_ends_the_session_at_once_and_stops_sign_in(site: Site) -> None:
    with desk(site) as d:
        gate_id = d.user_id("gate")
        d.sign_in("gate")
        d.sign_in("admin")
        assert d.be("gate").get("/board").status_code == 200
        resp = d.be("admin").post("/admin/users/deactivate", follow_redirects=False,
                                  data={"user_id": gate_id, "_csrf": d.csrf("admin")})
        assert resp.status_code == 303
        assert "gate: deactivated; their sessions were ended." in d.client.get(
            resp.headers["location"]).text
        assert d.be("gate").get("/board", headers=JSON).status_code == 401  # the next request
        d.client.cookies.clear()
        again = d.client.post("/login", data={"username": "gate", "password": PASSWORD})
        assert again.status_code == 401 and "Wrong user name or password" in again.text
        assert d.read(lambda s: s.scalar(select(UserSession.id).where(
            UserSession.user_id == gate_id, UserSession.ended_at.is_(None)))) is None
        [entry] = d.audit_rows("deactivate_user")
        assert entry.username == "admin" and entry.entity_id == gate_id
        assert entry.before == {"active": True} and entry.after == {"active": False}
        assert "1 open session(s) ended" in (entry.detail or "")

        back = d.be("admin").post("/admin/users/reactivate", follow_redirects=False,
                                  data={"user_id": gate_id, "_csrf": d.csrf("admin")})
        assert back.status_code == 303
        assert "gate: active." in d.client.get(back.headers["location"]).text
        assert d.sign_in("gate").get("/board").status_code == 200
        assert [e.after for e in d.audit_rows("reactivate_user")] == [{"active": True}]


def test_setting_a_language_confirms_the_language_not_the_account_state(site: Site) -> None:
    """A newcomer saw "gate: active." after changing gate's language: the confirmation
    must say what changed, in the admin's own language."""
    with desk(site) as d:
        gate_id = d.user_id("gate")
        d.sign_in("admin")
        resp = d.be("admin").post("/admin/users/language", follow_redirects=False, data={
            "user_id": gate_id, "locale": "nl", "_csrf": d.csrf("admin")})
        assert resp.status_code == 303
        page = d.client.get(resp.headers["location"]).text
        assert "gate now reads the console in Nederlands." in page
        assert "gate: active." not in page
        assert d.read(lambda s: s.scalar(select(User.locale).where(User.id == gate_id))) == "nl"


def test_admin_cannot_lock_themself_out(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        resp = client.post("/admin/users/deactivate",
                           data={"user_id": d.user_id("admin"), "_csrf": csrf})
        assert resp.status_code == 422
        assert "you cannot deactivate your own account" in resp.text
        missing = client.post("/admin/users/deactivate", data={"user_id": 99999, "_csrf": csrf})
        assert missing.status_code == 404 and "No such user." in missing.text \
            and "99999" not in missing.text
        junk = client.post("/admin/users/deactivate", data={"user_id": "x", "_csrf": csrf})
        assert junk.status_code == 422
        huge = client.post("/admin/users/deactivate", data={"user_id": 2**40, "_csrf": csrf})
        assert huge.status_code == 404
        assert client.get("/board").status_code == 200
        assert d.audit_rows("deactivate_user") == []


# -- organisations ------------------------------------------------------------------------

def test_add_organisation(site: Site) -> None:
    name = "Dienst Terugkeer en Vertrek"
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        resp = client.post("/admin/organisations", follow_redirects=False, data={
            "name": name, "kind": "repatriation_service", "_csrf": csrf})
        assert resp.status_code == 303
        page = client.get(resp.headers["location"]).text
        assert f"Added {name} (repatriation service)." in page
        twice = client.post("/admin/organisations", data={
            "name": name, "kind": "family", "_csrf": csrf})
        assert twice.status_code == 422 and "exists already" in twice.text
        bad = client.post("/admin/organisations", data={"name": "X", "kind": "club",
                                                        "_csrf": csrf})
        assert bad.status_code == 422
        assert "organisation kind 'club' is not one of" in bad.text.replace("&#39;", "'")
        empty = client.post("/admin/organisations", data={"name": " ", "kind": "family",
                                                          "_csrf": csrf})
        assert empty.status_code == 422 and "organisation name is required" in empty.text
        nul = client.post("/admin/organisations", data={"name": "A\x00B", "kind": "family",
                                                        "_csrf": csrf})
        assert nul.status_code == 422 and "name contains a NUL character" in nul.text
        names = d.read(lambda s: list(s.scalars(select(Organisation.name))))
        assert names.count(name) == 1 and "X" not in names
        assert d.audit_rows("create_organisation")[-1].after == {"name": name}


def test_cli_adds_organisations_and_deactivates_users(site: Site, database_url: str,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    from movements.cli import main

    monkeypatch.setenv("MOVEMENTS_DATABASE_URL", database_url)
    monkeypatch.setenv("MOVEMENTS_DATA_DIR", str(tmp_path))
    assert main(["organisations", "add", "Gemeente Utrecht", "--kind",
                 "reception_authority"]) == 0
    assert "added as id" in capsys.readouterr().out
    assert main(["organisations", "add", "Gemeente Utrecht", "--kind", "family"]) == 2
    assert "exists already as reception authority" in capsys.readouterr().err
    with desk(site) as d:
        coord = d.sign_in("coord")
        assert main(["users", "deactivate", "coord"]) == 0
        assert "1 open session(s) ended" in capsys.readouterr().out
        assert coord.get("/board", headers=JSON).status_code == 401
        assert main(["users", "deactivate", "nobody"]) == 2
        assert "no user named 'nobody'" in capsys.readouterr().err
        [entry] = d.audit_rows("deactivate_user")
        assert entry.username == "cli"


# -- the audit trail ----------------------------------------------------------------------

def _two_reveals(site: Site, d: Desk) -> list[int]:
    """Gate reveals two passengers an hour apart (08:00 and 09:00 UTC = 10:00 and 11:00
    in Amsterdam); the admin signs in at 10:00 UTC."""
    for booking in site.booking_ids[:2]:
        site.clock.advance(hours=1)
        assert d.sign_in("gate").get(f"/bookings/{booking}/reveal").status_code == 200
    site.clock.advance(hours=1)
    d.sign_in("admin")
    return site.passenger_ids[:2]


def _export(client: TestClient[Litestar], query: str) -> list[list[str]]:
    resp = client.get(f"/admin/audit.csv?{query}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.headers["content-disposition"].startswith("attachment;")
    rows = csv_rows(resp.text)
    assert rows[0] == CSV_HEADER
    return rows[1:]


def test_audit_search_filters(site: Site) -> None:
    col = {name: i for i, name in enumerate(CSV_HEADER)}
    with desk(site) as d:
        first, second = _two_reveals(site, d)
        client = d.client
        by_user = _export(client, "username=GATE")
        assert [(r[col["action"]], int(r[col["entity_id"]])) for r in by_user] == [
            ("reveal_passenger", second), ("reveal_passenger", first)]  # newest first
        assert {r[col["username"]] for r in by_user} == {"gate"}
        assert len(_export(client, "action=reveal_passenger")) == 2
        one = _export(client, f"entity=passenger&entity_id={second}")
        assert {(r[col["entity"]], int(r[col["entity_id"]])) for r in one} == {
            ("passenger", second)}
        [reveal] = [r for r in one if r[col["action"]] == "reveal_passenger"]
        assert reveal[col["at_utc"]] == "2026-09-15T09:00:00+00:00"
        window = _export(client, "action=reveal_passenger"
                                 "&since=2026-09-15T10:30&until=2026-09-15T11:30")
        assert [int(r[col["entity_id"]]) for r in window] == [second]
        before = _export(client, "action=reveal_passenger&until=2026-09-15T10:30")
        assert [int(r[col["entity_id"]]) for r in before] == [first]
        whole_day = _export(client, "action=reveal_passenger&since=2026-09-15&until=2026-09-15")
        assert len(whole_day) == 2
        assert _export(client, "action=reveal_passenger&since=2026-09-16") == []

        page = client.get("/admin/audit", params={"username": "gate"})
        assert page.status_code == 200
        assert len(re.findall(r'id="audit-(\d+)"', page.text)) == 2
        assert "2 entries" in page.text
        assert "2026-09-15 11:00:00" in page.text  # shown in Amsterdam time
        assert 'href="/admin/audit.csv?username=gate"' in page.text

        for query, message in (("entity_id=abc", "expected a whole number"),
                               (f"entity_id={2**40}", "out of range"),
                               ("since=yesterday", "expected YYYY-MM-DD"),
                               ("since=2026-09-15T12:00&until=2026-09-15T11:00",
                                "must be after"),
                               ("page=0", "out of range"),
                               ("action=%00", "action contains a NUL character")):
            bad = client.get(f"/admin/audit?{query}")
            assert bad.status_code == 422, query
            assert message in bad.text.replace("&#39;", "'"), query
            expected = 200 if query.startswith("page") else 422  # the export has no pages
            assert client.get(f"/admin/audit.csv?{query}").status_code == expected, query


def test_audit_pages_hold_a_hundred_newest_first(site: Site) -> None:
    def probes(tx: Tx) -> None:
        for i in range(130):
            tx.audit("probe", "thing", i)

    with desk(site) as d:
        d.run(probes)
        client = d.sign_in("admin")
        first = client.get("/admin/audit?action=probe")
        ids = [int(x) for x in re.findall(r'id="audit-(\d+)"', first.text)]
        assert len(ids) == 100 and ids == sorted(ids, reverse=True)
        assert "130 entries, newest first; page 1 of 2" in first.text
        assert 'href="/admin/audit?action=probe&amp;page=2"' in first.text
        second = client.get("/admin/audit?action=probe&page=2")
        more = [int(x) for x in re.findall(r'id="audit-(\d+)"', second.text)]
        assert len(more) == 30 and max(more) < min(ids)
        assert len(_export(client, "action=probe")) == 130


def test_export_batches_continue_where_they_stopped(site: Site) -> None:
    """Keyset batches over many rows with the same time: none lost, none repeated."""
    def probes(tx: Tx) -> None:
        for i in range(23):
            tx.audit("probe", "thing", i)

    filters = audit_actions.AuditFilters(action="probe")
    with desk(site) as d:
        d.run(probes)
        site.clock.advance(minutes=5)
        d.run(probes)
        bound = d.read(lambda s: s.scalar(select(AuditEntry.id).order_by(
            AuditEntry.id.desc()).limit(1)))
        seen: list[int] = []
        after = None
        while True:
            batch = d.read(lambda s, a=after: audit_actions.export_batch(  # type: ignore[misc]
                s, filters, bound, a, size=7))
            if not batch:
                break
            seen += [r.id for r in batch]
            after = (batch[-1].at, batch[-1].id)
        everything = d.read(lambda s: [e.id for e in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "probe").order_by(AuditEntry.at.desc(),
                                                   AuditEntry.id.desc()))])
    assert seen == everything and len(seen) == 46


def test_csv_export_has_a_header_and_the_rows(site: Site) -> None:
    with desk(site) as d:
        _two_reveals(site, d)
        everything = _export(d.client, "")
        total = d.read(lambda s: len(list(s.scalars(select(AuditEntry)))))
        assert len(everything) == total - 1  # all but the export's own read_audit entry
        assert len({r[0] for r in everything}) == len(everything)
        reveals = _export(d.client, "action=reveal_passenger")
        assert len(reveals) == 2 and all(len(r) == len(CSV_HEADER) for r in reveals)
        assert {r[CSV_HEADER.index("detail")] for r in reveals} <= {"identity",
                                                                   "minor or health data"}
    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")" and _cell("+1") == "'+1"
    assert _cell("login") == "login" and _cell(7) == 7


def test_reading_the_audit_is_itself_audited(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        client.get("/admin/audit?action=login&entity=user")
        client.get("/admin/audit.csv?username=gate&since=2026-09-15")
        search, export = d.audit_rows("read_audit")
    assert search.username == "admin" and search.entity == "audit"
    assert search.after == {"action": "login", "entity": "user", "page": 1}
    assert search.detail == "search"
    assert export.detail == "csv export"
    assert export.after == {"username": "gate", "since": "2026-09-14T22:00:00+00:00"}


# -- the trail cannot be changed through the web --------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_handlers(app: Litestar) -> Iterator[tuple[str, str, Any]]:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", None) or ():
                if method in UNSAFE:
                    yield method, route.path, handler


def test_no_route_writes_or_removes_audit_rows(tmp_path: Path) -> None:
    from movements.app import create_app
    from movements.platform.config import Settings

    unsafe = list(_unsafe_handlers(create_app(Settings(data_dir=tmp_path))))
    assert unsafe, "the walk found no write routes at all"
    assert [f"{m} {p}" for m, p, _ in unsafe if "audit" in p.lower()] == []
    for method, path, handler in unsafe:
        module = inspect.getmodule(handler.fn)
        source = inspect.getsource(module) if module else ""
        assert "AuditEntry" not in source, f"{method} {path}: {module} touches AuditEntry"


def test_no_code_updates_or_deletes_audit_rows() -> None:
    root = Path(movements.__file__).parent
    pattern = re.compile(r"(update|delete)\(\s*AuditEntry|(update|delete\s+from)\s+\"?audit_entry",
                         re.IGNORECASE)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "migrations" not in p.parts and pattern.search(p.read_text())]
    assert offenders == []


def test_an_admin_adds_a_manager_who_lands_on_the_reports(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        resp = client.post("/admin/users", data={
            **NEW_USER, "username": "boss", "role": "manager", "_csrf": d.csrf("admin")},
            follow_redirects=False)
        assert resp.status_code == 303, resp.text
        assert "Added boss (manager)." in client.get(resp.headers["location"]).text
        without = {k: v for k, v in NEW_USER.items() if k != "airports"}
        no_airport = client.post("/admin/users", data={
            **without, "username": "boss2", "role": "manager", "_csrf": d.csrf("admin")})
        assert no_airport.status_code == 422, no_airport.text
        assert "works at least one airport" in no_airport.text
        client = d.sign_in("boss")
        assert client.get("/", follow_redirects=False).headers["location"] == "/reports"
        assert client.get("/reports").status_code == 200
        assert client.get("/board", headers=JSON).status_code == 403


def test_the_audit_trail_reads_in_the_readers_language(site: Site) -> None:
    """Newcomer: a Dutch admin read "session 52 from 127.0.0.1", "user", "source=feed".
    Shown through labels; the stored entries stay as written."""
    from movements.domain.actions import movements as mv
    from movements.domain.actions import setup
    from movements.domain.models import Role
    from tests.web.conftest import _HASH

    def prepare(tx: Tx) -> None:
        setup.add_user(tx, "beheer", "Beheer", Role.ADMIN, _HASH, airports=["AMS"],
                       locale="nl")
        assert mv.update_flight(tx, site.world.departure_id, {"gate": "E3"}, source="feed")

    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run, prepare, SYSTEM)
        login(client, "beheer")
        page = client.get("/admin/audit").text
        stored = client.blocking_portal.call(site.app.state.services.uow.read, lambda s: [
            (e.entity, e.detail) for e in s.scalars(select(AuditEntry))])
    rows = re.findall(r'<tr id="audit-\d+">.*?</tr>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", r) for r in rows)
    assert re.search(r"sessie \d+ vanaf \S+", text), text[:2000]
    assert ("movement", "source=feed") in stored, stored
    assert "bron: vluchtinformatiefeed" in text
    assert "gebruiker" in text and "beweging" in text
    assert not re.search(r"session \d+ from|source=feed", text)
    # The trail itself is unchanged (English, searchable).
    assert ("movement", "source=feed") in stored
    assert any(entity == "user" and (detail or "").startswith("session ")
               for entity, detail in stored)
