"""Undo, revoke and correct on the movement page (issue 13.5)."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login
from tests.web.test_board_http import version_of


def test_undo_revoke_correct_and_out_of_order_on_the_page(site: Site) -> None:
    mid = site.world.departure_id
    bid = site.booking_ids[0]
    with TestClient(site.app, base_url=BASE) as gate:
        csrf = login(gate, "gate")
        h = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        page = gate.get(f"/movements/{mid}").text
        row = page[page.index(f'id="pax-{bid}"'):]
        assert 'class="stack out-of-order"' in row and 'name="override_reason"' in row
        tapped = gate.post(f"/bookings/{bid}/milestones", headers=h,
                           data={"kind": "met_at_point"})
        assert "Undo Met at designated point" in tapped.text
        assert 'class="undo" hidden' in tapped.text
        undone = gate.post(f"/bookings/{bid}/undo", headers=h, data={})
        assert undone.status_code == 200 and "Undone" in undone.text
        assert "✓ Met at designated point" not in undone.text
        ooo = gate.post(f"/bookings/{bid}/milestones", headers=h,
                        data={"kind": "checked_in", "override_reason": "met at the desk"})
        assert ooo.status_code == 200 and "✓ Checked in" in ooo.text
        gone = gate.post(f"/bookings/{bid}/no-show", headers=h, data={"reason": "no sign"})
        assert "Revoke no-show" in gone.text
        site.clock.advance(minutes=10)
        late = gate.post(f"/bookings/{bid}/undo", headers=h, data={})
        assert late.status_code == 422 and "more than 2 minutes ago" in late.text
        back = gate.post(f"/bookings/{bid}/no-show/revoke", headers=h,
                         data={"reason": "turned up", "expected_version":
                               version_of(gate.get(f"/movements/{mid}").text, bid)})
        assert back.status_code == 200 and "booked again" in back.text
        refused = gate.post(f"/bookings/{bid}/correct", headers=h,
                            data={"kind": "checked_in", "reason": "x"})
        assert refused.status_code == 403
    with TestClient(site.app, base_url=BASE) as coord:
        csrf = login(coord, "coord")
        fixed = coord.post(f"/bookings/{bid}/correct",
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
                           data={"kind": "checked_in", "reason": "wrong passenger"})
        assert fixed.status_code == 200 and "✓ Checked in" not in fixed.text
