"""The person-name rule (``input_rules.check_name``, letters of any script, marks, space,
hyphen, apostrophe, full stop) holds for every field that names a person, not only the
passenger's: a charter's crew and escorts, the person a handover releases to, and the
typed signatures.  Refused naming the field, nothing written.  Both backends."""

from __future__ import annotations

import pytest

from movements import i18n
from movements.domain.actions import charters as ch
from movements.domain.actions import handovers
from movements.domain.errors import FieldProblems, RuleViolation
from movements.domain.models import AuditEntry, Handover, HandoverStatus
from movements.domain.planning_models import CharterCrew
from movements.domain.uow import UnitOfWork
from tests.domain.test_charter_readiness import a_charter
from tests.domain.test_planning import PLANNER, count
from tests.factories import GATE, SYSTEM, add_pax, on_blocks_and_met, world

BAD_NAMES = ("Visser😀", "Dr. A. Visser 2", "J@nsen")
GOOD_NAMES = ("Dr. A. Visser", "Anne-Marie de Boer", "O'Neill", "Ахмед Салех", "أحمد")


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_a_crew_name_that_is_no_name_is_refused(uow: UnitOfWork, name: str) -> None:
    mid = await a_charter(uow)
    with pytest.raises(RuleViolation) as refused:
        await uow.run(ch.add_crew, PLANNER, mid, name, "escort")
    assert refused.value.field == "name"
    assert refused.value.message.startswith("crew name contains ")
    assert "naam" in i18n.refused(refused.value, "nl")
    assert await count(uow, CharterCrew) == 0


async def test_real_crew_names_pass(uow: UnitOfWork) -> None:
    mid = await a_charter(uow, seats=20)
    for name in GOOD_NAMES:
        await uow.run(ch.add_crew, PLANNER, mid, name, "escort")
    assert await count(uow, CharterCrew) == len(GOOD_NAMES)


async def test_the_receiving_person_and_the_signatures_are_names(uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-2", "Tesfaye", "Hana")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    with pytest.raises(RuleViolation) as refused:
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "Selam 😀", [pid])
    assert refused.value.field == "receiving_person"
    assert await count(uow, Handover) == 0
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "Selam Tesfaye", [pid])
    with pytest.raises(RuleViolation, match="receiving person contains '#'"):
        await uow.run(handovers.edit_handover, GATE, hid, receiving_person="S. #1")
    with pytest.raises(FieldProblems) as both:
        await uow.run(handovers.sign_handover, GATE, hid, "A. Gate 1", "S. Tesfaye ✓")
    assert [p.field for p in both.value.problems] == ["handing_signature",
                                                     "receiving_signature"]
    handover = await uow.read(lambda s: s.get(Handover, hid))
    assert (handover.status, handover.receiving_person) == (HandoverStatus.DRAFT,
                                                             "Selam Tesfaye")
    assert await count(uow, AuditEntry, AuditEntry.action == "sign_handover") == 0
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
