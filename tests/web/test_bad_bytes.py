"""Issue 12.6: every bad byte is a 4xx with a message naming the field, on SQLite and
PostgreSQL (where a NUL was a 500), and nothing is written.  Then a form fuzz: hypothesis
over every unsafe HTML form route of the app, 0 server errors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.domain.models import (
    AuditEntry,
    EscortAssignment,
    Milestone,
    Note,
    Passenger,
)
from tests.web.conftest import BASE, Site, login

HTMX = {"HX-Request": "true"}
BAD = {
    "NUL": "abc\x00def",
    "bell": "abc\x07def",
    "escape": "\x1b[31mred",
    "C1": "abc\x85def",
    "replacement": "bro\ufffdken",
}


@pytest.fixture
def coord(site: Site) -> Iterator[tuple[TestClient[Litestar], str]]:
    with TestClient(site.app, base_url=BASE) as client:
        yield client, login(client, "coord")


def _written(client: TestClient[Litestar], site: Site) -> tuple[int, ...]:
    async def go() -> tuple[int, ...]:
        return await site.app.state.services.uow.read(lambda s: tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Note, EscortAssignment, Milestone, Passenger, AuditEntry)))
    return client.blocking_portal.call(go)


def _cases(site: Site) -> list[tuple[str, str, dict[str, str], str]]:
    """(what, url, form, the field the bad value goes in)."""
    movement, booking = site.world.departure_id, site.booking_ids[0]
    return [
        ("note", f"/movements/{movement}/notes", {"text": ""}, "text"),
        ("escort", f"/bookings/{booking}/escort", {"escort_name": "", "kind": "operational"},
         "escort_name"),
        ("no-show", f"/bookings/{booking}/no-show", {"reason": "", "expected_version": "1"},
         "reason"),
        ("override", f"/bookings/{booking}/milestones",
         {"kind": "boarded", "override_reason": ""}, "override_reason"),
        ("gate", f"/movements/{movement}/flight", {"gate": "", "expected_version": "1"},
         "gate"),
    ]


@pytest.mark.parametrize("bad", list(BAD))
def test_bad_characters_in_every_write_are_422_naming_the_field(
        site: Site, coord: tuple[TestClient[Litestar], str], bad: str) -> None:
    client, csrf = coord
    before = _written(client, site)
    for what, url, form, field in _cases(site):
        resp = client.post(url, data={**form, field: BAD[bad]},
                           headers={**HTMX, "X-CSRF-Token": csrf})
        assert resp.status_code == 422, (what, resp.status_code, resp.text[:300])
        assert resp.json()["field"] == field, (what, resp.text[:300])
        assert resp.json()["error"].startswith(f"{field} "), (what, resp.text[:300])
    assert _written(client, site) == before


def test_overlong_values_are_422_naming_the_field(
        site: Site, coord: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = coord
    movement = site.world.departure_id
    before = _written(client, site)
    # Longer than its column (gate is a short code): refused by the write's text rule.
    resp = client.post(f"/movements/{movement}/flight", data={"gate": "D" * 300,
                                                             "expected_version": "1"},
                       headers={**HTMX, "X-CSRF-Token": csrf})
    assert resp.status_code == 422 and "is longer than" in resp.text, resp.text[:300]
    # Longer than any field the edge takes.
    resp = client.post(f"/movements/{movement}/notes", data={"text": "x" * 20_001},
                       headers={**HTMX, "X-CSRF-Token": csrf})
    assert resp.status_code == 422 and "text is longer than 20000" in resp.text
    # A number bigger than any id (PostgreSQL integer; it was a 500 on both databases).
    resp = client.post(f"/movements/{movement}/handovers",
                       data={"organisation_id": "9" * 20, "passenger": "1"},
                       headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert resp.status_code == 422 and "organisation_id" in resp.text, resp.text[:300]
    assert _written(client, site) == before


def test_sign_in_query_and_files(site: Site, coord: tuple[TestClient[Litestar], str]
                                 ) -> None:
    client, csrf = coord
    # Sign-in is public: no session needed to reach it (it was an anonymous 500).
    token = client.cookies.pop("mv_session")
    resp = client.post("/login", data={"username": "gate\x00", "password": "x"})
    client.cookies.set("mv_session", token)
    assert resp.status_code == 422 and "username contains a NUL" in resp.text
    resp = client.get("/board", params={"date": "2026-09-15\x00"})
    assert resp.status_code == 422 and "query parameter date" in resp.text
    before = _written(client, site)
    csv = (b"case_reference,surname,given_names,flight,flight_date\n"
           b"C-9,Nu\x00ll,Grace,KL1234,2026-09-15\n")
    resp = client.post("/imports/passengers", data={"_csrf": csrf},
                       files={"file": ("list.csv", csv, "text/csv")})
    assert resp.status_code == 422, resp.text[:300]
    # The list's refusals table: line 2, the field, what is wrong.
    assert re.search(r"<td>2</td><td>[^<]*NUL", resp.text), resp.text[-1500:]
    # A file in no encoding the importer reads (Windows-1252 and UTF-16 it does read,
    # issue 19): refused with the byte and the line.
    unreadable = b"case_reference,surname\nC-9,M\x81\x8d\x8f\x90\x9d\n"
    resp = client.post("/imports/passengers", data={"_csrf": csrf},
                       files={"file": ("list.csv", unreadable, "text/csv")})
    assert resp.status_code == 422 and "save it as" in resp.text
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"t\x07.txt\"\r\nContent-Type: text/plain\r\n\r\nMVT\r\n"
            f"--{boundary}--\r\n").encode()
    resp = client.post("/imports/telex", content=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status_code == 422 and "the name of the file" in resp.text, resp.text[:300]
    # A multipart text field that is not UTF-8 at all.
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
            ).encode() + b"\xff\xfe\xfa" + f"\r\n--{boundary}--\r\n".encode()
    resp = client.post(f"/movements/{site.world.departure_id}/notes", content=body,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status_code in (400, 422), resp.text[:300]
    assert _written(client, site) == before


# -- the form fuzz -------------------------------------------------------------------------

EXAMPLES = int(os.environ.get("MOVEMENTS_FUZZ_EXAMPLES", "25"))
#: Every field name the HTML forms use (templates' name="..."), and a few more.
FIELDS = ("action", "airport", "airports", "date", "decision", "display_name", "entity",
          "entity_id", "escort_name", "estimated_local", "expected_version", "gate",
          "handing_signature", "id_number", "id_type", "keep_good_rows", "key", "kind",
          "name", "next", "notes", "organisation", "organisation_id", "passenger",
          "password", "reason", "receiver_signed", "receiving_person",
          "receiving_signature", "role", "since", "terminal", "text", "until", "user_id",
          "username", "override_reason", "passengers", "receiving_organisation_id",
          "url", "events", "guardian_language", "phone", "guardian_phone")
NOT_FUZZED = ("/logout",)  # signs the fuzzer out (its own test covers it)
PLAIN = st.sampled_from(["", "0", "1", "-1", "99999999999999999999", "2026-09-15",
                         "25:99", "07:30", "boarded", "met_at_point", "operational",
                         "medical", "admin", "AMS", "D7", "on", "null", "[]", "{}"])
TEXT = st.one_of(
    PLAIN,
    st.text(max_size=40),
    # Bad bytes inside otherwise plausible values (what PostgreSQL refused with a 500).
    st.builds(lambda a, bad, b: a + bad + b, PLAIN,
              st.sampled_from(["\x00", "\x07", "\x1b", "\x85", "\ufffd", "\ud800"]), PLAIN),
    st.builds(lambda a, n: a * n, st.sampled_from(["x", "é", "\u6f22"]),
              st.integers(min_value=50, max_value=25_000)),
)
#: Many fields per request, so the route's own fields are usually among them.
FORMS = st.lists(st.tuples(st.sampled_from(FIELDS), TEXT), min_size=3, max_size=30)


def _form_routes(app: Litestar, site: Site) -> list[str]:
    ids = {"movement_id": site.world.departure_id, "booking_id": site.booking_ids[0],
           "handover_id": 1, "alert_id": 1, "session_id": 1, "document_id": "x",
           "message_id": 1, "webhook_id": 1, "user_id": 1,
           "passenger_id": site.passenger_ids[0], "case_id": 1}
    urls: list[str] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler) or "POST" not in handler.http_methods:
                continue
            if route.path.startswith("/api/") or route.path in NOT_FUZZED:
                continue
            path = route.path
            for name, value in ids.items():
                path = path.replace(f"{{{name}:int}}", str(value)).replace(
                    f"{{{name}:str}}", str(value))
            assert "{" not in path, f"no id for {route.path}: add it to ids"
            urls.append(path)
    return sorted(set(urls))


def _fuzzer(client: TestClient[Litestar], url: str, csrf: str, counts: dict[str, int]
            ) -> Any:
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(form=FORMS, htmx=st.booleans())
    def fuzz(form: list[tuple[str, str]], htmx: bool) -> None:
        counts[url] = counts.get(url, 0) + 1
        data = [(k, v.encode("utf-8", "surrogatepass")) for k, v in form]
        headers = {"X-CSRF-Token": csrf, **(HTMX if htmx else {}),
                   "Content-Type": "application/x-www-form-urlencoded"}
        resp = client.post(url, content=_urlencode(data), headers=headers,
                           follow_redirects=False)
        assert resp.status_code < 500, (url, form, resp.status_code, resp.text[:300])

    return fuzz


def test_form_fuzz_has_no_server_errors(site: Site, request: pytest.FixtureRequest) -> None:
    counts: dict[str, int] = {}
    failures: list[str] = []
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "admin")
        routes = _form_routes(site.app, site)
        assert len(routes) >= 15, routes
        for url in routes:
            try:
                _fuzzer(client, url, csrf, counts)()
            except AssertionError as exc:
                failures.append(str(exc)[:600])
            if client.get("/account/sessions").status_code != 200:  # signed out: again
                csrf = login(client, "admin")
    total = sum(counts.values())
    print(f"\nform fuzz [{request.node.callspec.id}]: {total} requests over "
          f"{len(counts)} routes, {len(failures)} with a server error")
    assert not failures, "\n\n".join(failures)


def _urlencode(pairs: list[tuple[str, bytes]]) -> bytes:
    from urllib.parse import quote_from_bytes

    return b"&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v)}".encode()
                     for k, v in pairs)
