"""Issue 11, items 3 and 6 at the web edge: typed form bodies, the planning API built
from one route shape, the API's output cut from the read models by msgspec, and a
sign-in whose password check runs outside the write transaction."""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.domain.actions import sessions as session_actions
from movements.domain.models import AuditEntry, LoginAttempt, Note, User, UserSession
from movements.domain.uow import Actor
from movements.platform.passwords import hash_password
from movements.web.api import MovementOut
from movements.web.planning_api import WRITES
from tests.web.conftest import BASE, PASSWORD, Site, login


@pytest.fixture
def backend() -> str:
    return "sqlite"  # about the edge's parsing; the database stores what it is given


def _count(client: TestClient[Any], site: Site, model: type) -> int:
    return int(client.blocking_portal.call(
        site.app.state.services.uow.read,
        lambda s: s.scalar(select(func.count()).select_from(model)) or 0))


def test_a_typed_form_keeps_nfc_and_refuses_a_field_sent_twice(site: Site) -> None:
    nfd = unicodedata.normalize("NFD", "Ánh")
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        url = f"/movements/{site.world.departure_id}/notes"
        notes, audit = _count(client, site, Note), _count(client, site, AuditEntry)
        twice = client.post(url, content=b"text=one&text=two", headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"})
        assert twice.status_code == 400, twice.text[:300]
        assert twice.json()["extra"][0]["key"] == "text", twice.text[:300]  # names it
        page = client.post(url, content=b"text=one&text=two", headers={
            "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "text/html"})
        assert page.status_code == 400 and "text: Expected" in page.text, page.text[:300]
        assert (_count(client, site, Note), _count(client, site, AuditEntry)) == (notes, audit)
        ok = client.post(url, data={"text": f"Met by {nfd}"}, headers=headers)
        assert ok.status_code == 200, ok.text[:300]
        stored = client.blocking_portal.call(site.app.state.services.uow.read,
                                             lambda s: s.scalar(select(Note.text)))
    assert stored == "Met by Ánh"


def test_a_bad_version_in_a_typed_form_names_the_field(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        before = _count(client, site, AuditEntry)
        resp = client.post(f"/bookings/{site.booking_ids[0]}/milestones",
                           data={"kind": "met_at_point", "expected_version": "two"},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert resp.status_code == 422, resp.text[:300]
        assert resp.json()["field"] == "expected_version"
        assert _count(client, site, AuditEntry) == before


def test_a_password_changed_after_the_check_refuses_the_sign_in(site: Site) -> None:
    """The slow check runs before the transaction; ``sign_in`` accepts only the hash that
    was checked, so a reset in between (an admin's one-time password) wins."""
    uow = site.app.state.services.uow
    with TestClient(site.app, base_url=BASE) as client:
        portal = client.blocking_portal
        old = portal.call(uow.read, lambda s: s.scalar(
            select(User.password_hash).where(User.username == "gate")))

        def reset(tx: Any) -> None:
            tx.session.scalar(select(User).where(User.username == "gate")).password_hash = \
                hash_password("a one-time password")

        portal.call(uow.run, reset, Actor.system("test"))
        sessions = _count(client, site, UserSession)
        refused = portal.call(uow.run, session_actions.sign_in, Actor.system("login"),
                              "gate", old, "127.0.0.1", "test", None)
        assert refused == "wrong"
        assert _count(client, site, UserSession) == sessions
        assert portal.call(uow.read, lambda s: s.scalar(select(func.count()).where(
            LoginAttempt.username == "gate", LoginAttempt.success.is_(False)))) == 1
        # The normal way still signs in (the check and the action agree).
        resp = client.post("/login", data={"username": "coord", "password": PASSWORD},
                           follow_redirects=False)
        assert resp.status_code == 303 and _count(client, site, UserSession) == sessions + 1


def test_every_planning_write_is_one_route_with_its_body_and_reply(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "coord")
        schema = client.get("/schema/openapi.json").json()
    assert len(WRITES) >= 17
    for w in WRITES:
        op = schema["paths"][f"/api/v1/plan{w.path.replace(':int', '')}"]["post"]
        assert op["operationId"].lower().endswith(w.name.replace("_", "")), op["operationId"]
        body = op["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(w.body.__name__), (w.name, body)
        assert str(w.status) in op["responses"], (w.name, op["responses"])
        ids = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
        assert ids == [x.split(":")[0] for x in w.path.split("{")[1:]], (w.name, ids)
        header = [p for p in op["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in header] == ["Idempotency-Key"], w.name


def test_the_api_serves_the_read_model_cut_to_its_fields(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        rows = client.get("/api/v1/movements?date=2026-09-15&airport=AMS").json()
        one = client.get(f"/api/v1/movements/{site.world.departure_id}").json()
    fields = set(MovementOut.__struct_fields__)
    assert rows and all(set(r) == fields for r in rows)  # nothing more (case references)
    assert set(one["movement"]) == fields
    assert {p["initials"] for p in one["passengers"]} and \
        all(set(p) == {"id", "booking_id", "case_reference", "initials", "needs", "status",
                       "milestones", "next_step", "seat", "stop"} for p in one["passengers"])
    decoded = msgspec.convert(rows[0], MovementOut, strict=False)
    assert decoded.id in {r["id"] for r in rows}


# --------------------------------------------------------------- no form read by hand
#: Modules that still read a submitted form whole (``request.form()`` / ``read_form``);
#: this list may only shrink, and it is empty: every handler takes a typed body.
READS_THE_FORM_BY_HAND: dict[str, str] = {}
#: Not handlers but the two app-wide hooks that run before any handler and must see the
#: form as sent, whatever the handler's typed body declares (Litestar caches the parsed
#: form, so the typed body is built from the same parse).  Each is exempt only inside
#: the one function named here, which app.py installs as a guard or a hook.
READ_BEFORE_ANY_HANDLER = {
    "movements/web/input_guard.py": (
        "clean_request", "before_request: the input rule checks every field sent, those "
        "no typed body declares included (a forged extra field), and each upload's bytes"),
    "movements/web/auth.py": (
        "csrf_guard", "guard: the CSRF token of a plain form post is the `_csrf` field, "
        "which belongs to no form's typed body"),
}
FORM_BY_HAND = re.compile(r"\.form\(\)|\bread_form\(")


def _reading_the_form_by_hand(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / "movements" / "web").rglob("*.py")
            if p.name != "forms.py" and FORM_BY_HAND.search(p.read_text(encoding="utf-8"))}


def _form_reads_outside(path: Path, function: str) -> list[int]:
    """Lines of ``path`` that read the form outside ``function``."""
    text = path.read_text(encoding="utf-8")
    inside: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            inside |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [n for n, line in enumerate(text.splitlines(), 1)
            if FORM_BY_HAND.search(line) and n not in inside]


def test_handlers_take_typed_form_bodies() -> None:
    root = Path(__file__).resolve().parents[2]
    found = _reading_the_form_by_hand(root) - set(READ_BEFORE_ANY_HANDLER)
    assert found <= set(READS_THE_FORM_BY_HAND), sorted(found - set(READS_THE_FORM_BY_HAND))
    # Shrinks: a module converted is taken off the list.
    assert set(READS_THE_FORM_BY_HAND) <= found, sorted(set(READS_THE_FORM_BY_HAND) - found)


def test_only_the_hooks_before_any_handler_read_the_raw_form() -> None:
    root = Path(__file__).resolve().parents[2]
    app = (root / "movements" / "app.py").read_text(encoding="utf-8")
    for module, (function, _why) in READ_BEFORE_ANY_HANDLER.items():
        path = root / module
        assert FORM_BY_HAND.search(path.read_text(encoding="utf-8")), \
            f"{module} no longer reads the form: drop its exemption"
        assert _form_reads_outside(path, function) == [], (module, function)
        assert re.search(rf"(guards=\[[^\]]*\b{function}\b|before_request={function}\b)",
                         app), f"{function} is not installed as a guard or hook in app.py"
        assert not re.search(r"^\s*@(get|post|put|patch|delete|route)\(",
                             path.read_text(encoding="utf-8"), re.M), \
            f"{module} declares route handlers: they take typed bodies"


def test_the_exemption_catches_a_form_read_outside_its_hook(tmp_path: Path) -> None:
    guard = tmp_path / "input_guard.py"
    guard.write_text("async def clean_request(request):\n    form = await request.form()\n"
                     "\n\nasync def other(request):\n    return await request.form()\n",
                     encoding="utf-8")
    assert _form_reads_outside(guard, "clean_request") == [6]


def test_the_form_guard_catches_a_handler_reading_the_form(tmp_path: Path) -> None:
    web = tmp_path / "movements" / "web"
    web.mkdir(parents=True)
    (web / "handovers.py").write_text(
        "async def sign(request):\n    raw = await request.form()\n", encoding="utf-8")
    (web / "imports.py").write_text(
        "async def telex(request):\n    form = await read_form(request)\n", encoding="utf-8")
    (web / "verify.py").write_text("def check(data: Check):\n    return data.file\n",
                                   encoding="utf-8")
    assert _reading_the_form_by_hand(tmp_path) == {"movements/web/handovers.py",
                                                   "movements/web/imports.py"}


def _multipart(csrf: str, parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """A body as a browser sends it: a file field with no file chosen is a part with
    ``filename=""`` and no content."""
    boundary = "edges2b0undary"
    out = f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n"
    body = out.encode()
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"\r\nContent-Type: application/octet-stream'
            if filename is not None else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() \
            + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_upload_forms_with_no_file_chosen_are_read_as_before(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        # Pasted telex, the file field left empty: the paste is read, the empty part skipped.
        body, ctype = _multipart(csrf, [("text", None, b"MVT"), ("files", "", b""),
                                        ("airport", None, b"AMS")])
        resp = client.post("/imports/telex", content=body, headers={"Content-Type": ctype})
        assert resp.status_code == 200 and "pasted" in resp.text, resp.text[:300]
        # A passenger list form sent without a file: the page says what to do (422).
        body, ctype = _multipart(csrf, [("file", "", b""), ("airport", None, b"AMS")])
        resp = client.post("/imports/passengers", content=body,
                           headers={"Content-Type": ctype})
        assert resp.status_code == 422 and "Choose a CSV or Excel file" in resp.text
        # Verify: no file chosen and no SHA-256 typed.
        body, ctype = _multipart(csrf, [("file", "", b""), ("sha256", None, b"")])
        resp = client.post("/verify/no-such-doc", content=body,
                           headers={"Content-Type": ctype})
        assert resp.status_code == 404, resp.text[:300]


def test_planning_and_webhook_forms_are_typed_bodies(site: Site) -> None:
    """The planning forms and the webhook form (typed since session 5): a field sent
    twice is refused naming it, before anything runs; text arrives NFC; the form's own
    key (``_idem``) still makes a double submit run once."""
    from movements.domain.models import Case
    from movements.domain.outbox_models import WebhookSubscription

    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
        counts = (_count(client, site, Case), _count(client, site, AuditEntry),
                  _count(client, site, WebhookSubscription))
        twice = client.post("/plan/cases", headers=form, content=(
            f"_csrf={csrf}&_idem=k1&airport=AMS&reference=VR-1&reference=VR-2").encode())
        assert twice.status_code == 400 and "reference: Expected" in twice.text, \
            twice.text[:300]
        hook = client.post("/webhooks", headers=form, content=(
            f"_csrf={csrf}&airport=AMS&url=https://a.example/h&url=https://b.example/h"
            "&events=landed").encode())
        assert hook.status_code == 400 and "url: Expected" in hook.text, hook.text[:300]
        assert (_count(client, site, Case), _count(client, site, AuditEntry),
                _count(client, site, WebhookSubscription)) == counts
        nfd = unicodedata.normalize("NFD", "VR-Ánh")
        for _ in range(2):  # the same key twice: one case
            made = client.post("/plan/cases", follow_redirects=False, data={
                "_csrf": csrf, "_idem": "k-nfc", "airport": "AMS", "reference": nfd})
            assert made.status_code == 303, made.text[:300]
        stored = client.blocking_portal.call(site.app.state.services.uow.read, lambda s: list(
            s.scalars(select(Case.reference).where(Case.reference.like("VR-%")))))
    assert stored == ["VR-ÁNH"] and unicodedata.is_normalized("NFC", stored[0])
