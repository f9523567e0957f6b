"""Every page at tablet size (issue 13.7): each GET page a signed-in role can open, in
Chromium at 768x1024 and 1024x768, against the demo day's rows.  On each page:

* no sideways scroll (the document is no wider than the window), and
* every visible interactive element (every link with an address, buttons, summaries,
  inputs, selects, text areas, labels of inputs, anything with a button/link role or
  made focusable) is at least 44x44 CSS px (WCAG 2.5.5 target size).  A
  checkbox or radio counts with its label (wrapping it or naming it with ``for``: the
  label is the target).  Closed disclosures (``<details>``) are opened first: what they
  hold is tapped too.

The list of pages is checked against the app's routes: a new page fails the walk until
it is listed here (or named in NOT_PAGES with the reason).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from movements.demo.day import load_demo_day
from movements.domain.actions import charters, setup
from movements.domain.actions.movements import NewMovement
from movements.domain.clock import local_date
from movements.domain.models import (
    Airport,
    Case,
    Handover,
    HandoverStatus,
    Movement,
    MovementKind,
    Organisation,
    Role,
)
from movements.domain.uow import NullPublisher, Tx
from movements.platform.db import Database
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import LiveServer, start_server
from tests.web.conftest import _HASH, PASSWORD

pytestmark = pytest.mark.browser

SIZES = [{"width": 768, "height": 1024}, {"width": 1024, "height": 768}]
MIN = 44
#: The menu bar's height when it is one row: a 44 px target and its padding.
ONE_ROW = 64
ROLES = {"gate": Role.GATE_STAFF, "coord": Role.COORDINATOR, "admin": Role.ADMIN,
         "manager": Role.MANAGER, "reception": Role.RECEPTION}

#: GET routes that are not pages a person reads (files, fragments, machine formats).
NOT_PAGES = {
    "/admin/audit.csv": "a CSV download",
    "/bookings/{booking_id:int}/reveal": "an htmx fragment inside the movement page",
    "/feed/status": "an htmx fragment inside the board",
    "/reports/charts/{name:str}": "an SVG image inside the reports page",
    "/reports/tables/{name:str}": "an htmx fragment inside the reports page",
    "/reports/export.xlsx": "a spreadsheet download",
    "/schema/openapi.json": "the machine-readable API description",
    "/schema/openapi.yaml": "the machine-readable API description",
    "/schema/openapi.yml": "the machine-readable API description",
    "/schema/{path:str}": "Litestar's fallback for unknown schema files",
    "/schema/swagger": "the same page as /schema",
    "/outbox/receipts/vonage": "an SMS provider's delivery receipt (JSON for a machine)",
}
FILE = re.compile(r"\.(pdf|csv|xlsx)$")

#: What the walk measures, in the page (one function: both checks, each failure named).
MEASURE = """() => {
  // What a closed disclosure holds is tapped once it is opened ("Start a handover"'s
  // passenger rows were never measured): open them all before measuring.
  for (const d of document.querySelectorAll('details:not([open])')) d.open = true;
  const width = window.innerWidth;
  const out = {scroll: document.documentElement.scrollWidth - width, small: [], clipped: [],
               header: document.querySelector('header.top')?.getBoundingClientRect().height || 0};
  // A box that scrolls (or clips) sideways inside the page hides its last columns just
  // as a page wider than the window would (the admin users table hid its buttons).
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) continue;
    if (el.closest('.swagger-ui pre, .swagger-ui .highlight-code, textarea')) continue;
    // Text for screen readers only ("was 07:25", "3 passengers") is clipped to a 1 px box
    // on purpose: nothing of it is shown, so nothing is hidden from a sighted person.
    const drawn = el.getBoundingClientRect();
    if (drawn.width <= 1 && drawn.height <= 1) continue;
    // A wide data table (a year's months as columns) may scroll inside a region a
    // person knows is one: named, focusable (WCAG 1.4.10's two-dimensional exception).
    if (el.getAttribute('role') === 'region' && el.getAttribute('aria-label') &&
        el.getAttribute('tabindex') === '0' && el.querySelector('table')) continue;
    if (el.scrollWidth - el.clientWidth > 1 && el.checkVisibility())
      out.clipped.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                       `${el.className ? '.' + String(el.className).split(' ').join('.') : ''}` +
                       ` by ${el.scrollWidth - el.clientWidth} px`);
  }
  // Every element a finger can tap: any link with an address, any form control, any
  // disclosure, anything scripted as a button or made focusable (not only the ones that
  // look like buttons: a plain text link is a target too).
  const sel = 'a[href], button, summary, input:not([type=hidden]), select, textarea, ' +
              'label:has(input), [role=button], [role=link], [role=tab], [onclick], ' +
              '[tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(sel)) {
    if (!el.checkVisibility || !el.checkVisibility({visibilityProperty: true})) continue;
    let box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // not reachable by a finger
    const type = (el.getAttribute('type') || '').toLowerCase();
    // Its label is the target, whether it wraps the box or names it with for=.
    const label = el.closest('label') || (el.labels && el.labels[0]);
    if (label && (type === 'checkbox' || type === 'radio')) box = label.getBoundingClientRect();
    if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
      const name = (el.innerText || el.value || el.getAttribute('aria-label') ||
                    el.getAttribute('name') || '').trim().slice(0, 40);
      out.small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
                     `${el.className ? '.' + String(el.className).split(' ').join('.') : ''}` +
                     ` "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return out;
}"""


@dataclass
class Site:
    server: LiveServer
    ids: dict[str, int]


def _seed(tx: Tx) -> dict[str, int]:
    now = tx.now
    # The demo day as it stands in the evening (its handovers signed), whatever the time
    # of day the walk runs at: just after local midnight nothing has happened yet.
    day = local_date(now, "Europe/Amsterdam")
    load_demo_day(tx, day, max(now, datetime(day.year, day.month, day.day, 20, tzinfo=UTC)))
    org = tx.session.scalar(select(Organisation.name).join(
        Handover, Handover.receiving_organisation_id == Organisation.id))
    for name, role in ROLES.items():
        setup.add_user(tx, name, name.title(), role, _HASH,
                       organisation=org if role is Role.RECEPTION else None,
                       airports=[] if role is Role.RECEPTION else ["AMS"])
    ams = tx.session.scalar(select(Airport.id).where(Airport.iata == "AMS"))
    day = local_date(now, "Europe/Amsterdam")
    at = lambda h: datetime(day.year, day.month, day.day, h, tzinfo=UTC)  # noqa: E731
    charter = charters.plan_charter(tx, NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9301",
        operational_date=day, origin="AMS", destination="BSR", scheduled_at=at(20),
        aircraft_type="B738", aircraft_registration="PH-TFA"), "TUI fly Netherlands", 60,
        (charters.StopIn("BGW", at(23)), charters.StopIn("BSR", at(23) + timedelta(hours=1))))
    busiest = tx.session.scalar(select(Handover.movement_id).join(Movement).where(
        Movement.airport_id == ams).order_by(Handover.id))
    handover = tx.session.scalar(select(Handover.id).join(Movement).where(
        Movement.airport_id == ams, Handover.status == HandoverStatus.SIGNED)
        .order_by(Handover.id))
    case = tx.session.scalar(select(Case.id).order_by(Case.id))
    assert None not in (charter, busiest, handover, case), (charter, busiest, handover, case)
    return {"charter": charter, "movement": busiest, "handover": handover,  # type: ignore[dict-item]
            "case": case}


@pytest.fixture
def site(tmp_path: Path, sqlite_template: Path) -> Iterator[Site]:
    db = tmp_path / "walk.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"

    async def prepare() -> dict[str, int]:
        database = Database.open(url)
        try:
            return await database.unit_of_work(NullPublisher()).run(_seed, SYSTEM)
        finally:
            await database.dispose()

    ids = run_async(prepare())
    server = start_server(url, tmp_path)
    try:
        yield Site(server, ids)
    finally:
        server.stop()


def _pages(ids: dict[str, int]) -> dict[str, str]:
    """Route template -> the address walked."""
    m, c = ids["movement"], ids["charter"]
    return {
        "/board": "/board", "/movements/{movement_id:int}": f"/movements/{m}",
        "/movements/{movement_id:int}/handovers": f"/movements/{m}/handovers",
        "/movements/{movement_id:int}/reconciliation": f"/movements/{m}/reconciliation",
        "/handovers/{handover_id:int}": f"/handovers/{ids['handover']}",
        "/account/password": "/account/password", "/account/sessions": "/account/sessions",
        "/plan": "/plan", "/plan/cases/{case_id:int}": f"/plan/cases/{ids['case']}",
        "/plan/charters/{movement_id:int}": f"/plan/charters/{c}",
        "/plan/charters/{movement_id:int}/pickups": f"/plan/charters/{c}/pickups",
        "/plan/movements/{movement_id:int}": f"/plan/movements/{c}",
        "/plan/movements/{movement_id:int}/notice": f"/plan/movements/{c}/notice",
        "/alerts": "/alerts", "/imports": "/imports", "/reception": "/reception",
        "/reports": "/reports", "/admin/users": "/admin/users",
        "/admin/organisations": "/admin/organisations", "/admin/audit": "/admin/audit",
        "/admin/validity": "/admin/validity",
        "/schema": "/schema", "/login": "/login", "/verify": "/verify", "/outbox": "/outbox",
        "/webhooks": "/webhooks",
    }


def _routes() -> dict[str, frozenset[Role] | None]:
    """GET routes of the app (None: public), pages only."""
    from movements.app import create_app
    from movements.platform.config import Settings

    app = create_app(Settings())
    found: dict[str, frozenset[Role] | None] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "GET" not in (handler.http_methods or ()) or route.path in NOT_PAGES \
                    or FILE.search(route.path) or route.path.startswith(("/api/", "/static")):
                continue
            roles = [getattr(g, "func", g).roles for g in handler.resolve_guards()
                     if hasattr(getattr(g, "func", g), "roles")]
            found[route.path] = None if handler.opt.get("public") else \
                frozenset.intersection(*roles)
    return found


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_every_page_fits_a_tablet_and_its_targets_are_44px(browser: Browser,
                                                           site: Site) -> None:
    routes = _routes()
    pages = _pages(site.ids)
    unlisted = sorted(set(routes) - set(pages) - {"/", "/healthz", "/readyz",
                                                   "/verify/{document_id:str}"})
    assert unlisted == [], f"pages the walk does not know: {unlisted}"
    base = site.server.base
    failures: list[str] = []
    walked = 0
    for username, role in ROLES.items():
        mine = [pages[r] for r, roles in routes.items()
                if r in pages and roles is not None and role in roles]
        for size in SIZES:
            context = browser.new_context(viewport=size, has_touch=True)
            try:
                page = context.new_page()
                _sign_in(page, base, username)
                for address in mine:
                    reply = page.goto(f"{base}{address}")
                    assert reply is not None and reply.status == 200, (username, address)
                    if address == "/schema":
                        page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
                    found = page.evaluate(MEASURE)
                    where = f"{username} {size['width']}x{size['height']} {address}"
                    if found["scroll"] > 0:
                        failures.append(f"{where}: scrolls sideways by {found['scroll']} px")
                    failures.extend(f"{where}: {s}" for s in found["small"])
                    failures.extend(f"{where}: hides content sideways: {c}"
                                    for c in found["clipped"])
                    if found["header"] > ONE_ROW:  # the menu wraps
                        failures.append(f"{where}: the menu bar is {found['header']:.0f} px "
                                        f"tall (more than one row)")
                    walked += 1
            finally:
                context.close()
    for size in SIZES:  # the public pages, signed out
        context = browser.new_context(viewport=size, has_touch=True)
        try:
            page = context.new_page()
            for address in ("/login", "/verify"):
                page.goto(f"{base}{address}")
                found = page.evaluate(MEASURE)
                where = f"anonymous {size['width']}x{size['height']} {address}"
                if found["scroll"] > 0:
                    failures.append(f"{where}: scrolls sideways by {found['scroll']} px")
                failures.extend(f"{where}: {s}" for s in found["small"])
                walked += 1
        finally:
            context.close()
    assert walked >= 50
    assert failures == [], "\n".join(failures)
