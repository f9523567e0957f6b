"""The retention purge with a ManualClock: personal data goes once care ended more than
the retention period ago; codes and counts stay; each purge is audited and pushed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from movements.domain.actions import escorts, handovers, milestones, retention
from movements.domain.actions import movements as mv
from movements.domain.clock import ManualClock
from movements.domain.errors import PermissionDenied
from movements.domain.events import PassengerPurged
from movements.domain.models import AuditEntry, Note, Passenger, SpecialNeed
from movements.domain.uow import UnitOfWork
from tests.conftest import CapturingPublisher
from tests.factories import COORD, GATE, SYSTEM, add_pax, on_blocks_and_met, world


async def test_purge_after_the_retention_period_keeps_aggregates(
        uow: UnitOfWork, publisher: CapturingPublisher, clock: ManualClock) -> None:
    w = await world(uow)
    child, child_booking = await uow.run(
        add_pax, SYSTEM, w.arrival_id, "FR-1", "Achieng", "Faith",
        needs=(("UMNR", None), ("MEDA", "insulin, keep cool")), birth_date=date(2015, 3, 2),
        native_name="Faith Achieng", booking_locator="ABC123", medical_notes="diabetes",
        release_to_name="Peter Achieng", release_to_relation="father")
    leaver, leaver_booking = await uow.run(add_pax, SYSTEM, w.departure_id, "VR-1", "Haddad",
                                           "Omar", booking_locator="XYZ987")
    stays, _ = await uow.run(add_pax, SYSTEM, w.departure_id, "VR-2", "Petrenko", "Ivan")
    await uow.run(escorts.add_note, GATE, w.arrival_id, "Faith asked for her father", child)
    # The departure: Omar goes all the way; Ivan's booking stays open (no final step).
    clock.set(datetime(2026, 9, 15, 7, 0, tzinfo=UTC))
    for step in ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded",
                 "departed"):
        await uow.run(milestones.record_milestone, GATE, leaver_booking, step)
    await uow.run(mv.update_flight, SYSTEM, w.departure_id, {"flight_state": "DEP"},
                  source="feed")
    # The arrival: the child is handed to her father, signed at 13:00.
    clock.set(datetime(2026, 9, 15, 12, 10, tzinfo=UTC))
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "ARR"},
                  source="feed")  # on blocks: inbound steps wait for it
    for step in ("met_at_aircraft", "passport_control", "customs"):
        await uow.run(milestones.record_milestone, GATE, child_booking, step)
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    handover_id = await uow.run(handovers.create_handover, GATE, w.arrival_id,
                                w.reception_org_id, "Peter Achieng", [child],
                                receiver_id_checked="passport NL1234567")
    clock.set(datetime(2026, 9, 15, 13, 0, tzinfo=UTC))
    await uow.run(handovers.sign_handover, GATE, handover_id, "S. de Wit", "P. Achieng")
    await uow.run(mv.update_flight, SYSTEM, w.arrival_id, {"flight_state": "ARR"},
                  source="feed")

    with pytest.raises(PermissionDenied):
        await uow.run(retention.purge_personal_data, COORD, 30)
    clock.set(datetime(2026, 10, 15, 12, 59, tzinfo=UTC))  # 30 days after 13:00 is 13:00
    summary = await uow.run(retention.purge_personal_data, SYSTEM, 30)
    assert summary.purged == 1  # only Omar (departed 10:00 local... 07:00 UTC)
    clock.set(datetime(2026, 10, 15, 13, 0, tzinfo=UTC))
    publisher.clear()
    summary = await uow.run(retention.purge_personal_data, SYSTEM, 30)
    assert (summary.purged, summary.kept_in_care) == (1, 1)
    assert {(type(e), e.passenger_id) for e in publisher.events} == {(PassengerPurged, child)}

    def look(session: object) -> tuple[object, ...]:
        from sqlalchemy.orm import Session

        assert isinstance(session, Session)
        kid = session.get(Passenger, child)
        omar = session.get(Passenger, leaver)
        ivan = session.get(Passenger, stays)
        assert kid is not None and omar is not None and ivan is not None
        needs = sorted((n.code, n.text) for n in kid.needs)
        note = session.scalar(select(Note.text).where(Note.passenger_id == child))
        audits = session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "purge_personal_data"))
        total_needs = session.scalar(select(func.count(SpecialNeed.id)))
        return (kid.surname, kid.given_names, kid.native_name, kid.birth_date,
                kid.medical_notes, kid.release_to_name, kid.booking_locator,
                kid.purged_at, needs, note, omar.surname, omar.purged_at is not None,
                ivan.surname, ivan.purged_at, audits, total_needs, kid.nationality)

    (surname, given, native, born, notes, release, locator, purged_at, needs, note,
     omar, omar_purged, ivan, ivan_purged, audits, total_needs, _) = await uow.read(look)
    assert (surname, given, native, born, notes, release, locator) == (
        "PURGED", "", None, None, None, None, None)
    assert purged_at == clock.now()
    assert needs == [("MEDA", None), ("UMNR", None)]  # the codes stay, the free text goes
    assert note == "(removed: retention period ended)"
    assert (omar, omar_purged) == ("PURGED", True)
    assert (ivan, ivan_purged) == ("Petrenko", None)  # still in care
    assert audits == 2 and total_needs == 2
    # Run again: nothing more to do.
    assert (await uow.run(retention.purge_personal_data, SYSTEM, 30)).purged == 0
    # The board still counts everyone.
    from movements.domain import queries

    rows = await uow.read(queries.board, "AMS", date(2026, 9, 15))
    assert sum(r.passenger_count for r in rows) == 3
