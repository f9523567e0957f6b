"""The planning pages over HTTP (issue 14): forms in, 303 to the result or 422 with the
refusal on the form's page; retries with the same key act once; gate staff are refused."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from movements.domain.models import AuditEntry, Booking, Case, Movement, Passenger
from movements.domain.planning_models import CarrierNotification, CharterCrew
from tests.web.conftest import BASE, Site, login


def _count(site: Site, client: TestClient[Litestar], model: type, *where: object) -> int:
    uow = site.app.state.services.uow
    return int(client.blocking_portal.call(uow.read, lambda s: s.scalar(  # type: ignore[arg-type]
        select(func.count()).select_from(model).where(*where))))


def _post(client: TestClient[Litestar], url: str, csrf: str, key: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"_csrf": csrf, "_idem": key, **data}, follow_redirects=False)


CHARTER = {"airport": "AMS", "flight": "OR9301", "date": "2026-09-15", "time": "11:00",
           "operator": "TUI fly Netherlands", "aircraft_type": "B738",
           "aircraft_registration": "PH-TFA", "seat_capacity": "3",
           "stop_1": "BGW", "stop_1_at": "2026-09-15T14:00",
           "stop_2": "EBL", "stop_2_at": "2026-09-15T16:00",
           "stop_3": "BSR", "stop_3_at": "2026-09-15T18:00"}

MEMBER = {"surname": "Karim", "given_names": "Layla", "sex": "F", "birth_date": "1980-02-03",
          "nationality": "IRQ", "doc_type": "passport", "doc_number": "A1234567",
          "doc_expiry": "2030-01-01", "doc_country": "IRQ", "ssr_WCHR": "on",
          "ssr_WCHR_text": "long corridors"}


def test_coordinator_plans_a_charter_books_a_case_and_sees_legs(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        assert "Plan a charter" in client.get("/plan/").text
        resp = _post(client, "/plan/charters", csrf, "k-charter", **CHARTER)
        assert resp.status_code == 303, resp.text
        charter_url = resp.headers["location"]
        mid = int(charter_url.rsplit("/", 1)[1])
        again = _post(client, "/plan/charters", csrf, "k-charter", **CHARTER)
        assert again.status_code == 303 and again.headers["location"] == charter_url
        assert _count(site, client, Movement, Movement.flight_number == "9301") == 1

        resp = _post(client, "/plan/cases", csrf, "k-case", airport="AMS", reference="VR-77")
        assert resp.status_code == 303
        case_url = resp.headers["location"]
        cid = int(case_url.rsplit("/", 1)[1])
        for i, given in enumerate(("Layla", "Omar")):
            resp = _post(client, f"/plan/cases/{cid}/passengers", csrf, f"k-m{i}",
                         **{**MEMBER, "given_names": given, "doc_number": f"A{i}LAYLA"})
            assert resp.status_code == 303, resp.text
        resp = _post(client, f"/plan/cases/{cid}/book", csrf, "k-book",
                     movement_id=str(mid), stop="EBL")
        assert resp.status_code == 303, resp.text
        page = client.get(f"/movements/{mid}").text
        assert 'data-leg="AMS-BGW"' in page and "<b>2</b> / 3" in page
        assert "missing: voluntary-movement declaration, consent" in page
        board = client.get("/board?date=2026-09-15").text
        assert 'data-ready="missing: voluntary-movement declaration, consent"' in board

        # Over capacity: refused on the case page with the leg, nothing booked.
        other = _post(client, "/plan/cases", csrf, "k-case2", airport="AMS", reference="VR-78")
        cid2 = int(other.headers["location"].rsplit("/", 1)[1])
        for i, given in enumerate(("Sara", "Ali")):
            _post(client, f"/plan/cases/{cid2}/passengers", csrf, f"k-o{i}",
                  **{**MEMBER, "given_names": given, "doc_number": f"B{i}SARA"})
        before = _count(site, client, Booking)
        resp = _post(client, f"/plan/cases/{cid2}/book", csrf, "k-book2",
                     movement_id=str(mid), stop="BGW")
        assert resp.status_code == 422
        assert "OR9301 AMS\u2013BGW: 4 on board (4 passengers, 0 crew) for 3 seats" in resp.text
        assert _count(site, client, Booking) == before

        # Crew takes a seat; the printable pickup list.
        resp = _post(client, f"/plan/charters/{mid}/crew", csrf, "k-crew",
                     name="Dr. A. Visser", role="medical_doctor", board_at="AMS",
                     leave_at="BSR")
        assert resp.status_code == 303
        assert _count(site, client, CharterCrew) == 1
        resp = _post(client, f"/plan/charters/{mid}/pickups", csrf, "k-pick",
                     location="AZC Ter Apel", time="06:30", vehicle="van 8 seats",
                     headcount="2")
        assert resp.status_code == 303, resp.text
        printed = client.get(f"/plan/charters/{mid}/pickups").text
        assert "AZC Ter Apel" in printed and "van 8 seats" in printed

        # Hand-entered data reaches the charter manifest and the escort briefing.
        for url in (f"/movements/{mid}/charter-manifest.pdf", f"/movements/{mid}/briefing.pdf"):
            pdf = client.get(url)
            assert pdf.status_code == 200, (url, pdf.text[:300])
            text = " ".join(" ".join(page.extract_text().split())
                            for page in PdfReader(io.BytesIO(pdf.content)).pages)
            assert "Dr. A. Visser" in text and "medical doctor (AMS" in text, (url, text)
            assert "KARIM" in text.upper(), url
        daily = client.get("/reports/daily.pdf?date=2026-09-15")
        assert daily.status_code == 200, daily.text[:300]
        text = " ".join(" ".join(page.extract_text().split())
                        for page in PdfReader(io.BytesIO(daily.content)).pages)
        # The charter's two hand-entered passengers count with the world's three.
        assert "Departures 2 5" in text and "Wheelchair 3" in text, text[:1500]

        # The carrier notification: shown, recorded once.
        notice = client.get(f"/plan/movements/{mid}/notice").text
        assert "WCHR 1 EBL KARIM/LAYLA MRS FT LONG CORRIDORS" in notice
        fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', notice)
        assert fingerprint
        resp = _post(client, f"/plan/movements/{mid}/notice", csrf, "k-sent",
                     fingerprint=fingerprint.group(1))
        assert resp.status_code == 303
        assert _count(site, client, CarrierNotification) == 1
        assert "Sent" in client.get(f"/plan/movements/{mid}/notice").text


def test_bad_input_says_what_and_where_and_writes_nothing(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        cases = _count(site, client, Case)
        audits = _count(site, client, AuditEntry)
        for data, message in (
                ({"flight": "KL1571", "date": "15-09-2026", "time": "10:00",
                  "destination": "EBL"}, "Not saved (Date): '15-09-2026': expected YYYY-MM-DD"),
                ({"flight": "KL1571", "date": "2026-09-15", "time": "25:00",
                  "destination": "EBL"}, "Not saved (Time (local)): '25:00': expected HH:MM"),
                ({"flight": "KL1571", "date": "2026-09-15", "time": "10:00",
                  "destination": "ERBIL"}, "To 'ERBIL' is not an IATA airport code")):
            resp = _post(client, "/plan/movements", csrf, "", airport="AMS", kind="departure",
                         **data)
            assert resp.status_code == 422, resp.text
            assert message in html.unescape(resp.text)
            assert "(time)" not in resp.text
        resp = _post(client, "/plan/cases", csrf, "", airport="AMS", reference="")
        assert resp.status_code == 422 and "case reference is required" in resp.text
        assert _count(site, client, Case) == cases
        assert _count(site, client, AuditEntry) == audits
        passenger = _post(client, f"/plan/cases/{1}/passengers", csrf, "",
                          **{**MEMBER, "nationality": "XYZ"})
        assert passenger.status_code == 422 and "Nationality): " in passenger.text
        assert "(nationality)" not in passenger.text
        assert _count(site, client, Passenger, Passenger.surname == "Karim") == 0


def test_dates_far_off_and_a_flight_to_its_own_airport_are_refused(site: Site) -> None:
    """The site's today is 2026-09-15: plans from 2026-09-08 to 2028-09-15; a departure
    goes to, an arrival comes from, another airport; a departure leaves from, an arrival
    lands at, this one (no "BRU -> IST" on the AMS board).  Nothing is written."""
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        movements = _count(site, client, Movement)
        audits = _count(site, client, AuditEntry)
        for kind, data, message in (
                ("departure", {"date": "1900-01-01", "destination": "EBL"},
                 "Not saved (Date): date 1900-01-01 is more than 7 days ago; plan flights "
                 "from 2026-09-08"),
                ("departure", {"date": "9999-12-31", "destination": "EBL"},
                 "Not saved (Date): date 9999-12-31 is more than 2 years ahead; plan "
                 "flights up to 2028-09-15"),
                ("arrival", {"date": "2026-09-15", "origin": "AMS"},
                 "Not saved (From): from AMS: a flight arriving at AMS comes from another airport"),
                ("departure", {"date": "2026-09-15", "destination": "ams"},
                 "Not saved (To): to AMS: a flight leaving AMS goes to another airport"),
                ("departure", {"date": "2026-09-15", "origin": "BRU", "destination": "IST"},
                 "Not saved (From): from BRU: a flight leaving AMS leaves from AMS"),
                ("arrival", {"date": "2026-09-15", "origin": "IST", "destination": "BRU"},
                 "Not saved (To): to BRU: a flight arriving at AMS lands at AMS"),
                ("transit", {"in_flight": "KL1", "in_date": "9999-12-31", "in_time": "09:00",
                             "in_origin": "LHR", "out_flight": "KL2", "out_date": "2026-09-15",
                             "out_time": "11:00", "out_destination": "EBL"},
                 "Not saved (Inbound leg (lands here), Date): date 9999-12-31 is more than "
                 "2 years")):
            form = data if kind == "transit" else {"flight": "KL1571", "time": "10:00", **data}
            resp = _post(client, "/plan/movements", csrf, "", airport="AMS", kind=kind, **form)
            assert resp.status_code == 422, resp.text
            assert message in html.unescape(resp.text)
        for day in ("2026-09-08", "2028-09-15"):  # the window's ends are allowed
            resp = _post(client, "/plan/movements", csrf, "", airport="AMS",
                         kind="departure", flight="KL1571", date=day, time="10:00",
                         destination="EBL")
            assert resp.status_code == 303, resp.text
        assert _count(site, client, Movement) == movements + 2
        assert _count(site, client, AuditEntry) == audits + 2


def test_gate_staff_cannot_plan(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        assert client.get("/plan/").status_code == 403
        resp = _post(client, "/plan/cases", csrf, "", airport="AMS", reference="X")
        assert resp.status_code == 403


def test_empty_forms_are_refused_cleanly_never_a_server_error(site: Site) -> None:
    from tests.web.test_routes import ACCESS, _concrete

    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        for (method, path), _ in sorted(ACCESS.items()):
            if not path.startswith("/plan"):
                continue
            url = _concrete(path, site)
            resp = client.request(method, url, headers={"X-CSRF-Token": csrf},
                                  data={} if method == "POST" else None,
                                  follow_redirects=False)
            assert resp.status_code < 500, (method, url, resp.text[-400:])
            if method == "POST" and not url.endswith("/clearance"):
                # (The clearance form is checkboxes: an empty one unticks them all.)
                assert resp.status_code in (400, 404, 409, 422), (method, url)


def test_a_telex_for_an_unplanned_flight_is_offered_for_planning(site: Site) -> None:
    from movements.ingest.apply import submit
    from tests.factories import SYSTEM

    text = "MVT\nKL1571/15.PHBXB.AMS\nAD150905/150917 EA1315 EBL"
    site.clock.set(datetime(2026, 9, 15, 9, 30, tzinfo=UTC))  # after its off-block 09:05
    with TestClient(site.app, base_url=BASE) as client:
        uow = site.app.state.services.uow
        outcome = client.blocking_portal.call(  # type: ignore[arg-type]
            lambda: submit(uow, SYSTEM, text, airport="AMS"))
        assert outcome.outcome == "rejected" and "plan the movement first" in outcome.detail
        csrf = login(client, "coord")
        page = client.get("/plan/?date=2026-09-15").text
        assert "Telexes for flights not planned" in page
        form = re.search(r'<form method="post" action="/plan/movements" class="grid-form '
                         r'telex-offer".*?</form>', page, re.S)
        assert form, page
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
        assert (fields["flight"], fields["kind"], fields["origin"], fields["destination"],
                fields["time"]) == ("KL1571", "departure", "AMS", "EBL", "11:05")
        fields["_csrf"] = csrf
        resp = client.post("/plan/movements", data=fields, follow_redirects=False)
        assert resp.status_code == 303, resp.text
        assert _count(site, client, Movement, Movement.flight_number == "1571") == 1
        assert "Telexes for flights not planned" not in client.get("/plan/?date=2026-09-15").text
        again = client.blocking_portal.call(  # type: ignore[arg-type]
            lambda: submit(uow, SYSTEM, text, airport="AMS"))
        assert again.outcome == "applied", again.detail


def test_the_plan_form_offers_the_feeds_published_flights(database_url: str,
                                                          tmp_path: object) -> None:
    from datetime import UTC, date, datetime
    from pathlib import Path

    from movements.app import create_app
    from movements.domain.clock import ManualClock
    from movements.feed.replay import ReplayFeedServer, recorded_day
    from movements.platform.config import Settings
    from tests.factories import SYSTEM
    from tests.feed.test_failures import DEMO, SCRIPT
    from tests.web.conftest import seed

    clock = ManualClock(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    server = ReplayFeedServer(recorded_day(date(2026, 9, 15), script=SCRIPT, demo_day=DEMO),
                              clock).start()
    try:
        settings = Settings(data_dir=Path(str(tmp_path)), database_url=database_url,
                            secure_cookies=False, public_url=BASE, heartbeat_seconds=1.0,
                            run_jobs=False, feed_url=server.url, feed_app_id="replay",
                            feed_app_key="replay-key")
        app = create_app(settings, clock=clock)
        with TestClient(app, base_url=BASE) as client:
            client.blocking_portal.call(app.state.services.uow.run, seed, SYSTEM)  # type: ignore[arg-type]
            csrf = login(client, "coord")
            page = client.get("/plan/?date=2026-09-15").text
            assert "Published flights of the day" in page
            assert "KL1001" in page and "HV6001" in page  # published, not planned by us
            assert "flight=KL1001&amp;time=06:00" in page  # the script's local time
            # Once planned, a flight is no longer offered; the other side of a flight
            # number (an arrival HV6001) does not hide the published departure.
            for key, kind, flight, time, other in (("k-kl", "departure", "KL1001", "06:00",
                                                     "LHR"),
                                                    ("k-hv", "arrival", "HV6001", "09:00",
                                                     "AGP")):
                end = "destination" if kind == "departure" else "origin"
                resp = _post(client, "/plan/movements", csrf, key, airport="AMS", kind=kind,
                             flight=flight, date="2026-09-15", time=time, **{end: other})
                assert resp.status_code == 303, resp.text
            page = client.get("/plan/?date=2026-09-15").text
            assert "flight=KL1001&amp;" not in page
            assert "flight=HV6001&amp;time=07:00" in page
            assert "flight=KL1575&amp;" in page
    finally:
        server.stop()
    # Without a feed: plain entry, and the page says why.
    with TestClient(create_app(Settings(
            data_dir=Path(str(tmp_path)) / "b", database_url=database_url,
            secure_cookies=False, public_url=BASE, run_jobs=False), clock=clock),
            base_url=BASE) as client:
        login(client, "coord")
        assert "no flight feed is configured" in client.get("/plan/").text


def test_charter_stop_added_and_removed_on_the_page(site: Site) -> None:
    """The charter page's stop forms: a refusal re-renders the page naming the people
    booked there (nothing changed); choosing where they leave instead removes the stop."""
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        mid = int(_post(client, "/plan/charters", csrf, "k-c", **CHARTER)
                  .headers["location"].rsplit("/", 1)[1])
        cid = int(_post(client, "/plan/cases", csrf, "k-case", airport="AMS",
                        reference="VR-S").headers["location"].rsplit("/", 1)[1])
        _post(client, f"/plan/cases/{cid}/passengers", csrf, "k-m", **MEMBER)
        assert _post(client, f"/plan/cases/{cid}/book", csrf, "k-b", movement_id=str(mid),
                     stop="BGW").status_code == 303
        page = client.get(f"/plan/charters/{mid}").text
        assert 'data-form="add-stop"' in page and 'data-form="remove-stop"' in page
        resp = _post(client, f"/plan/charters/{mid}/stops", csrf, "k-add", after="BGW",
                     code="njf", at="2026-09-15T15:00")
        assert resp.status_code == 303, resp.text
        assert "BGW → NJF → EBL → BSR" in client.get(f"/movements/{mid}").text
        resp = _post(client, f"/plan/charters/{mid}/stops/remove", csrf, "k-rm", stop="BGW")
        assert resp.status_code == 422
        assert "Not saved (Passengers): 1 passenger(s) are booked to leave OR9301 at BGW: " \
               "VR-S KARIM Layla" in html.unescape(resp.text)
        assert _count(site, client, AuditEntry, AuditEntry.action == "remove_charter_stop") == 0
        resp = _post(client, f"/plan/charters/{mid}/stops/remove", csrf, "k-rm2", stop="BGW",
                     move_to="NJF")
        assert resp.status_code == 303, resp.text
        assert _count(site, client, Booking, Booking.stop == "NJF") == 1
        assert "AMS → NJF → EBL → BSR" in client.get(f"/movements/{mid}").text
        bad = _post(client, f"/plan/charters/{mid}/stops", csrf, "k-bad", code="ISU",
                    at="tomorrow")
        assert bad.status_code == 422
        assert "Not saved (Arrival (local time at the stop)): 'tomorrow': expected" \
            in html.unescape(bad.text)


#: Internal names (snake_case, or a form field's name) must never reach a person.
_INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_every_refusal_names_the_field_by_its_label(site: Site) -> None:
    """Issue 14: a refusal on any planning form names the field as the page labels it
    (the page's own <label>, in the reader's language), never its internal name."""
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        mid = int(_post(client, "/plan/charters", csrf, "k-c", **CHARTER)
                  .headers["location"].rsplit("/", 1)[1])
        cid = int(_post(client, "/plan/cases", csrf, "k-case", airport="AMS",
                        reference="VR-L").headers["location"].rsplit("/", 1)[1])
        cases = (
            (f"/plan/charters/{mid}", {"operator": "TUI", "seat_capacity": "lots"}, "Seats"),
            (f"/plan/charters/{mid}", {"operator": "TUI", "seat_capacity": "0"}, "Seats"),
            ("/plan/charters", {**CHARTER, "seat_capacity": "x"}, "Seats"),
            ("/plan/charters", {**CHARTER, "stop_2_at": "soon"},
             "Stops in route order (times local at each stop), Stop 2 arrives (local time there)"),
            (f"/plan/charters/{mid}/pickups", {"location": "Ter Apel", "date": "2026-09-15",
                                                "time": "5h", "vehicle": "bus",
                                                "headcount": "3"}, "Time (local)"),
            (f"/plan/charters/{mid}/pickups", {"location": "Ter Apel", "date": "2026-09-15",
                                                "time": "05:00", "vehicle": "bus",
                                                "headcount": "many"}, "Headcount"),
            (f"/plan/cases/{cid}/passengers", {**MEMBER, "doc_number": "#!"},
             "Travel document, Number"),
            (f"/plan/cases/{cid}/passengers", {**MEMBER, "birth_date": "3 Feb"},
             "Person, Birth date"),
            ("/plan/movements", {"airport": "AMS", "kind": "departure", "flight": "1571",
                                 "date": "2026-09-15", "time": "10:00",
                                 "destination": "EBL"}, "Flight"),
        )
        for url, data, label in cases:
            resp = _post(client, url, csrf, "", **data)
            assert resp.status_code == 422, (url, data, resp.status_code)
            alert = html.unescape(resp.text).split('class="message error" role="alert">', 1)[1]
            alert = alert.split("</p>", 1)[0]
            assert alert.startswith(f"Not saved ({label}): "), (url, alert)
            assert not _INTERNAL.search(alert), (url, alert)
        # The same refusal in Dutch names the Dutch label.
        client.post("/account/language", data={"_csrf": csrf, "locale": "nl"})
        resp = _post(client, f"/plan/charters/{mid}", csrf, "", operator="TUI",
                     seat_capacity="lots")
        alert = html.unescape(resp.text).split('role="alert">', 1)[1].split("</p>", 1)[0]
        assert alert.startswith("Niet opgeslagen (Stoelen): "), alert


def test_a_name_with_an_emoji_symbol_or_digit_is_refused_naming_field_and_character(
        site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        resp = _post(client, "/plan/cases", csrf, "k-nc", airport="AMS", reference="VR-90")
        cid = int(resp.headers["location"].rsplit("/", 1)[1])
        passengers = _count(site, client, Passenger)
        audits = _count(site, client, AuditEntry)
        for field, value, shown in (("surname", "Hassan😀", "'😀'"),
                                    ("given_names", "Layla2", "'2'"),
                                    ("native_name", "ليلى★", "'★'")):
            resp = _post(client, f"/plan/cases/{cid}/passengers", csrf, "",
                         **{**MEMBER, field: value})
            assert resp.status_code == 422, (field, resp.text[:300])
            text = html.unescape(resp.text)
            assert f"contains {shown}" in text, (field, text[:2000])
            assert f"({field})" not in text  # the label, not the form name
        assert _count(site, client, Passenger) == passengers
        assert _count(site, client, AuditEntry) == audits
        # The same through an edit: the stored name stays as it was.
        ok = _post(client, f"/plan/cases/{cid}/passengers", csrf, "k-ok", **MEMBER)
        assert ok.status_code == 303, ok.text
        uow = site.app.state.services.uow
        pid = int(client.blocking_portal.call(uow.read, lambda s: s.scalar(  # type: ignore[arg-type]
            select(Passenger.id).where(Passenger.case_id == cid))))
        resp = _post(client, f"/plan/passengers/{pid}", csrf, "",
                     **{**MEMBER, "surname": "Hassan😀"})
        assert resp.status_code == 422 and "contains '😀'" in html.unescape(resp.text)
        assert _count(site, client, Passenger, Passenger.id == pid,
                      Passenger.surname == "Karim") == 1
