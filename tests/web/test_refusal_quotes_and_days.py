"""Newcomer findings (session 5): a refusal quotes at most a short prefix of a bad value
(a 5,000-character paste is not echoed back in full), and a date in the right shape that
the calendar has not (2026-02-31) is refused as such, not as "expected YYYY-MM-DD".

Through the real paths: the plan form and a passenger's birth date on a page, the
planning JSON API, a board's ?date= query; in English and Dutch; nothing is written.
Both backends (the ``site`` fixture)."""

from __future__ import annotations

import html
from typing import Any

import pytest
from litestar.testing import TestClient

from movements.domain.models import AuditEntry, Movement, Passenger
from movements.domain.phrases import QUOTE_LIMIT
from tests.web.conftest import Site, count_rows, login

LONG = "K" * 5000  # a page pasted into the Flight field
KEPT = "K" * QUOTE_LIMIT + "…"
TOO_MUCH = "K" * (QUOTE_LIMIT + 1)


@pytest.fixture
def client(dutch_client: TestClient[Any]) -> TestClient[Any]:
    return dutch_client


_count = count_rows


def _plan(client: TestClient[Any], csrf: str, **data: str) -> Any:
    fields = {"_csrf": csrf, "_idem": "", "airport": "AMS", "kind": "departure",
              "flight": "KL1571", "date": "2026-09-15", "time": "10:00",
              "destination": "EBL", **data}
    return client.post("/plan/movements", data=fields, follow_redirects=False)


@pytest.mark.parametrize("user", ["coord", "coordnl"])
def test_a_long_flight_is_quoted_by_a_short_prefix_on_the_page(
        site: Site, client: TestClient[Any], user: str) -> None:
    csrf = login(client, user)
    movements, audits = _count(site, client, Movement), _count(site, client, AuditEntry)
    reply = _plan(client, csrf, flight=LONG)
    assert reply.status_code == 422, reply.text[:500]
    text = html.unescape(reply.text)
    assert KEPT in text and TOO_MUCH not in text.replace('value="' + LONG, "")
    assert _count(site, client, Movement) == movements
    assert _count(site, client, AuditEntry) == audits


def test_a_long_flight_is_quoted_by_a_short_prefix_in_the_json_api(
        site: Site, client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    movements = _count(site, client, Movement)
    reply = client.post("/api/v1/plan/charters", headers={"X-CSRF-Token": csrf}, json={
        "movement": {"airport": "AMS", "kind": "departure", "flight": LONG,
                     "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T09:00:00Z",
                     "origin": "AMS", "destination": "BSR"},
        "operator": "TUI fly Netherlands", "seat_capacity": 3, "stops": []})
    assert reply.status_code in (400, 422), reply.text[:500]
    assert TOO_MUCH not in reply.text and len(reply.text) < 2000, reply.text[:500]
    assert _count(site, client, Movement) == movements


@pytest.mark.parametrize(("user", "said"), [
    ("coord", "2026-02-31 is not a date: month 2 of 2026 has 28 days"),
    ("coordnl", "2026-02-31 is geen datum: maand 2 van 2026 heeft 28 dagen")])
def test_a_day_the_calendar_has_not_is_named_so_on_the_plan_form(
        site: Site, client: TestClient[Any], user: str, said: str) -> None:
    csrf = login(client, user)
    movements = _count(site, client, Movement)
    reply = _plan(client, csrf, date="2026-02-31")
    assert reply.status_code == 422
    text = html.unescape(reply.text)
    assert said in text and "YYYY-MM-DD" not in text.split("<form")[0], text[:3000]
    assert _count(site, client, Movement) == movements
    # A leap year's February has 29 days; month 13 does not exist.
    leap = html.unescape(_plan(client, csrf, date="2028-02-30").text)
    assert ("month 2 of 2028 has 29 days" if user == "coord"
            else "maand 2 van 2028 heeft 29 dagen") in leap
    thirteen = html.unescape(_plan(client, csrf, date="2026-13-01").text)
    assert ("there is no month 13" if user == "coord" else "maand 13 bestaat niet") in thirteen


def test_a_birth_date_the_calendar_has_not_is_named_so(
        site: Site, client: TestClient[Any]) -> None:
    csrf = login(client, "coord")
    case = client.post("/api/v1/plan/cases", json={"airport": "AMS", "reference": "DAY-1"},
                       headers={"X-CSRF-Token": csrf}).json()["id"]
    before = _count(site, client, Passenger)
    page = client.post(f"/plan/cases/{case}/passengers", follow_redirects=False, data={
        "_csrf": csrf, "_idem": "", "surname": "Karim", "given_names": "Layla",
        "birth_date": "1980-04-31"})
    assert page.status_code == 422
    assert "1980-04-31 is not a date: month 4 of 1980 has 30 days" in html.unescape(page.text)
    api = client.post(f"/api/v1/plan/cases/{case}/passengers", headers={"X-CSRF-Token": csrf},
                      json={"surname": "Karim", "given_names": "Layla",
                            "birth_date": "1980-04-31"})
    assert api.status_code in (400, 422)
    assert "month 4 of 1980 has 30 days" in api.text, api.text
    assert _count(site, client, Passenger) == before


def test_a_board_date_the_calendar_has_not_is_named_so(client: TestClient[Any]) -> None:
    login(client, "coord")
    for url in ("/api/v1/movements", "/board"):  # the JSON API and the page
        reply = client.get(url, params={"date": "2026-02-31", "airport": "AMS"})
        assert reply.status_code == 400, (url, reply.text[:500])
        assert "month 2 of 2026 has 28 days" in html.unescape(reply.text), reply.text[:2000]
        assert "expected YYYY-MM-DD" not in reply.text


def test_the_command_line_names_a_missing_day_too() -> None:
    import click

    from movements.cli import manifests as cli_manifests
    from movements.cli import planning as cli_planning
    from movements.cli.common import CliError
    with pytest.raises(click.BadParameter, match="month 2 of 2026 has 28 days"):
        cli_planning._day("2026-02-31", "--date")
    with pytest.raises(CliError, match="month 2 of 2026 has 28 days"):
        cli_manifests._day("2026-02-31")
