"""A form with several bad fields is answered once with every problem, each marked at
its field, and nothing is written: the plan forms (movement, transit, charter, edit),
/admin/validity and the JSON API (``problems``).  Airport codes are checked against the
IATA table on these paths too.  English and Dutch; both backends (the ``site`` fixture).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from movements.domain.models import AuditEntry, Movement
from movements.domain.planning_models import EntryValidityRule
from tests.web.conftest import Site, count_rows, login


@pytest.fixture
def client(dutch_client: TestClient[Any]) -> TestClient[Any]:
    return dutch_client


_count = count_rows


def _marked(page: str) -> list[str]:
    """The names of the inputs the page marks as refused, in page order."""
    return re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*'
                      r'aria-invalid="true"', page)


def _problem_lines(page: str) -> dict[str, str]:
    """The reason shown under each marked field, by field name."""
    return {m[0]: html.unescape(m[1]) for m in re.findall(
        r'<small class="field-problem" id="problem-([^"]+)">([^<]*)</small>', page)}


MOVEMENT = {"airport": "AMS", "kind": "departure", "flight": "KL1571", "date": "2026-09-15",
            "time": "10:00", "destination": "EBL"}


@pytest.mark.parametrize(("user", "header", "table"), [
    ("coord", "Not saved: 4 problems", "is not an airport code in the IATA table"),
    ("coordnl", "Niet opgeslagen: 4 problemen", "is geen luchthavencode in de IATA-tabel"),
])
def test_the_plan_form_reports_every_bad_field_at_once(
        site: Site, client: TestClient[Any], user: str, header: str, table: str) -> None:
    csrf = login(client, user)
    movements, audits = _count(site, client, Movement), _count(site, client, AuditEntry)
    reply = client.post("/plan/movements", follow_redirects=False, data={
        **MOVEMENT, "_csrf": csrf, "_idem": "", "destination": "ZZZ", "date": "2026-02-31",
        "time": "25:99", "flight": "KL"})
    assert reply.status_code == 422, reply.text[:500]
    page = reply.text
    assert header in html.unescape(page), page[:3000]
    assert sorted(_marked(page)) == ["date", "destination", "flight", "time"]
    lines = _problem_lines(page)
    assert table in lines["destination"] and "'ZZZ'" in lines["destination"]
    assert "2026-02-31" in lines["date"] and "'25:99'" in lines["time"]
    assert page.count("autofocus") == 1
    # What was typed is kept; nothing written.
    assert 'value="ZZZ"' in page and 'value="25:99"' in page
    assert _count(site, client, Movement) == movements
    assert _count(site, client, AuditEntry) == audits


def test_one_bad_field_is_still_named_and_marked(site: Site, client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    reply = client.post("/plan/movements", follow_redirects=False, data={
        **MOVEMENT, "_csrf": csrf, "_idem": "", "destination": "QQQ"})
    assert reply.status_code == 422
    text = html.unescape(reply.text)
    assert "Not saved (To): To 'QQQ' is not an airport code in the IATA table" in text
    assert _marked(reply.text) == ["destination"]


def test_both_legs_of_a_transit_are_checked_together(site: Site,
                                                     client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    movements = _count(site, client, Movement)
    reply = client.post("/plan/movements", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "airport": "AMS", "kind": "transit",
        "in_flight": "KQ116", "in_date": "2026-09-15", "in_time": "06:00",
        "in_origin": "ZZZ", "out_flight": "KL673", "out_date": "2026-09-15",
        "out_time": "9:5", "out_destination": "XXX"})
    assert reply.status_code == 422, reply.text[:500]
    assert "Not saved: 3 problems" in html.unescape(reply.text)
    assert sorted(_marked(reply.text)) == ["in_origin", "out_destination", "out_time"]
    assert _count(site, client, Movement) == movements


def test_the_charter_form_reports_every_bad_field_at_once(site: Site,
                                                          client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    movements = _count(site, client, Movement)
    reply = client.post("/plan/charters", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "airport": "AMS", "flight": "OR9301",
        "date": "2026-09-15", "time": "09:00", "operator": "", "seat_capacity": "many",
        "stop_1": "BGW", "stop_1_at": "2026-09-15T14:00", "stop_2": "ZZZ",
        "stop_2_at": "2026-09-15T16:00"})
    assert reply.status_code == 422, reply.text[:500]
    assert "Not saved: 3 problems" in html.unescape(reply.text)
    assert sorted(_marked(reply.text)) == ["operator", "seat_capacity", "stop_2"]
    assert "'ZZZ' is not an airport code" in _problem_lines(reply.text)["stop_2"]
    assert _count(site, client, Movement) == movements


def test_the_edit_form_reports_every_bad_field_at_once(site: Site,
                                                       client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    planned = client.post("/plan/movements", follow_redirects=False, data={
        **MOVEMENT, "_csrf": csrf, "_idem": ""})
    assert planned.status_code == 303, planned.text[:500]
    mid = int(planned.headers["location"].rsplit("/", 1)[1])
    audits = _count(site, client, AuditEntry)
    reply = client.post(f"/plan/movements/{mid}/edit", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "flight": "KL1571", "date": "2026-09-15",
        "time": "7 pm", "origin": "AMS", "destination": "ZZZ", "terminal": "",
        "gate": "D 7 !"})
    assert reply.status_code == 422, reply.text[:500]
    assert sorted(_marked(reply.text)) == ["destination", "gate", "time"]
    assert _count(site, client, AuditEntry) == audits


def test_the_json_api_lists_every_problem_with_its_field(site: Site,
                                                         client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    movements = _count(site, client, Movement)
    reply = client.post("/api/v1/plan/movements", headers={"X-CSRF-Token": csrf}, json={
        "airport": "AMS", "kind": "departure", "flight": "KL1571",
        "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T09:00:00Z",
        "origin": "AMS", "destination": "ZZZ", "gate": "D 7 !"})
    assert reply.status_code == 422, reply.text[:500]
    body = reply.json()
    assert [p["field"] for p in body["problems"]] == ["destination", "gate"], body
    assert "'ZZZ' is not an airport code in the IATA table" in body["problems"][0]["error"]
    assert body["field"] == "destination" and "ZZZ" in body["message"]
    assert _count(site, client, Movement) == movements


def test_the_validity_form_reports_every_bad_field_at_once(site: Site,
                                                           client: TestClient[Any]) -> None:
    csrf = login(client, "admin")
    audits = _count(site, client, AuditEntry)
    reply = client.post("/admin/validity/", follow_redirects=False, data={
        "_csrf": csrf, "country": "Atlantis", "months": "six", "source": ""})
    assert reply.status_code == 422, reply.text[:500]
    text = html.unescape(reply.text)
    assert "'six'" in text and "Atlantis" in text, text[:3000]
    assert sorted(_marked(reply.text)) == ["country", "months", "source"]
    reply = client.post("/admin/validity/", follow_redirects=False, data={
        "_csrf": csrf, "country": "Atlantis", "months": "40", "source": ""})
    assert reply.status_code == 422
    assert sorted(_marked(reply.text)) == ["country", "months", "source"]
    assert _count(site, client, AuditEntry) == audits
    assert _count(site, client, EntryValidityRule) == 0


def test_the_passenger_form_reports_every_bad_field_at_once(site: Site,
                                                            client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    made = client.post("/plan/cases", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "airport": "AMS", "reference": "VR-P"})
    assert made.status_code == 303, made.text[:500]
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    audits = _count(site, client, AuditEntry)
    reply = client.post(f"/plan/cases/{cid}/passengers", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "surname": "Hassan😀", "given_names": "Layla",
        "birth_date": "2026-02-31", "sex": "F", "nationality": "XX"})
    assert reply.status_code == 422, reply.text[:500]
    assert "Not saved: 3 problems" in html.unescape(reply.text)
    assert sorted(_marked(reply.text)) == ["birth_date", "nationality", "surname"]
    assert _count(site, client, AuditEntry) == audits
