"""Bulk import of past movements (a synthetic year, an archive): rows, no live events.

Past days have no live board, so this writes no stream events; it writes one audit entry
for the whole import.  Rows go in as bulk Core INSERTs (one executemany per table, ids
back through RETURNING), not one ORM object per row: a year is ~60,000 rows and the ORM
unit of work spent most of the load time on bookkeeping we do not need here.

Rules that matter for history still hold: SSR codes come from the vocabulary, agency
passengers never carry deportee codes, an unaccompanied minor names the adult to release
to.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, text

from ..errors import RuleViolation
from ..models import (
    Booking,
    BookingStatus,
    Case,
    CharterStop,
    ChronicCondition,
    ImportUndo,
    MedicalLevel,
    Milestone,
    Movement,
    MovementKind,
    Passenger,
    SpecialNeed,
    Transit,
)
from ..phrases import N_, Phrase
from ..planning_models import CarrierNotification, NotifiedPassenger
from ..uow import Actor, Tx, UnitOfWork
from ..vocabulary import FlightState
from . import bulk, import_undo
from .movements import airport_by_code
from .passengers import validate_needs


@dataclass(frozen=True, slots=True)
class HistoricPassenger:
    key: str
    case_ref: str
    programme: str
    surname: str
    given_names: str
    native_name: str | None
    birth_date: date | None
    sex: str
    nationality: str | None
    ssr_codes: tuple[str, ...]
    chronic_condition: str | None = None
    medical_escort: bool = False
    operational_escort: bool = False
    victim_of_trafficking: bool = False
    release_to_name: str | None = None
    release_to_relation: str | None = None
    stop: str | None = None
    medical: str | None = None  # MedicalLevel value: a medical case, basic or chronic
    # Steps recorded on this passenger's booking of the movement: (milestone key, UTC).
    milestones: tuple[tuple[str, datetime], ...] = ()


@dataclass(frozen=True, slots=True)
class HistoricMovement:
    key: str
    kind: MovementKind
    carrier: str
    flight_number: str
    operational_date: date
    scheduled_at: datetime
    origin: str
    destination: str
    is_charter: bool
    stops: tuple[str, ...]
    onward_key: str | None
    passengers: tuple[HistoricPassenger, ...]
    actual_at: datetime | None = None  # on-block / off-block; the schedule when unknown
    # When the carrier was notified of its passengers' needs (PSM), if it was: recorded
    # as a carrier notification naming every passenger (the service levels' pre-notified).
    notified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistorySummary:
    movements: int
    passengers: int
    bookings: int
    cases: int

    def __str__(self) -> str:
        return (f"{self.movements} movements, {self.passengers} passengers, "
                f"{self.bookings} bookings, {self.cases} cases")


def check_history(tx: Tx, airport: str, movements: Sequence[HistoricMovement]) -> None:
    """The checks of the whole history before any of it is written (``import_history``
    makes them too): the days are empty, every onward leg is there, every passenger's
    codes are ours.  Raises RuleViolation."""
    port = airport_by_code(tx, airport)
    _check_days(tx, port.id, airport, movements)
    keys = {m.key for m in movements}
    checked: dict[tuple[str, ...], list[tuple[str, str | None]]] = {}
    for m in movements:
        if m.onward_key is not None and m.onward_key not in keys:
            raise RuleViolation(Phrase.of(N_("movement %(movement)s: onward leg %(onward_key)s is "
                                             "missing"),
                                          movement=m.key, onward_key=m.onward_key))
        for p in m.passengers:
            _checked_needs(p, m.key, checked)


def _check_days(tx: Tx, airport_id: int, airport: str,
                movements: Sequence[HistoricMovement]) -> None:
    existing = tx.session.scalar(select(func.count(Movement.id)).where(
        Movement.airport_id == airport_id,
        Movement.operational_date.in_({m.operational_date for m in movements})))
    if existing:
        raise RuleViolation(Phrase.of(N_("%(airport)s already has %(existing)s movements on "
                                         "these days; history is imported into days that are "
                                         "empty"),
                                      airport=airport, existing=existing))


def history_chunks(movements: Sequence[HistoricMovement], size: int
                   ) -> list[list[HistoricMovement]]:
    """The movements in groups of about ``size`` that can be written one after the
    other: a transit's two legs, the movements of one case and those of one passenger
    are never split (each group creates its own cases and passengers)."""
    parent = list(range(len(movements)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, m in enumerate(movements):
        for key in (f"m:{m.key}", *(f"m:{m.onward_key}" for _ in (1,) if m.onward_key),
                    *(f"p:{p.key}" for p in m.passengers),
                    *(f"c:{p.case_ref}" for p in m.passengers)):
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    groups: dict[int, list[HistoricMovement]] = {}
    for i, m in enumerate(movements):
        groups.setdefault(find(i), []).append(m)
    chunks: list[list[HistoricMovement]] = []
    for group in groups.values():  # in the order of their first movement
        if chunks and len(chunks[-1]) + len(group) <= size:
            chunks[-1].extend(group)
        else:
            chunks.append(list(group))
    return chunks


def import_history(tx: Tx, airport: str, movements: Sequence[HistoricMovement], *,
                   check_days: bool = True, audit: bool = True,
                   batch: str | None = None) -> HistorySummary:
    """Write past movements of ``airport`` with their cases, passengers, needs, bookings,
    milestones and transit links, all or nothing.

    Raises RuleViolation (nothing written) when the airport already has movements on any
    of these days, a passenger carries a code that is not ours, an unaccompanied minor has
    no adult to release to, or an onward leg is missing.  A chunk of a longer load
    (``import_history_in_chunks``) skips the day check (made once for all) and the audit
    row (written once at the end), and journals every row it inserts under ``batch``.
    """
    port = airport_by_code(tx, airport)
    if check_days:
        _check_days(tx, port.id, airport, movements)
    keys = {m.key for m in movements}
    for m in movements:
        if m.onward_key is not None and m.onward_key not in keys:
            raise RuleViolation(Phrase.of(N_("movement %(movement)s: onward leg %(onward_key)s is "
                                             "missing"),
                                          movement=m.key, onward_key=m.onward_key))
    # Check every passenger before the first row is written.
    people: dict[str, HistoricPassenger] = {}
    needs: dict[str, list[tuple[str, str | None]]] = {}
    checked: dict[tuple[str, ...], list[tuple[str, str | None]]] = {}  # codes -> needs
    for m in movements:
        for p in m.passengers:
            if p.key not in people:
                people[p.key] = p
                needs[p.key] = _checked_needs(p, m.key, checked)
    conn = tx.session.connection()

    def insert_all(table: Table, rows: list[dict[str, object]]) -> list[int]:
        # Ids are reserved first and written with the rows: RETURNING in parameter order
        # made SQLAlchemy send one INSERT per row on SQLite (no sentinel), ~3x slower.
        if not rows:
            return []
        ids = _reserve_ids(conn, table, len(rows))
        conn.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids,
                                                                         strict=True)])
        return ids

    movement_ids = dict(zip([m.key for m in movements], insert_all(_table(Movement), [
        {"airport_id": port.id, "kind": m.kind, "is_charter": m.is_charter,
         "carrier": m.carrier, "flight_number": m.flight_number,
         "operational_date": m.operational_date, "origin": m.origin,
         "destination": m.destination, "scheduled_at": m.scheduled_at,
         "actual_at": m.actual_at or m.scheduled_at, "completed": True, "version": 1,
         "flight_state": (FlightState.ARRIVED if m.kind in (MovementKind.ARRIVAL,
                                                             MovementKind.TRANSIT_IN)
                          else FlightState.DEPARTED).value} for m in movements]), strict=True))
    stops = [{"movement_id": movement_ids[m.key], "position": i, "airport_code": c}
             for m in movements for i, c in enumerate(m.stops, start=1)]
    if stops:
        conn.execute(insert(_table(CharterStop)), stops)
    case_refs = list(dict.fromkeys(p.case_ref for p in people.values()))
    programmes = {p.case_ref: p.programme for p in reversed(people.values())}
    case_ids = dict(zip(case_refs, insert_all(_table(Case), [
        {"reference": ref, "airport_id": port.id, "programme": programmes[ref],
         "split_flagged": False} for ref in case_refs]), strict=True))
    passenger_ids = dict(zip(people, insert_all(_table(Passenger), [
        _passenger_row(p, case_ids[p.case_ref]) for p in people.values()]), strict=True))
    need_rows = [{"passenger_id": passenger_ids[key], "code": code, "text": text}
                 for key, codes in needs.items() for code, text in codes]
    if need_rows:
        conn.execute(insert(_table(SpecialNeed)), need_rows)
    booked = [(movement_ids[m.key], passenger_ids[p.key], p) for m in movements
              for p in m.passengers]
    booking_ids = insert_all(_table(Booking), [
        {"movement_id": mid, "passenger_id": pid, "stop": p.stop,
         "status": BookingStatus.BOOKED, "version": 1} for mid, pid, p in booked])
    steps = [{"booking_id": bid, "kind": kind, "at": at}
             for bid, (_, _, p) in zip(booking_ids, booked, strict=True)
             for kind, at in p.milestones]
    if steps:
        conn.execute(insert(_table(Milestone)), steps)
    links = [{"inbound_movement_id": movement_ids[m.key],
              "onward_movement_id": movement_ids[m.onward_key]}
             for m in movements if m.onward_key is not None]
    if links:
        conn.execute(insert(_table(Transit)), links)
    notified = [m for m in movements if m.notified_at is not None and m.passengers]
    notice_ids = insert_all(_table(CarrierNotification), [
        {"movement_id": movement_ids[m.key], "sent_at": m.notified_at, "username": "history",
         "corrected": False, "fingerprint": f"history:{m.key}",
         "telex": "(imported history)", "email_body": "(imported history)"}
        for m in notified])
    named = [{"notification_id": nid, "passenger_id": passenger_ids[p.key],
              "codes": " ".join(p.ssr_codes)}
             for nid, m in zip(notice_ids, notified, strict=True) for p in m.passengers]
    if named:
        conn.execute(insert(_table(NotifiedPassenger)), named)
    summary = HistorySummary(len(movement_ids), len(people), len(booked), len(case_ids))
    # No live event: the months written are named so that only their reports go stale.
    tx.touch_reports(airport, {m.operational_date for m in movements})
    if batch is not None:
        _journal_inserts(tx, batch, {
            "movement": list(movement_ids.values()), "travel_case": list(case_ids.values()),
            "passenger": list(passenger_ids.values()), "booking": booking_ids,
            "carrier_notification": notice_ids})
    if not audit:
        return summary
    tx.audit("import_history", "airport", port.id, after={
        "movements": summary.movements, "passengers": summary.passengers,
        "from": min(m.operational_date for m in movements) if movements else None,
        "to": max(m.operational_date for m in movements) if movements else None})
    return summary


#: Movements per transaction of a chunked history load (a few hundred rows each).
HISTORY_CHUNK = 50


def _start(tx: Tx, airport: str, movements: Sequence[HistoricMovement], batch: str,
           label: str) -> None:
    check_history(tx, airport, movements)
    bulk.start(tx, batch, "history", airport, label)


def _chunk(tx: Tx, airport: str, movements: Sequence[HistoricMovement], batch: str
           ) -> HistorySummary:
    bulk.beat(tx, batch)
    return import_history(tx, airport, movements, check_days=False, audit=False,
                          batch=batch)


def _finish(tx: Tx, airport: str, summary: HistorySummary, first: date | None,
            last: date | None, batch: str) -> None:
    port = airport_by_code(tx, airport)
    if first is not None and last is not None:  # the chunks' months, once more
        tx.touch_reports(airport, [first, last])
    tx.audit("import_history", "airport", port.id, after={
        "movements": summary.movements, "passengers": summary.passengers,
        "from": first, "to": last})
    import_undo.forget(tx, batch)
    bulk.end(tx, batch, bulk.DONE, str(summary))


async def import_history_in_chunks(
        uow: UnitOfWork, actor: Actor, airport: str, movements: Sequence[HistoricMovement],
        *, chunk: int = HISTORY_CHUNK, label: str = "history",
        after_chunk: Callable[[int, int], Awaitable[None]] | None = None) -> HistorySummary:
    """``import_history`` in bounded transactions (issue 19.4): everything is checked
    first (``check_history``), then ``history_chunks`` of about ``chunk`` movements are
    written one transaction each, every inserted row journalled (``import_undo``) and the
    load recorded in ``bulk_batch``; a failure puts the chunks already in back (all or
    nothing, as the one-transaction import), a killed process is rolled back at the next
    start (``bulk.recover_unfinished``).  Audited once at the end.  ``after_chunk(done,
    total)`` is awaited after each committed chunk.  Raises RuleViolation (nothing
    written) as ``import_history``; other errors after undoing."""
    batch = uuid.uuid4().hex
    await uow.run(_start, actor, airport, movements, batch, label)
    chunks = history_chunks(movements, chunk)
    total = HistorySummary(0, 0, 0, 0)
    try:
        for done, part in enumerate(chunks, start=1):
            got = await uow.run(_chunk, actor, airport, part, batch)
            total = HistorySummary(total.movements + got.movements,
                                   total.passengers + got.passengers,
                                   total.bookings + got.bookings, total.cases + got.cases)
            if after_chunk is not None:
                await after_chunk(done, len(chunks))
        days = [m.operational_date for m in movements]
        await uow.run(_finish, actor, airport, total, min(days, default=None),
                      max(days, default=None), batch)
    except BaseException as exc:
        await bulk.undo_batch(uow, actor, batch, f"failed: {type(exc).__name__}")
        raise
    return total


def _journal_inserts(tx: Tx, batch: str, ids: dict[str, list[int]]) -> None:
    """Journal (``import_undo``) every row this chunk inserted, children found by their
    parents' ids, so that ``import_undo.undo_step`` can delete them, children first."""
    s = tx.session
    movements, passengers, bookings = ids["movement"], ids["passenger"], ids["booking"]
    children = {
        _table(SpecialNeed).name: list(s.scalars(select(SpecialNeed.id).where(
            SpecialNeed.passenger_id.in_(passengers)))) if passengers else [],
        _table(Milestone).name: list(s.scalars(select(Milestone.id).where(
            Milestone.booking_id.in_(bookings)))) if bookings else [],
        _table(CharterStop).name: list(s.scalars(select(CharterStop.id).where(
            CharterStop.movement_id.in_(movements)))) if movements else [],
        _table(Transit).name: list(s.scalars(select(Transit.id).where(
            Transit.inbound_movement_id.in_(movements)))) if movements else [],
        _table(CarrierNotification).name: ids["carrier_notification"],
    }
    tables = {_table(Movement).name: movements, _table(Case).name: ids["travel_case"],
              _table(Passenger).name: passengers, _table(Booking).name: bookings,
              **children}
    entries = [{"batch": batch, "op": "insert", "table_name": name, "row_key": {"id": i},
                "data": None} for name, row_ids in tables.items() for i in row_ids]
    # The passengers a carrier notice named: a two-column key, no id of their own.
    notices = ids["carrier_notification"]
    named = s.execute(
        select(NotifiedPassenger.notification_id, NotifiedPassenger.passenger_id)
        .where(NotifiedPassenger.notification_id.in_(notices))).all() if notices else []
    entries += [{"batch": batch, "op": "insert", "table_name": _table(NotifiedPassenger).name,
                 "row_key": {"notification_id": n, "passenger_id": p}, "data": None}
                for n, p in named]
    if entries:
        s.execute(insert(_table(ImportUndo)), entries)


