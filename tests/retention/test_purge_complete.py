"""The retention purge leaves no personal data of a purged passenger anywhere.

On SQLite and PostgreSQL, with a ManualClock (no sleeping): a movement with planned
passengers, a telex-made one (a PNL through ``movements.ingest``), a name a coordinator
added from the telex, a no-show, notes, an overridden step, a signed handover with its
manifest issued through ``movements.delivery``, stored write replies and live-stream rows.
Before the retention period ends nothing personal goes; after it, the scheduler's purge
job runs, and a scan of every text, JSON, binary and date column of every table in
``Base.metadata`` (new tables are covered without touching this test) finds none of the
names, birth dates, locators or the receiver's name and ID.  The figures still count, and
``/verify`` still names the issuer and the hash of the purged manifest.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import JSON, Date, LargeBinary, String, func, select
from sqlalchemy.orm import Session

from movements import delivery
from movements.app import create_app
from movements.domain import name_match, queries
from movements.domain.actions import (
    escorts,
    handovers,
    idempotency,
    milestones,
    pruning,
    reconciliation,
    retention,
    setup,
)
from movements.domain.actions import movements as mv
from movements.domain.clock import ManualClock
from movements.domain.errors import PermissionDenied
from movements.domain.models import (
    AuditEntry,
    Base,
    IdempotentResponse,
    ManifestDocument,
    MovementKind,
    Passenger,
    Role,
    SpecialNeed,
    StreamEvent,
    TelexEntry,
    TelexMessage,
)
from movements.domain.reconciliation import NEW_NAME, reconcile
from movements.domain.uow import Actor, Tx, UnitOfWork
from movements.ingest.apply import submit
from movements.platform.config import Settings
from movements.scheduler import JobRunner
from movements.services import Services
from tests.factories import COORD, GATE, SYSTEM, add_pax, build_world, on_blocks_and_met

DAY = date(2026, 9, 15)
RETENTION_DAYS = 30
PUBLIC = "https://movements.test"

#: Everything that identifies the people in this story; none may survive the purge.
PERSONAL = (
    "Qorvalenko", "Ysoldine", "Корваленко", "Исолдина", "1987-04-23", "QVX777",
    "Bertilda", "2014-11-05",
    "Dravnicek", "Ottoline", "1979-02-14",
    "Newcombe", "Alaric", "NWC456",
    "Zembranova", "Lucietta", "LZB123",  # telex locators: case references PNR-<locator>
    "Vanterpool", "Oswin",  # a deportee the PNL named: never a passenger, still a person
    "Hendrikje", "Vossenberg", "NX4455667", "Ingeborg", "Talsmaveld",
    "+31628765432", "+31627654321",  # their numbers for the outbox (issue 16)
)

PNL_TK1957 = """PNL
TK1957/15SEP IST PART1
-AMS003Y
1QORVALENKO/YSOLDINE MS
1QORVALENKO/BERTILDA MISS .R/UMNR HK1
1NEWCOMBE/ALARIC MR .L/NWC456 .R/WCHR HK1 ALARIC NEWCOMBE OWN CHAIR
ENDPNL"""

PNL_KQ116 = """PNL
KQ116/15SEP NBO PART1
-AMS002Y
1ZEMBRANOVA/LUCIETTA MRS .L/LZB123 .R/WCHC HK1 LUCIETTA NEEDS AISLE CHAIR
1VANTERPOOL/OSWIN MR .R/DEPA
ENDPNL"""


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# -- the scan -------------------------------------------------------------------------------

def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def scan(session: Session, needles: tuple[str, ...] = PERSONAL) -> dict[str, set[str]]:
    """``table.column`` -> the needles found there, over every table the models define:
    text (names as typed, as telexes spell them, folded), JSON, bytes and dates."""
    folded = {n: name_match.fold(n) for n in needles}
    hits: dict[str, set[str]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, String | JSON | LargeBinary | Date)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = _as_text(value)
                plain, flat = text.casefold(), name_match.fold(text)
                for needle, key in folded.items():
                    if needle.casefold() in plain or (key and key in flat):
                        hits.setdefault(f"{table.name}.{column.name}", set()).add(needle)
    return hits


# -- the story ------------------------------------------------------------------------------

@dataclass
class Story:
    arrival: int
    kq116: int
    org: int
    gate: Actor
    planned: list[int]  # Ysoldine, Bertilda, Ottoline (no-show)


def plan(tx: Tx) -> Story:
    world = build_world(tx, DAY)
    gate_id = setup.add_user(tx, "gate", "Sanne de Wit", Role.GATE_STAFF, "x",
                             airports=["AMS"])
    kq116 = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.ARRIVAL, carrier="KQ", flight_number="116",
        operational_date=DAY, origin="NBO", destination="AMS", scheduled_at=at(15, 6)))
    ysoldine, _ = add_pax(
        tx, world.arrival_id, "QV-1", "Qorvalenko", "Ysoldine",
        needs=(("MEDA", "Ysoldine Qorvalenko: oxygen 2 l/min"),), birth_date=date(1987, 4, 23),
        native_name="Исолдина Корваленко", booking_locator="QVX777",
        medical_notes="COPD; Qorvalenko family doctor letter")
    bertilda, _ = add_pax(
        tx, world.arrival_id, "QV-1", "Qorvalenko", "Bertilda", needs=(("UMNR", None),),
        birth_date=date(2014, 11, 5), release_to_name="Hendrikje Vossenberg",
        release_to_relation="aunt")
    ottoline, ottoline_booking = add_pax(tx, world.arrival_id, "QV-2", "Dravnicek", "Ottoline",
                                         birth_date=date(1979, 2, 14))
    milestones.record_no_show(tx, ottoline_booking, "Ottoline Dravnicek did not board in IST")
    escorts.add_note(tx, world.arrival_id, "Ysoldine asked for a Russian speaker", ysoldine)
    escorts.add_note(tx, world.arrival_id,
                     "Aunt Hendrikje Vossenberg waits for the Qorvalenko children at arrivals 2")
    _contacts(tx, ysoldine, bertilda, world.arrival_id)
    idempotency.remember(tx, "retry-1", "0" * 64, 200,
                         '<div id="pax-1">QORVALENKO, Ysoldine · 1987-04-23</div>')
    return Story(world.arrival_id, kq116, world.reception_org_id,
                 Actor(gate_id, "gate", Role.GATE_STAFF, airport_ids=frozenset({1})),
                 [ysoldine, bertilda, ottoline])


def _contacts(tx: Tx, ysoldine: int, bertilda: int, movement_id: int) -> None:
    """Their numbers, and a message to one of them waiting in the outbox."""
    from movements.domain import outbox
    from movements.domain.actions import outbox as outbox_actions
    from movements.domain.models import Movement as M
    from movements.domain.outbox_models import Channel

    outbox_actions.set_passenger_contact(tx, ysoldine, phone="+31 6 28765432")
    outbox_actions.set_passenger_contact(tx, bertilda, guardian_phone="06 27654321")
    movement = tx.session.get(M, movement_id)
    outbox.queue(tx, key="retention-test", event="gate_changed", movement=movement,
                 to=outbox.Recipient(Channel.SMS, "+31628765432", passenger_id=ysoldine),
                 subject="TK1957", body="Flight TK1957: new gate E9.")


def booking_of(tx: Tx, passenger_id: int, movement_id: int) -> int:
    from movements.domain.models import Booking

    return int(tx.session.scalar(select(Booking.id).where(
        Booking.passenger_id == passenger_id, Booking.movement_id == movement_id)))


def passenger_named(session: Session, surname: str) -> int:
    return int(session.scalar(select(Passenger.id).where(Passenger.surname == surname)))


@dataclass
class Built:
    story: Story
    alaric: int
    lucietta: int
    handover: int
    document_id: str
    sha256: str


async def build(services: Services, clock: ManualClock) -> Built:
    uow = services.uow
    story = await uow.run(plan, SYSTEM)
    # Telexes: a telex-made passenger on KQ116 (nobody planned it), a new name on TK1957.
    for text in (PNL_TK1957, PNL_KQ116):
        outcome = await submit(uow, SYSTEM, text, airport="AMS", reference=DAY)
        assert outcome.outcome == "applied", outcome.detail
    rec = await uow.read(reconcile, story.arrival)
    assert rec is not None
    new_name = next(d for d in rec.differences if d.kind == NEW_NAME)
    await uow.run(reconciliation.decide, COORD, story.arrival, new_name.key, "apply")
    alaric = await uow.read(passenger_named, "NEWCOMBE")
    lucietta = await uow.read(passenger_named, "ZEMBRANOVA")
    # At the aircraft: one step ticked out of order, with a reason that names her.
    clock.set(at(15, 12, 10))
    ysoldine = story.planned[0]
    booking = await uow.run(booking_of, SYSTEM, ysoldine, story.arrival)
    await uow.run(mv.update_flight, SYSTEM, story.arrival, {"flight_state": "ARR"},
                  source="feed")  # on blocks: inbound steps wait for it
    await uow.run(milestones.record_milestone, GATE, booking, "met_at_aircraft")
    await uow.run(milestones.record_milestone, GATE, booking, "customs",
                  override_reason="Ysoldine Qorvalenko taken through by the border police")
    # The handover to the aunt, edited, signed, its manifest issued (on blocks, all met).
    await uow.run(on_blocks_and_met, SYSTEM, story.arrival)
    await uow.run(on_blocks_and_met, SYSTEM, story.kq116)
    hid = int(await uow.run(
        handovers.create_handover, story.gate, story.arrival, story.org,
        "Hendrikje Vossenberg", [ysoldine, story.planned[1], alaric],
        receiver_id_checked="passport NX4455667", notes="Bags follow"))
    await uow.run(handovers.edit_handover, story.gate, hid,
                  notes="Hendrikje Vossenberg also takes Alaric Newcombe's chair")
    clock.set(at(15, 13))
    await uow.run(handovers.sign_handover, story.gate, hid, "S. de Wit", "H. Vossenberg")
    issued = await delivery.handover_manifest(services, story.gate, hid)
    assert issued.content.startswith(b"%PDF-")
    # KQ116: the telex-made passenger handed over too (by an actor with no account).
    other = int(await uow.run(handovers.create_handover, GATE, story.kq116, story.org,
                              "Ingeborg Talsmaveld", [lucietta]))
    await uow.run(handovers.sign_handover, GATE, other, "S. de Wit", "I. Talsmaveld")
    for movement_id in (story.arrival, story.kq116):
        await uow.run(mv.update_flight, SYSTEM, movement_id, {"flight_state": "ARR"},
                      source="feed")
    return Built(story, alaric, lucietta, hid, issued.document_id, issued.sha256)


# -- the figures that must survive ----------------------------------------------------------

def figures(session: Session) -> dict[str, Any]:
    board = queries.board(session, "AMS", DAY)
    return {
        "board": sorted((r.flight, r.passenger_count) for r in board),
        "needs": Counter(session.scalars(select(SpecialNeed.code))),
        "passengers": session.scalar(select(func.count(Passenger.id))),
        "telex_entries": sorted(session.execute(
            select(TelexEntry.movement_id, func.count(TelexEntry.id))
            .group_by(TelexEntry.movement_id)).all()),
        "telexes": sorted(session.execute(select(
            TelexMessage.message_type, TelexMessage.flight, TelexMessage.outcome)).all()),
    }


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, public_url=PUBLIC,
                    run_jobs=False, retention_days=RETENTION_DAYS)


@pytest.fixture
async def services(settings: Settings, clock: ManualClock) -> AsyncIterator[Services]:
    """The jobs' and the actions' side (this test's event loop)."""
    built = Services.build(settings, clock=clock)
    yield built
    await built.close()


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> Litestar:
    """The web side: its own engine, used from the test client's event loop."""
    return create_app(settings, clock=clock)


# -- the tests ------------------------------------------------------------------------------

async def test_purge_leaves_no_personal_data_anywhere(services: Services, app: Litestar,
                                                      clock: ManualClock) -> None:
    uow = services.uow
    async with AsyncTestClient(app, base_url="http://testserver.local") as client:
        built = await build(services, clock)
        before = await uow.read(scan)
        # The scan sees them where they are (else finding nothing later would prove
        # nothing): the passenger rows, the telexes, the handover, notes, replies...
        for where in ("passenger.surname", "passenger.native_name", "passenger.birth_date",
                      "special_need.text", "note.text", "booking.no_show_reason",
                      "milestone.override_reason", "handover.receiving_person",
                      "handover.receiver_id_checked", "handover.receiving_signature",
                      "handover.notes", "telex_message.raw", "telex_message.detail",
                      "telex_entry.surname", "telex_entry.remarks",
                      "reconciliation_decision.key", "reconciliation_decision.summary",
                      "idempotent_response.body", "stream_event.payload",
                      "travel_case.reference"):
            assert where in before, where
        # The audit never had them: it outlives the purge, so the actions keep names,
        # birth dates, locators and free text about people out of it.
        assert not [k for k in before if k.startswith("audit_entry.")], before
        counted = await uow.read(figures)
        verify = await client.get(f"/verify/{built.document_id}",
                                  headers={"Accept": "application/json"})
        assert verify.status_code == 200 and verify.json()["content_removed"] is False

        # Before the retention period ends nothing personal goes (the day-old replies
        # and the two-day-old replay rows do: they are no record of anything).
        runner = JobRunner(services, holder="retention-test")
        clock.set(at(14, 12, month=10))  # 29 days after the handover
        assert await runner.renew_lease()
        early = await runner.purge()
        assert early is not None and early.purged == 0 and early.kept_in_care == 5
        assert (early.handovers, early.documents, early.telex_messages, early.telex_entries,
                early.notes, early.decisions, early.cases) == (0, 0, 0, 0, 0, 0, 0)
        assert early.stream_events_deleted > 0 and early.responses_deleted == 1
        still = await uow.read(scan)
        assert {k: v for k, v in still.items()
                if k not in ("idempotent_response.body", "stream_event.payload")} == {
            k: v for k, v in before.items()
            if k not in ("idempotent_response.body", "stream_event.payload")}
        assert not await uow.read(retention.document_content_removed, built.document_id)

        # 30 days after the last handover: the scheduler's job purges, in one run.
        clock.set(at(15, 13, 10, month=10))
        assert await runner.renew_lease()
        summary = await runner.purge()
        assert summary is not None
        assert (summary.purged, summary.kept_in_care) == (5, 0)
        assert summary.handovers == 2 and summary.documents == 1
        assert summary.telex_messages == 2 and summary.telex_entries == 5
        assert summary.cases >= 3 and summary.notes == 2 and summary.decisions == 1

        assert await uow.read(scan) == {}
        assert await uow.read(figures) == counted

        # The audit of the run: one entry, counts and ids, no names (the scan says so).
        def audit_of_run(session: Session) -> dict[str, Any]:
            entry = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "purge_personal_data").order_by(AuditEntry.id.desc())
            ).first()
            assert entry is not None and entry.after is not None
            return entry.after

        after = await uow.read(audit_of_run)
        assert sorted(after["passengers"]) == sorted([*built.story.planned, built.alaric,
                                                      built.lucietta])
        assert after["documents"] == 1 and after["handovers"] == 2

        # The purged manifest: no bytes, but /verify still tells who issued it, when,
        # and its hash, and a copy can still be checked against the hash.
        assert await uow.read(retention.document_content_removed, built.document_id)
        content = await uow.read(lambda s: s.scalar(select(ManifestDocument.content).where(
            ManifestDocument.document_id == built.document_id)))
        assert content == retention.PURGED_CONTENT
        verify = await client.get(f"/verify/{built.document_id}",
                                  headers={"Accept": "application/json"})
        body = verify.json()
        assert verify.status_code == 200 and body["known"] is True
        assert body["issued_by"] == "Sanne de Wit (gate staff)"
        assert body["issued_at"] == at(15, 13).isoformat()
        assert body["sha256"] == built.sha256
        assert body["content_removed"] is True and "retention policy" in body["notice"]
        page = await client.get(f"/verify/{built.document_id}")
        assert page.status_code == 200
        assert 'id="content-removed"' in page.text and "Sanne de Wit" in page.text
        assert built.sha256 in page.text
        checked = await client.post(f"/verify/{built.document_id}",
                                    data={"sha256": built.sha256.upper()},
                                    headers={"Accept": "application/json"})
        assert checked.status_code == 200 and checked.json()["match"] is True

        # Nothing more to do; a later run finds nothing and writes no audit entry.
        again = await runner.purge()
        assert again is not None and not again.changed


