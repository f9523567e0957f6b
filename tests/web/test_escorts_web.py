"""The escort rule before the tap, and unassigning an escort (issue 13.7)."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


def test_the_escort_rule_shows_before_boarding_and_escorts_can_be_unassigned(
        site: Site) -> None:
    bid = site.booking_ids[2]  # PETRENKO, STCR
    with TestClient(site.app, base_url=BASE) as gate:
        csrf = login(gate, "gate")
        h = {"X-CSRF-Token": csrf, "HX-Request": "true"}
        for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate"):
            row = gate.post(f"/bookings/{bid}/milestones", headers=h,
                            data={"kind": step}).text
        assert f'id="escort-rule-{bid}"' in row and "needs an assigned medical escort" in row
        assert 'class="blocked big"' in row  # Boarded is not the main action yet
        row = gate.post(f"/bookings/{bid}/escort", headers=h,
                        data={"escort_name": "Dr. Visser", "kind": "medical"}).text
        assert "escort-rule" not in row and 'class="primary big"' in row
        assert "Unassign" in row
        row = gate.post(f"/bookings/{bid}/escort/remove", headers=h,
                        data={"kind": "medical", "escort_name": "Dr. Visser"})
        assert row.status_code == 200 and "medical escort: Dr. Visser" not in row.text
        assert "needs an assigned medical escort" in row.text
        missing = gate.post(f"/bookings/{bid}/escort/remove", headers=h,
                            data={"kind": "medical", "escort_name": "Dr. Nobody"})
        assert missing.status_code == 422 and "no medical escort" in missing.text
        gate.post(f"/bookings/{bid}/escort", headers=h,
                  data={"escort_name": "Dr. Visser", "kind": "medical"})
        boarded = gate.post(f"/bookings/{bid}/milestones", headers=h,
                            data={"kind": "boarded"})
        assert boarded.status_code == 200 and "✓ Boarded" in boarded.text
        kept = gate.post(f"/bookings/{bid}/escort/remove", headers=h,
                         data={"kind": "medical", "escort_name": "Dr. Visser"})
        assert kept.status_code == 422 and "stays on the record" in kept.text
