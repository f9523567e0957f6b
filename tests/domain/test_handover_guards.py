"""Handover guards (issue 13.3): a passenger is in at most one live handover of a flight
(a correction replaces, it does not duplicate); an inbound handover is signed only with
the aircraft on blocks and the passenger met, or an override whose reason the manifest
prints; a draft can be discarded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from movements import i18n
from movements.domain import document_queries as dq
from movements.domain.actions import handovers, milestones
from movements.domain.actions import movements as mv
from movements.domain.errors import RuleViolation
from movements.domain.events import HandoverDiscarded
from movements.domain.models import AuditEntry, Handover, HandoverPassenger, Milestone
from movements.domain.uow import UnitOfWork
from movements.manifests.handover import build_handover_manifest
from tests.conftest import CapturingPublisher
from tests.factories import GATE, SYSTEM, add_pax, on_blocks_and_met, world
from tests.web.test_handover_pages import pdf_text


async def _count(uow: UnitOfWork, model: type) -> int:
    return int(await uow.read(lambda s: s.scalar(select(func.count()).select_from(model))))


async def test_a_passenger_in_a_draft_or_signed_handover_is_not_handed_over_again(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    p1, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-1", "Yilmaz", "Deniz")
    p2, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-1", "Yilmaz", "Ece")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    draft = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                          "J. Bakker", [p1])
    with pytest.raises(RuleViolation, match=r"DY \(RS-1\) is already in a draft handover"):
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "Someone Else", [p2, p1])
    assert await _count(uow, Handover) == 1  # nothing half-made
    await uow.run(handovers.sign_handover, GATE, draft, "A. Gate", "J. Bakker")
    with pytest.raises(RuleViolation, match="already in a signed handover"):
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "J. Bakker", [p1])
    # a correction replaces: the same passenger again, plus the second
    v2 = await uow.run(handovers.correct_handover, GATE, draft, passenger_ids=[p1, p2],
                       reason="sister left off")
    with pytest.raises(RuleViolation, match="already in a draft handover"):
        await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                      "J. Bakker", [p2])
    await uow.run(handovers.sign_handover, GATE, v2, "A. Gate", "J. Bakker")
    assert await _count(uow, HandoverPassenger) == 3  # v1: p1; v2: p1, p2


async def test_an_arrival_is_not_released_before_on_blocks_and_met(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, bid = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-2", "Tesfaye", "Hana")
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "Selam Tesfaye", [pid])
    with pytest.raises(RuleViolation, match="TK1957 is not on blocks yet.*not met yet: HT"):
        await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "LND"},
                  source="feed")
    with pytest.raises(RuleViolation, match="not on blocks yet") as early:  # taxiing
        await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
    # The state by its label, as the movement page shows it, in each reader's language.
    assert "(state Landed)" in early.value.message and "LND" not in early.value.message
    dutch = i18n.refused(early.value, "nl")
    assert "Geland" in dutch, dutch
    assert "LND" not in dutch and "Landed" not in dutch
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "ARR"},
                  source="feed")
    with pytest.raises(RuleViolation, match="not met yet: HT") as refused:
        await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
    assert "on blocks" not in str(refused.value)
    status = await uow.read(lambda s: s.get(Handover, hid).status.value)  # type: ignore[union-attr]
    assert status == "draft"
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_aircraft")
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye")
    assert await uow.read(lambda s: s.get(Handover, hid).release_override) is None  # type: ignore[union-attr]


async def test_an_override_reason_releases_and_is_printed_on_the_manifest(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-3", "Tesfaye", "Hana")
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "Selam Tesfaye", [pid], receiver_id_checked="passport NX123")
    with pytest.raises(RuleViolation, match="override reason"):
        await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye",
                      override_reason="   ")
    await uow.run(handovers.sign_handover, GATE, hid, "A. Gate", "S. Tesfaye",
                  override_reason="aircraft at a remote stand, bus transfer met by police")
    doc = await uow.read(dq.handover_doc, hid, public_url="http://127.0.0.1:8107")
    text = pdf_text(build_handover_manifest(doc))
    assert "Released by override" in text and "remote stand" in text
    assert "not on blocks yet" in text
    assert "passport NX123" in text  # the ID document checked is printed (13.6)


async def test_a_draft_can_be_discarded_and_its_passengers_are_free_again(
        uow: UnitOfWork, publisher: CapturingPublisher) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "RS-4", "Yilmaz", "Ada")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    draft = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                          "J. Bakker", [pid])
    publisher.clear()
    assert await uow.run(handovers.discard_handover, GATE, draft) == w.arrival_id
    assert [type(e) for e in publisher.events] == [HandoverDiscarded]
    assert await _count(uow, Handover) == 0 and await _count(uow, HandoverPassenger) == 0
    audit = await uow.read(lambda s: s.scalar(select(AuditEntry).where(
        AuditEntry.action == "discard_handover")))
    assert audit is not None and audit.after["passengers"] == [pid]
    again = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                          "J. Bakker", [pid])
    await uow.run(handovers.sign_handover, GATE, again, "A. Gate", "J. Bakker")
    with pytest.raises(RuleViolation, match="never discarded"):
        await uow.run(handovers.discard_handover, GATE, again)
    assert await _count(uow, Milestone) == 2  # met, handed over
