"""All or nothing for a big import: what it costs, on PostgreSQL (or SQLite), same run.

A case-management list of ``--rows`` rows (10,000 by default) over two departures is
applied four ways, each on a freshly emptied database:

* chunked, 100 rows per transaction, no journal (what the import did before: fast,
  but a failed late chunk left the earlier ones in) -- the baseline;
* one transaction with the same chunked statements (all or nothing by the database;
  on SQLite it holds the only writer for the whole import);
* chunked with the undo journal (what the import does now);
* the journalled import undone (what a failure in the last chunk costs).

Only the apply is timed (the check pass, the same for all, is left out).

    python bench/import_undo.py [--rows 10000] [--backend postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import table, write_json  # noqa: E402
from movements.domain.actions import import_undo as undo  # noqa: E402
from movements.domain.actions import movements as mv  # noqa: E402
from movements.domain.actions import passenger_import as pi  # noqa: E402
from movements.domain.actions import setup  # noqa: E402
from movements.domain.models import Base, MovementKind  # noqa: E402
from movements.domain.uow import Actor, NullPublisher, Tx, UnitOfWork  # noqa: E402
from movements.ingest import passengers_csv  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from tests.factories import letters  # noqa: E402
from tests.pg import start_cluster  # noqa: E402

SYSTEM = Actor.system("bench")
DAY = date(2026, 9, 15)


def csv_rows(rows: int) -> bytes:
    lines = [passengers_csv.HEADER]
    for i in range(rows):
        values = {"case_reference": f"BENCH-{i // 3}", "surname": f"Bench{letters(i, 4)}",
                  "given_names": "Amina", "flight": "KL1001" if i % 2 else "KL1002",
                  "flight_date": DAY.isoformat(), "birth_date": "1990-01-01",
                  "needs": "WCHR" if i % 10 == 0 else ""}
        lines.append(",".join(values.get(c, "") for c in passengers_csv.COLUMNS))
    return "\n".join(lines).encode("utf-8")


def plan(tx: Tx) -> None:
    setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
    for number, dest, hour in (("1001", "TIA", 8), ("1002", "IST", 14)):
        mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=MovementKind.DEPARTURE, carrier="KL", flight_number=number,
            operational_date=DAY, origin="AMS", destination=dest,
            scheduled_at=datetime(2026, 9, 15, hour, tzinfo=UTC)))


async def emptied(database: Database) -> UnitOfWork:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(Base.metadata.sorted_tables):
                await conn.execute(text(f'DELETE FROM "{t.name}"'))
    uow = database.unit_of_work(NullPublisher())
    await uow.run(plan, SYSTEM)
    return uow


def one_transaction(tx: Tx, rows: Sequence[pi.PassengerRow]) -> None:
    for i in range(0, len(rows), pi.CHUNK_ROWS):
        pi.apply_chunk(tx, "AMS", rows[i:i + pi.CHUNK_ROWS])
        tx.session.flush()


async def run(url: str, n: int) -> dict[str, float]:
    rows = passengers_csv.read(csv_rows(n)).rows
    assert len(rows) == n
    chunks = [rows[i:i + pi.CHUNK_ROWS] for i in range(0, n, pi.CHUNK_ROWS)]
    database = Database.open(url)
    await upgrade(database.engine)
    out: dict[str, float] = {}
    try:
        uow = await emptied(database)  # warm-up (caches, connections), not timed
        for chunk in chunks[:3]:
            await uow.run(pi.apply_chunk, SYSTEM, "AMS", chunk)
        uow = await emptied(database)
        start = time.perf_counter()
        for chunk in chunks:
            await uow.run(pi.apply_chunk, SYSTEM, "AMS", chunk)
        out["chunked_no_journal_s"] = time.perf_counter() - start

        uow = await emptied(database)
        start = time.perf_counter()
        await uow.run(one_transaction, SYSTEM, rows)
        out["one_transaction_s"] = time.perf_counter() - start

        uow = await emptied(database)
        deferred = undo.Deferred()
        start = time.perf_counter()
        for chunk in chunks:
            await uow.run(pi.apply_chunk, SYSTEM, "AMS", chunk, batch="bench",
                          deferred=deferred)
        out["chunked_journal_s"] = time.perf_counter() - start
        start = time.perf_counter()
        await pi.undo_import(uow, SYSTEM, "bench")
        out["undo_s"] = time.perf_counter() - start
    finally:
        await database.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-undo-"))
    cluster = start_cluster() if args.backend == "postgresql" else None
    try:
        url = cluster.url if cluster else f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
        r = asyncio.run(run(url, args.rows))
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    base = r["chunked_no_journal_s"]
    labels = {"chunked_no_journal_s": "chunked, no journal (before; baseline)",
              "one_transaction_s": "one transaction, chunked statements",
              "chunked_journal_s": "chunked + undo journal (now)",
              "undo_s": "undo of the journalled import"}
    print(f"{args.backend}, {args.rows} rows, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(table(["what", "seconds", "ms per row", "x baseline"],
                [[labels[k], v, v / args.rows * 1e3, v / base] for k, v in r.items()]))
    print(f"wrote {write_json(f'import_undo_{args.backend}', {**r, 'rows': args.rows})}")


if __name__ == "__main__":
    main()
