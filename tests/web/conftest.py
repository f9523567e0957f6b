"""A real app on a real database, with one user per role signed in through /login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.app import create_app
from movements.domain.actions import setup
from movements.domain.clock import ManualClock
from movements.domain.models import OrganisationKind, Role
from movements.domain.uow import Tx
from movements.platform.config import Settings
from movements.platform.passwords import hash_password
from tests.factories import SYSTEM, World, add_pax, build_world

PASSWORD = "correct horse battery"
BASE = "http://testserver.local"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


@dataclass
class Site:
    app: Litestar
    world: World
    clock: ManualClock
    booking_ids: list[int]
    passenger_ids: list[int]


def seed(tx: Tx, day: date = date(2026, 9, 15)) -> tuple[World, list[int], list[int]]:
    world = build_world(tx, day)
    setup.ensure_organisation(tx, "Other Reception (test)", OrganisationKind.RECEPTION_AUTHORITY)
    for name, role, org in (
        ("gate", Role.GATE_STAFF, None), ("coord", Role.COORDINATOR, None),
        ("admin", Role.ADMIN, None), ("manager", Role.MANAGER, None),
        ("reception", Role.RECEPTION, "Reception Agency Ter Apel (test)"),
        ("reception2", Role.RECEPTION, "Other Reception (test)"),
    ):
        setup.add_user(tx, name, name.title(), role, _HASH, organisation=org, airports=["AMS"])
    pids, bids = [], []
    for i, (surname, needs) in enumerate((("Okello", ()), ("Haddad", (("WCHC", None),)),
                                          ("Petrenko", (("STCR", "lying flat"),)))):
        pid, bid = add_pax(tx, world.departure_id, f"CASE-{i}", surname, "Test", needs=needs)
        pids.append(pid)
        bids.append(bid)
    return world, pids, bids


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> Iterator[Site]:
    clock = ManualClock(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, heartbeat_seconds=1.0, run_jobs=False,
                        webhook_allow_private=True)  # loopback partners
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        world, pids, bids = client.blocking_portal.call(
            app.state.services.uow.run, seed, SYSTEM)  # type: ignore[arg-type]
    yield Site(app, world, clock, bids, pids)


CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')

def add_dutch_coordinator(tx: Tx) -> None:
    """``coordnl``: an AMS coordinator who reads the console in Dutch."""
    setup.add_user(tx, "coordnl", "Coord NL", Role.COORDINATOR, _HASH, airports=["AMS"],
                   locale="nl")


@pytest.fixture
def dutch_client(site: Site) -> Iterator[TestClient[Litestar]]:
    """A client of ``site`` with ``coordnl`` added (sign in with ``login``)."""
    with TestClient(site.app, base_url=BASE) as c:
        c.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                               add_dutch_coordinator, SYSTEM)
        yield c


def count_rows(site: Site, client: TestClient[Litestar], model: type) -> int:
    """How many rows of ``model`` the site's database holds now."""
    uow = site.app.state.services.uow
    return int(client.blocking_portal.call(uow.read, lambda s: s.scalar(  # type: ignore[arg-type]
        select(func.count()).select_from(model))))



def login(client: TestClient[Litestar], username: str) -> str:
    """Sign in and return the session's CSRF token (read from a page, as a browser would)."""
    resp = client.post("/login", data={"username": username, "password": PASSWORD},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    page = client.get("/account/sessions")
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    return match.group(1)


@pytest.fixture
def gate(site: Site) -> Iterator[tuple[TestClient[Litestar], str]]:
    with TestClient(site.app, base_url=BASE) as client:
        yield client, login(client, "gate")
