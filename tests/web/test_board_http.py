"""The board and movement page over HTTP: rendering, writes, conflicts, idempotency."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


def version_of(page: str, booking_id: int) -> int:
    row = page[page.index(f'id="pax-{booking_id}"'):]
    return int(re.search(r'name="expected_version" value="(\d+)"', row).group(1))  # type: ignore[union-attr]


def test_board_needs_sign_in(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        resp = client.get("/board?date=2026-09-15", headers={"accept": "text/html"},
                          follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
        assert client.get("/api/v1/movements").status_code == 401


def test_board_shows_lanes_rows_and_badges(site: Site, gate: tuple[TestClient[Litestar], str]
                                           ) -> None:
    client, _ = gate
    page = client.get("/board?date=2026-09-15").text
    assert f'id="mv-{site.world.departure_id}"' in page
    assert "KL1234" in page and "TK1957" in page
    row = page[page.index(f'id="mv-{site.world.departure_id}"'):]
    row = row[:row.index("</div>\n")]
    assert "Wheelchair 1" in row and "Stretcher/O₂ 1" in row and "Medical 1" in row
    assert 'data-ws="/ws?stream=board:AMS:2026-09-15"' in page
    # Privacy by default: no full names on the board.
    assert "Okello" not in page and "Petrenko" not in page


def test_fragment_when_htmx_asks(site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    resp = client.get("/board?date=2026-09-15", headers={"HX-Request": "true"})
    assert resp.text.startswith('<div id="lanes"') and "<html" not in resp.text


def test_milestone_tap_returns_the_row_and_conflict_is_409(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = gate
    bid = site.booking_ids[0]
    page = client.get(f"/movements/{site.world.departure_id}").text
    v = version_of(page, bid)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    ok = client.post(f"/bookings/{bid}/milestones", headers=headers,
                     data={"kind": "met_at_point", "expected_version": v})
    assert ok.status_code == 200
    assert f'id="pax-{bid}"' in ok.text and "✓ Met at designated point" in ok.text
    assert "Checked in" in ok.text  # the next step's button
    stale = client.post(f"/bookings/{bid}/milestones", headers=headers,
                        data={"kind": "checked_in", "expected_version": v})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text and "✓ Met at designated point" in stale.text


def test_rule_violation_is_422_with_the_reason(site: Site,
                                               gate: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = gate
    bid = site.booking_ids[0]
    resp = client.post(f"/bookings/{bid}/milestones", headers={"X-CSRF-Token": csrf},
                       data={"kind": "boarded"})
    assert resp.status_code == 422 and "comes after" in resp.text


def test_idempotent_retry_replays_and_other_body_is_422(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = gate
    bid = site.booking_ids[1]
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "tap-1"}
    first = client.post(f"/bookings/{bid}/milestones", headers=headers,
                        data={"kind": "met_at_point"})
    again = client.post(f"/bookings/{bid}/milestones", headers=headers,
                        data={"kind": "met_at_point"})
    assert first.status_code == again.status_code == 200
    assert again.text == first.text and again.headers.get("idempotent-replay") == "true"
    other = client.post(f"/bookings/{bid}/milestones", headers=headers,
                        data={"kind": "checked_in"})
    assert other.status_code == 422 and "different request" in other.text
    page = client.get(f"/movements/{site.world.departure_id}").text
    row = page[page.index(f'id="pax-{bid}"'):]
    assert row.count("✓ Met at designated point") == 1


def test_write_without_csrf_token_is_refused(site: Site,
                                             gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    resp = client.post(f"/bookings/{site.booking_ids[0]}/milestones",
                       data={"kind": "met_at_point"})
    assert resp.status_code == 403
    page = client.get(f"/movements/{site.world.departure_id}").text
    assert "✓ Met at designated point" not in page


def test_no_show_and_escort_forms(site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, csrf = gate
    h = {"X-CSRF-Token": csrf}
    bid = site.booking_ids[2]
    resp = client.post(f"/bookings/{bid}/escort", headers=h,
                       data={"escort_name": "Dr. Test", "kind": "medical"})
    assert resp.status_code == 200 and "medical escort: Dr. Test" in resp.text
    empty = client.post(f"/bookings/{site.booking_ids[0]}/no-show", headers=h,
                        data={"reason": " "})
    assert empty.status_code == 422 and "reason is required" in empty.text
    ok = client.post(f"/bookings/{site.booking_ids[0]}/no-show", headers=h,
                     data={"reason": "did not come"})
    assert ok.status_code == 200 and "No-show: did not come" in ok.text


def test_gate_correction_is_for_coordinators(site: Site) -> None:
    mid = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as gate_client:
        csrf = login(gate_client, "gate")
        refused = gate_client.post(f"/movements/{mid}/flight", headers={"X-CSRF-Token": csrf},
                                   data={"gate": "E18"})
        assert refused.status_code == 403
    with TestClient(site.app, base_url=BASE) as coord:
        csrf = login(coord, "coord")
        ok = coord.post(f"/movements/{mid}/flight", headers={"X-CSRF-Token": csrf},
                        data={"gate": "E18", "estimated_local": "12:40",
                              "reason": "gate moved by the airport"})
        assert ok.status_code == 200 and "E18" in ok.text and "12:40" in ok.text


def test_reveal_is_audited(site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    from sqlalchemy import select

    from movements.domain.models import AuditEntry

    client, _ = gate
    bid = site.booking_ids[2]
    resp = client.get(f"/bookings/{bid}/reveal")
    assert "PETRENKO" in resp.text
    rows = client.blocking_portal.call(site.app.state.services.uow.read, lambda s: [
        (a.action, a.username, a.detail) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "reveal_passenger"))])
    assert rows == [("reveal_passenger", "gate", "minor or health data")]


def test_onward_leg_points_to_the_inbound_leg_for_the_steps(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    from datetime import UTC, date, datetime

    from movements.domain.actions import movements as mv
    from movements.domain.actions import passengers as px
    from movements.domain.models import MovementKind
    from movements.domain.uow import Tx
    from tests.factories import SYSTEM, add_pax

    def transit(tx: Tx) -> tuple[int, int]:
        legs = []
        for kind, carrier, number, origin, dest, hour in (
                (MovementKind.TRANSIT_IN, "KQ", "116", "NBO", "AMS", 6),
                (MovementKind.TRANSIT_OUT, "KL", "673", "AMS", "YYZ", 10)):
            legs.append(mv.create_movement(tx, mv.NewMovement(
                airport="AMS", kind=kind, carrier=carrier, flight_number=number,
                operational_date=date(2026, 9, 15), origin=origin, destination=dest,
                scheduled_at=datetime(2026, 9, 15, hour, tzinfo=UTC))))
        mv.link_transit(tx, legs[0], legs[1])
        pid, _ = add_pax(tx, legs[0], "RS-T1", "Okello", "Grace")
        px.book_passenger(tx, pid, legs[1])
        return legs[0], legs[1]

    client, _ = gate
    inbound, onward = client.blocking_portal.call(site.app.state.services.uow.run, transit,
                                                  SYSTEM)
    page = client.get(f"/movements/{onward}").text
    assert f'href="/movements/{inbound}">Steps are ticked on the inbound flight' in page
    assert "Complete" not in page
    inbound_page = client.get(f"/movements/{inbound}").text
    assert "Met at arrival gate" in inbound_page and "onward" in inbound_page.lower()
    board = client.get("/board?date=2026-09-15").text
    assert f'id="mv-{onward}"' not in board  # shown on its inbound leg's row
    assert "KL673" in board and "min</span>" in board


def test_a_coordinator_works_several_airports_others_only_their_own(site: Site) -> None:
    from datetime import UTC, date, datetime

    from movements.domain.actions import movements as mv
    from movements.domain.actions import setup
    from movements.domain.models import MovementKind, Role
    from movements.domain.uow import Tx
    from tests.factories import SYSTEM
    from tests.web.conftest import _HASH

    def second_airport(tx: Tx) -> int:
        setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
        setup.add_user(tx, "multi", "Multi", Role.COORDINATOR, _HASH, airports=["AMS", "BRU"])
        return mv.create_movement(tx, mv.NewMovement(
            airport="BRU", kind=MovementKind.DEPARTURE, carrier="SN", flight_number="2901",
            operational_date=date(2026, 9, 15), origin="BRU", destination="EBB",
            scheduled_at=datetime(2026, 9, 15, 9, tzinfo=UTC)))

    with TestClient(site.app, base_url=BASE) as client:
        bru = client.blocking_portal.call(site.app.state.services.uow.run, second_airport,
                                          SYSTEM)
        login(client, "multi")
        page = client.get("/board?date=2026-09-15&airport=BRU").text
        assert "SN2901" in page and "KL1234" not in page
        assert 'data-ws="/ws?stream=board:BRU:2026-09-15"' in page
        assert '<option value="BRU" selected>' in page
        assert "KL1234" in client.get("/board?date=2026-09-15").text  # AMS by default
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")  # works AMS only
        assert client.get("/board?date=2026-09-15&airport=BRU").status_code == 404
        assert client.get(f"/movements/{bru}").status_code == 404
