"""Passenger lists as spreadsheet programs save them (issue 19.2): ``sep=`` lines,
semicolons and tabs, Windows-1252 and UTF-16, empty trailing columns and rows, XLSX;
every refusal names its line and field.  On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain.models import Passenger
from movements.domain.uow import UnitOfWork
from movements.ingest import passengers_csv
from movements.ingest.tables import read_table
from tests.factories import SYSTEM
from tests.ingest.test_apply import transit_world
from tests.ingest.test_csv import counts

COLS = ("case_reference", "surname", "given_names", "native_name", "birth_date",
        "flight", "flight_date")
PEOPLE = (
    ("C-1", "Müller", "José Ærø", "", "2001-04-05", "KL1234", "2026-09-15"),
    ("C-2", "Haddad", "Salma", "سلمى حداد", "", "KL1234", "2026-09-15"),
    ("C-3", "Nguyễn", "Thị Ánh", "", "1999-12-31", "KL1234", "2026-09-15"),
)
CP1252_PEOPLE = tuple(p for p in PEOPLE if p[1] != "Haddad" and p[1] != "Nguyễn") + (
    ("C-4", "Ndiaye", "Aïssatou", "", "", "KL1234", "2026-09-15"),)


def table(rows: tuple[tuple[str, ...], ...], sep: str, *, trailing: int = 0) -> str:
    pad = sep * trailing
    lines = [sep.join(COLS) + pad] + [sep.join(r) + pad for r in rows]
    return "\r\n".join(lines) + "\r\n"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Passagiers"
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def excel_rows() -> list[list[object]]:
    return [list(COLS), *[[datetime.fromisoformat(v) if c.endswith("date") and v else v
                           for c, v in zip(COLS, r, strict=True)] for r in PEOPLE],
            [None] * len(COLS)]


CASES = {
    "excel-nl: sep=; line, Windows-1252, trailing empty columns and rows": (
        ("sep=;\r\n" + table(CP1252_PEOPLE, ";", trailing=3) + ";;;;;;;;;;\r\n;;;;\r\n")
        .encode("cp1252"), CP1252_PEOPLE, ("Windows-1252", "semicolons", '"sep=;" line')),
    "excel unicode text: UTF-16 LE with a BOM, tabs": (
        b"\xff\xfe" + table(PEOPLE, "\t").encode("utf-16-le"), PEOPLE,
        ("UTF-16", "byte order mark", "tabs")),
    "UTF-16 without a BOM, commas": (
        table(PEOPLE, ",").encode("utf-16-le"), PEOPLE, ("UTF-16", "commas")),
    "UTF-8 with a BOM, semicolons found from the header": (
        table(PEOPLE, ";", trailing=2).encode("utf-8-sig"), PEOPLE,
        ("UTF-8 with a byte order mark", "semicolons", "header")),
    "UTF-8 without a BOM, commas": (
        table(PEOPLE, ",").encode("utf-8"), PEOPLE, ("CSV in UTF-8,", "commas")),
    "XLSX, date cells, an empty last row": (
        xlsx(excel_rows()), PEOPLE, ("XLSX workbook", "'Passagiers'")),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_spreadsheets_import_as_saved(uow: UnitOfWork, case: str) -> None:
    data, people, said = CASES[case]
    await uow.run(transit_world, SYSTEM)
    report = await passengers_csv.import_file(uow, SYSTEM, data, airport="AMS")
    assert report.kept and not report.errors, report.errors
    assert report.created == len(people)
    for words in said:
        assert words in report.read_as, report.read_as
        assert words in str(report)

    def read(s: Session) -> set[tuple[str, str, str | None, date | None]]:
        return {(p.surname, p.given_names, p.native_name, p.birth_date)
                for p in s.scalars(select(Passenger))}
    stored = await uow.read(read)
    assert stored == {(p[1], p[2], p[3] or None, date.fromisoformat(p[4]) if p[4] else None)
                      for p in people}


def test_a_decomposed_name_is_stored_composed() -> None:
    nfd = "Nguye\u0302\u0303n"  # e + circumflex + tilde, as macOS may write it
    parsed = passengers_csv.read(table((("C-1", nfd, "Thi\u0323", "", "", "KL1234",
                                         "2026-09-15"),), ",").encode())
    p = parsed.rows[0].passenger
    assert (p.surname, p.given_names) == ("Nguyễn", "Thị")


async def test_refusals_name_the_line_and_the_field(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    before = await counts(uow)
    undefined = (table(CP1252_PEOPLE, ";").encode("cp1252") +
                 b"C-9;Okello;Gr\x81ce;;;KL1234;2026-09-15\r\n")  # 0x81: not in cp1252
    report = await passengers_csv.import_file(uow, SYSTEM, undefined, airport="AMS")
    assert not report.kept and report.errors[0].line_no == 4
    assert "none of UTF-8, UTF-16 and Windows-1252" in report.errors[0].reason

    rows = excel_rows()
    rows[2][COLS.index("birth_date")] = "31/12/1999"
    rows[3].append("stray")
    book = await passengers_csv.import_file(uow, SYSTEM, xlsx(rows), airport="AMS")
    assert not book.kept
    assert [(e.line_no, e.reason) for e in book.errors] == [
        (3, "birth_date '31/12/1999' is not a date YYYY-MM-DD"),
        (4, "field 8 has a value, but the header has 7 columns")]
    assert "XLSX workbook" in str(book)

    unnamed = ("," + ",".join(COLS) + ",,\n" + "," + ",".join(PEOPLE[0]) + ",,oops\n"
               + "oops," + ",".join(PEOPLE[1]) + "\n").encode()
    r = await passengers_csv.import_file(uow, SYSTEM, unnamed, airport="AMS")
    assert [(e.line_no, e.reason) for e in r.errors] == [
        (2, "field 10 has a value, but the header has 8 columns"),
        (3, "field 1 has a value, but its column has no name in the header")]

    short = ("sep=;\n" + ";".join(COLS) + "\n" + "C-1;Okello;Grace\n").encode()
    r = await passengers_csv.import_file(uow, SYSTEM, short, airport="AMS")
    assert r.errors[0].line_no == 3 and "no native_name field" in r.errors[0].reason
    typo = await passengers_csv.import_file(uow, SYSTEM, b"sep=,\ncase_ref,surname\n",
                                            airport="AMS")
    assert typo.errors[0].line_no == 2 and "unknown column(s) 'case_ref'" in typo.errors[0].reason
    bell = table((("C-1", "Oke\x07llo", "Grace", "", "", "KL1234", "2026-09-15"),), ";")
    r = await passengers_csv.import_file(uow, SYSTEM, bell.encode("utf-16"), airport="AMS")
    assert [(e.line_no, e.reason) for e in r.errors] == [
        (2, "surname contains the control character U+0007 (character 4)")]
    xls = await passengers_csv.import_file(uow, SYSTEM, b"\xd0\xcf\x11\xe0rest", airport="AMS")
    assert ".xls" in xls.errors[0].reason
    assert await counts(uow) == before


async def test_a_character_no_font_prints_is_noted_at_import(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    data = table((("C-1", "Khalil", "Amal \U00010000", "", "", "KL1234", "2026-09-15"),),
                 ",").encode()
    report = await passengers_csv.import_file(uow, SYSTEM, data, airport="AMS")
    assert report.kept and report.created == 1  # kept as written, not refused
    assert [(n.line_no, n.reason.split(";")[0]) for n in report.notes] == [
        (2, "given_names: no manifest font can print U+10000 \U00010000")]
    stored = await uow.read(lambda s: s.scalar(select(Passenger.given_names)))
    assert stored == "Amal \U00010000"


def test_the_separator_follows_the_header() -> None:
    known = set(COLS)
    assert read_table("a;b,c\n", known_columns=known).read_as.endswith(
        "commas (from the header)")
    assert "semicolons" in read_table("surname;given_names,x\n", known_columns=known).read_as
    assert "tabs" in read_table("surname\tgiven_names\n", known_columns=known).read_as


@pytest.fixture
def cli_backend() -> str:
    return "sqlite"


def test_cli_imports_an_xlsx_and_says_how(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from movements.cli import main
    from movements.domain.uow import NullPublisher
    from movements.platform.db import Database

    for name in ("MOVEMENTS_DATABASE_URL", "MOVEMENTS_AIRPORT", "MOVEMENTS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "db", "upgrade"]) == 0

    async def plan() -> None:
        database = Database.open(f"sqlite+aiosqlite:///{data_dir / 'movements.sqlite3'}")
        await database.unit_of_work(NullPublisher()).run(transit_world, SYSTEM)
        await database.dispose()

    asyncio.run(plan())
    book = tmp_path / "passagiers.xlsx"
    book.write_bytes(xlsx(excel_rows()))
    assert main(["--data-dir", str(data_dir), "import", "passengers", str(book)]) == 0
    out = capsys.readouterr().out
    assert "3 rows: 3 passengers created" in out and "XLSX workbook" in out
    nl = tmp_path / "nl.csv"
    nl.write_bytes(("sep=;\n" + table(CP1252_PEOPLE, ";")).encode("cp1252"))
    assert main(["--data-dir", str(data_dir), "import", "passengers", str(nl)]) == 0
    assert "CSV in Windows-1252" in capsys.readouterr().out


def test_the_imports_page_takes_a_workbook(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    from movements.app import create_app
    from movements.platform.config import Settings
    from tests.web.conftest import BASE, login, seed

    target = tmp_path / "movements.sqlite3"
    shutil.copy(sqlite_template, target)
    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{target}",
                              secure_cookies=False, public_url=BASE, run_jobs=False))
    with TestClient(app, base_url=BASE) as client:
        client.blocking_portal.call(app.state.services.uow.run, seed, SYSTEM)
        csrf = login(client, "coord")
        rows = [list(COLS), ["C-1", "Okello", "Grace \U00010000", "", date(1990, 1, 2),
                             "KL1234", date(2026, 9, 15)]]
        resp = client.post("/imports/passengers", data={"_csrf": csrf},
                           files={"file": ("list.xlsx", xlsx(rows), "application/vnd."
                                           "openxmlformats-officedocument.spreadsheetml.sheet")})
        assert resp.status_code == 200, resp.text
        assert "1 passenger created" in resp.text
        assert "XLSX workbook, worksheet &#39;Passagiers&#39;" in resp.text
        assert "given_names: no manifest font can print U+10000" in resp.text
