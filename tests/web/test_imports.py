"""Imports over HTTP: paste/upload telexes and CSVs, the reconciliation section on the
movement page, the telex JSON API.  A real app on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.demo.day import read_fixture
from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.clock import local_to_utc
from movements.domain.models import Booking, Movement, MovementKind, Passenger
from movements.domain.uow import Tx
from movements.ingest.samples import demo_ptm
from tests.factories import SYSTEM
from tests.ingest.corpus import load
from tests.web.conftest import BASE, Site, login

DAY = date(2026, 9, 15)  # the site's clock: 2026-09-15 07:00 UTC
#: After the off-block the sample MVTs report (an actual time in the future is refused).
AFTER_THE_TELEXES = datetime(2026, 9, 15, 10, 40, tzinfo=UTC)


def plan_demo_nairobi(tx: Tx) -> dict[str, int]:
    """The demo day's Nairobi transit exactly as fixtures/demo_day.json plans it (its
    movements, link and cases), without the rest of the day: fast enough for a test."""
    data = read_fixture()
    wanted = {"kq116", "kl691", "kl1143"}
    ids: dict[str, int] = {}
    for m in data["movements"]:
        if m["key"] not in wanted:
            continue
        ids[m["key"]] = mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind(m["kind"]), carrier=m["carrier"],
            flight_number=m["flight_number"], operational_date=DAY, origin=m["origin"],
            destination=m["destination"],
            scheduled_at=local_to_utc(DAY, m["time"], "Europe/Amsterdam")))
    mv.link_transit(tx, ids["kq116"], ids["kl691"])
    for c in data["cases"]:
        if c.get("flights") != ["kq116", "kl691"]:
            continue
        case = px.get_or_create_case(tx, "AMS", c["ref"], c["programme"])
        for p in c["passengers"]:
            needs = tuple((n, None) if isinstance(n, str) else (n[0], n[1])
                          for n in p.get("needs", ()))
            pid = px.add_passenger(tx, case.id, px.NewPassenger(
                surname=p["surname"], given_names=p["given_names"], needs=needs,
                booking_locator=c.get("locator")))
            for key in c["flights"]:
                px.book_passenger(tx, pid, ids[key])
    return ids


def differences(section: str) -> dict[str, str]:
    """title: key, from the rendered section."""
    out = {}
    for block in section.split('<div role="row" class="case diff')[1:]:
        title = re.search(r"<h3>(.*?)</h3>", block, re.S)
        key = re.search(r'name="key" value="([^"]+)"', block)
        assert title and key, block
        out[html.unescape(title.group(1))] = html.unescape(key.group(1))
    return out


def test_imports_need_a_coordinator(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        assert client.get("/imports", headers={"accept": "text/html"},
                          follow_redirects=False).status_code == 303
        csrf = login(client, "gate")
        assert client.get("/imports").status_code == 403
        assert client.post("/imports/telex", data={"text": "MVT", "_csrf": csrf}
                           ).status_code == 403
        assert client.post("/api/v1/telexes", content=b"MVT",
                           headers={"X-CSRF-Token": csrf}).status_code == 403


def test_paste_the_demo_ptm_then_apply_one_difference_and_dismiss_one(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        legs = client.blocking_portal.call(
            site.app.state.services.uow.run, plan_demo_nairobi, SYSTEM)  # type: ignore[arg-type]
        csrf = login(client, "coord")
        page = client.get("/imports").text
        sample = demo_ptm(DAY)
        assert sample is not None and "KQ116/15SEP NBOAMS" in sample
        assert html.escape(sample.splitlines()[3]) in page  # shown ready to paste

        posted = client.post("/imports/telex", data={"text": sample, "_csrf": csrf})
        assert posted.status_code == 200
        assert "APPLIED" in posted.text and "1 new name for the coordinator" in posted.text
        assert f'href="/movements/{legs["kq116"]}"' in posted.text

        movement_page = client.get(f"/movements/{legs['kq116']}").text
        url = f"/movements/{legs['kq116']}/reconciliation"
        assert f'hx-get="{url}"' in movement_page
        section = client.get(url, headers={"HX-Request": "true"}).text
        found = differences(section)
        assert set(found) == {"Not on the latest list: AKOL, Samuel Lual",
                              "Onward flight changed: MWAMBA, Bahati",
                              "New name: OKOTH/AMANI"}
        assert "onward KL1143 15 Sep" in section and "KL691 15 Sep" in section

        htmx = {"HX-Request": "true", "X-CSRF-Token": csrf}
        applied = client.post(url, headers=htmx, data={
            "key": found["Onward flight changed: MWAMBA, Bahati"], "decision": "apply"})
        assert applied.status_code == 200, applied.text
        assert "moved to onward KL1143" in applied.text
        assert "Onward flight changed" not in applied.text
        dismissed = client.post(url, headers=htmx, data={
            "key": found["Not on the latest list: AKOL, Samuel Lual"], "decision": "dismiss"})
        assert dismissed.status_code == 200
        assert set(differences(dismissed.text)) == {"New name: OKOTH/AMANI"}
        assert "1 difference dismissed" in dismissed.text
        again = client.post(url, headers=htmx, data={
            "key": found["Not on the latest list: AKOL, Samuel Lual"], "decision": "apply"})
        assert again.status_code == 409 and "no longer there" in again.text

        def bahati(s: Session) -> dict[str, str]:
            rows = s.execute(select(Movement.flight_number, Booking.status).join(Booking)
                             .join(Passenger).where(Passenger.given_names == "Bahati"))
            return {number: status.value for number, status in rows}

        assert client.blocking_portal.call(site.app.state.services.uow.read, bahati) == {
            "116": "booked", "691": "cancelled", "1143": "booked"}

        # Gate staff see the movement, not the telex names.
        login(client, "gate")
        assert "AKOL" not in client.get(url, headers={"HX-Request": "true"}).text


def test_upload_files_and_see_recent_telexes(site: Site) -> None:
    site.clock.set(AFTER_THE_TELEXES)  # the MVTs report an off-block that happened
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        files = [("files", ("departure.txt", load("mvt_ok_departure.txt").encode(),
                            "text/plain")),
                 ("files", ("broken.txt", load("mvt_bad_hour.txt").encode(), "text/plain"))]
        resp = client.post("/imports/telex", data={"_csrf": csrf}, files=files)
        assert resp.status_code == 200
        assert "APPLIED</b> departure.txt" in resp.text
        assert "REJECTED</b> broken.txt" in resp.text
        assert re.search(r'class="outcome-rejected">.*?line \d', resp.text, re.S)
        m = client.blocking_portal.call(site.app.state.services.uow.read,
                                        lambda s: s.get(Movement, site.world.departure_id))
        assert m.flight_state == "DEP"

        bad_csv = (b"case_reference,surname,given_names,flight,flight_date\n"
                   b"C-1,Okello,Grace,KL1234,2026-09-15\n"
                   b"C-2,Haddad,Leila,KL999,2026-09-15\n")
        resp = client.post("/imports/passengers", data={"_csrf": csrf},
                           files={"file": ("list.csv", bad_csv, "text/csv")})
        assert resp.status_code == 422
        assert "nothing imported: 1 of 2 rows is bad" in resp.text, resp.text[:2000]
        assert "<td>3</td><td>no movement KL999 on 2026-09-15" in resp.text
        resp = client.post("/imports/passengers", data={"_csrf": csrf, "keep_good_rows": "1"},
                           files={"file": ("list.csv", bad_csv, "text/csv")})
        assert resp.status_code == 200 and "1 passenger created" in resp.text


def test_telex_api_post_list_one_and_schema(site: Site) -> None:
    site.clock.set(AFTER_THE_TELEXES)  # the MVTs report an off-block that happened
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        headers = {"X-CSRF-Token": csrf, "Content-Type": "text/plain"}
        posted = client.post("/api/v1/telexes", content=load("mvt_ok_departure.txt").encode(),
                             headers=headers)
        assert posted.status_code == 201, posted.text
        body: dict[str, Any] = posted.json()
        assert (body["outcome"], body["message_type"], body["flight"]) == (
            "applied", "MVT", "KL1234")
        assert body["movement_id"] == site.world.departure_id
        twice = client.post("/api/v1/telexes", content=load("mvt_ok_departure.txt").encode(),
                            headers=headers).json()
        assert twice["outcome"] == "duplicate"
        rejected = client.post("/api/v1/telexes", content=b"MVT\nXX1/15.PHABC.AMS\nAD151000",
                               headers=headers).json()
        assert rejected["outcome"] == "rejected" and rejected["detail"].startswith("line 2:")
        assert client.post("/api/v1/telexes", content=b"  ", headers=headers).status_code == 400
        elsewhere = client.post("/api/v1/telexes?airport=BRU", headers=headers,
                                content=load("mvt_ok_departure.txt").encode())
        # Out of scope reads as not found (the access policy), and nothing is stored.
        assert elsewhere.status_code == 404 and "among yours" in elsewhere.text

        listed = client.get("/api/v1/telexes").json()
        assert [t["outcome"] for t in listed] == ["rejected", "duplicate", "applied"]
        assert all(t["raw"] is None for t in listed)
        only = client.get("/api/v1/telexes?outcome=rejected").json()
        assert [t["id"] for t in only] == [rejected["id"]]
        one = client.get(f"/api/v1/telexes/{body['id']}").json()
        assert one["raw"] == load("mvt_ok_departure.txt")
        assert client.get("/api/v1/telexes/999999").status_code == 404

        schema = json.loads(client.get("/schema/openapi.json").text)
        post = schema["paths"]["/api/v1/telexes"]["post"]
        assert "text/plain" in post["requestBody"]["content"]
        assert "get" in schema["paths"]["/api/v1/telexes"]
        assert "/api/v1/telexes/{telex_id}" in schema["paths"]


def test_movement_page_without_telexes_says_so(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "coord")
        url = f"/movements/{site.world.departure_id}/reconciliation"
        section = client.get(url, headers={"HX-Request": "true"}).text
        assert "No passenger telex" in section
        full = client.get(url).text
        assert full.startswith("<!doctype html>") and "No passenger telex" in full
        assert client.get("/movements/999999/reconciliation").status_code == 404


def test_an_infant_given_on_an_adult_shows_as_its_own_passenger(site: Site) -> None:
    # TK1957 arrives from Istanbul with nobody planned: the list makes the manifest.
    pnl = ("PNL\nTK1957/15SEP IST PART1\n-AMS001Y\n1MENSAH/AMA MRS .L/Q4W7ZR/KL\n"
           ".L/7HHKQ2/1A\n.R/INFT HK1 02FEB26 MENSAH/KOFI\nENDPNL\n")
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        posted = client.post("/imports/telex", data={"text": pnl, "_csrf": csrf})
        assert posted.status_code == 200 and "APPLIED" in posted.text, posted.text
        page = client.get(f"/movements/{site.world.arrival_id}").text
        rows = page.split('<div role="row" id="pax-')[1:]
        assert len(rows) == 2  # the adult and the infant
        # As a person reads it (the HTML escapes the apostrophe).
        infants = [html.unescape(r) for r in rows if "<abbr>INFT</abbr>" in r]
        assert len(infants) == 1 and "On an adult's lap (same case)" in infants[0]
        assert sum("lap (same case)" in r for r in rows) == 1  # not on the adult's row
        names = client.blocking_portal.call(
            site.app.state.services.uow.read, lambda s: sorted(
                (p.surname, p.given_names, str(p.birth_date), p.lap_of_passenger_id is None)
                for p in s.scalars(select(Passenger).where(Passenger.surname == "MENSAH"))))
        assert names == [("MENSAH", "AMA", "None", True), ("MENSAH", "KOFI", "2026-02-02",
                                                           False)]
