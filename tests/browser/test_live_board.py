"""What a gate agent sees: live pushes between tablets, the STALE banner when the Wi-Fi
goes, a board equal to a fresh render after reconnecting, conflicts, tablet layouts."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS, Live, signed_in
from tests.live import sign_in
from tests.proxy import CuttableProxy
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def wait_live(page: Page) -> None:
    """Connected and caught up: the first heartbeat or snapshot has arrived."""
    page.wait_for_function("document.getElementById('stale-banner').hidden === true")
    page.wait_for_timeout(700)


def pax(page: Page, booking: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#pax-{booking}")


def test_a_tap_on_one_tablet_appears_on_the_other(browser: Browser, live: Live) -> None:
    base = live.server.base
    mid = live.world.departure_id
    ctx_a, a = signed_in(browser, base, "gate")
    ctx_b, b = signed_in(browser, base, "coord")
    try:
        b.goto(f"{base}/board?date={live.day}")
        a.goto(f"{base}/movements/{mid}")
        wait_live(a)
        wait_live(b)
        row = b.locator(f"#mv-{mid}")
        expect(row).to_contain_text("3")
        a.locator(f"#pax-{live.bookings[0]} button.primary").click()
        expect(pax(a, live.bookings[0])).to_contain_text("✓ Met at designated point")
        # The coordinator's board changes without a reload: a no-show on another tablet.
        a.locator(f"#pax-{live.bookings[1]} details.more summary").click()
        a.locator(f"#pax-{live.bookings[1]} input[name=reason]").fill("stayed home")
        a.locator(f"#pax-{live.bookings[1]} form[hx-post$='no-show'] button").click()
        expect(row).to_contain_text("1 no-show", timeout=5000)
        assert a.errors == [] and b.errors == []  # type: ignore[attr-defined]
    finally:
        ctx_a.close()
        ctx_b.close()


def normalise(html: str) -> str:
    html = re.sub(r'\s+hx-swap-oob="true"', "", html)
    html = re.sub(r'\s(hidden|style)="[^"]*"', "", html)
    html = re.sub(r"\s+", " ", html)
    return html.replace("> <", "><").strip()


def test_cut_socket_shows_stale_then_resyncs_to_a_fresh_render(browser: Browser,
                                                                live: Live) -> None:
    proxy = CuttableProxy(live.server.port)
    via = f"http://127.0.0.1:{proxy.port}"
    ctx, page = signed_in(browser, via, "coord")
    client, csrf = sign_in(live.server.base, "gate", PASSWORD)
    try:
        page.goto(f"{via}/board?date={live.day}")
        wait_live(page)
        banner = page.locator("#stale-banner")
        expect(banner).to_be_hidden()
        proxy.cut()
        # Data changes while the tablet is away.
        for booking, kind in ((live.bookings[0], "met_at_point"),
                              (live.bookings[1], "met_at_point")):
            r = client.post(f"/bookings/{booking}/milestones", data={"kind": kind},
                            headers={"X-CSRF-Token": csrf})
            assert r.status_code == 200
        r = client.post(f"/bookings/{live.bookings[2]}/no-show", data={"reason": "ill"},
                        headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
        expect(banner).to_be_visible(timeout=5000)
        expect(banner).to_contain_text("STALE")
        page.screenshot(path=str(ARTIFACTS / "board-stale.png"))
        proxy.resume()
        expect(banner).to_be_hidden(timeout=10000)
        page.wait_for_timeout(500)
        shown = page.locator("#lanes").evaluate("e => e.outerHTML")
        fresh = client.get(f"/board?date={live.day}", headers={"HX-Request": "true"}).text
        assert normalise(shown) == normalise(fresh)
        assert "1 no-show" in shown
    finally:
        ctx.close()
        client.close()
        proxy.close()


def test_two_tablets_edit_the_same_passenger_one_sees_the_conflict(browser: Browser,
                                                                   live: Live) -> None:
    mid = live.world.departure_id
    booking = live.bookings[0]
    ctx_a, a = signed_in(browser, live.server.base, "gate")
    ctx_b, b = signed_in(browser, live.server.base, "coord")
    try:
        # B's live socket never reaches the server (its pushes are lost on the way), so
        # B keeps the old version of the row; its taps still go through.
        b.route_web_socket(re.compile(r"/ws\?"), lambda ws: None)
        a.goto(f"{live.server.base}/movements/{mid}")
        b.goto(f"{live.server.base}/movements/{mid}")
        wait_live(a)
        a.locator(f"#pax-{booking} button.primary").click()
        expect(pax(a, booking)).to_contain_text("✓ Met at designated point")
        # B taps the same step from its stale copy.
        b.locator(f"#pax-{booking} button.primary").click()
        expect(pax(b, booking)).to_contain_text("changed by someone else", timeout=5000)
        expect(pax(b, booking)).to_contain_text("✓ Met at designated point")
        # Exactly one milestone was recorded: one tick on the tablet (the row's undo button
        # names the step too, so count ticks, not the words) and one in the data.
        shown = pax(a, booking).inner_text()
        assert shown.count("✓ Met at designated point") == 1
        client, _ = sign_in(live.server.base, "coord", PASSWORD)
        try:
            detail = client.get(f"/api/v1/movements/{mid}").json()
        finally:
            client.close()
        row = next(p for p in detail["passengers"] if p["booking_id"] == booking)
        assert row["milestones"].count("met_at_point") == 1
    finally:
        ctx_a.close()
        ctx_b.close()


@pytest.mark.parametrize("size", ["768x1024", "1024x768", "1280x800", "800x1280"])
def test_tablet_sizes_fit_without_horizontal_scrolling(browser: Browser, live: Live,
                                                       size: str) -> None:
    width, height = (int(x) for x in size.split("x"))
    ctx, page = signed_in(browser, live.server.base, "gate", {"width": width, "height": height})
    try:
        for path, name in ((f"/board?date={live.day}", "board"),
                           (f"/movements/{live.world.departure_id}", "movement")):
            page.goto(f"{live.server.base}{path}")
            wait_live(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} at {size} scrolls sideways ({scroll}px)"
            small = page.evaluate("""() => [...document.querySelectorAll('button, a, summary')]
                .filter(e => e.offsetParent !== null)
                .map(e => e.getBoundingClientRect())
                .filter(r => r.height < 44 || r.width < 44).length""")
            assert small == 0, f"{small} touch targets under 44 px on {name} at {size}"
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / f"{name}-{size}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        ctx.close()


def test_pages_send_a_strict_content_security_policy(live: Live) -> None:
    resp = httpx.get(f"{live.server.base}/login")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in resp.text  # only <script src=...> from our own origin
    assert not re.search(r"\son[a-z]+=", resp.text)  # no inline event handlers


def test_filters_hide_rows_and_pushed_rows_obey_them(browser: Browser, live: Live) -> None:
    base = live.server.base
    ctx, page = signed_in(browser, base, "coord")
    try:
        page.goto(f"{base}/board?date={live.day}")
        wait_live(page)
        departure = page.locator(f"#mv-{live.world.departure_id}")
        arrival = page.locator(f"#mv-{live.world.arrival_id}")
        expect(departure).to_be_visible()
        page.click("[data-filter-need=medical]")  # the arrival has nobody medical
        expect(departure).to_be_visible()
        expect(arrival).to_be_hidden()
        page.click("[data-filter-need=medical]")
        page.click("[data-filter-lane=arrival]")
        expect(departure).to_be_hidden()
        expect(arrival).to_be_visible()
        page.click("[data-filter-lane=all]")
        page.fill("#case-search", "case-2")
        expect(departure).to_be_visible()  # CASE-2 travels on the departure
        expect(arrival).to_be_hidden()
        page.fill("#case-search", "")
        expect(arrival).to_be_visible()
    finally:
        ctx.close()


def test_filter_choice_is_remembered_on_the_tablet(browser: Browser, live: Live) -> None:
    base = live.server.base
    ctx, page = signed_in(browser, base, "gate")
    try:
        page.goto(f"{base}/board?date={live.day}")
        page.click("[data-filter-lane=arrival]")
        page.reload()
        expect(page.locator("[data-filter-lane=arrival]")).to_have_attribute("aria-pressed",
                                                                             "true")
        expect(page.locator(f"#mv-{live.world.departure_id}")).to_be_hidden()
    finally:
        ctx.close()


#: What a board row looks like to a person: each badge's text, class and drawn outline.
ROW_LOOK = """row => [...row.querySelectorAll('.badge')].map(b => {
  const s = getComputedStyle(b);
  return [b.className, b.textContent.trim(), s.borderTopStyle, s.borderTopWidth,
          s.borderTopColor, s.backgroundColor, s.minHeight];
})"""


def test_a_pushed_row_looks_like_the_pages_row(browser: Browser, live: Live) -> None:
    """A row swapped in by a push is drawn as the page draws it: the same markup (the
    one partial) and the same badge outlines and colours (the same CSS reaches it)."""
    ctx, page = signed_in(browser, live.server.base, "coord")
    client, csrf = sign_in(live.server.base, "gate", PASSWORD)
    mid = live.world.departure_id
    try:
        page.goto(f"{live.server.base}/board?date={live.day}")
        wait_live(page)
        row = page.locator(f"#mv-{mid}")
        assert row.evaluate(ROW_LOOK), "the seeded departure carries badges"
        r = client.post(f"/bookings/{live.bookings[2]}/no-show", data={"reason": "ill"},
                        headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
        expect(row).to_contain_text("1 no-show", timeout=5000)
        pushed_html = normalise(row.evaluate("e => e.outerHTML"))
        pushed_look = row.evaluate(ROW_LOOK)
        page.reload()
        wait_live(page)
        fresh_html = normalise(row.evaluate("e => e.outerHTML"))
        assert pushed_html == fresh_html
        assert pushed_look == row.evaluate(ROW_LOOK)
    finally:
        ctx.close()
        client.close()


def test_a_pushed_passenger_row_keeps_the_badge_outline(browser: Browser, live: Live) -> None:
    """Issue 13 (newcomer): the movement page opened from a board badge outlines the rows
    behind it; a push re-rendering one of those rows dropped the outline (the mark was
    rendered into the page's row only).  The pushed row and a fresh page's row match."""
    mid = live.world.departure_id
    ctx, page = signed_in(browser, live.server.base, "coord")
    client, csrf = sign_in(live.server.base, "gate", PASSWORD)
    outlined = """() => [...document.querySelectorAll('.pax')].filter(
        r => getComputedStyle(r).outlineStyle === 'solid').map(r => r.id)"""
    try:
        page.goto(f"{live.server.base}/movements/{mid}?need=medical")
        wait_live(page)
        before = page.evaluate(outlined)
        assert before, "the medical passenger's row is outlined"
        booking = int(before[0].removeprefix("pax-"))
        r = client.post(f"/bookings/{booking}/no-show", data={"reason": "ill"},
                        headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
        expect(pax(page, booking)).to_contain_text("No-show", timeout=5000)
        assert page.evaluate(outlined) == before
        pushed = normalise(pax(page, booking).evaluate("e => e.outerHTML"))
        page.reload()
        wait_live(page)
        assert normalise(pax(page, booking).evaluate("e => e.outerHTML")) == pushed
        assert page.evaluate(outlined) == before
    finally:
        ctx.close()
        client.close()
