"""A chunked import is all or nothing even when a late chunk fails in the apply (issue
19.4): the committed chunks are undone from the import's journal, and nothing of the
file stays: no rows, no audit entries, no live events, no journal; the report names the
row.  On SQLite and PostgreSQL, with a real rule of the database's data, no mocks.

The failure: a charter with 200 seats and a 250-row list for it.  Checked chunk by chunk
(100 rows each, rolled back) every chunk fits; applied, the third chunk does not, once
the first two are in (3 on board before; line 202 is the 201st passenger)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain.actions import movements as mv
from movements.domain.models import (
    AuditEntry,
    Booking,
    Case,
    CharterStop,
    ImportUndo,
    Movement,
    MovementKind,
    Passenger,
    SpecialNeed,
    StreamEvent,
)
from movements.domain.planning_models import Charter
from movements.domain.uow import Tx, UnitOfWork
from movements.ingest import passengers_csv
from tests.conftest import CapturingPublisher
from tests.factories import SYSTEM, build_world, letters
from tests.ingest.test_apply import DAY
from tests.ingest.test_csv import HEADER, row

SEATS = 200


def charter_world(tx: Tx) -> int:
    build_world(tx, DAY)
    mid = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9001",
        operational_date=DAY, origin="AMS", destination="LOS",
        scheduled_at=datetime(2026, 9, 15, 14, tzinfo=UTC)))
    movement = tx.session.get(Movement, mid)
    assert movement is not None
    movement.is_charter = True
    tx.session.add(Charter(movement_id=mid, operator="Invented Air", seat_capacity=SEATS))
    tx.session.add(CharterStop(movement_id=mid, position=1, airport_code="LOS"))
    return mid


def snapshot(s: Session) -> dict[str, Any]:
    counts = {m.__name__: int(s.scalar(select(func.count()).select_from(m)) or 0)
              for m in (Passenger, Booking, Case, SpecialNeed, AuditEntry, StreamEvent,
                        ImportUndo)}
    people = sorted((p.surname, p.given_names, p.language, p.case.reference,
                     tuple(sorted(n.code for n in p.needs)))
                    for p in s.scalars(select(Passenger)))
    return {"counts": counts, "people": people}


def listing(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


async def test_a_late_chunk_that_fails_leaves_nothing(uow: UnitOfWork,
                                                      publisher: CapturingPublisher) -> None:
    await uow.run(charter_world, SYSTEM)
    # Passengers already in, so the failed import also updates (and adopts) rows that
    # must come back as they were.
    first = await passengers_csv.import_file(uow, SYSTEM, listing(
        [row(case_reference=f"C-{i}", surname=f"Okafor{letters(i)}", given_names="Ada",
             flight="OR9001", language="en") for i in range(3)]), airport="AMS")
    assert first.kept and first.created == 3, first
    before = await uow.read(snapshot)
    publisher.clear()

    lines = [row(case_reference=f"C-{i}", surname=f"Okafor{letters(i)}", given_names="Ada",
                 flight="OR9001", language="yo", needs="WCHR") for i in range(3)]
    lines += [row(case_reference=f"N-{i}", surname=f"Adeyemi{letters(i)}", given_names="Tunde",
                  flight="OR9001") for i in range(247)]
    report = await passengers_csv.import_file(uow, SYSTEM, listing(lines), airport="AMS")

    assert not report.kept, report
    assert str(report).startswith("nothing imported")
    # 3 on board before; line 202 is the 201st; every row after it is over too
    assert [e.line_no for e in report.errors] == list(range(202, 252)), report.errors
    assert "201 on board" in report.errors[0].reason
    assert "1 over capacity" in report.errors[0].reason
    assert await uow.read(snapshot) == before  # rows, updates, audit, events, journal
    assert publisher.events == []


async def test_the_same_file_within_capacity_is_imported_whole(uow: UnitOfWork) -> None:
    await uow.run(charter_world, SYSTEM)
    lines = [row(case_reference=f"N-{i}", surname=f"Adeyemi{letters(i)}", given_names="Tunde",
                 flight="OR9001") for i in range(SEATS)]
    report = await passengers_csv.import_file(uow, SYSTEM, listing(lines), airport="AMS")
    assert report.kept and report.created == SEATS and report.errors == (), report
    after = await uow.read(snapshot)
    assert after["counts"]["ImportUndo"] == 0  # the journal goes with the closing commit
    assert after["counts"]["Booking"] >= SEATS
