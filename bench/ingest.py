"""Telex ingest: parse and apply against parsing alone, on SQLite, in the same run.

* a 400-name PNL for one departure: parse only (baseline), then received through
  ``ingest.apply.submit`` on a fresh database (400 passengers, cases, needs and
  bookings created in one transaction), then the same list again with one name changed
  (400 names matched, one passenger dropped and one added: the "later list replaces the
  earlier" path);
* a year of MVTs: 365 days x 4 flights (two departures with AD, two arrivals with
  AA) = 1,460 telexes, each its own transaction, parse only (baseline) then received;
* a case-management CSV of 2,000 rows on one movement: read and checked only
  (baseline), then imported in one transaction (a savepoint per row).

    python bench/ingest.py [--days 365] [--names 400] [--rows 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import table, write_json  # noqa: E402
from movements.domain.actions import movements as mv  # noqa: E402
from movements.domain.actions import setup  # noqa: E402
from movements.domain.models import MovementKind  # noqa: E402
from movements.domain.uow import Actor, NullPublisher, Tx, UnitOfWork  # noqa: E402
from movements.ingest import parse_telex, passengers_csv  # noqa: E402
from movements.ingest.apply import submit  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402

SYSTEM = Actor.system("bench")
DAY = date(2026, 9, 15)
GIVEN = ("GRACE", "JOHN", "AMINA", "PETER", "SELAM", "LEILA", "DAVID", "MARIA", "SAMI",
         "ESTHER")
FLIGHTS = (("KL", "1001", MovementKind.DEPARTURE, "AMS", "TIA", 8),
           ("KL", "1002", MovementKind.DEPARTURE, "AMS", "IST", 14),
           ("TK", "1951", MovementKind.ARRIVAL, "IST", "AMS", 11),
           ("ET", "724", MovementKind.ARRIVAL, "ADD", "AMS", 6))


def letters(n: int, width: int = 3) -> str:
    out = ""
    for _ in range(width):
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
    return out


def pnl(names: int, changed: bool = False) -> str:
    """``names`` passengers in name elements of two, with locators and a few SSRs."""
    lines = ["PNL", f"KL1001/{DAY:%d}SEP AMS PART1", f"-TIA{names:03d}Y"]
    for i in range(0, names, 2):
        surname = "BENCH" + letters(i // 2)
        if changed and i == 0:
            surname = "CHANGED" + letters(i // 2)
        given = [f"{GIVEN[(i + k) % len(GIVEN)]}" for k in range(min(2, names - i))]
        element = f"{len(given)}{surname}/" + "/".join(given) + f" .L/L{letters(i, 5)}"
        lines.append(element)
        if i % 10 == 0:
            lines.append(".R/WCHR HK1 TO THE GATE")
        if i % 50 == 0:
            lines.append(".R/LANG HK1 TIGRINYA .R/VGML")
    lines.append("ENDPNL")
    return "\n".join(lines)


def mvts(days: int) -> list[tuple[date, str]]:
    out = []
    for d in range(days):
        day = DAY - timedelta(days=days - 1 - d)
        dd = f"{day:%d}"
        for carrier, number, kind, _origin, _dest, hour in FLIGHTS:
            if kind is MovementKind.DEPARTURE:
                text = (f"MVT\n{carrier}{number}/{dd}.PHBXA.AMS\n"
                        f"AD{dd}{hour:02d}07/{dd}{hour:02d}19 EA{hour + 3:02d}10 TIA\nPX123")
            else:
                text = (f"MVT\n{carrier}{number}/{dd}.TCJRA.AMS\n"
                        f"AA{dd}{hour:02d}52/{dd}{hour + 1:02d}01")
            out.append((day, text))
    return out


async def fresh(path: Path, days: int) -> tuple[Database, UnitOfWork]:
    database = Database.open(f"sqlite+aiosqlite:///{path}")
    await upgrade(database.engine)
    uow = database.unit_of_work(NullPublisher())

    def plan(tx: Tx) -> None:
        setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
        for d in range(days):
            day = DAY - timedelta(days=d)
            for carrier, number, kind, origin, dest, hour in FLIGHTS:
                when = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
                mv.create_movement(tx, mv.NewMovement(
                    airport="AMS", kind=kind, carrier=carrier, flight_number=number,
                    operational_date=day, origin=origin, destination=dest,
                    scheduled_at=when))

    await uow.run(plan, SYSTEM)
    return database, uow


def csv_rows(rows: int) -> bytes:
    lines = [passengers_csv.HEADER]
    for i in range(rows):
        values = {"case_reference": f"BENCH-{i // 3}", "surname": "Bench" + letters(i),
                  "given_names": GIVEN[i % len(GIVEN)].title(), "flight": "KL1001",
                  "flight_date": DAY.isoformat(), "birth_date": "1990-01-01",
                  "needs": "WCHR;LANG:Tigrinya" if i % 10 == 0 else ""}
        lines.append(",".join(values.get(c, "") for c in passengers_csv.COLUMNS))
    return "\n".join(lines).encode("utf-8")


def parse_all(texts: list[tuple[date, str]]) -> float:
    start = time.perf_counter()
    for day, text in texts:
        parse_telex(text, day)
    return time.perf_counter() - start


async def receive_all(uow: UnitOfWork, texts: list[tuple[date, str]]) -> tuple[float, int]:
    applied = 0
    start = time.perf_counter()
    for day, text in texts:
        outcome = await submit(uow, SYSTEM, text, airport="AMS", reference=day)
        applied += outcome.outcome == "applied"
    return time.perf_counter() - start, applied


async def run(work: Path, days: int, names: int, csv_size: int) -> dict[str, object]:
    first, second = pnl(names), pnl(names, changed=True)
    parse_reps = 20
    parse_pnl = parse_all([(DAY, first)] * parse_reps) / parse_reps

    database, uow = await fresh(work / "pnl.sqlite3", 1)
    apply_new, ok_new = await receive_all(uow, [(DAY, first)])
    apply_again, ok_again = await receive_all(uow, [(DAY, second)])
    await database.dispose()
    assert ok_new == ok_again == 1, "the PNLs were not applied"

    year = mvts(days)
    parse_year = parse_all(year)
    database, uow = await fresh(work / "year.sqlite3", days)
    apply_year, ok_year = await receive_all(uow, year)
    await database.dispose()
    assert ok_year == len(year), f"only {ok_year} of {len(year)} MVTs applied"

    data = csv_rows(csv_size)
    start = time.perf_counter()
    parsed, bad = passengers_csv.parse(data)
    csv_parse = time.perf_counter() - start
    assert len(parsed) == csv_size and not bad
    database, uow = await fresh(work / "csv.sqlite3", 1)
    start = time.perf_counter()
    report = await passengers_csv.import_file(uow, SYSTEM, data, airport="AMS")
    csv_import = time.perf_counter() - start
    await database.dispose()
    assert report.kept and report.created == csv_size, report
    return {"names": names, "days": days, "mvts": len(year), "csv_rows": csv_size,
            "csv_parse_s": csv_parse, "csv_import_s": csv_import,
            "pnl_parse_s": parse_pnl, "pnl_apply_new_s": apply_new,
            "pnl_apply_replace_s": apply_again, "mvt_parse_s": parse_year,
            "mvt_apply_s": apply_year}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--names", type=int, default=400)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        r = asyncio.run(run(work, args.days, args.names, args.rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    names, n = int(r["names"]), int(r["mvts"])  # type: ignore[call-overload]
    p_pnl, new, again = (float(r[k]) for k in (  # type: ignore[arg-type]
        "pnl_parse_s", "pnl_apply_new_s", "pnl_apply_replace_s"))
    p_mvt, a_mvt = float(r["mvt_parse_s"]), float(r["mvt_apply_s"])  # type: ignore[arg-type]
    rows_n = int(r["csv_rows"])  # type: ignore[call-overload]
    p_csv, a_csv = float(r["csv_parse_s"]), float(r["csv_import_s"])  # type: ignore[arg-type]
    rows = [
        [f"PNL {names} names: parse only (baseline)", 1, p_pnl, p_pnl * 1e3, 1.0],
        [f"PNL {names} names: parse + apply, {names} passengers created", 1, new,
         new * 1e3, new / p_pnl],
        [f"PNL {names} names again, 2 changed: parse + apply (replace)", 1, again,
         again * 1e3, again / p_pnl],
        [f"MVT x {n} (a year, 4 flights a day): parse only (baseline)", n, p_mvt,
         p_mvt / n * 1e3, 1.0],
        [f"MVT x {n}: parse + apply, one transaction each", n, a_mvt, a_mvt / n * 1e3,
         a_mvt / p_mvt],
        [f"CSV {rows_n} rows: read and check only (baseline)", rows_n, p_csv,
         p_csv / rows_n * 1e3, 1.0],
        [f"CSV {rows_n} rows: read + import, one transaction", rows_n, a_csv,
         a_csv / rows_n * 1e3, a_csv / p_csv],
    ]
    print(f"SQLite (WAL, synchronous=NORMAL), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(table(["what", "telexes / rows", "seconds", "ms each", "x parse"], rows))
    path = write_json("ingest", {**r, "ratio_pnl_new": new / p_pnl,
                                 "ratio_pnl_replace": again / p_pnl,
                                 "ratio_mvt": a_mvt / p_mvt,
                                 "ratio_csv": a_csv / p_csv,
                                 "mvt_per_s": n / a_mvt})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
