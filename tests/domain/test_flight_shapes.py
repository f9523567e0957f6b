"""Flight number, aircraft registration and aircraft type shapes, on the planning path
(the one every edge uses: pages, JSON API, CLI)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from movements.domain import flight_shapes
from movements.domain.actions import planning as pl
from movements.domain.errors import RuleViolation
from movements.domain.models import MovementKind
from movements.domain.uow import UnitOfWork
from tests.domain.test_planning import PLANNER
from tests.factories import world

DAY = date(2026, 9, 15)
AT = datetime(2026, 9, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize("flight", ["KL9X12", "KL12345", "KL1234AB", "KL12A3", "KL0XX"])
def test_a_flight_number_not_digits_and_a_suffix_is_refused(flight: str) -> None:
    with pytest.raises(RuleViolation, match="1 to 4 digits") as refused:
        pl.new_movement("AMS", MovementKind.DEPARTURE, flight, DAY, AT, destination="EBL")
    assert refused.value.field == "flight"


@pytest.mark.parametrize("flight", ["KL1571", "kl 57", "U2 1234", "3U8888", "KL1234A",
                                    "TRA5542"])
def test_a_flight_designator_is_accepted(flight: str) -> None:
    pl.new_movement("AMS", MovementKind.DEPARTURE, flight, DAY, AT, destination="EBL")


@pytest.mark.parametrize("registration", ["!!!", "PH BXA", "PH--BXA", "PH.BXA", "P", "-ABC"])
def test_a_registration_with_punctuation_is_refused(registration: str) -> None:
    with pytest.raises(RuleViolation, match="not a registration mark") as refused:
        pl.new_movement("AMS", MovementKind.DEPARTURE, "KL1571", DAY, AT, destination="EBL",
                        aircraft_registration=registration)
    assert refused.value.field == "aircraft_registration"


@pytest.mark.parametrize("registration", ["PH-BXA", "N123AB", "OO-SNA", "ph-bxa", "D-AIBA"])
def test_a_registration_mark_is_accepted(registration: str) -> None:
    flight_shapes.check_registration(registration.upper())


@pytest.mark.parametrize("kind", ["Airbus A320neo", "A320-200", "B", "73H7X", "3200"])
def test_an_aircraft_type_not_an_icao_designator_is_explained(kind: str) -> None:
    with pytest.raises(RuleViolation, match="ICAO Doc 8643.*A20N") as refused:
        pl.new_movement("AMS", MovementKind.DEPARTURE, "KL1571", DAY, AT, destination="EBL",
                        aircraft_type=kind)
    assert refused.value.field == "aircraft_type"
    assert "aircraft_type" not in str(refused.value)


@pytest.mark.parametrize("kind,end", [(MovementKind.ARRIVAL, "origin"),
                                      (MovementKind.DEPARTURE, "destination")])
async def test_an_empty_airport_end_is_required_not_a_bad_code(
        uow: UnitOfWork, kind: MovementKind, end: str) -> None:
    await world(uow)
    new = pl.new_movement("AMS", kind, "KL1571", DAY, AT, **{end: "EBL"})
    new = replace(new, **{end: "  "})
    with pytest.raises(RuleViolation, match=f"^{end} is required$") as refused:
        await uow.run(pl.plan_movement, PLANNER, new)
    assert refused.value.field == end
