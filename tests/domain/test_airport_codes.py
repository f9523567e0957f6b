"""Airport codes are checked against the IATA table (``input_rules.check_airport``), not
only for their shape: IATA's placeholder ZZZ and unassigned codes are refused on every
path that plans or sets up an airport, naming the field and quoting the value, with
Dutch; nothing is written.  Both backends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from movements import i18n
from movements.demo.day import DEMO_DAY_PATH
from movements.domain import input_rules
from movements.domain.actions import charters as ch
from movements.domain.actions import planning as pl
from movements.domain.actions import setup
from movements.domain.errors import RuleViolation
from movements.domain.models import Airport, AuditEntry, CharterStop, Movement, MovementKind
from movements.domain.uow import UnitOfWork
from movements.ingest import passengers_csv as pc
from tests import factories
from tests.domain.test_charter_readiness import a_charter, charter_plan
from tests.domain.test_planning import DAY, PLANNER, at, count, dep
from tests.factories import SYSTEM, world

#: Three letters each, none an airport: IATA's placeholder, and codes nobody holds.
NOT_AIRPORTS = ("ZZZ", "QQQ", "XXX")


@pytest.mark.parametrize("code", ["AMS", "ams", " ebl ", "BSR", "BGW", "NBO", "EBB", "TIA",
                                  "YYZ", "IST", "BRU", "LOS", "FCO", "DUB"])
def test_real_airports_pass(code: str) -> None:
    assert input_rules.check_airport("destination", code, field="destination") == \
        code.strip().upper()


@pytest.mark.parametrize(("code", "says"), [
    *((c, "is not an airport code in the IATA table") for c in NOT_AIRPORTS),
    ("A1B", "is not an IATA airport code (three letters, like AMS)"),
    ("AMSX", "is not an IATA airport code (three letters, like AMS)"),
])
def test_not_airports_are_refused_quoting_the_value(code: str, says: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        input_rules.check_airport("destination", code, field="destination")
    assert refused.value.field == "destination"
    assert refused.value.message == f"destination {code!r} {says}"
    dutch = i18n.refused(refused.value, "nl")
    assert repr(code) in dutch and "IATA" in dutch and says not in dutch, dutch


@pytest.mark.parametrize("code", ["", "   ", None])
def test_an_empty_airport_code_is_required(code: str | None) -> None:
    # The newcomer's "origin '' is not an IATA airport code": an empty field is missing.
    with pytest.raises(RuleViolation) as refused:
        input_rules.check_airport("destination", code, field="destination")
    assert refused.value.field == "destination"
    assert refused.value.message == "destination is required"
    assert i18n.refused(refused.value, "nl") != refused.value.message


@pytest.mark.parametrize("code", NOT_AIRPORTS)
async def test_a_movement_to_or_from_no_airport_is_not_planned(uow: UnitOfWork,
                                                                 code: str) -> None:
    await world(uow)
    before = await count(uow, Movement)
    with pytest.raises(RuleViolation, match=f"destination '{code}' is not an airport code "
                                            "in the IATA table") as refused:
        await uow.run(pl.plan_movement, PLANNER, dep(dest=code))
    assert refused.value.field == "destination"
    arriving = dep(kind=MovementKind.ARRIVAL, origin=code, destination="AMS")
    with pytest.raises(RuleViolation, match=f"origin '{code}'") as refused:
        await uow.run(pl.plan_movement, PLANNER, arriving)
    assert refused.value.field == "origin"
    with pytest.raises(RuleViolation, match=f"destination '{code}'"):
        await uow.run(pl.plan_transit, PLANNER,
                      dep("KQ0116", "AMS", 6, kind=MovementKind.TRANSIT_IN, origin="NBO"),
                      dep("KL0673", code, 10, kind=MovementKind.TRANSIT_OUT))
    assert await count(uow, Movement) == before
    assert await count(uow, AuditEntry, AuditEntry.action == "create_movement") == 2


async def test_an_edit_to_no_airport_is_refused(uow: UnitOfWork) -> None:
    w = await world(uow)
    with pytest.raises(RuleViolation, match="destination 'ZZZ' is not an airport code"):
        await uow.run(pl.edit_movement, PLANNER, w.departure_id, {"destination": "zzz"})
    m = await uow.read(lambda s: s.get(Movement, w.departure_id))
    assert m.destination == "TIA"
    assert await count(uow, AuditEntry, AuditEntry.action == "edit_movement") == 0


async def test_a_charter_stop_that_is_no_airport_is_refused(uow: UnitOfWork) -> None:
    await world(uow)
    new, op, seats, _ = charter_plan()
    stops = (ch.StopIn("BGW", at(14)), ch.StopIn("ZZZ", at(16)))
    with pytest.raises(RuleViolation, match="stop 2: 'ZZZ' is not an airport code in the "
                                            "IATA table") as refused:
        await uow.run(ch.plan_charter, PLANNER, new, op, seats, stops)
    assert refused.value.field == "stops"
    assert await count(uow, CharterStop) == 0
    mid = await uow.run(ch.plan_charter, PLANNER, *charter_plan())
    stops_before = await count(uow, CharterStop)
    with pytest.raises(RuleViolation, match="'QQQ' is not an airport code"):
        await uow.run(ch.add_stop, PLANNER, mid, "QQQ", at(19))
    assert await count(uow, CharterStop) == stops_before


async def test_an_airport_that_is_not_one_is_not_set_up(uow: UnitOfWork) -> None:
    await world(uow)
    before = await count(uow, Airport)
    with pytest.raises(RuleViolation, match="airport 'ZZZ' is not an airport code") as refused:
        await uow.run(setup.ensure_airport, SYSTEM, "ZZZ", "Nowhere", "Europe/Amsterdam")
    assert refused.value.field == "iata"
    assert await count(uow, Airport) == before


async def test_a_csv_stop_that_is_no_airport_is_refused_at_its_line(uow: UnitOfWork) -> None:
    await a_charter(uow)

    def line(ref: str, stop: str) -> str:
        values = {"case_reference": ref, "surname": "Aziz", "given_names": "A",
                  "flight": "OR9301", "flight_date": DAY.isoformat(), "stop": stop}
        return ",".join(values.get(c, "") for c in pc.COLUMNS)

    report = await pc.import_file(uow, PLANNER, "\n".join([pc.HEADER, line("C-1", "ZZZ")]),
                                  airport="AMS")
    assert not report.kept
    assert any("line 2" in str(e) and "stop 'ZZZ' is not an airport code in the IATA table"
               in str(e) for e in report.errors), report.errors


def test_demo_and_factory_codes_are_airports() -> None:
    """The demo day and the test factories plan only real airports (a fake code in them
    would now be refused, and a newcomer would copy it)."""
    demo = json.loads(DEMO_DAY_PATH.read_text())
    codes = {a["iata"] for a in demo["airports"]}
    for m in demo["movements"]:
        codes |= {m["airport"], m["origin"], m["destination"], *m.get("stops", ())}
    source = Path(factories.__file__).read_text()
    codes |= set(re.findall(r'"([A-Z]{3})"', source)) - {"IRQ", "SYR", "AFG", "NLD"}
    assert len(codes) > 5
    assert [c for c in sorted(codes) if not input_rules.is_airport(c)] == []
