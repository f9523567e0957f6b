"""Documents from the database, on both backends: read models, issuing and storing,
verification by hash, superseded versions, clear refusals, the CLI, and a 400-passenger
charter manifest built from the store."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import func, select

from movements import delivery
from movements.cli import main
from movements.domain import document_queries as dq
from movements.domain.actions import documents as issue
from movements.domain.actions import escorts, handovers, setup
from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.clock import ManualClock
from movements.domain.errors import RuleViolation
from movements.domain.models import (
    AuditEntry,
    ChronicCondition,
    ManifestDocument,
    MovementKind,
    Role,
)
from movements.domain.uow import Actor, NullPublisher, Tx, UnitOfWork
from movements.platform.config import Settings
from movements.platform.db import Database
from movements.services import Services
from tests.factories import SYSTEM, World, add_pax, build_world, letters, on_blocks_and_met

PUBLIC = "https://movements.test"
MEDICAL_SECRET = "type 2 diabetes, insulin dependent"


def pdf_pages(content: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages]


def flat(content: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(pdf_pages(content)))


@dataclass
class Seeded:
    world: World
    gate: Actor
    coord: Actor
    pids: list[int]


def seed(tx: Tx) -> Seeded:
    world = build_world(tx)
    team = setup.ensure_organisation(tx, "Agency airport team Schiphol (test)",
                                     "agency_team")
    assert team
    gate_id = setup.add_user(tx, "gate", "Sanne de Wit", Role.GATE_STAFF, "x",
                             organisation="Agency airport team Schiphol (test)",
                             airports=["AMS"])
    coord_id = setup.add_user(tx, "coord", "Ruben Mulder", Role.COORDINATOR, "x",
                              airports=["AMS"])
    pids = []
    for ref, surname, given, extra in (
            ("C-1", "Okello", "Grace", {"needs": (("MAAS", None),)}),
            ("C-1", "Okello", "John", {"needs": (("CHLD", None),)}),
            ("C-2", "Haddad", "Salma", {"needs": (("MEDA", "insulin pump, keep cool"),),
                                        "medical_notes": MEDICAL_SECRET,
                                        "chronic_condition": ChronicCondition.DIABETES,
                                        "victim_of_trafficking": True,
                                        "medical_escort_required": True,
                                        "native_name": "سلمى حداد"})):
        pid, _ = add_pax(tx, world.arrival_id, ref, surname, given, **extra)
        pids.append(pid)
    return Seeded(world, Actor(gate_id, "gate", Role.GATE_STAFF,
                               airport_ids=frozenset({world.airport_id})),
                  Actor(coord_id, "coord", Role.COORDINATOR,
                        airport_ids=frozenset({world.airport_id})), pids)


@pytest.fixture
async def services(database: Database, clock: ManualClock, tmp_path: Path
                   ) -> AsyncIterator[Services]:
    settings = Settings(data_dir=tmp_path, database_url=database.url, public_url=PUBLIC)
    uow = database.unit_of_work(NullPublisher(), clock)
    yield Services(settings, database, uow, clock)


async def signed_handover(uow: UnitOfWork, s: Seeded, pids: list[int] | None = None) -> int:
    await uow.run(on_blocks_and_met, SYSTEM, s.world.arrival_id)
    hid = int(await uow.run(handovers.create_handover, s.gate, s.world.arrival_id,
                            s.world.reception_org_id, "Anouk Bakker", pids or s.pids,
                            notes="Luggage follows on KL1002"))
    await uow.run(handovers.sign_handover, s.gate, hid, "S. de Wit", "A. Bakker")
    return hid


async def test_issued_manifest_is_stored_and_handed_out_unchanged(
        services: Services, clock: ManualClock) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    hid = await signed_handover(uow, s)
    first = await delivery.handover_manifest(services, s.gate, hid)
    clock.advance(hours=5)
    again = await delivery.handover_manifest(services, s.coord, hid)
    assert again.content == first.content and again.sha256 == first.sha256
    assert first.sha256 == hashlib.sha256(first.content).hexdigest()
    assert first.version == 1 and first.filename == "handover-TK1957-2026-09-15-v1.pdf"

    def facts(tx: Tx) -> tuple[int, list[str], str]:
        rows = tx.session.scalar(select(func.count(ManifestDocument.id)))
        actions = list(tx.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "manifest_document").order_by(AuditEntry.id)))
        doc = dq.stored_handover_document(tx.session, hid)
        assert doc is not None
        return int(rows or 0), actions, doc.issued_by

    count, actions, issuer = await uow.read(lambda session: facts(Tx(
        session, clock.now(), SYSTEM)))
    assert count == 1
    assert actions == ["issue_document", "read_document", "read_document"]
    assert str(issuer) == "Sanne de Wit (gate staff)"

    text = flat(first.content)
    assert "OKELLO, Grace" in text and "HADDAD, Salma" in text
    assert "Agency airport team Schiphol (test)" in text
    assert "Issued by Sanne de Wit (gate staff)" in text
    assert "10:00 CEST" in text  # signed at 08:00 UTC, printed in Amsterdam time
    assert f"{PUBLIC}/verify/{first.document_id}" in text
    assert "Luggage follows on KL1002" in text


async def test_the_read_model_is_local_and_carries_no_health_text(services: Services
                                                                  ) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    hid = await signed_handover(uow, s)
    doc = await uow.read(dq.handover_doc, hid, public_url=PUBLIC)
    assert doc.issued_at_local.tzinfo == ZoneInfo("Europe/Amsterdam")
    assert doc.issued_at_local.hour == 10 and doc.movement.scheduled_local is not None
    assert doc.movement.scheduled_local.hour == 14  # 12:00 UTC
    haddad = next(p for p in doc.passengers if p.surname == "Haddad")
    assert haddad.ssr_codes == ("MEDA",) and haddad.health_notes == ()
    assert haddad.native_name == "سلمى حداد"
    for p in doc.passengers:
        assert MEDICAL_SECRET not in repr(p) and "insulin" not in repr(p)
    pdf = (await delivery.handover_manifest(services, s.gate, hid)).content
    briefing = (await delivery.escort_briefing(services, s.coord, s.world.arrival_id)).content
    for content in (pdf, briefing):
        text = flat(content).lower()
        for secret in ("diabetes", "insulin", "trafficking", "chronic"):
            assert secret not in text, secret
    assert "medical escort required, none assigned yet" in flat(briefing)


async def test_verification_by_hash(services: Services) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    hid = await signed_handover(uow, s)
    doc = await delivery.handover_manifest(services, s.gate, hid)
    view = await uow.read(dq.verify_view, doc.document_id)
    assert view is not None
    assert view.sha256 == hashlib.sha256(doc.content).hexdigest()
    tampered = doc.content.replace(b"%%EOF", b"%%EOF ", 1)
    assert hashlib.sha256(tampered).hexdigest() != view.sha256
    assert (view.flight, view.version, view.kind) == ("TK1957", 1, dq.HANDOVER_MANIFEST)
    assert view.superseded_by is None and view.supersedes is None
    assert await uow.read(dq.verify_view, "no-such-document") is None


async def test_a_correction_supersedes_and_the_old_version_stays(services: Services) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    v1 = await signed_handover(uow, s, s.pids[:2])
    first = await delivery.handover_manifest(services, s.gate, v1)
    v2 = int(await uow.run(handovers.correct_handover, s.gate, v1, passenger_ids=s.pids,
                           reason="Salma Haddad was handed over too"))
    with pytest.raises(RuleViolation, match="not signed yet"):
        await delivery.handover_manifest(services, s.gate, v2)
    view = await uow.read(dq.verify_view, first.document_id)
    assert view is not None and view.superseded_by is not None
    assert view.superseded_by[1:] == (2, False)  # a correction in progress
    await uow.run(handovers.sign_handover, s.gate, v2, "S. de Wit", "A. Bakker")
    second = await delivery.handover_manifest(services, s.gate, v2)
    assert second.version == 2 and second.document_id != first.document_id
    view = await uow.read(dq.verify_view, first.document_id)
    assert view is not None and view.superseded_by == (second.document_id, 2, True)
    newer = await uow.read(dq.verify_view, second.document_id)
    assert newer is not None and newer.supersedes == (first.document_id, 1)
    text = flat(second.content)
    assert first.document_id in text and "Salma Haddad was handed over too" in text
    assert "HADDAD, Salma" in text
    again = await delivery.handover_manifest(services, s.gate, v1)
    assert again.content == first.content


async def test_refusals_are_clear(services: Services) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    draft = int(await uow.run(handovers.create_handover, s.gate, s.world.arrival_id,
                              s.world.reception_org_id, "Anouk Bakker", s.pids))
    with pytest.raises(RuleViolation, match="not signed yet"):
        await delivery.handover_manifest(services, s.gate, draft)
    with pytest.raises(RuleViolation, match="not signed yet"):
        await uow.run(issue.issue_document, s.gate, dq.HANDOVER_MANIFEST, b"%PDF-1.4",
                      handover_id=draft)
    with pytest.raises(RuleViolation, match="has no passengers"):
        await delivery.escort_briefing(services, s.coord, s.world.departure_id)
    await uow.run(handovers.discard_handover, s.gate, draft)
    charter = await uow.run(mv.create_movement, SYSTEM, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9371",
        operational_date=date(2026, 9, 15), origin="AMS", destination="BSR",
        scheduled_at=datetime(2026, 9, 15, 9, 30, tzinfo=UTC), is_charter=True,
        stops=("BGW", "EBL")))
    with pytest.raises(RuleViolation, match="has no passengers"):
        await delivery.charter_manifest(services, s.coord, charter)
    with pytest.raises(RuleViolation, match="not a charter"):
        await delivery.charter_manifest(services, s.coord, s.world.arrival_id)
    signed = await signed_handover(uow, s)
    with pytest.raises(RuleViolation, match="only a PDF"):
        await uow.run(issue.issue_document, s.gate, dq.HANDOVER_MANIFEST, b"<html>",
                      handover_id=signed)


async def test_issuing_twice_keeps_the_first_file(services: Services) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    hid = await signed_handover(uow, s)
    one = await uow.run(issue.issue_document, s.gate, dq.HANDOVER_MANIFEST, b"%PDF-1.4 one",
                        handover_id=hid)
    two = await uow.run(issue.issue_document, s.coord, dq.HANDOVER_MANIFEST, b"%PDF-1.4 two",
                        handover_id=hid)
    assert two.content == b"%PDF-1.4 one" and two.sha256 == one.sha256


def _charter_world(tx: Tx, total: int) -> tuple[int, Actor]:
    build_world(tx)
    coord_id = setup.add_user(tx, "coord", "Ruben Mulder", Role.COORDINATOR, "x",
                              airports=["AMS"])
    movement = mv.create_movement(tx, mv.NewMovement(
        airport="AMS", kind=MovementKind.DEPARTURE, carrier="OR", flight_number="9371",
        operational_date=date(2026, 9, 15), origin="AMS", destination="BSR",
        scheduled_at=datetime(2026, 9, 15, 9, 30, tzinfo=UTC), is_charter=True,
        stops=("BGW", "EBL"), gate="G3"))
    stops = ("BGW", "EBL", None)
    for i in range(total):
        family = i // 4
        case = px.get_or_create_case(tx, "AMS", f"C-2016-{family:04d}")
        pid = px.add_passenger(tx, case.id, px.NewPassenger(
            surname=f"Haddad{letters(family)}", given_names=f"Salma {letters(i)}", sex="F",
            nationality="IRQ",
            needs=(("WCHR", None),) if i % 37 == 0 else ()))
        px.book_passenger(tx, pid, movement, seat=f"{4 + i // 6}{'ABCDEF'[i % 6]}",
                          stop=stops[family % 3])
    return movement, Actor(coord_id, "coord", Role.COORDINATOR, airport_ids=frozenset({1}))


async def test_charter_of_400_from_the_database_numbers_every_page(services: Services
                                                                   ) -> None:
    uow = services.uow
    movement, coord = await uow.run(_charter_world, SYSTEM, 400)
    first = await delivery.charter_manifest(services, coord, movement)
    pages = pdf_pages(first.content)
    assert len(pages) >= 8
    for i, page in enumerate(pages, 1):
        assert re.findall(r"Page (\d+) of (\d+)", page) == [(str(i), str(len(pages)))]
    text = re.sub(r"\s+", " ", "\n".join(pages))
    assert "400 passengers in 100 cases" in text and "HADDADAADV, Salma AAPJ" in text
    assert re.search(r"Stop \d of 3: BGW", text) and re.search(r"Stop \d of 3: BSR", text)

    # Asked again with nothing changed: the same issued document, not a new version.
    again = await delivery.charter_manifest(services, coord, movement)
    assert (again.document_id, again.content) == (first.document_id, first.content)


async def test_charter_is_issued_again_only_when_it_changes(services: Services) -> None:
    uow = services.uow
    movement, coord = await uow.run(_charter_world, SYSTEM, 12)
    first = await delivery.charter_manifest(services, coord, movement)
    assert first.version == 1
    again = await delivery.charter_manifest(services, coord, movement)
    assert (again.document_id, again.version) == (first.document_id, 1)

    def first_pax(tx: Tx) -> int:
        from movements.domain.models import Booking

        return int(tx.session.scalar(select(func.min(Booking.passenger_id)).where(
            Booking.movement_id == movement)))

    p0 = await uow.run(first_pax, SYSTEM)
    await uow.run(escorts.assign_escort, coord, movement, p0, "medical", "Dr. Eva Lindqvist")
    second = await delivery.charter_manifest(services, coord, movement)
    assert second.version == 2 and second.document_id != first.document_id
    text = flat(second.content)
    assert first.document_id in text and "Dr. Eva Lindqvist" in text
    old = await uow.read(dq.verify_view, first.document_id)
    assert old is not None and old.superseded_by == (second.document_id, 2, True)
    new = await uow.read(dq.verify_view, second.document_id)
    assert new is not None and new.supersedes == (first.document_id, 1)
    assert (await uow.read(dq.stored_document, first.document_id)) is not None


async def test_daily_report_from_the_database(services: Services) -> None:
    uow = services.uow
    s = await uow.run(seed, SYSTEM)
    doc = await uow.read(dq.daily_doc, "AMS", date(2026, 9, 15),
                         issued_at=services.clock.now(), issued_by_user_id=s.coord.user_id)
    assert doc.lane("arrival").passengers == 3 and doc.lane("departure").movements == 1
    assert dict(doc.need_groups)[dq.NeedGroup.MEDICAL] == 1
    report = await delivery.daily_report(services, s.coord, "AMS", "AMS", date(2026, 9, 15))
    assert "3 passengers assisted on 2 movements" in flat(report.content)


def test_cli_writes_manifests(database_url: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    async def prepare() -> tuple[int, int, int]:
        db = Database.open(database_url)
        try:
            uow = db.unit_of_work(NullPublisher(),
                                  ManualClock(datetime(2026, 9, 15, 8, 0, tzinfo=UTC)))
            s = await uow.run(seed, SYSTEM)
            signed = await signed_handover(uow, s, [s.pids[0], s.pids[2]])
            draft = int(await uow.run(handovers.create_handover, s.gate, s.world.arrival_id,
                                      s.world.reception_org_id, "Anouk Bakker", s.pids[1:2]))
            return signed, draft, s.world.arrival_id
        finally:
            await db.dispose()

    hid, draft, arrival = asyncio.run(prepare())
    monkeypatch.setenv("MOVEMENTS_DATABASE_URL", database_url)
    monkeypatch.setenv("MOVEMENTS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MOVEMENTS_PUBLIC_URL", PUBLIC)
    out = tmp_path / "handover.pdf"
    assert main(["manifest", "handover", str(hid), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    text = flat(out.read_bytes())
    assert "OKELLO, Grace" in text and "HADDAD, Salma" in text
    assert hashlib.sha256(out.read_bytes()).hexdigest() in said
    again = tmp_path / "again.pdf"
    assert main(["manifest", "handover", str(hid), "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()

    daily = tmp_path / "daily.pdf"
    assert main(["manifest", "daily", "--date", "2026-09-15", "-o", str(daily)]) == 0
    assert "Daily operations report" in flat(daily.read_bytes())
    briefing = tmp_path / "briefing.pdf"
    assert main(["manifest", "briefing", str(arrival), "-o", str(briefing)]) == 0
    assert "OKELLO, Grace" in flat(briefing.read_bytes())

    capsys.readouterr()
    assert main(["manifest", "handover", str(draft), "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("movements: error:") and "not signed yet" in err
    assert len(err.splitlines()) == 1 and not (tmp_path / "x.pdf").exists()
    assert main(["manifest", "charter", str(arrival), "-o", str(tmp_path / "y.pdf")]) == 2
    assert "not a charter" in capsys.readouterr().err
    assert main(["manifest", "daily", "--date", "15/09/2026"]) == 2
