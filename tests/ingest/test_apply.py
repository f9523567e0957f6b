"""Telexes change the database: MVT times, passenger lists, parts, duplicates, rejections.

Every test runs on SQLite and PostgreSQL, through ``ingest.apply.submit`` exactly as
the web, the API and the CLI call it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain.actions import movements as mv
from movements.domain.actions import reconciliation as rc
from movements.domain.clock import ManualClock
from movements.domain.models import (
    Booking,
    BookingStatus,
    Case,
    Movement,
    MovementKind,
    Passenger,
    StreamEvent,
    TelexEntry,
    TelexList,
    TelexMessage,
    Transit,
)
from movements.domain.reconciliation import reconcile
from movements.domain.uow import Tx, UnitOfWork
from movements.ingest.apply import TelexOutcome, fingerprint, submit
from tests.conftest import CapturingPublisher
from tests.factories import COORD, SYSTEM, World, add_pax, build_world
from tests.ingest.corpus import load

DAY = date(2026, 9, 15)


@pytest.fixture(autouse=True)
def _telexes_arrive_after_what_they_report(clock: ManualClock) -> None:
    """An MVT reports actual times that have happened (a future one is refused):
    these telexes arrive the morning after the day they report."""
    clock.set(datetime(2026, 9, 16, 6, 0, tzinfo=UTC))


def at(hour: int, minute: int = 0, day: int = 15) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC)


class Transits:
    def __init__(self, world: World, kq116: int, kl673: int, kl1547: int) -> None:
        self.world, self.kq116, self.kl673, self.kl1547 = world, kq116, kl673, kl1547


def transit_world(tx: Tx) -> Transits:
    world = build_world(tx, DAY)

    def leg(kind: MovementKind, carrier: str, number: str, origin: str, dest: str,
            when: datetime) -> int:
        return mv.create_movement(tx, mv.NewMovement(
            airport="AMS", kind=kind, carrier=carrier, flight_number=number,
            operational_date=DAY, origin=origin, destination=dest, scheduled_at=when))

    return Transits(world,
                    leg(MovementKind.TRANSIT_IN, "KQ", "116", "NBO", "AMS", at(5)),
                    leg(MovementKind.TRANSIT_OUT, "KL", "673", "AMS", "YYZ", at(10, 35)),
                    leg(MovementKind.TRANSIT_OUT, "KL", "1547", "AMS", "FCO", at(11)))


async def send(uow: UnitOfWork, text: str) -> TelexOutcome:
    return await submit(uow, SYSTEM, text, airport="AMS", reference=DAY)


def passengers_on(session: Session, movement_id: int, *, active: bool = True
                  ) -> list[Passenger]:
    stmt = select(Passenger).join(Booking).where(Booking.movement_id == movement_id)
    if active:
        stmt = stmt.where(Booking.status == BookingStatus.BOOKED)
    return list(session.scalars(stmt.order_by(Passenger.id)))


def names_on(session: Session, movement_id: int) -> list[str]:
    return [f"{p.surname}/{p.given_names}" for p in passengers_on(session, movement_id)]


async def counts(uow: UnitOfWork) -> dict[str, int]:
    def read(s: Session) -> dict[str, int]:
        return {model.__name__: int(s.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Passenger, Booking, TelexList, TelexEntry, StreamEvent,
                              TelexMessage)}
    return await uow.read(read)


# -- MVT --------------------------------------------------------------------------------

async def test_mvt_departure_sets_actual_time_and_state(uow: UnitOfWork,
                                                        publisher: CapturingPublisher) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, load("mvt_ok_departure.txt"))
    assert outcome.outcome == "applied", outcome.detail
    assert outcome.movement_id == world.departure_id
    m = await uow.read(lambda s: s.get(Movement, world.departure_id))
    assert (m.actual_at, m.flight_state) == (at(10, 22), "DEP")
    assert [e.kind for e in publisher.events][-1] == "MovementUpdated"


async def test_mvt_estimates_then_arrival_for_an_arriving_flight(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    airborne = await send(uow, "MVT\nTK1957/15.TCJRA.IST\nAD150830/150842 EA1205 AMS")
    assert airborne.outcome == "applied", airborne.detail
    m = await uow.read(lambda s: s.get(Movement, world.arrival_id))
    assert (m.estimated_at, m.flight_state, m.actual_at) == (at(12, 5), "AIR", None)
    landed = await send(uow, "MVT\nTK1957/15.TCJRA.AMS\nAA151158/151206")
    assert landed.outcome == "applied", landed.detail
    m = await uow.read(lambda s: s.get(Movement, world.arrival_id))
    assert (m.actual_at, m.flight_state) == (at(12, 6), "ARR")


async def test_mvt_estimated_departure(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, "MVT\nKL1234/15.PHBXA.AMS\nED151130\nDL93/0130")
    assert outcome.outcome == "applied", outcome.detail
    m = await uow.read(lambda s: s.get(Movement, world.departure_id))
    assert (m.estimated_at, m.flight_state) == (at(11, 30), "DEL")


async def test_same_mvt_twice_is_a_duplicate(uow: UnitOfWork,
                                             publisher: CapturingPublisher) -> None:
    await uow.run(build_world, SYSTEM)
    text = load("mvt_ok_departure.txt")
    first = await send(uow, text)
    events = len(publisher.events)
    # The same telex through another gateway: CRLF, framing, extra spaces.
    again = await send(uow, "\x01" + text.replace("\n", "\r\n").replace(" EA", "   EA"))
    assert fingerprint(text) != fingerprint(text + "\nPX1")
    assert (first.outcome, again.outcome) == ("applied", "duplicate")
    assert f"duplicate of telex {first.id}" in again.detail
    assert len(publisher.events) == events


async def test_telex_for_a_flight_we_do_not_have_is_rejected_and_kept(
        uow: UnitOfWork) -> None:
    await uow.run(build_world, SYSTEM)
    before = await counts(uow)
    outcome = await send(uow, "MVT\nXX999/15.PHABC.AMS\nAD151022")
    assert outcome.outcome == "rejected"
    assert outcome.detail.startswith("line 2: no movement XX999 on 15 Sep 2026")
    row = await uow.read(lambda s: s.get(TelexMessage, outcome.id))
    assert row.raw == "MVT\nXX999/15.PHABC.AMS\nAD151022" and row.outcome == "rejected"
    after = await counts(uow)
    assert after["TelexMessage"] == before["TelexMessage"] + 1
    assert {k: v for k, v in after.items() if k != "TelexMessage"} == \
        {k: v for k, v in before.items() if k != "TelexMessage"}


async def test_unreadable_telex_is_rejected_with_line_and_reason(uow: UnitOfWork) -> None:
    await uow.run(build_world, SYSTEM)
    outcome = await send(uow, load("mvt_bad_hour.txt"))
    assert outcome.outcome == "rejected" and outcome.kind == "MVT"
    assert outcome.detail.startswith("line ")
    row = await uow.read(lambda s: s.get(TelexMessage, outcome.id))
    assert row.raw == load("mvt_bad_hour.txt")


# -- PNL, ADL ---------------------------------------------------------------------------

PNL_INBOUND = """PNL
KQ116/15SEP NBO PART1
-AMS005Y
1OKELLO/GRACE MRS .L/ABC123
.R/WCHC HK1 NEEDS AISLE CHAIR
.RN/ AT THE DOOR
.O/KL673Y15YYZ
3OKELLO/JOHN MR/MARY MISS/PAUL MSTR .L/ABC123 .O/KL673Y15YYZ
1ИВАНОВА/МАРИЯ MS .L/QWE789 .R/LANG HK1 RUSSIAN .R/VGML
ENDPNL"""


async def test_pnl_creates_passengers_with_needs_cases_and_connections(
        uow: UnitOfWork) -> None:
    t = await uow.run(transit_world, SYSTEM)
    outcome = await send(uow, PNL_INBOUND)
    assert outcome.outcome == "applied", outcome.detail
    assert "5 passengers added" in outcome.detail

    def read(s: Session) -> dict[str, Any]:
        inbound = passengers_on(s, t.kq116)
        grace = next(p for p in inbound if p.given_names == "GRACE")
        maria = next(p for p in inbound if p.surname == "ИВАНОВА")
        entry = s.scalar(select(TelexEntry).where(TelexEntry.passenger_id == maria.id))
        link = s.scalar(select(Transit).where(Transit.inbound_movement_id == t.kq116))
        return {
            "inbound": [f"{p.surname}/{p.given_names}" for p in inbound],
            "onward": names_on(s, t.kl673),
            "grace": (grace.case.reference, grace.sex, [(n.code, n.text) for n in grace.needs]),
            "family": sorted(p.given_names for p in grace.case.passengers),
            "maria": (maria.case.reference, maria.codes, entry.remarks if entry else None),
            "link": (link.onward_movement_id if link else None),
        }

    got = await uow.read(read)
    assert got["inbound"] == ["OKELLO/GRACE", "OKELLO/JOHN", "OKELLO/MARY", "OKELLO/PAUL",
                              "ИВАНОВА/МАРИЯ"]
    assert got["onward"] == ["OKELLO/GRACE", "OKELLO/JOHN", "OKELLO/MARY", "OKELLO/PAUL"]
    assert got["grace"] == ("PNR-ABC123", "F", [("WCHC", "NEEDS AISLE CHAIR AT THE DOOR")])
    assert got["family"] == ["GRACE", "JOHN", "MARY", "PAUL"]
    # VGML (a meal) is not a need the team acts on: kept on the list entry, not rejected.
    assert got["maria"] == ("PNR-QWE789", ("LANG",), [["LANG", "HK1 RUSSIAN"], ["VGML", ""]])
    assert got["link"] == t.kl673


async def test_pnl_in_any_script_on_a_departure(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, load("pnl_ok_single.txt"))
    assert outcome.outcome == "applied", outcome.detail
    names = await uow.read(names_on, world.departure_id)
    assert "حداد/ليلى" in names and "ተስፋዬ/ሰላም" in names and "ИВАНОВА/МАРИЯ" in names
    # KQ116 (the .I/ inbound) is not a planned transit here: reported, not invented.
    assert "KQ116/15SEP" in outcome.detail and "not a planned movement" in outcome.detail


async def test_multi_part_pnl_is_assembled_then_adl_adds_deletes_changes(
        uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    part1 = await send(uow, load("pnl_ok_part1.txt"))
    assert part1.outcome == "pending" and "waiting for the last part" in part1.detail
    assert await uow.read(names_on, world.departure_id) == []
    part2 = await send(uow, load("pnl_ok_part2.txt"))
    assert part2.outcome == "applied", part2.detail
    assert "parts 1-2 assembled" in part2.detail
    stored = await uow.read(lambda s: s.get(TelexMessage, part1.id))
    assert stored.outcome == "applied"
    assert await uow.read(names_on, world.departure_id) == [
        "MWANGI/PETER", "MWANGI/ESTHER", "NJOROGE/ALICE"]

    adl = await send(uow, load("adl_ok_sections.txt"))
    assert adl.outcome == "applied", adl.detail
    assert "CHG OKELLO/PAUL was not on the list; added" in adl.detail
    assert "UMNR OKELLO/PAUL: name the adult to release to" in adl.detail

    def read(s: Session) -> tuple[list[str], list[str], list[str]]:
        everyone = passengers_on(s, world.departure_id, active=False)
        cancelled = [f"{p.surname}/{p.given_names}" for p in everyone if p.bookings[0].status
                     is BookingStatus.CANCELLED]
        codes = [f"{p.given_names}:{'+'.join(p.codes)}" for p in passengers_on(
            s, world.departure_id)]
        return names_on(s, world.departure_id), cancelled, codes

    names, cancelled, codes = await uow.read(read)
    assert names == ["MWANGI/ESTHER", "NJOROGE/ALICE", "HASSAN/AMINA", "OKELLO/PAUL"]
    assert cancelled == ["MWANGI/PETER"]
    assert "AMINA:OXYG" in codes and "PAUL:UMNR" in codes and "ALICE:DEAF+STCR" in codes


async def test_parts_out_of_order_and_a_repeated_part(uow: UnitOfWork) -> None:
    t = await uow.run(transit_world, SYSTEM)
    second = await send(uow, load("ptm_ok_part2_last.txt"))
    assert second.outcome == "pending" and "waiting for part 1" in second.detail
    again = await send(uow, load("ptm_ok_part2_last.txt").replace("0B", "1B"))
    assert again.outcome == "duplicate"
    first = await send(uow, load("ptm_ok_part1_continuation.txt"))
    assert first.outcome == "applied", first.detail
    names = await uow.read(names_on, t.kq116)
    assert len(names) == 9 and "NJOROGE/ALICE" in names and "حداد/ليلى" in names
    assert await uow.read(names_on, t.kl1547) == ["NJOROGE/ALICE"]


async def test_a_whole_list_supersedes_parts_waiting_for_an_earlier_one(
        uow: UnitOfWork) -> None:
    t = await uow.run(transit_world, SYSTEM)
    waiting = await send(uow, load("ptm_ok_part1_continuation.txt"))
    assert waiting.outcome == "pending"
    whole = await send(uow, load("ptm_ok_single.txt"))
    assert whole.outcome == "applied", whole.detail
    late = await send(uow, load("ptm_ok_part2_last.txt"))
    assert late.outcome == "pending" and "waiting for part 1" in late.detail
    assert (await uow.read(lambda s: s.get(TelexMessage, waiting.id))).outcome == "superseded"
    names = await uow.read(names_on, t.kq116)
    assert "NJOROGE/ALICE" not in names and "ABEBE/SELAM" in names


# -- PTM, PSM replacement ---------------------------------------------------------------

PTM = "PTM\nKQ116/15SEP NBOAMS PART1\n{lines}\nENDPTM"


async def test_later_ptm_replaces_the_earlier(uow: UnitOfWork) -> None:
    t = await uow.run(transit_world, SYSTEM)
    first = await send(uow, PTM.format(lines="KL673/15 YYZ 3Y OKELLO/GRACE/JOHN MWANGI/PETER"))
    assert first.outcome == "applied", first.detail
    assert await uow.read(names_on, t.kl673) == ["OKELLO/GRACE", "OKELLO/JOHN",
                                                 "MWANGI/PETER"]
    refs = await uow.read(lambda s: sorted(s.scalars(select(Case.reference))))
    # One case per name group, referenced by telex, line and group: never by a name.
    assert refs == [f"TLX-{first.id}-P1L3G1", f"TLX-{first.id}-P1L3G2"]
    second = await send(uow, PTM.format(
        lines="KL673/15 YYZ 2Y OKELLO/GRACE MWANGI/PETER\nKL1547/15 FCO 1Y OKELLO/JOHN"))
    assert second.outcome == "applied", second.detail
    assert await uow.read(names_on, t.kq116) == ["OKELLO/GRACE", "OKELLO/JOHN",
                                                 "MWANGI/PETER"]
    assert await uow.read(names_on, t.kl673) == ["OKELLO/GRACE", "MWANGI/PETER"]
    assert await uow.read(names_on, t.kl1547) == ["OKELLO/JOHN"]
    third = await send(uow, PTM.format(lines="KL673/15 YYZ 1Y OKELLO/GRACE"))
    assert "2 dropped" in third.detail
    assert await uow.read(names_on, t.kq116) == ["OKELLO/GRACE"]
    assert await uow.read(names_on, t.kl1547) == []
    entries = await uow.read(lambda s: s.scalar(select(func.count()).select_from(TelexEntry)))
    assert entries == 1


PSM = "PSM\nKL1234/15SEP AMS PART1\n{lines}\n{end}"


async def test_psm_part1_again_replaces_the_flights_psm_data(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    await send(uow, "PNL\nKL1234/15SEP AMS PART1\n-TIA002Y\n1OKELLO/GRACE MRS\n"
                    "1HADDAD/LEILA MRS\nENDPNL")
    first = await send(uow, PSM.format(lines="WCHC 1 TIA OKELLO/GRACE MRS 12A FT DOOR\n"
                                             "MAAS 1 TIA HADDAD/LEILA MRS", end="ENDPSM"))
    assert first.outcome == "applied", first.detail

    def needs(s: Session) -> dict[str, list[str]]:
        return {p.given_names: list(p.codes) for p in passengers_on(s, world.departure_id)}

    assert await uow.read(needs) == {"GRACE": ["WCHC"], "LEILA": ["MAAS"]}
    # PART1 of a new PSM while a multi-part PSM waits: the waiting part is superseded.
    waiting = await send(uow, PSM.format(lines="BLND 1 TIA OKELLO/GRACE MRS", end="ENDPART1"))
    assert waiting.outcome == "pending"
    restart = await send(uow, PSM.format(lines="MEDA 1 TIA OKELLO/GRACE MRS 3C",
                                         end="ENDPART1"))
    assert restart.outcome == "pending"
    last = await send(uow, "PSM\nKL1234/15SEP AMS PART2\nNIL\nENDPSM")
    assert last.outcome == "applied", last.detail
    assert (await uow.read(lambda s: s.get(TelexMessage, waiting.id))).outcome == "superseded"
    assert await uow.read(needs) == {"GRACE": ["MEDA"], "LEILA": []}
    seat = await uow.read(lambda s: s.scalar(select(Booking.seat).join(Passenger).where(
        Passenger.given_names == "GRACE")))
    assert seat == "3C"


async def test_deportees_are_never_made_agency_passengers(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    outcome = await send(uow, PSM.format(lines="DEPA 1 TIA DOE/JOHN MR\nWCHR 1 TIA ROE/ANN MS",
                                         end="ENDPSM"))
    assert outcome.outcome == "applied", outcome.detail
    assert "DOE/JOHN is marked DEPA/DEPU/INAD" in outcome.detail
    assert await uow.read(names_on, world.departure_id) == ["ROE/ANN"]


# -- all or nothing ---------------------------------------------------------------------

async def test_a_telex_whose_tenth_name_is_bad_changes_nothing(uow: UnitOfWork) -> None:
    world = await uow.run(build_world, SYSTEM)
    names = [f"1PASSENGER/NUMBER{chr(64 + i)} MR .R/WCHR" for i in range(1, 10)]
    bad = "1PASSENGER/NUMBER10 MR"  # the 10th: a seat ran into the name
    text = "PNL\nKL1234/15SEP AMS PART1\n-TIA010Y\n" + "\n".join([*names, bad]) + "\nENDPNL"
    before = await counts(uow)
    outcome = await send(uow, text)
    assert outcome.outcome == "rejected"
    assert outcome.detail.startswith("line 13: ")
    after = await counts(uow)
    assert after["TelexMessage"] == before["TelexMessage"] + 1
    assert {k: v for k, v in after.items() if k != "TelexMessage"} == \
        {k: v for k, v in before.items() if k != "TelexMessage"}
    assert await uow.read(names_on, world.departure_id) == []
    # The same list with the 10th name fixed goes in whole.
    fixed = await send(uow, text.replace(bad, "1PASSENGER/NUMBERJ MR"))
    assert fixed.outcome == "applied" and "10 passengers added" in fixed.detail


async def test_a_refused_last_part_rejects_the_waiting_parts(uow: UnitOfWork) -> None:
    await uow.run(build_world, SYSTEM)
    first = await send(uow, PSM.format(lines="WCHR 1 TIA ROE/ANN MS", end="ENDPART1"))
    assert first.outcome == "pending"
    # A PTM for another route cannot be applied; a PSM part with the wrong end fails to
    # parse: either way the telex is rejected and nothing waits forever.
    broken = await send(uow, "PSM\nKL1234/15SEP AMS PART2\nWCHR 1 TIA\nENDPSM")
    assert broken.outcome == "rejected"
    assert (await uow.read(lambda s: s.get(TelexMessage, first.id))).outcome == "pending"
    refused = await send(uow, "PTM\nKQ116/15SEP NBOFRA PART1\nNIL\nENDPTM")
    assert refused.outcome == "rejected" and "does not arrive at AMS" in refused.detail


# -- a coordinator's manifest is never overridden ---------------------------------------

async def test_telex_differences_on_a_planned_manifest(uow: UnitOfWork) -> None:
    t = await uow.run(transit_world, SYSTEM)

    def plan(tx: Tx) -> dict[str, int]:
        mv.link_transit(tx, t.kq116, t.kl673)
        ids = {}
        for given, needs in (("Grace", ()), ("John", ()), ("Mary", (("MAAS", None),))):
            pid, _ = add_pax(tx, t.kq116, "RS-1", "Okello", given, needs=needs)
            from movements.domain.actions import passengers as px
            px.book_passenger(tx, pid, t.kl673)
            ids[given] = pid
        return ids

    ids = await uow.run(plan, SYSTEM)
    outcome = await send(uow, PTM.format(
        lines="KL673/15 YYZ 1Y OKELLO/GRACE\nKL1547/15 FCO 2Y OKELLO/MARY MWANGI/PETER"))
    assert outcome.outcome == "applied", outcome.detail
    assert "1 new name for the coordinator" in outcome.detail
    # Nothing a coordinator planned changed, nobody was invented.
    assert await uow.read(names_on, t.kq116) == ["Okello/Grace", "Okello/John", "Okello/Mary"]
    found = await uow.read(reconcile, t.kq116)
    assert found is not None
    kinds = sorted((d.kind, d.name) for d in found.differences)
    assert kinds == [("new_name", "MWANGI/PETER"), ("no_show", "OKELLO, John"),
                     ("onward", "OKELLO, Mary")]
    onward = next(d for d in found.differences if d.kind == "onward")
    assert (onward.telex_says, onward.manifest_says) == ("onward KL1547 15 Sep",
                                                         "KL673 15 Sep")

    await uow.run(rc.decide, COORD, t.kq116, onward.key, "apply")
    assert await uow.read(names_on, t.kl1547) == ["Okello/Mary"]
    assert await uow.read(names_on, t.kl673) == ["Okello/Grace", "Okello/John"]
    new = next(d for d in found.differences if d.kind == "new_name")
    await uow.run(rc.decide, COORD, t.kq116, new.key, "apply")
    no_show = next(d for d in found.differences if d.kind == "no_show")
    await uow.run(rc.decide, COORD, t.kq116, no_show.key, "dismiss")
    left = await uow.read(reconcile, t.kq116)
    assert left is not None and left.differences == () and left.dismissed == 1
    assert "MWANGI/PETER" in await uow.read(names_on, t.kq116)
    assert ids  # the planned passengers kept their ids (never re-created)


async def test_a_nul_character_is_rejected_and_stored_not_a_crash(uow: UnitOfWork) -> None:
    from movements.ingest.apply import submit
    from tests.factories import SYSTEM as SYS

    await uow.run(build_world, SYS)
    outcome = await submit(uow, SYS, "MVT\nKL1234/15.PHBXA.AMS\x00\nAD151022/151035\n",
                           airport="AMS")
    assert outcome.outcome == "rejected" and "NUL" in (outcome.detail or "")


def _letters(n: int) -> str:
    out = ""
    for _ in range(3):
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
    return out


async def test_a_list_longer_than_any_flight_is_refused_whole(uow: UnitOfWork) -> None:
    """A list's one write transaction is bounded by the names a flight can carry (issue
    19.4): 1,000 names are refused at the 1,000th, with nothing applied."""
    world = await uow.run(build_world, SYSTEM)
    names = [f"1PASSENGER/{_letters(i)} MR" for i in range(1000)]
    text = "PNL\nKL1234/15SEP AMS PART1\n-TIA999Y\n" + "\n".join(names) + "\nENDPNL"
    before = await counts(uow)
    outcome = await send(uow, text)
    assert outcome.outcome == "rejected"
    assert outcome.detail == ("line 1003: PNL KL1234/15SEP: more than 999 names for one "
                              "flight (no aircraft seats more); nothing of this list was "
                              "applied"), outcome.detail
    after = await counts(uow)
    assert {k: v for k, v in after.items() if k != "TelexMessage"} == \
        {k: v for k, v in before.items() if k != "TelexMessage"}
    assert await uow.read(names_on, world.departure_id) == []
