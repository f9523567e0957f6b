"""A refusal to a browser page request is the console's error page, in the reader's
language, with a link back to the board; the API and htmx keep their JSON replies.

Covers each shape a refusal comes in: a role guard (Litestar's PermissionDenied, 403), a
query value Litestar refuses (ValidationException, 400), a scope check raising Litestar's
NotFoundException (404), Litestar's own unknown-route 404, and a domain refusal
(DomainError, 404 for a movement that is not there).
"""

from __future__ import annotations

import html

import httpx
import pytest
from litestar.testing import TestClient

from movements.domain.actions import setup
from movements.domain.models import Role
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login

PAGE = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

# (user, page url, status, the detail the page must show)
SHAPES = [
    ("gate", "/alerts", 403, "not allowed for gate staff"),
    ("gate", "/plan/", 403, "not allowed for gate staff"),
    ("gate", "/outbox", 403, "not allowed for gate staff"),
    ("gate", "/board?date=2026-02-30", 400,
     "date=2026-02-30 is not a date: month 2 of 2026 has 28 days"),
    ("coord", "/reports?airport=BRU", 404, "airport BRU is not one of yours"),
    ("gate", "/movements/999999", 404, ""),
    ("gate", "/no-such-page", 404, ""),
]


def _assert_error_page(resp: httpx.Response, status: int, detail: str) -> None:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("text/html"), resp.headers
    text = html.unescape(resp.text)
    assert '<section class="error-page">' in text and not text.lstrip().startswith("{"), text
    assert 'href="/board"' in text and "Back to the board" in text, text
    assert detail in text, (detail, text)
    assert "no-store" in resp.headers["cache-control"]


@pytest.mark.parametrize("backend", ["sqlite"])  # rendering, not storage
@pytest.mark.parametrize(("username", "url", "status", "detail"), SHAPES)
def test_a_refused_page_is_the_error_page(site: Site, username: str, url: str, status: int,
                                          detail: str) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, username)
        _assert_error_page(client.get(url, headers=PAGE), status, detail)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_api_and_htmx_keep_json(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        for url, status in (("/api/v1/movements?date=2026-02-30", 400),
                            ("/api/v1/movements/999999", 404)):
            resp = client.get(url, headers=PAGE)  # even when it says it takes HTML
            assert resp.status_code == status, (url, resp.text[:300])
            assert resp.headers["content-type"].startswith("application/json"), url
            assert resp.json()["status_code" if status == 400 else "status"] == status
        for url in ("/alerts", "/board?date=2026-02-30"):
            resp = client.get(url, headers={**PAGE, "HX-Request": "true"})
            assert resp.status_code in (400, 403), url
            assert resp.headers["content-type"].startswith("application/json"), url
        resp = client.get("/alerts", headers={"Accept": "application/json"})
        assert resp.status_code == 403
        assert resp.json() == {"error": "not allowed for gate staff", "status": 403}
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "coord")
        resp = client.get("/reports?airport=BRU", headers={"Accept": "application/json"})
        assert resp.status_code == 404 and resp.json()["detail"] == \
            "airport BRU is not one of yours"


def _add_dutch_gate(tx: Tx) -> int:
    return setup.add_user(tx, "poortnl", "Poort NL", Role.GATE_STAFF, _HASH,
                          airports=["AMS"], locale="nl")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_error_page_speaks_the_readers_language(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                                    _add_dutch_gate, SYSTEM)
        login(client, "poortnl")
        for url, title, lead in (
                ("/alerts", "Niet toegestaan", "Met uw rol mag u deze pagina niet openen."),
                ("/board?date=2026-02-30", "Niet begrepen",
                 "Het adres bevat een waarde die de console niet kan lezen.")):
            resp = client.get(url, headers=PAGE)
            text = html.unescape(resp.text)
            assert resp.status_code in (400, 403)
            assert f"<h1>{title}</h1>" in text and lead in text, text
            assert "Terug naar het bord" in text and "Back to the board" not in text, text
