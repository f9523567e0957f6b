"""A charter's stop times are the wall clock at each stop (its IANA zone from the IATA
table), like its departure time is at the airport: typed so on the form and the add-stop
form, sent so (without an offset) in the JSON API, stored as UTC and shown on the charter
page in the stop's zone with its name.  Both backends (the ``site`` fixture)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.models import CharterStop
from tests.web.conftest import BASE, Site, login

#: Departs AMS 11:00 CEST (09:00 UTC); Baghdad is UTC+3 all year; London is BST (UTC+1)
#: on 15 September, so the zone's own offset (and its summer time) is what is applied.
CHARTER = {"airport": "AMS", "flight": "OR9301", "date": "2026-09-15", "time": "11:00",
           "operator": "TUI fly Netherlands", "seat_capacity": "30",
           "stop_1": "LHR", "stop_1_at": "2026-09-15T10:30",
           "stop_2": "BGW", "stop_2_at": "2026-09-15T19:00"}


def _stops(site: Site, client: TestClient[Any], movement_id: int) -> dict[str, datetime]:
    uow = site.app.state.services.uow

    def read(s: Any) -> dict[str, datetime]:
        rows = s.scalars(select(CharterStop).where(CharterStop.movement_id == movement_id))
        return {r.airport_code: r.scheduled_at.astimezone(UTC) for r in rows}
    return dict(client.blocking_portal.call(uow.read, read))  # type: ignore[arg-type]


def test_stop_times_are_local_at_each_stop_on_the_form_and_the_page(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        page = client.get("/plan/").text
        assert "Stop 1 arrives (local time there)" in page and "(UTC)" not in page
        reply = client.post("/plan/charters", follow_redirects=False,
                            data={**CHARTER, "_csrf": csrf, "_idem": "k-local"})
        assert reply.status_code == 303, html.unescape(reply.text)[:3000]
        mid = int(reply.headers["location"].rsplit("/", 1)[1])
        assert _stops(site, client, mid) == {
            "LHR": datetime(2026, 9, 15, 9, 30, tzinfo=UTC),
            "BGW": datetime(2026, 9, 15, 16, 0, tzinfo=UTC)}
        shown = html.unescape(client.get(f"/plan/charters/{mid}").text)
        assert "LHR 15 Sep 10:30 BST" in shown and "BGW 15 Sep 19:00 +03" in shown, shown
        assert "Arrival (local time at the stop)" in shown
        # The add-stop form reads the new stop's own zone (Erbil, UTC+3).
        added = client.post(f"/plan/charters/{mid}/stops", follow_redirects=False, data={
            "_csrf": csrf, "_idem": "k-add", "after": "BGW", "code": "EBL",
            "at": "2026-09-15T21:15"})
        assert added.status_code == 303, html.unescape(added.text)[:3000]
        assert _stops(site, client, mid)["EBL"] == datetime(2026, 9, 15, 18, 15, tzinfo=UTC)


def test_the_json_api_reads_a_time_without_offset_as_local_at_the_stop(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        reply = client.post("/api/v1/plan/charters", headers={"X-CSRF-Token": csrf}, json={
            "movement": {"airport": "AMS", "kind": "departure", "flight": "OR9302",
                         "operational_date": "2026-09-15",
                         "scheduled_at": "2026-09-15T09:00:00Z", "origin": "AMS",
                         "destination": "EBL"},
            "operator": "TUI fly Netherlands", "seat_capacity": 30,
            "stops": [{"code": "BGW", "scheduled_at": "2026-09-15T15:00:00"},
                      {"code": "EBL", "scheduled_at": "2026-09-15T14:00:00Z"}]})
        assert reply.status_code == 201, reply.text
        mid = reply.json()["id"]
        assert _stops(site, client, mid) == {
            "BGW": datetime(2026, 9, 15, 12, 0, tzinfo=UTC),   # 15:00 in Baghdad
            "EBL": datetime(2026, 9, 15, 14, 0, tzinfo=UTC)}   # an offset is kept
        view = client.get(f"/api/v1/plan/charters/{mid}").json()
        assert [(s["code"], s["timezone"]) for s in view["stops"]] == [
            ("BGW", "Asia/Baghdad"), ("EBL", "Asia/Baghdad")]
