"""Outage trials for a board in Chromium behind the cuttable proxy (issue 20).

One trial: the network fails (``drop``: connections reset and refused; ``stall``: held,
nothing passes; ``long``: a drop with more changes than the server replays), a
coordinator changes gates and estimates meanwhile (straight to the server), the network
returns, and the trial measures how long until the page's board equals a fresh render,
whether STALE showed, and how many sockets the page and the proxy hold afterwards.

Used by tests/browser/test_outages.py (30+ trials, asserts convergence, STALE and one
socket) and bench/outages.py (hundreds, prints the distribution).  Never asserts timings.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx
from playwright.sync_api import Page

from tests.proxy import CuttableProxy

KINDS = ("drop", "stall", "long")
VERSION = re.compile(r'name="expected_version" value="(\d+)"')


@dataclass(frozen=True)
class Trial:
    kind: str  # "drop" | "stall" | "long" | "none" (the baseline: no outage)
    seconds: float  # how long the network is gone
    changes: int


@dataclass
class Outcome:
    trial: Trial
    converged: bool
    converge_s: float  # from the network's return (or the last change) to a fresh board
    stale_shown: bool
    page_sockets: int
    proxy_sockets: int


def normalise(html: str) -> str:
    html = re.sub(r'\s+hx-swap-oob="true"', "", html)
    html = re.sub(r'\s(hidden|style)="[^"]*"', "", html)
    html = re.sub(r"\s+", " ", html)
    return html.replace("> <", "><").strip()


def mixed_trials(n: int, replay_limit: int, heartbeat: float) -> list[Trial]:
    """``n`` trials cycling through short and long drops and stalls (some shorter than
    two heartbeats, some well beyond), every third a ``long`` one past the replay limit."""
    plans = [("drop", 0.4), ("stall", 2.5 * heartbeat + 0.6), ("long", 3.0 * heartbeat + 1.0),
             ("drop", 2.5 * heartbeat + 0.6), ("stall", 0.6), ("long", 2.0),
             ("drop", 4.0), ("stall", 4.0), ("long", 5.0)]
    trials = []
    for i in range(n):
        kind, seconds = plans[i % len(plans)]
        changes = replay_limit + 2 if kind == "long" else 1 + i % 2
        trials.append(Trial(kind, seconds, changes))
    return trials


class Harness:
    def __init__(self, page: Page, proxy: CuttableProxy, client: httpx.Client, csrf: str,
                 day: str, movements: list[int]) -> None:
        self.page, self.proxy, self.client, self.csrf = page, proxy, client, csrf
        self.day, self.movements = day, movements
        self.versions: dict[int, int] = {}
        self.count = 0

    def change(self) -> None:
        """One coordinator correction: a new gate, and every other time a new estimate
        that moves the row past its neighbour (or back)."""
        self.count += 1
        mid = self.movements[self.count % len(self.movements)]
        if mid not in self.versions:
            found = VERSION.search(self.client.get(f"/movements/{mid}").text)
            assert found, f"no version on movement {mid}'s page"
            self.versions[mid] = int(found.group(1))
        data = {"gate": f"G{self.count % 97}", "expected_version": str(self.versions[mid]),
                "reason": "gate moved by the airport"}  # overwriting a set gate needs one
        if self.count % 2:
            data["estimated_local"] = ("15:30", "11:30", "13:45")[self.count % 3]
        r = self.client.post(f"/movements/{mid}/flight", data=data,
                             headers={"X-CSRF-Token": self.csrf})
        assert r.status_code == 200, r.text[:300]
        found = VERSION.search(r.text)
        assert found, r.text[:300]
        self.versions[mid] = int(found.group(1))

    def shown(self) -> str:
        return normalise(str(self.page.locator("#lanes").evaluate("e => e.outerHTML")))

    def fresh(self) -> str:
        return normalise(self.client.get(f"/board?date={self.day}",
                                         headers={"HX-Request": "true"}).text)

    def sockets(self) -> tuple[int, int]:
        return int(self.page.evaluate("() => movementsLive.sockets()")), self.proxy.ws_open()

    def run(self, trial: Trial, converge_timeout: float = 20.0,
            settle_timeout: float = 8.0) -> Outcome:
        stale_before = int(self.page.evaluate("() => movementsLive.counters().staleShown"))
        if trial.kind in ("drop", "long"):
            self.proxy.cut()
        elif trial.kind == "stall":
            self.proxy.stall()
        start = time.monotonic()
        for i in range(trial.changes):  # spread over the first half of the outage
            self.change()
            if trial.kind != "none":
                pause = start + (i + 1) * trial.seconds / (2 * trial.changes) - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        rest = start + trial.seconds - time.monotonic()
        if rest > 0 and trial.kind != "none":
            time.sleep(rest)
        if trial.kind in ("drop", "long"):
            self.proxy.resume()
        elif trial.kind == "stall":
            self.proxy.unstall()
        back = time.monotonic()
        fresh = self.fresh()
        converged = False
        while time.monotonic() - back < converge_timeout:
            if self.shown() == fresh:
                converged = True
                break
            time.sleep(0.02)
        converge_s = time.monotonic() - back
        # Then the page should hold exactly one socket (old ones finish closing).
        end = time.monotonic() + settle_timeout
        page_n, proxy_n = self.sockets()
        while (page_n, proxy_n) != (1, 1) and time.monotonic() < end:
            time.sleep(0.05)
            page_n, proxy_n = self.sockets()
        stale_after = int(self.page.evaluate("() => movementsLive.counters().staleShown"))
        return Outcome(trial, converged, converge_s, stale_after > stale_before, page_n,
                       proxy_n)


def seed_two_departures(url: str, day_iso: str) -> tuple[object, list[int], int]:
    """The web tests' world plus a second departure two hours after the first (so
    estimates can move rows past each other): (world, bookings, second departure id)."""
    from datetime import UTC, date, datetime

    from movements.domain.actions import movements as mv
    from movements.domain.models import MovementKind
    from movements.domain.uow import NullPublisher, Tx
    from movements.platform.db import Database
    from tests.conftest import run_async
    from tests.factories import SYSTEM
    from tests.web.conftest import seed

    day = date.fromisoformat(day_iso)

    def more(tx: Tx):  # type: ignore[no-untyped-def]
        world, _, bookings = seed(tx, day)
        later = mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number="1777",
            operational_date=day, origin="AMS", destination="LOS",
            scheduled_at=datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC),
            gate="E2"))
        return world, bookings, later

    async def prepare():  # type: ignore[no-untyped-def]
        database = Database.open(url)
        out = await database.unit_of_work(NullPublisher()).run(more, SYSTEM)
        await database.dispose()
        return out

    return run_async(prepare())  # type: ignore[no-any-return]