def _table(entity: type[Any]) -> Table:
    return cast(Table, entity.__table__)


def _reserve_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """``n`` fresh primary keys of ``table`` for this transaction.

    PostgreSQL: taken from the column's sequence (safe beside concurrent writers).
    SQLite: after the current maximum; safe because a writing transaction holds the
    database's one write lock from its BEGIN IMMEDIATE (movements.db).
    """
    if conn.dialect.name == "postgresql":
        seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                          {"t": table.name})
        return [int(i) for i in conn.scalars(
            text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": n})]
    start = int(conn.scalar(select(func.max(table.c.id))) or 0) + 1
    return list(range(start, start + n))


def _checked_needs(p: HistoricPassenger, where: str,
                   checked: dict[tuple[str, ...], list[tuple[str, str | None]]]
                   ) -> list[tuple[str, str | None]]:
    try:
        needs = checked.get(p.ssr_codes)
        if needs is None:
            needs = checked[p.ssr_codes] = [
                (n.code, n.text) for n in validate_needs(tuple((c, None) for c in p.ssr_codes))]
    except RuleViolation as exc:
        raise RuleViolation(Phrase.of(
            N_("movement %(where)s, passenger %(passenger)s: %(message)s"),
            where=where, passenger=p.key, message=exc.phrase)) from None
    if "UMNR" in p.ssr_codes and not p.release_to_name:
        raise RuleViolation(Phrase.of(N_("movement %(where)s, passenger %(passenger)s: an "
                                         "unaccompanied minor needs the named adult to release to"),
                                      where=where, passenger=p.key))
    if p.medical is not None and p.medical not in MedicalLevel._value2member_map_:
        raise RuleViolation(Phrase.of(N_("movement %(where)s, passenger %(passenger)s: medical "
                                         "%(medical)s is not basic or chronic"),
                                      where=where, passenger=p.key, medical=repr(p.medical)))
    return needs


def _passenger_row(p: HistoricPassenger, case_id: int) -> dict[str, object]:
    return {
        "case_id": case_id, "surname": p.surname, "given_names": p.given_names,
        "native_name": p.native_name, "birth_date": p.birth_date, "sex": p.sex,
        "nationality": p.nationality, "medical_escort_required": p.medical_escort,
        "operational_escort_required": p.operational_escort,
        "victim_of_trafficking": p.victim_of_trafficking,
        "chronic_condition": ChronicCondition(p.chronic_condition) if p.chronic_condition
        else None,
        "medical_level": MedicalLevel(p.medical) if p.medical else None,
        "release_to_name": p.release_to_name, "release_to_relation": p.release_to_relation,
        "version": 1}
