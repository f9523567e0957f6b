"""A board badge leads to its passengers (issue 13.7: "Medical 1" could not be traced to
anyone): the badge links to the movement page, which marks the rows behind it and lists
their initials (never names); following a health or minor badge is audited."""

from __future__ import annotations

import html
import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

import movements.web
from movements.domain.models import AuditEntry
from movements.templating import BADGE_LABELS
from tests.web.conftest import Site

PAGE = {"Accept": "text/html"}


def _audit(site: Site, client: TestClient[Litestar]) -> list[tuple[str, str | None]]:
    return client.blocking_portal.call(site.app.state.services.uow.read, lambda s: [
        (e.action, e.detail) for e in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "trace_need").order_by(AuditEntry.id))])


def test_the_medical_badge_leads_to_the_stretcher_passenger(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    board = client.get("/board?date=2026-09-15").text
    row = board[board.index(f'id="mv-{site.world.departure_id}"'):]
    row = row[:row.index("</div>\n")]
    badge = re.search(r'<a class="badge b-medical" href="([^"]+)"[^>]*>Medical 1</a>', row)
    assert badge, row
    href = html.unescape(badge.group(1))
    assert href == f"/movements/{site.world.departure_id}?need=medical#traced"
    page = client.get(href.split("#")[0]).text
    okello, haddad, petrenko = site.booking_ids
    assert traced(page, "medical") == [str(petrenko)]
    note = page[page.index('id="traced"'):]
    note = note[:note.index("</p>")]
    assert f'href="#pax-{petrenko}"' in note and f"#pax-{okello}" not in note
    assert "Petrenko" not in page and "PETRENKO" not in page  # initials only
    assert _audit(site, client) == [("trace_need", "medical: 1 passenger(s) of KL1234")]


def traced(page: str, need: str) -> list[str]:
    """The passenger rows the page outlines for ``need``: the page names the group on the
    rows' wrapper, each row carries its groups (app.css draws the outline from both, so a
    pushed row, rendered without knowing what the reader followed, is outlined too)."""
    assert f'data-traced="{need}"' in page
    rows = re.findall(r'id="pax-(\d+)" class="pax[^"]*" data-needs="([^"]*)"', page)
    return [booking for booking, needs in rows if need in needs.split()]


def test_every_badge_group_has_an_outline_rule() -> None:
    css = (Path(movements.web.__file__).parent / "static" / "app.css").read_text()
    for group in BADGE_LABELS:
        assert f"[data-traced={group}] .pax[data-needs~={group}]" in css, group


def test_a_wheelchair_badge_and_a_group_nobody_has(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    _, haddad, _ = site.booking_ids
    page = client.get(f"/movements/{site.world.departure_id}?need=wheelchair").text
    assert traced(page, "wheelchair") == [str(haddad)]
    empty = client.get(f"/movements/{site.world.departure_id}?need=meet_assist").text
    assert "nobody on this movement now" in empty
    # meet & assist is neither health nor minors' data: not audited
    assert [d for _, d in _audit(site, client)] == ["wheelchair: 1 passenger(s) of KL1234"]


def test_an_unknown_group_is_refused_with_a_message(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    bad = client.get(f"/movements/{site.world.departure_id}?need=heart", headers=PAGE)
    assert bad.status_code == 422 and "need &#39;heart&#39; is not one of" in bad.text
    assert _audit(site, client) == []


def test_the_audit_view_names_what_an_entry_is_about(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    """Issue 13.7: the audit view named entities by internal id ("movement 1")."""
    client, _ = gate
    client.get(f"/movements/{site.world.departure_id}?need=medical")
    client.cookies.clear()
    from tests.web.conftest import login

    login(client, "admin")
    page = client.get("/admin/audit?action=trace_need").text
    cell = re.search(r'<span class="subject" data-entity-id="(\d+)">([^<]*)</span>', page)
    assert cell, page[-2000:]
    assert cell.group(1) == str(site.world.departure_id)
    assert cell.group(2) == "KL1234 2026-09-15"
