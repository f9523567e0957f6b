"""The telex corpus: every fixture in ``fixtures/telex`` with its expected result as data
(``fixtures/telex/expected.json``).  One scenario per entry: the parse is checked (type,
fields, or the line and reason of a refusal) and, when the entry names an outcome, the
telex is sent through ``ingest.apply.submit`` to a world built from the same file and
the database is checked: the movement's fields, everyone booked on the flight, the
audit trail, and for a refusal that nothing was written.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.clock import ManualClock
from movements.domain.models import (
    AuditEntry,
    Booking,
    BookingStatus,
    Movement,
    MovementKind,
    Passenger,
    TelexMessage,
)
from movements.domain.uow import Tx, UnitOfWork
from movements.ingest import TelexError, parse_telex
from movements.ingest.apply import submit
from tests.factories import SYSTEM
from tests.ingest.corpus import FIXTURES, load

EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = EXPECTED["cases"]
WORLD: dict[str, Any] = EXPECTED["world"]


def case_id(case: dict[str, Any]) -> str:
    before = "+".join(b[0].removesuffix(".txt") for b in case.get("before", ()))
    return case["file"].removesuffix(".txt") + (f"-after-{before}" if before else "")


IDS = [case_id(c) for c in CASES]
APPLIED = [c for c in CASES if "outcome" in c]


def jsonable(value: Any) -> Any:
    """Parsed values as the expectations write them."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def at_path(value: Any, path: str) -> Any:
    for step in path.split("."):
        value = value[int(step)] if step.isdigit() else getattr(value, step)
    return jsonable(value)


def reference(case: dict[str, Any]) -> date:
    return date.fromisoformat(case.get("reference", EXPECTED["reference"]))


def test_every_fixture_has_a_scenario_and_ids_are_unique() -> None:
    files = sorted(p.name for p in (*FIXTURES.glob("*_ok_*.txt"), *FIXTURES.glob("*_bad_*.txt")))
    assert sorted({c["file"] for c in CASES}) == files
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_parse(case: dict[str, Any]) -> None:
    text = load(case["file"])
    refused = case.get("refused")
    if refused is not None:
        with pytest.raises(TelexError) as caught:
            parse_telex(text, reference(case))
        assert (caught.value.line_no, refused["reason"] in caught.value.reason) == (
            refused["line"], True), str(caught.value)
        # The line carried is the line at that number, as a person sees it.
        shown = text.splitlines()[refused["line"] - 1].strip() if text.strip() else ""
        assert caught.value.line.startswith(shown)
        return
    parsed = parse_telex(text, reference(case))
    if "kind" in case:
        assert case["kind"] == parsed.KIND
    for path, expected in case.get("parsed", {}).items():
        assert at_path(parsed, path) == expected, path


# -- the database ------------------------------------------------------------------------

def build(tx: Tx) -> dict[str, int]:
    setup.ensure_airport(tx, WORLD["airport"], "Corpus airport", WORLD["timezone"])
    day = date.fromisoformat(WORLD["day"])
    ids = {}
    for m in WORLD["movements"]:
        hour, minute = (int(x) for x in m["scheduled"].split(":"))
        ids[m["flight"]] = mv.create_movement(tx, mv.NewMovement(
            airport=WORLD["airport"], kind=MovementKind(m["kind"]), carrier=m["flight"][:2],
            flight_number=m["flight"][2:], operational_date=day, origin=m["origin"],
            destination=m["destination"],
            scheduled_at=datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)))
    return ids


def booked(session: Session, movement_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Passenger).join(Booking).where(
        Booking.movement_id == movement_id, Booking.status == BookingStatus.BOOKED)
        .order_by(Passenger.id))
    out = []
    for p in rows:
        lap = session.get(Passenger, p.lap_of_passenger_id) if p.lap_of_passenger_id else None
        out.append({"surname": p.surname, "given_names": p.given_names,
                    "needs": sorted(p.codes), "case": p.case.reference,
                    "birth_date": p.birth_date.isoformat() if p.birth_date else None,
                    "lap_of": f"{lap.surname}/{lap.given_names}" if lap else None})
    return out


def snapshot(session: Session) -> dict[str, Any]:
    return {"versions": {m.id: m.version for m in session.scalars(select(Movement))},
            "passengers": session.scalar(select(func.count()).select_from(Passenger)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry))}


@pytest.mark.parametrize("case", APPLIED, ids=[case_id(c) for c in APPLIED])
async def test_applied_in_the_database(uow: UnitOfWork, clock: ManualClock,
                                      case: dict[str, Any]) -> None:
    day = reference(case)
    # The messages arrive after what they report: an MVT's actual time in the future
    # is refused (tests/ingest/test_telex_notes.py).
    clock.set(datetime.combine(day + timedelta(days=2), datetime.min.time(), UTC))
    ids = await uow.run(build, SYSTEM)
    for name, outcome in case.get("before", ()):
        earlier = await submit(uow, SYSTEM, load(name), airport="AMS", reference=day)
        assert earlier.outcome == outcome, f"{name}: {earlier.detail}"
    before = await uow.read(snapshot)
    result = await submit(uow, SYSTEM, load(case["file"]), airport="AMS", reference=day)
    assert result.outcome == case["outcome"], result.detail
    assert case.get("detail", "") in result.detail
    stored = await uow.read(lambda s: s.get(TelexMessage, result.id))
    assert stored is not None and stored.raw == load(case["file"]).replace("\x00", "")
    assert stored.outcome == case["outcome"]
    if "refused" in case:
        assert result.detail.startswith(f"line {case['refused']['line']}:")
        assert case["refused"]["reason"] in result.detail
    if case["outcome"] in ("rejected", "duplicate", "pending"):
        assert await uow.read(snapshot) == before  # nothing written but the telex row
    for flight, fields in case.get("movements", {}).items():
        m = await uow.read(lambda s, f=flight: s.get(Movement, ids[f]))
        assert {k: jsonable(getattr(m, k)) for k in fields} == fields
    for flight, people in case.get("passengers", {}).items():
        got = await uow.read(booked, ids[flight])
        assert len(got) == len(people), got
        for row, want in zip(got, people, strict=True):
            assert {k: row[k] for k in want} == want
    if "audit" in case:
        details = await uow.read(lambda s: list(s.scalars(select(AuditEntry.detail).where(
            AuditEntry.action == "update_flight"))))
        assert any(case["audit"] in (d or "") for d in details), details
