"""Issue 12.8: no response with personal data is cacheable (a walk over every GET route,
JSON API included); refused requests are one INFO line without a stack; a write's reply
is rendered after COMMIT and only for what changed."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient
from sqlalchemy import event

from tests.factories import add_pax
from tests.web.conftest import BASE, Site, login


def _get_routes(site: Site) -> list[str]:
    ids = {"movement_id": site.world.departure_id, "booking_id": site.booking_ids[0],
           "handover_id": 1, "alert_id": 1, "session_id": 1, "document_id": "unknown",
           "telex_id": 1, "user_id": 1, "passenger_id": site.passenger_ids[0],
           "file_path": "app.css", "case_id": 1, "name": "by_month.svg"}
    urls: set[str] = set()
    for route in site.app.routes:
        if route.path.startswith(("/static", "/schema")):
            continue
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler, HTTPRouteHandler) and "GET" in handler.http_methods:
                urls.add(re.sub(r"\{(\w+):[^}]+\}", lambda m: str(ids[m.group(1)]),
                                route.path))
    return sorted(urls)


@pytest.mark.parametrize("backend", ["sqlite"])  # headers, not storage
def test_every_response_but_static_files_is_no_store(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "admin")
        urls = _get_routes(site)
        assert any(u.startswith("/api/v1/") for u in urls) and len(urls) >= 20, urls
        seen: dict[str, int] = {}
        for url in urls:
            for accept in ("text/html", "application/json"):
                resp = client.get(url, headers={"Accept": accept}, follow_redirects=False)
                seen[url] = resp.status_code
                assert "no-store" in resp.headers.get("cache-control", ""), (
                    url, accept, resp.status_code, resp.headers.get("cache-control"))
        assert seen["/api/v1/movements"] == 200
        static = client.get("/static/app.css")
        assert static.status_code == 200 and "no-store" not in static.headers.get(
            "cache-control", "")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_refusals_are_one_info_line_without_a_stack(site: Site,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        caplog.set_level(logging.INFO)
        caplog.clear()
        bid = site.booking_ids[0]
        probes = [
            ("GET", "/movements/999999", {}, 404),  # probing ids
            ("GET", "/api/v1/movements/999999", {}, 404),
            ("GET", "/admin/users", {}, 403),  # a role the user does not have
            ("POST", f"/bookings/{bid}/milestones", {"kind": "boarded"}, 422),  # a rule
            ("POST", f"/bookings/{bid}/milestones",
             {"kind": "met_at_point", "expected_version": "99"}, 409),  # stale
            ("POST", f"/movements/{site.world.departure_id}/notes", {"text": "a\x00"}, 422),
        ]
        for method, url, form, status in probes:
            resp = client.request(method, url, data=form or None,
                                  headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
            assert resp.status_code == status, (url, resp.status_code, resp.text[:200])
    ours = [r for r in caplog.records if r.name.startswith(("movements", "litestar"))]
    refusals = [r for r in ours if r.name == "movements.refusals"]
    assert len(refusals) == len(probes), [r.getMessage() for r in ours]
    assert all(r.levelno == logging.INFO and r.exc_info is None and "\n" not in r.getMessage()
               for r in refusals)
    assert not [r for r in ours if r.levelno >= logging.WARNING], \
        [r.getMessage()[:200] for r in ours if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("backend", ["sqlite"])  # where the render runs, not storage
def test_adding_a_note_renders_after_commit_and_only_the_notes(site: Site) -> None:
    """The note's reply used to render the whole movement inside the write transaction
    (481 ms on a 405-passenger movement, holding SQLite's only writer)."""
    services = site.app.state.services
    with TestClient(site.app, base_url=BASE) as client:
        for i in range(40):
            client.blocking_portal.call(services.uow.run, add_pax,
                                        services.uow and _system(), site.world.departure_id,
                                        f"BIG-{i}")
        csrf = login(client, "gate")
        statements: list[tuple[bool, str]] = []
        in_write = [False]

        def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("BEGIN IMMEDIATE"):
                in_write[0] = True
            statements.append((in_write[0], statement))
            if statement.startswith(("COMMIT", "ROLLBACK")):
                in_write[0] = False

        def on_commit(_conn: Any) -> None:
            in_write[0] = False

        engine = services.database.sync_engine
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
        event.listen(engine, "rollback", on_commit)
        try:
            resp = client.post(f"/movements/{site.world.departure_id}/notes",
                               data={"text": "gate moved to D7"},
                               headers={"X-CSRF-Token": csrf, "HX-Request": "true",
                                        "Idempotency-Key": "note-1"})
        finally:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(engine, "commit", on_commit)
            event.remove(engine, "rollback", on_commit)
        assert resp.status_code == 200 and "gate moved to D7" in resp.text
        assert 'id="notes-' in resp.text and "pax-" not in resp.text  # only the notes
        inside = [s for w, s in statements if w]
        assert inside, "the write transaction was observed"
        # Nothing about the movement's passengers is read while holding the writer.
        assert not [s for s in inside if re.search(r"\bFROM (passenger|booking)\b", s)], \
            [s[:120] for s in inside]
        after = [s for w, s in statements if not w]
        assert any("FROM note" in s for s in after)  # the reply is read after COMMIT


def _system() -> Any:
    from tests.factories import SYSTEM

    return SYSTEM
