"""Pushes only: the server's heartbeat is 60 s and every wait here is at most 5 s, so a
page that dropped pushes and caught up at the next heartbeat fails (issue 13.1).

Also: the page's header parser against the same examples as the server's
(movements/realtime/sync_header.json); a pushed re-render never erases a message, an open
form or typed input; a pushed row takes the place a fresh page would give it, but not
while a finger is on the board (issue 19.5).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from movements.domain.actions import movements as mv
from movements.domain.clock import local_date
from movements.domain.models import MovementKind
from movements.domain.uow import NullPublisher, Tx
from movements.platform.db import Database
from movements.realtime.wire import SPEC
from tests.browser.conftest import Live, signed_in
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.live import sign_in, start_server
from tests.web.conftest import PASSWORD, seed

pytestmark = pytest.mark.browser

WAIT = 5000  # ms: far below the 60 s heartbeat


@pytest.fixture
def live60(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Live, int]]:
    """A server whose heartbeat (60 s) is far longer than any wait here, with a second
    departure at 12:00 UTC (two hours after the first) to reorder against."""
    db = tmp_path / "push.sqlite3"
    shutil.copy(sqlite_template, db)
    url = f"sqlite+aiosqlite:///{db}"
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")

    def more(tx: Tx):  # type: ignore[no-untyped-def]
        result = seed(tx, today)
        later = mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number="1777",
            operational_date=today, origin="AMS", destination="LOS",
            scheduled_at=datetime(today.year, today.month, today.day, 12, 0, tzinfo=UTC),
            gate="E2"))
        return result, later

    async def prepare():  # type: ignore[no-untyped-def]
        database = Database.open(url)
        out = await database.unit_of_work(NullPublisher()).run(more, SYSTEM)
        await database.dispose()
        return out

    (world, _, bookings), later = run_async(prepare())
    server = start_server(url, tmp_path, extra_env={"MOVEMENTS_HEARTBEAT_SECONDS": "60"})
    try:
        yield Live(server, world, bookings, today.isoformat()), later
    finally:
        server.stop()


def connected(page: Page) -> None:
    """The socket is open and its hello was answered (no heartbeat needed)."""
    page.wait_for_function("() => window.movementsLive && movementsLive.counters().messages > 0")


def seq(page: Page) -> int:
    return int(page.evaluate("movementsLive.counters().seq"))


def normalise(html: str) -> str:
    html = re.sub(r'\s+hx-swap-oob="true"', "", html)
    html = re.sub(r'\s(hidden|style)="[^"]*"', "", html)
    html = re.sub(r"\s+", " ", html)
    return html.replace("> <", "><").strip()


def fresh_lanes(client: httpx.Client, day: str) -> str:
    return client.get(f"/board?date={day}", headers={"HX-Request": "true"}).text


def tick(client: httpx.Client, csrf: str, booking: int, kind: str) -> None:
    r = client.post(f"/bookings/{booking}/milestones", data={"kind": kind},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text[:300]


def set_estimate(client: httpx.Client, csrf: str, movement: int, local_hhmm: str) -> None:
    page = client.get(f"/movements/{movement}").text
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version
    r = client.post(f"/movements/{movement}/flight",
                    data={"estimated_local": local_hhmm, "expected_version": version.group(1)},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text[:300]


def test_the_page_parses_the_shared_header_examples(browser: Browser,
                                                    live60: tuple[Live, int]) -> None:
    live, _ = live60
    ctx, page = signed_in(browser, live.server.base, "coord")
    try:
        page.goto(f"{live.server.base}/board?date={live.day}")
        for example in SPEC["examples"]:
            got = page.evaluate(
                """t => { const h = movementsLive.parseHeader(t);
                          return h && {stream: h.stream, first: h.first, seq: h.seq,
                                       kind: h.kind, at: h.at}; }""",
                example["header"] + example.get("follow", ""))
            assert got == example["expect"], example["header"]
    finally:
        ctx.close()


def test_a_tap_reaches_the_other_tablet_by_push_alone(browser: Browser,
                                                      live60: tuple[Live, int]) -> None:
    live, _ = live60
    base, mid = live.server.base, live.world.departure_id
    ctx_a, a = signed_in(browser, base, "gate")
    ctx_b, b = signed_in(browser, base, "coord", {"width": 1024, "height": 768})
    try:
        b.goto(f"{base}/board?date={live.day}")
        a.goto(f"{base}/movements/{mid}")
        connected(a)
        connected(b)
        a.locator(f"#pax-{live.bookings[0]} button.primary").click()
        expect(a.locator(f"#pax-{live.bookings[0]}")).to_contain_text("✓ Met at designated point")
        a.locator(f"#pax-{live.bookings[1]} details.more summary").click()
        a.locator(f"#pax-{live.bookings[1]} input[name=reason]").fill("stayed home")
        a.locator(f"#pax-{live.bookings[1]} form[hx-post$='no-show'] button").click()
        expect(b.locator(f"#mv-{mid}")).to_contain_text("1 no-show", timeout=WAIT)
        # And the other way: a third party's change reaches the acting tablet too.
        client, csrf = sign_in(base, "coord", PASSWORD)
        tick(client, csrf, live.bookings[2], "met_at_point")
        expect(a.locator(f"#pax-{live.bookings[2]}")).to_contain_text(
            "✓ Met at designated point", timeout=WAIT)
        client.close()
        assert a.errors == [] and b.errors == []  # type: ignore[attr-defined]
    finally:
        ctx_a.close()
        ctx_b.close()


def test_a_push_keeps_the_refusal_until_the_person_acts(browser: Browser,
                                                        live60: tuple[Live, int]) -> None:
    live, _ = live60
    base, mid, stcr = live.server.base, live.world.departure_id, live.bookings[2]
    client, csrf = sign_in(base, "coord", PASSWORD)
    for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate"):
        tick(client, csrf, stcr, step)
    ctx, a = signed_in(browser, base, "gate")
    try:
        a.goto(f"{base}/movements/{mid}")
        connected(a)
        row = a.locator(f"#pax-{stcr}")
        row.locator("button", has_text="Boarded").click()
        expect(row).to_contain_text("cannot board without an assigned", timeout=WAIT)
        before = seq(a)
        # Someone assigns the escort: the push for this very row arrives...
        r = client.post(f"/bookings/{stcr}/escort",
                        data={"escort_name": "Dr. Push", "kind": "medical"},
                        headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text[:300]
        a.wait_for_function(f"() => movementsLive.counters().seq > {before}", timeout=WAIT)
        a.wait_for_timeout(300)
        # ...and the refusal is still there, as the person left it.
        expect(row).to_contain_text("cannot board without an assigned")
        # The person acts (taps elsewhere): now the row shows what changed.
        a.locator("main h1, main h2").first.click()
        expect(row).to_contain_text("Dr. Push", timeout=WAIT)
        expect(row.locator(".message")).to_have_count(0)
    finally:
        ctx.close()
        client.close()


def test_a_push_never_erases_typed_input_or_an_open_form(browser: Browser,
                                                         live60: tuple[Live, int]) -> None:
    live, _ = live60
    base, mid, booking = live.server.base, live.world.departure_id, live.bookings[0]
    client, csrf = sign_in(base, "coord", PASSWORD)
    ctx, a = signed_in(browser, base, "gate")
    try:
        a.goto(f"{base}/movements/{mid}")
        connected(a)
        row = a.locator(f"#pax-{booking}")
        row.locator("details.more summary").click()
        row.locator("input[name=reason]").fill("bus from Ter Apel late")
        before = seq(a)
        tick(client, csrf, booking, "met_at_point")
        a.wait_for_function(f"() => movementsLive.counters().seq > {before}", timeout=WAIT)
        a.wait_for_timeout(300)
        expect(row.locator("input[name=reason]")).to_have_value("bus from Ter Apel late")
        expect(row.locator("details.more")).to_have_attribute("open", "")
        # The header (outside the form) did update meanwhile.
        a.locator("body").press("Escape")
        row.locator("input[name=reason]").fill("")
        row.locator("details.more summary").click()  # closes the form: nothing held back
        expect(row).to_contain_text("✓ Met at designated point", timeout=WAIT)
    finally:
        ctx.close()
        client.close()


def _order(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        '.lane[data-lane="departure"] .row.mv', "rows => rows.map(r => r.id)")


def test_a_pushed_row_takes_its_place_but_not_under_a_finger(
        browser: Browser, live60: tuple[Live, int]) -> None:
    live, later = live60
    base, first = live.server.base, live.world.departure_id
    client, csrf = sign_in(base, "coord", PASSWORD)
    ctx, page = signed_in(browser, base, "coord")
    try:
        page.goto(f"{base}/board?date={live.day}")
        connected(page)
        assert _order(page) == [f"mv-{first}", f"mv-{later}"]
        # 10:00 UTC delayed to 15:30 local (after 12:00 UTC in either season).
        set_estimate(client, csrf, first, "15:30")
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.lane[data-lane=departure] .row.mv')]"
            f".map(r => r.id).join() === 'mv-{later},mv-{first}'", timeout=WAIT)
        assert normalise(page.locator("#lanes").evaluate("e => e.outerHTML")) == \
            normalise(fresh_lanes(client, live.day))
        # A finger on the board: the next move waits until it lifts.
        box = page.locator(f"#mv-{later} .gate").bounding_box()
        assert box
        page.mouse.move(box["x"] + 5, box["y"] + 5)
        page.mouse.down()
        before = seq(page)
        set_estimate(client, csrf, first, "11:30")  # back before the 12:00 UTC flight
        page.wait_for_function(f"() => movementsLive.counters().seq > {before}", timeout=WAIT)
        page.wait_for_timeout(500)
        assert _order(page) == [f"mv-{later}", f"mv-{first}"]  # nothing moved under it
        page.mouse.up()
        page.wait_for_function(
            f"() => [...document.querySelectorAll('.lane[data-lane=departure] .row.mv')]"
            f".map(r => r.id).join() === 'mv-{first},mv-{later}'", timeout=WAIT)
        assert normalise(page.locator("#lanes").evaluate("e => e.outerHTML")) == \
            normalise(fresh_lanes(client, live.day))
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()
        client.close()


def test_a_refused_gate_correction_keeps_the_panel_and_focuses_the_reason(
        browser: Browser, live60: tuple[Live, int]) -> None:
    """Newcomer finding: the refusal closed the panel and put the old gate back."""
    live, _ = live60
    base, mid = live.server.base, live.world.departure_id
    ctx, a = signed_in(browser, base, "coord")
    try:
        a.goto(f"{base}/movements/{mid}")
        connected(a)
        panel = a.locator(f"#mvh-{mid} details.correct")
        panel.locator("summary").click()
        panel.locator("input[name=gate]").fill("D9")
        panel.locator("input[name=reason]").fill("")
        panel.locator("button[type=submit]").click()
        header = a.locator(f"#mvh-{mid}")
        expect(header.locator(".message")).to_contain_text("needs a reason", timeout=WAIT)
        panel = a.locator(f"#mvh-{mid} details.correct")
        expect(panel).to_have_attribute("open", "")
        expect(panel.locator("input[name=gate]")).to_have_value("D9")
        expect(panel.locator("input[name=reason]")).to_be_focused(timeout=WAIT)
    finally:
        ctx.close()
