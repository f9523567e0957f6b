"""The reports page on the synthetic 2016 year: the published figures, from the database,
on SQLite and PostgreSQL; what a manager may and may not see; exports; bad filters."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from movements.app import create_app
from movements.demo.load_year import load_year, year_history
from movements.domain.actions import milestones, setup
from movements.domain.clock import ManualClock
from movements.domain.models import Booking, Movement, MovementKind, Role
from movements.domain.uow import Tx
from movements.platform.config import Settings
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, login

YEAR = "start=2016-01-01&end=2016-12-31"


def _users(tx: Tx) -> None:
    setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
    for name, role, airports in (("coord", Role.COORDINATOR, ["AMS"]),
                                 ("manager", Role.MANAGER, ["AMS"]),
                                 ("manager2", Role.MANAGER, ["AMS", "BRU"]),
                                 ("gate", Role.GATE_STAFF, ["AMS"])):
        setup.add_user(tx, name, name.title(), role, _HASH, airports=airports)


@pytest.fixture
def year_app(database_url: str, tmp_path: Path) -> Iterator[Litestar]:
    clock = ManualClock(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, run_jobs=False)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        uow = app.state.services.uow
        client.blocking_portal.call(load_year, uow, 2016)  # type: ignore[arg-type]
        client.blocking_portal.call(uow.run, _users, SYSTEM)  # type: ignore[arg-type]
    yield app


@pytest.fixture
def users_app(database_url: str, tmp_path: Path) -> Iterator[Litestar]:
    """The app with the users and airports but no year: for what reads no figures."""
    clock = ManualClock(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, run_jobs=False)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        uow = app.state.services.uow
        client.blocking_portal.call(uow.run, _airports_and_users,  # type: ignore[arg-type]
                                    SYSTEM)
    yield app


def _airports_and_users(tx: Tx) -> None:
    setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
    _users(tx)


def _cell(html: str, table: str, row: str) -> list[str]:
    """The cells of the row whose header is ``row`` in the table with id t-``table``."""
    section = html.split(f'id="t-{table}"', 1)[1].split("</table>", 1)[0]
    for tr in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        if cells and cells[0] == row:
            return cells[1:]
    raise AssertionError(f"no row {row!r} in {table}")


def _fact(html: str, name: str) -> str:
    found = re.search(rf'id="fact-{name}">([^<]*)<', html)
    assert found, name
    return found.group(1)


def test_the_year_shows_the_published_figures(year_app: Litestar) -> None:
    with TestClient(year_app, base_url=BASE) as client:
        login(client, "coord")
        page = client.get(f"/reports?view=year&{YEAR}")
        assert page.status_code == 200, page.text
        html = page.text
        assert _fact(html, "people") == "14,738"
        assert _fact(html, "departure") == "4,635"
        assert _fact(html, "transit") == "8,133"
        assert _fact(html, "arrival") == "1,970"
        assert _fact(html, "peak") == "2016-09: 1,393"
        assert _cell(html, "by_month", "2016-09")[1] == "1,393"
        assert _cell(html, "medical", "Basic")[3] == "198"
        assert _cell(html, "medical", "Chronic")[3] == "87"
        assert [_cell(html, "chronic_conditions", c)[0] for c in (
            "Diabetes", "Hypertension and cardiovascular", "Infectious diseases",
            "Mental disorders", "Other")] == ["21", "24", "9", "18", "15"]
        assert _cell(html, "minors", "Unaccompanied minors (UMNR)")[0] == "18"
        assert _cell(html, "minors", "Family reunification")[3] == "54"
        assert _cell(html, "minors", "Family reunification: unaccompanied minors")[3] == "24"
        assert _cell(html, "trafficking", "All")[0] == "26"
        assert _cell(html, "by_programme", "Resettlement")[2] == "700"
        assert _cell(html, "by_programme", "Relocation")[2] == "1,216"
        assert _cell(html, "charters", "2016-11-17") == ["IA9851", "BGW – EBL – BSR", "96"]
        # Medical cases by country: the seed's main countries lead.
        assert _cell(html, "medical_by_country", "Serbia")[3] == "59"
        # Service levels: every assisted person was met once, pre-notified (named in a
        # carrier notification issued 48 h or more before the scheduled time) or not.
        departing = _ecac_total(html, "ecac_departing")
        arriving = _ecac_total(html, "ecac_arriving")
        late_departing = _ecac_total(html, "ecac_departing_not_prenotified")
        late_arriving = _ecac_total(html, "ecac_arriving_not_prenotified")
        assert (departing + late_departing, arriving + late_arriving) == (4635, 8133 + 1970)
        assert (late_departing, late_arriving) == _not_prenotified_in_the_year()
        assert 0 < late_departing < departing and 0 < late_arriving < arriving
        assert 'id="t-worst"' in html  # coordinators see the longest waits

        api = client.get(f"/api/v1/reports/annual?{YEAR}").json()
        assert api["facts"]["people"] == 14738
        tables = {t["key"]: t for t in api["tables"]}
        assert tables["by_month"]["rows"][8] == ["2016-09", 355, 1393, 183, 1931]

        rows = list(csv.reader(io.StringIO(
            client.get(f"/reports/tables/by_month.csv?{YEAR}").content.decode("utf-8-sig"))))
        assert rows[1] == ["Month", "Departures", "Transits", "Arrivals", "Total"]
        assert ["2016-09", "355", "1393", "183", "1931"] in rows

        book = client.get(f"/reports/export.xlsx?{YEAR}")
        assert book.status_code == 200
        workbook = load_workbook(io.BytesIO(book.content), read_only=True)
        assert len(workbook.sheetnames) >= 14  # about + every table
        rows = list(workbook["by_month"].iter_rows(values_only=True))
        assert rows[0][0] == "People assisted by month and direction"
        assert ("2016-09", 355, 1393, 183, 1931) in rows

        pdf = client.get(f"/reports/annual.pdf?{YEAR}")
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        for figure in ("14,738", "4,635", "8,133", "1,970", "1,393 transits in 2016-09"):
            assert figure in text, figure


def _not_prenotified_in_the_year() -> tuple[int, int]:
    """Met departing and arriving people of the synthetic year whose movement's carrier
    notification came under 48 h before the scheduled time or never (from the plan)."""
    late = {"departing": 0, "arriving": 0}
    for m in year_history(2016):
        if m.kind == MovementKind.TRANSIT_OUT:
            continue
        if m.notified_at is None or m.scheduled_at - m.notified_at < timedelta(hours=48):
            side = "departing" if m.kind == MovementKind.DEPARTURE else "arriving"
            late[side] += sum(1 for p in m.passengers if p.milestones)
    return late["departing"], late["arriving"]


def _ecac_total(html: str, table: str) -> int:
    section = html.split(f'id="t-{table}"', 1)[1].split("</tbody>", 1)[0]
    total = 0
    for tr in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        total += int(cells[1].replace(",", ""))
    return total


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_manager_sees_aggregates_only(year_app: Litestar) -> None:
    with TestClient(year_app, base_url=BASE) as client:
        login(client, "manager")
        assert client.get("/", follow_redirects=False).headers["location"] == "/reports"
        html = client.get(f"/reports?{YEAR}").text
        assert _fact(html, "people") == "14,738"
        # Small cells are suppressed for a manager, and the page says so.
        assert _cell(html, "trafficking", "All")[0] == "26"
        assert _cell(html, "trafficking", "Sierra Leone")[0] == "&lt;5"
        assert _cell(html, "minors", "Unaccompanied minors (UMNR)")[0] == "18"
        assert "so that no person can be singled out" in html
        # The headline counts too: two people on stretchers in the year.
        few = client.get(f"/reports?{YEAR}&need=STCR").text
        assert _fact(few, "people") == "&lt;5"
        assert "STCR" in few and ">2<" not in few.split('id="fact-people"')[1][:20]
        pdf = client.get(f"/reports/annual.pdf?{YEAR}&need=STCR")
        assert pdf.status_code == 200
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "assisted <5 people" in text
        # No personal route is linked, no worst cases (they point at movements).
        assert 'id="t-worst"' not in html
        assert "/movements/" not in html and "/bookings/" not in html
        api = client.get(f"/api/v1/reports/service-levels?{YEAR}").json()
        assert api["worst_cases"] == []
        vot = next(t for t in client.get(f"/api/v1/reports/annual?{YEAR}").json()["tables"]
                   if t["key"] == "trafficking")
        assert ["SLE", "<5", 0, 0, "<5"] in vot["rows"]
        # The chart is an image with its own policy: no script, styles inside only.
        svg = client.get(f"/reports/charts/by_month.svg?{YEAR}")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert "script" not in svg.headers["content-security-policy"]
        assert b"<script" not in svg.content
        # Month axis: short month names (the seven-character keys ran together at 768 px).
        x_axis = svg.text[svg.text.index('class="axis x'):]
        ticks = re.findall(r'class="guide line" /><text[^>]*>([^<]*)</text>', x_axis)
        assert ticks[:3] == ["Jan", "Feb", "Mar"] and "2016-01" not in svg.text, ticks
        # Not one personal route answers.
        movement_id = _first(client, Movement.id)
        booking_id = _first(client, Booking.id)
        for url in ("/board", f"/movements/{movement_id}", f"/bookings/{booking_id}/reveal",
                    f"/movements/{movement_id}/handovers", "/api/v1/movements",
                    f"/api/v1/movements/{movement_id}", "/alerts", "/imports", "/reception",
                    "/admin/audit", "/reports/daily.pdf", "/handovers/1",
                    "/handovers/1/manifest.pdf", "/api/v1/handovers/1/manifest"):
            assert client.get(url).status_code in (403, 404), url
        # An airport that is not the manager's reads as not found.
        assert client.get(f"/reports?{YEAR}&airport=BRU").status_code == 404
    with TestClient(year_app, base_url=BASE) as client:
        login(client, "manager2")
        both = client.get(f"/reports?{YEAR}&airport=AMS&airport=BRU")
        assert both.status_code == 200
        assert "AMS, BRU" in both.text and _fact(both.text, "people") == "14,738"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_bad_filters_are_refused_by_name(users_app: Litestar) -> None:
    # No year loaded: a filter is refused by its name before any figure is read.
    with TestClient(users_app, base_url=BASE) as client:
        login(client, "coord")
        for query, word in (("start=2016-13-01", "start="), ("end=yesterday", "end="),
                            ("start=2016-05-01&end=2016-04-01", "before start"),
                            ("direction=sideways", "direction="), ("need=XXXX", "need="),
                            ("programme=tourism", "programme="), ("view=decade", "view="),
                            ("airport=A1", "airport="),
                            ("start=2010-01-01&end=2016-12-31", "at most")):
            resp = client.get(f"/reports?{query}", headers={"accept": "application/json"})
            assert resp.status_code == 400, query
            assert word in resp.text, (query, resp.text)
        assert client.get("/reports/charts/nothing.svg").status_code == 404
        assert client.get("/reports/tables/nothing.csv").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_figures_follow_a_write_at_once(year_app: Litestar) -> None:
    """The aggregates are cached by data stamp: a no-show recorded now shows at once."""
    url = "/reports?start=2016-09-01&end=2016-09-30&direction=departure"
    with TestClient(year_app, base_url=BASE) as client:
        login(client, "coord")
        before = client.get(url).text
        assert _fact(before, "departure") == "355"
        booking_id = _first(client, Booking.id, Movement.kind == MovementKind.DEPARTURE,
                            Movement.operational_date == datetime(2016, 9, 20).date())
        client.blocking_portal.call(  # type: ignore[arg-type]
            year_app.state.services.uow.run, milestones.record_no_show, SYSTEM, booking_id,
            "did not come")
        after = client.get(url).text
        assert _fact(after, "departure") == "354"
        assert _cell(after, "no_shows", "2016-09-20")[1] == "1"


def _first(client: TestClient[Litestar], column: Any, *where: Any) -> int:
    def query(session: Any) -> int:
        stmt = select(column).select_from(Booking).join(Movement).where(*where) \
            .order_by(column).limit(1)
        return int(session.scalar(stmt))

    app = client.app
    return int(client.blocking_portal.call(app.state.services.uow.read, query))
