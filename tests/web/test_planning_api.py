"""The planning JSON API (issue 14.6): documented in /schema, idempotency keys honoured,
refusals say what and where, gate staff refused, out-of-scope rows not found."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.domain.models import Booking, Case, Movement
from movements.domain.planning_models import CarrierNotification
from tests.web.conftest import BASE, Site, login

CHARTER = {
    "movement": {"airport": "AMS", "kind": "departure", "flight": "OR9301",
                 "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T09:00:00Z",
                 "origin": "AMS", "destination": "BSR", "aircraft_type": "B738",
                 "aircraft_registration": "PH-TFA"},
    "operator": "TUI fly Netherlands", "seat_capacity": 3,
    "stops": [{"code": "BGW", "scheduled_at": "2026-09-15T14:00:00Z"},
              {"code": "EBL", "scheduled_at": "2026-09-15T16:00:00Z"},
              {"code": "BSR", "scheduled_at": "2026-09-15T18:00:00Z"}]}


def _count(site: Site, client: TestClient[Litestar], model: type) -> int:
    uow = site.app.state.services.uow
    return int(client.blocking_portal.call(uow.read, lambda s: s.scalar(  # type: ignore[arg-type]
        select(func.count()).select_from(model))))


def test_plan_a_charter_and_book_cases_through_the_api(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        h = {"X-CSRF-Token": csrf, "Idempotency-Key": "charter-1"}
        first = client.post("/api/v1/plan/charters", json=CHARTER, headers=h)
        assert first.status_code == 201, first.text
        replay = client.post("/api/v1/plan/charters", json=CHARTER, headers=h)
        assert replay.json() == first.json() and replay.headers["Idempotent-Replay"] == "true"
        other = client.post("/api/v1/plan/charters", json={**CHARTER, "seat_capacity": 4},
                            headers=h)
        assert other.status_code == 422 and "different request" in other.json()["error"]
        assert _count(site, client, Movement) == 3  # the world's two and this one
        mid = first.json()["id"]

        h = {"X-CSRF-Token": csrf}
        case = client.post("/api/v1/plan/cases", json={"airport": "AMS", "reference": "API-1"},
                           headers=h).json()["id"]
        for given in ("Layla", "Omar"):
            resp = client.post(f"/api/v1/plan/cases/{case}/passengers", headers=h, json={
                "surname": "Karim", "given_names": given, "sex": "F",
                "needs": [{"code": "WCHR", "text": "long corridors"}],
                "document": {"doc_type": "passport", "number": f"A1{given.upper()}",
                             "expires_on": "2030-01-01", "issuing_country": "IRQ"}})
            assert resp.status_code == 201, resp.text
        # The same passport twice in a case: refused, naming the other passenger.
        twice = client.post(f"/api/v1/plan/cases/{case}/passengers", headers=h, json={
            "surname": "Karim", "given_names": "Sami", "sex": "M",
            "document": {"doc_type": "passport", "number": "a1layla",
                         "expires_on": "2030-01-01", "issuing_country": "IRQ"}})
        assert twice.status_code == 422 and twice.json()["field"] == "document.number"
        assert "Karim/Layla" in twice.json()["error"]
        booked = client.post(f"/api/v1/plan/cases/{case}/bookings", headers=h,
                             json={"movement_id": mid, "stop": "EBL"})
        assert booked.status_code == 201 and len(booked.json()["booking_ids"]) == 2
        legs = client.get(f"/api/v1/plan/charters/{mid}").json()["legs"]
        assert [(lg["frm"], lg["to"], lg["on_board"]) for lg in legs] == [
            ("AMS", "BGW", 2), ("BGW", "EBL", 2), ("EBL", "BSR", 0)]
        # Over capacity: 422 with the leg; nothing booked.
        big = client.post("/api/v1/plan/cases", json={"airport": "AMS", "reference": "API-2"},
                          headers=h).json()["id"]
        for given in ("A", "B"):
            client.post(f"/api/v1/plan/cases/{big}/passengers", headers=h,
                        json={"surname": "Saleh", "given_names": given})
        before = _count(site, client, Booking)
        over = client.post(f"/api/v1/plan/cases/{big}/bookings", headers=h,
                           json={"movement_id": mid, "stop": "BGW"})
        assert over.status_code == 422 and "over capacity" in over.json()["error"]
        assert over.json()["field"] == "seat_capacity"
        assert _count(site, client, Booking) == before

        ready = client.get(f"/api/v1/plan/movements/{mid}/readiness").json()
        assert ready[0]["summary"] == "missing: voluntary-movement declaration, consent"
        notice = client.get(f"/api/v1/plan/movements/{mid}/notice").json()
        assert "WCHR 1 EBL KARIM/LAYLA MRS FT LONG CORRIDORS" in notice["telex"]
        sent = client.post(f"/api/v1/plan/movements/{mid}/notice", headers=h,
                           json={"fingerprint": notice["fingerprint"]})
        assert sent.status_code == 201
        # What is stored for the outbox to send is what the coordinator was shown.
        uow = site.app.state.services.uow
        stored = client.blocking_portal.call(uow.read, lambda s: s.get(  # type: ignore[arg-type]
            CarrierNotification, sent.json()["id"]))
        assert (stored.telex, stored.email_body) == (notice["telex"], notice["email_body"])
        assert "Regards, the agency's AMS airport team" in stored.email_body


def test_api_refusals_and_roles(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        h = {"X-CSRF-Token": csrf}
        bad = client.post("/api/v1/plan/movements", headers=h, json={
            "airport": "AMS", "kind": "departure", "flight": "KL1571",
            "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T09:00:00Z",
            "origin": "AMS", "destination": "ERBIL"})
        assert bad.status_code == 422 and bad.json()["field"] == "destination"
        far = client.post("/api/v1/plan/movements", headers=h, json={
            "airport": "AMS", "kind": "arrival", "flight": "KL1572",
            "operational_date": "9999-12-31", "scheduled_at": "9999-12-31T09:00:00Z",
            "origin": "EBL", "destination": "AMS"})
        assert far.status_code == 422, far.text
        assert far.json()["error"] == (
            "date 9999-12-31 is more than 2 years ahead; plan flights up to 2028-09-15")
        itself = client.post("/api/v1/plan/movements", headers=h, json={
            "airport": "AMS", "kind": "arrival", "flight": "KL1572",
            "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T09:00:00Z",
            "origin": "AMS", "destination": "AMS"})
        assert itself.status_code == 422 and itself.json()["field"] == "origin"
        wrong = client.post("/api/v1/plan/cases", headers=h,
                            json={"airport": "RTM", "reference": "X"})
        assert wrong.status_code == 404
        edit = client.post(f"/api/v1/plan/movements/{site.world.departure_id}", headers=h,
                           json={"gate": "E18", "expected_version": 999})
        assert edit.status_code == 409
        edit = client.post(f"/api/v1/plan/movements/{site.world.departure_id}", headers=h,
                           json={"gate": "E18", "scheduled_at": "2026-09-15T10:30:00Z"})
        assert edit.status_code == 422 and edit.json()["field"] == "reason", edit.text
        edit = client.post(f"/api/v1/plan/movements/{site.world.departure_id}", headers=h,
                           json={"gate": "E18", "scheduled_at": "2026-09-15T10:30:00Z",
                                 "reason": "gate and slot moved by the airline"})
        assert edit.status_code == 200 and edit.json() == {"ok": True}, edit.text
        cancel = client.post(f"/api/v1/plan/movements/{site.world.departure_id}/cancel",
                             headers=h, json={"reason": "aircraft change"})
        assert cancel.status_code == 422 and "are booked on KL1234" in cancel.json()["error"]
        assert _count(site, client, Case) == 3
        # Refusals name the field by its path in the JSON body, whatever the domain calls it.
        case = client.post("/api/v1/plan/cases", headers=h,
                           json={"airport": "AMS", "reference": "API-F"}).json()["id"]
        doc = client.post(f"/api/v1/plan/cases/{case}/passengers", headers=h, json={
            "surname": "Karim", "given_names": "Layla",
            "document": {"doc_type": "passport", "number": "#!", "expires_on": "2030-01-01",
                         "issuing_country": "IRQ"}})
        assert doc.status_code == 422 and doc.json()["field"] == "document.number", doc.text
        doc = client.post(f"/api/v1/plan/cases/{case}/passengers", headers=h, json={
            "surname": "Karim", "given_names": "Layla",
            "document": {"doc_type": "passport", "number": "A1", "expires_on": "2030-01-01",
                         "issuing_country": "XYZ"}})
        assert doc.json()["field"] == "document.issuing_country", doc.text
        charter = client.post("/api/v1/plan/charters", headers=h, json={
            **CHARTER, "movement": {**CHARTER["movement"], "flight": "9301"}})
        assert charter.status_code == 422 and charter.json()["field"] == "movement.flight"
        seats = client.post("/api/v1/plan/charters", headers=h, json={
            **CHARTER, "seat_capacity": 0})
        assert seats.status_code == 422 and seats.json()["field"] == "seat_capacity"
        schema = client.get("/schema/openapi.json").json()
        paths = schema["paths"]
        assert "/api/v1/plan/cases/{case_id}/bookings" in paths
        post = paths["/api/v1/plan/charters"]["post"]
        assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
        assert "201" in post["responses"]
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        resp = client.post("/api/v1/plan/cases", headers={"X-CSRF-Token": csrf},
                           json={"airport": "AMS", "reference": "G-1"})
        assert resp.status_code == 403


def test_charter_stops_through_the_api(site: Site) -> None:
    """Add a stop, refuse removing one with passengers (naming them), then remove it with
    ``move_to``; a retry with the same key acts once; the flight typed any way works."""
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        h = {"X-CSRF-Token": csrf}
        mid = client.post("/api/v1/plan/charters", headers=h, json={
            **CHARTER, "movement": {**CHARTER["movement"], "flight": "or 9302"}}).json()["id"]
        case = client.post("/api/v1/plan/cases", json={"airport": "AMS", "reference": "API-S"},
                           headers=h).json()["id"]
        client.post(f"/api/v1/plan/cases/{case}/passengers", headers=h,
                    json={"surname": "Karim", "given_names": "Layla"})
        assert client.post(f"/api/v1/plan/cases/{case}/bookings", headers=h,
                           json={"movement_id": mid, "stop": "BGW"}).status_code == 201
        hk = {**h, "Idempotency-Key": "stop-1"}
        body = {"code": "NJF", "scheduled_at": "2026-09-15T15:00:00Z", "after": "BGW"}
        added = client.post(f"/api/v1/plan/charters/{mid}/stops", headers=hk, json=body)
        assert added.status_code == 201 and added.json() == {"position": 2}, added.text
        again = client.post(f"/api/v1/plan/charters/{mid}/stops", headers=hk, json=body)
        assert again.headers["Idempotent-Replay"] == "true"
        legs = client.get(f"/api/v1/plan/charters/{mid}").json()["legs"]
        assert [lg["to"] for lg in legs] == ["BGW", "NJF", "EBL", "BSR"]

        refused = client.post(f"/api/v1/plan/charters/{mid}/stops/remove", headers=h,
                              json={"code": "BGW"})
        assert refused.status_code == 422
        assert refused.json()["field"] == "move_to"  # the JSON field that would resolve it
        assert "API-S KARIM Layla" in refused.json()["error"]
        removed = client.post(f"/api/v1/plan/charters/{mid}/stops/remove", headers=h,
                              json={"code": "BGW", "move_to": "NJF"})
        assert removed.status_code == 200 and len(removed.json()["bookings_moved"]) == 1
        legs = client.get(f"/api/v1/plan/charters/{mid}").json()["legs"]
        assert [(lg["frm"], lg["to"], lg["passengers"]) for lg in legs] == [
            ("AMS", "NJF", 1), ("NJF", "EBL", 0), ("EBL", "BSR", 0)]
        bad = client.post("/api/v1/plan/movements", headers=h, json={
            **CHARTER["movement"], "flight": "KL"})
        assert bad.status_code == 422 and bad.json()["field"] == "flight"


def test_edit_a_movement_through_the_api(site: Site) -> None:
    """Issue 14.6: the API edits a planned movement (the flight as typed, one rule with
    the pages and the CLI); a stale version conflicts; a bad flight names its field."""
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        h = {"X-CSRF-Token": csrf}
        mid = client.post("/api/v1/plan/movements", headers=h, json={
            "airport": "AMS", "kind": "departure", "flight": "KL1571",
            "operational_date": "2026-09-15", "scheduled_at": "2026-09-15T14:00:00Z",
            "origin": "AMS", "destination": "EBL"}).json()["id"]
        edited = client.post(f"/api/v1/plan/movements/{mid}", headers=h, json={
            "flight": "kl 1573", "gate": "D7", "expected_version": 1})
        assert edited.status_code == 200 and edited.json() == {"ok": True}, edited.text
        uow = site.app.state.services.uow
        row = client.blocking_portal.call(uow.read, lambda s: s.get(Movement, mid))  # type: ignore[arg-type]
        assert (row.carrier, row.flight_number, row.gate) == ("KL", "1573", "D7")
        stale = client.post(f"/api/v1/plan/movements/{mid}", headers=h, json={
            "gate": "D9", "expected_version": 1})
        assert stale.status_code == 409
        bad = client.post(f"/api/v1/plan/movements/{mid}", headers=h, json={"flight": "1573"})
        assert bad.status_code == 422 and bad.json()["field"] == "flight"


def test_an_id_past_the_database_range_is_refused_by_its_json_path(site: Site) -> None:
    # Found by the API fuzz: {"movement_id": 4602003192155869408133120} on a case's
    # confirm reached the database driver (a 500).  Every id and count in a JSON body is
    # bounded like a path id: a 4xx naming the field, nothing written.
    huge = 4602003192155869408133120
    with TestClient(site.app, base_url=BASE) as client:
        h = {"X-CSRF-Token": login(client, "coord")}
        cases = client.post("/api/v1/plan/cases", headers=h,
                            json={"airport": "AMS", "reference": "C-BIG"})
        assert cases.status_code in (200, 201), cases.text
        case_id = cases.json()["id"]
        before = (_count(site, client, Booking), _count(site, client, Case))
        for path, body, field in (
                (f"/api/v1/plan/cases/{case_id}/confirm", {"movement_id": huge}, "movement_id"),
                (f"/api/v1/plan/cases/{case_id}/bookings", {"movement_id": -1}, "movement_id"),
                (f"/api/v1/plan/movements/{site.world.departure_id}",
                 {"gate": "E18", "expected_version": huge}, "expected_version")):
            resp = client.post(path, headers=h, json=body)
            assert resp.status_code in (400, 422), (path, resp.status_code, resp.text)
            assert field in resp.text, resp.text
        assert (_count(site, client, Booking), _count(site, client, Case)) == before
