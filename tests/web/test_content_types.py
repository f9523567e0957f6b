"""One content type per response: every route of the app is called (as each role, and
signed out), and every answer's ``Content-Type`` must name its type once and each
parameter at most once; text answers say ``charset=utf-8`` exactly once.

Litestar appends the charset to ``text/*`` types by itself, so a handler that also wrote
it sent ``text/csv; charset=utf-8; charset=utf-8`` (the audit export did)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


@pytest.fixture
def backend() -> str:
    return "sqlite"  # about the web edge's headers; one database is enough


def problems(content_type: str | None) -> list[str]:
    """What is wrong with one ``Content-Type`` value (empty list: nothing)."""
    if not content_type:
        return []
    kind, *params = [p.strip() for p in content_type.split(";")]
    out: list[str] = []
    if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", kind):
        out.append(f"media type {kind!r}")
    names = [p.partition("=")[0].strip().lower() for p in params]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            out.append(f"parameter {name!r} {names.count(name)} times")
    if kind.startswith("text/") and [p.lower() for p in params] != ["charset=utf-8"]:
        out.append(f"text without exactly one charset=utf-8: {params}")
    return out


def test_the_check_catches_a_doubled_charset() -> None:
    assert problems("text/csv; charset=utf-8; charset=utf-8") == [
        "parameter 'charset' 2 times",
        "text without exactly one charset=utf-8: ['charset=utf-8', 'charset=utf-8']"]
    assert problems("text/csv") == ["text without exactly one charset=utf-8: []"]
    assert problems("text/html; charset=utf-8") == []
    assert problems("application/json") == []


def _requests(app: Litestar, site: Site) -> Iterator[tuple[str, str]]:
    ids = {"movement_id": site.world.departure_id, "booking_id": site.booking_ids[0],
           "passenger_id": site.passenger_ids[0], "file_path": "app.css"}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = getattr(handler, "http_methods", None) or set()
            for method in sorted(methods - {"OPTIONS", "HEAD"}):
                path = re.sub(r"\{(\w+):[^}]+\}",
                              lambda m: str(ids.get(m.group(1), 1)), route.path)
                yield method, path


def test_every_response_names_one_content_type(site: Site) -> None:
    seen: dict[str, list[str]] = {}
    with TestClient(site.app, base_url=BASE) as client:
        for user in (None, "gate", "coord", "reception", "admin"):
            client.cookies.clear()
            csrf = login(client, user) if user else ""
            for method, path in _requests(site.app, site):
                if path == "/logout":
                    continue
                resp = client.request(method, path, headers={"X-CSRF-Token": csrf},
                                      data={} if method != "GET" else None,
                                      follow_redirects=False)
                ct = resp.headers.get("content-type")
                bad = problems(ct)
                if bad:
                    seen.setdefault(f"{method} {path} ({user}) {resp.status_code}: {ct}",
                                    bad)
            # the pages and the export named in the issue, with their real content
            if user == "admin":
                for path in ("/admin/audit.csv", "/admin/audit", "/board"):
                    resp = client.get(path)
                    assert resp.status_code == 200, path
                    assert problems(resp.headers["content-type"]) == [], path
                assert client.get("/admin/audit.csv").headers["content-type"] == \
                    "text/csv; charset=utf-8"
    assert seen == {}