async def test_pruning_the_replay_rows_and_stored_replies(uow: UnitOfWork,
                                                          clock: ManualClock) -> None:
    def start(tx: Tx) -> None:
        world = build_world(tx, DAY)
        add_pax(tx, world.departure_id, "P-1", "Someone", "Else")
        idempotency.remember(tx, "k-1", "1" * 64, 200, "<div>ok</div>")

    await uow.run(start, SYSTEM)

    def counts(session: Session) -> tuple[int, int]:
        return (int(session.scalar(select(func.count(StreamEvent.id))) or 0),
                int(session.scalar(select(func.count()).select_from(IdempotentResponse)) or 0))

    events, replies = await uow.read(counts)
    assert events > 0 and replies == 1
    clock.advance(hours=23)
    assert await uow.run(pruning.prune_idempotent_responses, SYSTEM) == 0
    assert await uow.run(pruning.prune_stream_events, SYSTEM) == 0
    clock.advance(hours=2)  # a day and an hour
    assert await uow.run(pruning.prune_idempotent_responses, SYSTEM) == 1
    assert await uow.run(pruning.prune_stream_events, SYSTEM) == 0
    clock.advance(days=1)  # two days and an hour
    assert await uow.run(pruning.prune_stream_events, SYSTEM) == events
    assert await uow.read(counts) == (0, 0)
    # A screen that was away that long gets a snapshot: the counters stay.
    audited = await uow.read(lambda s: list(s.execute(select(
        AuditEntry.action, AuditEntry.after).where(AuditEntry.action.like("prune_%"))
        .order_by(AuditEntry.id)).all()))
    assert [(a, after["deleted"]) for a, after in audited] == [
        ("prune_idempotent_responses", 1), ("prune_stream_events", events)]
    with pytest.raises(PermissionDenied):
        await uow.run(pruning.prune_stream_events, COORD, timedelta(days=2))
