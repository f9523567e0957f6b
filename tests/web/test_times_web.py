"""The correction form on the movement page (issue 13.4): an impossible time comes back
as the header partial with the message in place (HTML, so the page swaps it); an empty
estimate clears it; a scheduled-time correction without a reason is refused."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


def test_an_impossible_time_is_refused_in_place_and_nothing_changes(site: Site) -> None:
    mid = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as coord:
        csrf = login(coord, "coord")
        h = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        bad = coord.post(f"/movements/{mid}/flight", headers=h,
                         data={"gate": "E2", "estimated_local": "25:00"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("text/html")
        assert bad.text.startswith(f'<section id="mvh-{mid}"')
        assert "estimated time &#39;25:00&#39; is not a time of day" in bad.text
        assert 'role="alert"' in bad.text
        page = coord.get(f"/movements/{mid}").text
        assert "<b>D7</b>" in page  # the gate was not half-applied
        ok = coord.post(f"/movements/{mid}/flight", headers=h,
                        data={"estimated_local": "12:40"})
        assert ok.status_code == 200 and "12:40" in ok.text
        cleared = coord.post(f"/movements/{mid}/flight", headers=h,
                             data={"estimated_local": ""})
        assert cleared.status_code == 200 and "12:40" not in cleared.text
        assert '<dt>Estimated</dt><dd class="changed">— <small class="held"' in cleared.text
        no_reason = coord.post(f"/movements/{mid}/flight", headers=h,
                               data={"scheduled_local": "12:30"})
        assert no_reason.status_code == 422 and "needs a reason" in no_reason.text
        moved = coord.post(f"/movements/{mid}/flight", headers=h,
                           data={"scheduled_local": "12:30", "reason": "slot moved"})
        assert moved.status_code == 200 and "15 Sep 12:30" in moved.text


def test_an_estimate_past_midnight_says_the_next_day(site: Site) -> None:
    """A 22:10 departure estimated at 00:30 leaves the next day: the movement page and the
    board say "00:30 +1", never a bare 00:30 that reads as the same night's morning."""
    mid = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as coord:
        csrf = login(coord, "coord")
        h = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        late = coord.post(f"/movements/{mid}/flight", headers=h,
                          data={"scheduled_local": "22:10", "reason": "slot moved"})
        assert late.status_code == 200
        est = coord.post(f"/movements/{mid}/flight", headers=h,
                         data={"estimated_local": "00:30"})
        assert est.status_code == 200
        assert '<dd class="changed">00:30 +1' in est.text
        assert "00:30 +1" in coord.get(f"/movements/{mid}").text
        assert '<b class="changed">00:30 +1</b>' in coord.get("/board?date=2026-09-15").text
        same_day = coord.post(f"/movements/{mid}/flight", headers=h,
                              data={"estimated_local": "22:40"})
        assert same_day.status_code == 200
        assert '<dd class="changed">22:40 ' in same_day.text
        assert "22:40 +1" not in same_day.text
