"""Passenger lists from the case-management CSV export, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain.models import Booking, Case, Passenger, TelexPassenger, Transit
from movements.domain.uow import UnitOfWork
from movements.ingest import passengers_csv
from movements.ingest.apply import submit
from tests.factories import SYSTEM
from tests.ingest.test_apply import DAY, Transits, names_on, transit_world

EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "passengers_example.csv"
HEADER = passengers_csv.HEADER


def row(**values: str) -> str:
    base = {"case_reference": "C-1", "surname": "Okello", "given_names": "Grace",
            "flight": "KL1234", "flight_date": "2026-09-15"}
    base.update(values)
    return ",".join(f'"{base.get(c, "")}"' for c in passengers_csv.COLUMNS)


async def counts(uow: UnitOfWork) -> tuple[int, int, int]:
    def read(s: Session) -> tuple[int, int, int]:
        return tuple(int(s.scalar(select(func.count()).select_from(m)) or 0)  # type: ignore[return-value]
                     for m in (Passenger, Booking, Case))
    return await uow.read(read)


def test_the_documented_header_is_the_examples() -> None:
    assert EXAMPLE.read_text(encoding="utf-8").splitlines()[0] == HEADER
    for column in passengers_csv.COLUMNS:
        assert column in (passengers_csv.__doc__ or "")


async def test_good_file_creates_cases_passengers_needs_and_bookings(uow: UnitOfWork) -> None:
    t: Transits = await uow.run(transit_world, SYSTEM)
    seen: list[tuple[int, int]] = []
    report = await passengers_csv.import_file(
        uow, SYSTEM, EXAMPLE.read_bytes(), airport="AMS",
        progress=lambda done, total: seen.append((done, total)))
    assert report.errors == () and report.kept, report
    assert (report.rows, report.created, report.booked, report.cases) == (8, 8, 13, 5)
    assert seen[-1] == (8, 8) and len(seen) == 8

    def read(s: Session) -> dict[str, Any]:
        faduma = s.scalar(select(Passenger).where(Passenger.surname == "Nur"))
        elira = s.scalar(select(Passenger).where(Passenger.given_names == "Elira"))
        link = s.scalar(select(Transit.onward_movement_id).where(
            Transit.inbound_movement_id == t.kq116))
        assert faduma is not None and elira is not None
        return {"faduma": (faduma.native_name, [(n.code, n.text) for n in faduma.needs],
                           faduma.chronic_condition.value if faduma.chronic_condition else None,
                           faduma.case.programme),
                "elira": (elira.release_to_name, elira.codes, elira.operational_escort_required),
                "link": link}

    got = await uow.read(read)
    assert got["faduma"] == ("فاطمة حرسي نور", [("WCHR", None), ("LANG", "Somali")],
                             "hypertension_cardiovascular", "resettlement")
    assert got["elira"] == ("Drita Hoxha", ("UMNR",), True)
    assert got["link"] == t.kl673
    assert await uow.read(names_on, t.kl673) == [
        "Mukendi/Jean-Paul", "Mbuyi/Esther", "Mukendi/Grâce", "Mukendi/Bénédicte",
        "Nur/Faduma Hirsi"]
    again = await passengers_csv.import_file(uow, SYSTEM, EXAMPLE.read_bytes(), airport="AMS")
    assert (again.created, again.updated, again.unchanged, again.booked) == (0, 0, 8, 0)


async def test_utf8_with_a_bom_and_semicolons(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    data = "\ufeff" + EXAMPLE.read_text(encoding="utf-8")
    report = await passengers_csv.import_file(uow, SYSTEM, data.encode("utf-8"), airport="AMS")
    assert report.kept and report.created == 8, report
    semicolons = ";".join(passengers_csv.COLUMNS) + "\n" + row(surname="Ngugi").replace(
        '","', '";"') + "\n"
    report = await passengers_csv.import_file(uow, SYSTEM, semicolons.encode("utf-8-sig"),
                                              airport="AMS")
    assert report.kept and report.created == 1, report


async def test_every_bad_row_is_listed_and_nothing_is_kept(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    before = await counts(uow)
    lines = [HEADER,
             row(),                                          # 2 good
             row(birth_date="15/09/2001"),                   # 3 not ISO
             row(surname="Haddad", needs="WCHR;XXXX"),       # 4 unknown code (domain)
             row(surname="Ivanova", flight="KL999"),         # 5 no such movement
             row(surname="Doe", needs="DEPA"),               # 6 not the agency's
             row(surname="Kid", needs="UMNR"),               # 7 UMNR without the adult
             '"C-9","Short"',                                # 8 wrong number of fields
             row(surname="Hoxha", medical_escort="maybe"),   # 9 not yes/no
             row(surname="Okafor", onward_flight="KL673"),   # 10 onward from a departure
             ""]
    report = await passengers_csv.import_file(uow, SYSTEM, "\n".join(lines).encode(),
                                              airport="AMS")
    assert not report.kept
    assert [e.line_no for e in report.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    reasons = {e.line_no: e.reason for e in report.errors}
    assert "not a date YYYY-MM-DD" in reasons[3]
    assert "'XXXX' is not an SSR code" in reasons[4]
    assert reasons[5].startswith("no movement KL999 on 2026-09-15")
    assert "DEPA marks a passenger who is not the agency's" in reasons[6]
    assert "named adult" in reasons[7]
    assert f"2 fields, the header has {len(passengers_csv.COLUMNS)}" in reasons[8]
    assert "is not yes or no" in reasons[9]
    assert "needs a transit_in movement" in reasons[10]
    # The kinds it found are named by their words ("departure", "transit in").
    assert re.findall(r" is ([a-z_ ]+)\)", reasons[10]) and \
        not any("_" in k for k in re.findall(r" is ([a-z_ ]+)\)", reasons[10])), reasons[10]
    assert re.match(r"nothing imported: 8 of \d+ rows are bad", str(report)), str(report)
    assert await counts(uow) == before

    partial = await passengers_csv.import_file(uow, SYSTEM, "\n".join(lines).encode(),
                                               airport="AMS", all_or_nothing=False)
    assert partial.kept and partial.created == 1 and len(partial.errors) == 8
    assert (await counts(uow))[0] == before[0] + 1


async def test_file_level_problems_name_the_line(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    # 0x8D is in no encoding a spreadsheet saves in (Windows-1252 leaves it undefined)
    unknown = (HEADER + "\n" + row() + "\n" + row(surname="M\u00fcller") + "\n").encode(
        "latin-1").replace(b"\xfc", b"\x8d")
    report = await passengers_csv.import_file(uow, SYSTEM, unknown, airport="AMS")
    assert not report.kept and report.errors[0].line_no == 3
    assert "none of UTF-8, UTF-16 and Windows-1252 (byte 0x8D)" in report.errors[0].reason
    typo = await passengers_csv.import_file(
        uow, SYSTEM, b"case_reference,surname,given_name,flight,flight_date\n", airport="AMS")
    assert "unknown column(s) 'given_name'" in typo.errors[0].reason
    empty = await passengers_csv.import_file(uow, SYSTEM, b"", airport="AMS")
    assert empty.errors[0].line_no == 1 and not empty.kept


async def test_the_export_takes_over_a_passenger_a_telex_added(uow: UnitOfWork) -> None:
    t: Transits = await uow.run(transit_world, SYSTEM)
    await submit(uow, SYSTEM, "PTM\nKQ116/15SEP NBOAMS PART1\nKL673/15 YYZ 1Y MUKENDI/GRACE\n"
                              "ENDPTM", airport="AMS", reference=DAY)
    created = await uow.read(lambda s: s.scalar(select(Passenger.id)))
    report = await passengers_csv.import_file(uow, SYSTEM, EXAMPLE.read_bytes(), airport="AMS")
    assert report.kept and report.created == 7 and report.updated == 1, report

    def read(s: Session) -> tuple[str, str, bool]:
        p = s.get(Passenger, created)
        assert p is not None
        owned = s.get(TelexPassenger, created) is not None
        return p.case.reference, p.given_names, owned

    assert await uow.read(read) == ("RS-2026-0412", "Grâce", False)
    assert len(await uow.read(names_on, t.kq116)) == 5


async def test_a_case_split_across_flights_is_flagged_once_all_rows_are_in(
        uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    data = "\n".join([HEADER, row(case_reference="FAM-1", given_names="Grace"),
                      row(case_reference="FAM-1", given_names="John"),
                      row(case_reference="FAM-1", given_names="Mary", flight="TK1957",
                          movement_kind="arrival"),
                      row(case_reference="FAM-2", surname="Haddad")])
    report = await passengers_csv.import_file(uow, SYSTEM, data.encode(), airport="AMS")
    assert report.kept and report.created == 4, report
    flags = await uow.read(lambda s: {ref: flagged for ref, flagged in s.execute(
        select(Case.reference, Case.split_flagged))})
    assert flags == {"FAM-1": True, "FAM-2": False}


def test_cli_imports_passengers_and_telexes(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from movements.cli import main

    for name in ("MOVEMENTS_DATABASE_URL", "MOVEMENTS_AIRPORT", "MOVEMENTS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    from movements.domain.uow import NullPublisher
    from movements.platform.db import Database

    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "db", "upgrade"]) == 0

    async def plan() -> None:
        database = Database.open(f"sqlite+aiosqlite:///{data_dir / 'movements.sqlite3'}")
        await database.unit_of_work(NullPublisher()).run(transit_world, SYSTEM)
        await database.dispose()

    asyncio.run(plan())
    assert main(["--data-dir", str(data_dir), "import", "passengers", str(EXAMPLE)]) == 0
    out = capsys.readouterr()
    assert "8 rows: 8 passengers created" in out.out
    assert "8/8" in out.err and "100%" in out.err  # the final state of the progress bar

    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + row(flight="KL999") + "\n", encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "import", "passengers", str(bad)]) == 2
    assert f"{bad}:2: no movement KL999" in capsys.readouterr().err

    telex = tmp_path / "ptm.txt"
    telex.write_text("PTM\nKQ116/15SEP NBOAMS PART1\nKL673/15 YYZ 1Y OKELLO/GRACE\nENDPTM\n")
    args = ["--data-dir", str(data_dir), "import", "telex", "--date", "2026-09-15"]
    assert main([*args, str(telex)]) == 0
    assert "applied (telex 1, PTM KQ116 part 1)" in capsys.readouterr().out
    assert main([*args, str(telex), str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    broken = tmp_path / "broken.txt"
    broken.write_text("MVT\nKQ116/15.5YKZA.AMS\nAA159950\n")
    assert main([*args, str(telex), str(broken)]) == 2
    captured = capsys.readouterr()
    assert "duplicate" in captured.out and "rejected" in captured.out
    assert "1 of 2 telexes rejected" in captured.err


def test_import_messages_count_in_words_that_make_sense() -> None:
    """Newcomer pass: "1 bad rows (0 rows read)" for a file whose header was wrong."""
    from movements.domain.actions.passenger_import import ImportReport, RowError

    bad = (RowError(1, "the header is not the case-management export's"),)
    assert str(ImportReport(0, errors=bad, kept=False)) == (
        "nothing imported: the file could not be read (line 1: the header is not the "
        "case-management export's)")
    assert str(ImportReport(1, errors=bad, kept=False)) == "nothing imported: 1 of 1 row is bad"
    assert str(ImportReport(2, created=1, booked=1, cases=1, errors=bad)) == (
        "2 rows: 1 passenger created, 0 updated, 0 unchanged, 1 booking, 1 case; "
        "1 bad row left out")


async def test_a_name_with_an_emoji_symbol_or_digit_is_a_bad_row(uow: UnitOfWork) -> None:
    await uow.run(transit_world, SYSTEM)
    before = await counts(uow)
    lines = [HEADER,
             row(),                                        # 2 good
             row(surname="Hassan😀"),                      # 3 emoji
             row(surname="Haddad", given_names="Omar 2"),  # 4 digit
             row(surname="Тарасова", given_names="Олена"),  # 5 good, Cyrillic
             ""]
    report = await passengers_csv.import_file(uow, SYSTEM, "\n".join(lines).encode(),
                                              airport="AMS")
    assert not report.kept
    assert [e.line_no for e in report.errors] == [3, 4]
    reasons = {e.line_no: e.reason for e in report.errors}
    assert reasons[3].startswith("surname contains '😀' (U+1F600, character 7)"), reasons[3]
    assert reasons[4].startswith("given names contains '2'"), reasons[4]
    assert await counts(uow) == before
