"""Import a case-management export: cases, passengers, needs, planned movements.

The rows come as plain data (``PassengerRow``), already read and checked for shape by
``movements.ingest.passengers_csv``.  Each row runs in its own savepoint inside the one
transaction, so every bad row is found and listed with its line and reason; then, by
default, one bad row refuses the whole file (``ImportRejected``: nothing is kept).
With ``all_or_nothing=False`` the good rows are kept and the bad ones listed.

A row is one passenger on one planned movement:

* the case is found or created by its reference;
* the passenger is found in that case by name (folded as in ``name_match``) and birth
  date, else a passenger a telex put on that movement with the same name is adopted
  into the case (the coordinator's list takes over from the telex), else created;
  a found passenger's fields and needs are set to the row's (the export is the
  source of truth for the agency's own passengers);
* the passenger is booked on the movement (airport + carrier + number + operational
  date, and ``movement_kind`` when the flight is planned twice), and on the onward
  transit leg when one is given (the legs are linked if the inbound has no link yet).

Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from .. import name_match
from ..access import Need, access_airport
from ..errors import Busy, DomainError, RuleViolation
from ..events import PassengerBooked, PassengerUpdated
from ..models import (
    Airport,
    Booking,
    BookingStatus,
    Case,
    Movement,
    MovementKind,
    Passenger,
    Role,
    TelexPassenger,
)
from ..phrases import N_, Phrase
from ..uow import Actor, Tx, UnitOfWork
from . import bulk
from . import import_undo as undo
from . import passengers as px
from . import telex as tl
from . import telex_lists as tll
from ._common import require_role, touch

Progress = Callable[[int, int], None]

_PERSONAL = frozenset({"native_name", "birth_date", "booking_locator", "medical_notes",
                       "release_to_name", "release_to_relation"})
_FIELDS = ("native_name", "birth_date", "sex", "nationality", "booking_locator", "language",
           "medical_escort_required", "operational_escort_required", "victim_of_trafficking",
           "chronic_condition", "medical_notes", "release_to_name", "release_to_relation")


@dataclass(frozen=True, slots=True)
class FlightOnDay:
    carrier: str
    number: str
    day: date
    kind: MovementKind | None = None

    def __str__(self) -> str:
        return f"{self.carrier}{self.number} on {self.day.isoformat()}"

    @property
    def phrase(self) -> Phrase:
        """``str(self)`` as a phrase (the "on" translates)."""
        return Phrase.of(N_("%(flight)s on %(day)s"), flight=f"{self.carrier}{self.number}",
                         day=self.day.isoformat())


@dataclass(frozen=True, slots=True)
class PassengerRow:
    line_no: int
    case_reference: str
    passenger: px.NewPassenger
    flight: FlightOnDay
    programme: str | None = None
    seat: str | None = None
    onward: FlightOnDay | None = None
    stop: str | None = None  # where a charter passenger leaves the aircraft


@dataclass(frozen=True, slots=True)
class RowError:
    """A refused (or noted) row: its line in the file and why.  ``reason`` is the English
    (CLI, tests); ``phrase``, when given, the same in the reader's language."""

    line_no: int
    reason: str
    phrase: Phrase | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.reason}"

    @property
    def shown(self) -> Phrase:
        """The reason as a phrase (a plain reason is its own msgid)."""
        return self.phrase if self.phrase is not None else Phrase(self.reason)

    @property
    def located(self) -> Phrase:
        """``str(self)`` as a phrase: "line 3: ..."."""
        return Phrase.of(N_("line %(line)s: %(reason)s"), line=self.line_no, reason=self.shown)


def row_error(line_no: int, reason: str | Phrase) -> RowError:
    """A ``RowError`` from a phrase (or a plain reason), keeping both forms."""
    return RowError(line_no, str(reason), reason if isinstance(reason, Phrase) else None)


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    booked: int = 0
    cases: int = 0
    errors: tuple[RowError, ...] = ()
    kept: bool = True  # False: all or nothing, and something was bad
    read_as: str = ""
    """How the file was read, e.g. "CSV in Windows-1252, semicolons (from the header)"."""
    notes: tuple[RowError, ...] = ()
    """Said about rows that were not refused (a character no document font prints)."""
    read_as_phrase: Phrase | None = None
    """``read_as`` for the reader's language."""

    def __str__(self) -> str:
        done = (f"{_n(self.rows, 'row')}: {_n(self.created, 'passenger')} created, "
                f"{self.updated} updated, {self.unchanged} unchanged, "
                f"{_n(self.booked, 'booking')}, {_n(self.cases, 'case')}")
        how = f" [{self.read_as}]" if self.read_as else ""
        bad = len(self.errors)
        if self.errors and not self.kept:
            if self.rows == 0:  # the file itself (its header, its encoding...)
                return f"nothing imported: the file could not be read ({self.errors[0]}){how}"
            return (f"nothing imported: {bad} of {_n(self.rows, 'row')} "
                    f"{'is' if bad == 1 else 'are'} bad{how}")
        if self.errors:
            return f"{done}; {_n(bad, 'bad row')} left out{how}"
        return done + how

    @property
    def phrase(self) -> Phrase:
        """``str(self)`` as a phrase, for the reader's language."""
        done = Phrase.of(N_("%(rows)s: %(created)s created, %(updated)s updated, "
                            "%(unchanged)s unchanged, %(booked)s, %(cases)s"),
                         rows=_np(self.rows, "row"), created=_np(self.created, "passenger"),
                         updated=self.updated, unchanged=self.unchanged,
                         booked=_np(self.booked, "booking"), cases=_np(self.cases, "case"))
        read_as = self.read_as_phrase or self.read_as
        how = Phrase.of(N_(" [%(read_as)s]"), read_as=read_as) if read_as else ""
        bad = len(self.errors)
        if self.errors and not self.kept:
            if self.rows == 0:
                return Phrase.of(N_("nothing imported: the file could not be read "
                                    "(%(error)s)%(how)s"),
                                 error=self.errors[0].located, how=how)
            return Phrase.of(N_("nothing imported: %(bad)s of %(rows)s is bad%(how)s") if bad == 1
                             else N_("nothing imported: %(bad)s of %(rows)s are bad%(how)s"),
                             bad=bad, rows=_np(self.rows, "row"), how=how)
        if self.errors:
            return Phrase.of(N_("%(done)s; %(bad)s left out%(how)s"), done=done,
                             bad=_np(bad, "bad row"), how=how)
        return Phrase.of(N_("%(done)s%(how)s"), done=done, how=how)


def _n(count: int, noun: str) -> str:
    """``1 row``, ``2 rows``: a count with its noun in the right number (English)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


#: ``_n`` as phrases: singular and plural msgid per noun (Dutch counts the same way:
#: one, or other).
_COUNTED = {
    "row": (N_("%(count)s row"), N_("%(count)s rows")),
    "passenger": (N_("%(count)s passenger"), N_("%(count)s passengers")),
    "booking": (N_("%(count)s booking"), N_("%(count)s bookings")),
    "case": (N_("%(count)s case"), N_("%(count)s cases")),
    "bad row": (N_("%(count)s bad row"), N_("%(count)s bad rows")),
}


def _np(count: int, noun: str) -> Phrase:
    one, more = _COUNTED[noun]
    return Phrase.of(one if count == 1 else more, count=count)


class ImportRejected(RuleViolation):
    """All or nothing, and some rows are bad: the whole file is refused."""

    def __init__(self, report: ImportReport) -> None:
        bad = len(report.errors)
        first = report.errors[0].located
        super().__init__(
            Phrase.of(N_("nothing imported: %(bad)s (%(first)s)"), bad=_np(bad, "bad row"),
                      first=first) if bad == 1 else
            Phrase.of(N_("nothing imported: %(bad)s, the first %(first)s"),
                      bad=_np(bad, "bad row"), first=first))
        self.report = report


@dataclass
class _Stats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    booked: int = 0
    cases: set[int] = field(default_factory=set)
    movements: set[int] = field(default_factory=set)  # new bookings: one event each

    def add(self, other: _Stats) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.booked += other.booked
        self.cases |= other.cases
        self.movements |= other.movements


@dataclass
class _Lookups:
    """What every row asks again: the movements, the passengers telexes put on them."""

    airport: Airport
    movements: dict[FlightOnDay, Movement] = field(default_factory=dict)
    telex_made: dict[int, dict[tuple[str, str], int]] = field(default_factory=dict)


def import_passengers(tx: Tx, airport_code: str, rows: Sequence[PassengerRow], *,
                      all_or_nothing: bool = True, parse_errors: Sequence[RowError] = (),
                      progress: Progress | None = None) -> ImportReport:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    # Check, then write: a coordinator imports only for an airport they coordinate.
    lookups = _Lookups(access_airport(tx.session, tx.actor, airport_code, Need.COORDINATE))
    stats = _Stats()
    errors = list(parse_errors)
    total = len(rows)
    for done, row in enumerate(rows, start=1):
        events_before = len(tx.events)
        row_stats = _Stats()
        try:
            with tx.session.begin_nested():
                _import_row(tx, lookups, row, row_stats)
        except DomainError as exc:
            del tx.events[events_before:]  # rolled back with the savepoint
            errors.append(RowError(row.line_no, exc.message, exc.phrase))
            lookups.telex_made.clear()  # an adoption may have rolled back
        else:
            stats.add(row_stats)
        if progress is not None:
            progress(done, total)
    errors.sort(key=lambda e: e.line_no)
    report = ImportReport(total + len(parse_errors), stats.created, stats.updated,
                          stats.unchanged, stats.booked, len(stats.cases), tuple(errors),
                          kept=not (errors and all_or_nothing))
    if not report.kept:
        raise ImportRejected(report)
    # The live pages learn of the new bookings once per movement (a whole-page
    # re-render), and each case is checked for a split once, with all its members in.
    for movement_id in sorted(stats.movements):
        movement = tx.session.get(Movement, movement_id)
        assert movement is not None
        tx.record(PassengerBooked, movement)
    for case_id in sorted(stats.cases):
        case = tx.session.get(Case, case_id)
        assert case is not None
        px.flag_case_split(tx, case)
    tx.audit("import_passengers", "airport", lookups.airport.id, detail=str(report))
    return report


#: Rows per transaction of a chunked import: a chunk holds the (SQLite) write lock for a
#: few hundred milliseconds, so a tablet's tap waits at most about that long.
CHUNK_ROWS = 100


class _DryRun(Exception):  # noqa: N818 - a carrier, not an error
    """Leaves a checking transaction with what it found; the transaction rolls back."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("dry run")
        self.errors = errors


class ImportInterrupted(RuleViolation):
    """The database refused a chunk after earlier chunks were committed (busy past the
    bound, full, read-only): the earlier chunks were put back, nothing of the file is in,
    and the report names the line where it stopped."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.phrase)
        self.report = report


def _run_rows(tx: Tx, airport_code: str, rows: Sequence[PassengerRow],
              stats: _Stats, errors: list[RowError],
              on_row: Callable[[], None] | None = None,
              notes: undo.Journal | None = None) -> None:
    lookups = _Lookups(access_airport(tx.session, tx.actor, airport_code, Need.COORDINATE))
    deferred = tx.deferred if isinstance(tx, undo.DeferringTx) else None
    for row in rows:
        if on_row is not None:
            on_row()
        events_before = len(tx.events)
        marks = (notes.mark() if notes else 0,
                 (len(deferred.audits), len(deferred.events)) if deferred else (0, 0))
        row_stats = _Stats()
        try:
            with tx.session.begin_nested():
                _import_row(tx, lookups, row, row_stats)
        except DomainError as exc:
            del tx.events[events_before:]  # rolled back with the savepoint
            if notes is not None:
                notes.rollback_to(marks[0])
            if deferred is not None:
                del deferred.audits[marks[1][0]:]
                del deferred.events[marks[1][1]:]
            errors.append(RowError(row.line_no, exc.message, exc.phrase))
            lookups.telex_made.clear()  # an adoption may have rolled back
        else:
            stats.add(row_stats)


def check_chunk(tx: Tx, airport_code: str, rows: Sequence[PassengerRow]) -> None:
    """Try ``rows`` and roll everything back: raises ``_DryRun`` with the bad rows
    (possibly none).  Rows are tried in savepoints, as the import would."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    errors: list[RowError] = []
    _run_rows(tx, airport_code, rows, _Stats(), errors)
    raise _DryRun(errors)


def apply_chunk(tx: Tx, airport_code: str, rows: Sequence[PassengerRow],
                on_row: Callable[[], None] | None = None, *, batch: str | None = None,
                deferred: undo.Deferred | None = None) -> tuple[_Stats, list[RowError]]:
    """Import ``rows`` (committed with this transaction); bad rows are left out and
    returned with their reasons.  ``on_row`` is called before each row.  With ``batch``,
    what the chunk changes is journalled (``import_undo``) so that it can be undone, and
    its audit entries and live events go to ``deferred`` for the closing transaction."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    stats = _Stats()
    errors: list[RowError] = []
    if batch is None:
        _run_rows(tx, airport_code, rows, stats, errors, on_row)
        return stats, errors
    bulk.beat(tx, batch)
    chunk_tx = undo.deferring(tx, deferred if deferred is not None else undo.Deferred())
    with undo.journal(tx.session, batch) as notes:
        _run_rows(chunk_tx, airport_code, rows, stats, errors, on_row, notes)
    return stats, errors


def finish_import(tx: Tx, airport_code: str, stats: _Stats, report: ImportReport,
                  batch: str | None = None, deferred: undo.Deferred | None = None) -> None:
    """The end of a chunked import: the chunks' audit entries and live events, one live
    event per movement that gained bookings, the split check of every case touched, the
    audit row; the undo journal of ``batch`` is dropped (the import is in for good)."""
    airport = access_airport(tx.session, tx.actor, airport_code, Need.COORDINATE)
    if deferred is not None:
        deferred.write(tx)
    for movement_id in sorted(stats.movements):
        movement = tx.session.get(Movement, movement_id)
        if movement is not None:
            tx.record(PassengerBooked, movement)
    for case_id in sorted(stats.cases):
        case = tx.session.get(Case, case_id)
        if case is not None:
            px.flag_case_split(tx, case)
    tx.audit("import_passengers", "airport", airport.id, detail=str(report))
    if batch is not None:
        undo.forget(tx, batch)
        bulk.end(tx, batch, bulk.DONE, str(report))


def _start(tx: Tx, airport_code: str, batch: str, label: str | None) -> None:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    airport = access_airport(tx.session, tx.actor, airport_code, Need.COORDINATE)
    bulk.start(tx, batch, "passenger_import", airport.iata, label)


def _undone(tx: Tx, batch: str, why: str) -> None:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    bulk.end(tx, batch, bulk.UNDONE, why)


def _undo_order(tx: Tx, batch: str) -> list[int]:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    return undo.undo_order(tx.session, batch)


def _undo_step(tx: Tx, ids: Sequence[int]) -> int:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    return undo.undo_step(tx, ids)


#: Journal entries undone per transaction (bounded, like the chunks they undo).
UNDO_STEP = 500


async def undo_import(uow: UnitOfWork, actor: Actor, batch: str,
                      why: str = "undone") -> None:
    """Put back everything the committed chunks of ``batch`` changed, in bounded steps;
    a busy database is tried again (each try waits the write bound of the unit of work,
    and the steps are idempotent: an undone entry leaves the journal with its step).
    The batch's record (``bulk_batch``) ends as ``undone`` with ``why``."""
    for _ in range(20):
        try:
            ids = await uow.run(_undo_order, actor, batch)
            for i in range(0, len(ids), UNDO_STEP):
                await uow.run(_undo_step, actor, ids[i:i + UNDO_STEP])
            await uow.run(_undone, actor, batch, why)
            return
        except Busy:
            continue
    raise Busy()


async def import_in_chunks(uow: UnitOfWork, actor: Actor, airport_code: str,
                           rows: Sequence[PassengerRow], *, all_or_nothing: bool = True,
                           parse_errors: Sequence[RowError] = (),
                           progress: Progress | None = None,
                           chunk_rows: int = CHUNK_ROWS,
                           label: str | None = None) -> ImportReport:
    """Import a long list without holding the database: ``chunk_rows`` rows per
    transaction, so that taps and other writes get in between.

    All or nothing: every chunk is first tried and rolled back (nothing of it stays,
    audit included) so that all the bad rows are listed at once; only a clean list (or
    ``all_or_nothing=False``) is then applied chunk by chunk.  Each applied chunk
    journals what it changed (``import_undo``, in the chunk's own transaction) and keeps
    its audit entries and live events for the end; if a chunk then fails (a row that was
    fine alone is not with the chunks before it in, or the database refuses), the
    committed chunks are undone from the journal, in bounded steps.  The closing
    transaction writes the kept audit entries and events, one live event per movement,
    the case split checks and the import's audit row, and drops the journal.

    Raises ``ImportRejected`` (bad rows, each named by its line; nothing imported) or
    ``ImportInterrupted`` (the database refused; the line where it stopped is named;
    nothing imported).  The import is recorded in ``bulk_batch`` (``label``: the file's
    name) with its process: if that process is killed mid-import, the next start (or the
    jobs) rolls the committed chunks back from the journal (``bulk.recover_unfinished``).
    """
    chunks = [rows[i:i + chunk_rows] for i in range(0, len(rows), chunk_rows)]
    total = len(rows) + len(parse_errors)
    errors = list(parse_errors)
    if all_or_nothing:
        for chunk in chunks:
            try:
                await uow.run(check_chunk, actor, airport_code, chunk)
            except _DryRun as found:
                errors += found.errors
        if errors:
            errors.sort(key=lambda e: e.line_no)
            raise ImportRejected(ImportReport(total, errors=tuple(errors), kept=False))
    stats = _Stats()
    done = 0
    bad = {e.line_no for e in errors}

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(rows))

    batch = uuid.uuid4().hex
    deferred = undo.Deferred()
    first_line = chunks[0][0].line_no if chunks and chunks[0] else 1
    await uow.run(_start, actor, airport_code, batch, label)
    try:
        for chunk in chunks:
            todo = [r for r in chunk if r.line_no not in bad]
            done += len(chunk) - len(todo)
            if todo:
                first_line = todo[0].line_no
            chunk_stats, chunk_errors = await uow.run(
                apply_chunk, actor, airport_code, todo, tick, batch=batch, deferred=deferred)
            stats.add(chunk_stats)
            if chunk_errors and all_or_nothing:
                # Checked chunk by chunk, these rows were fine; with the chunks before them
                # in they are not (a charter filled up, a row changed meanwhile): put the
                # earlier chunks back, so that nothing of the file stays.
                await undo_import(uow, actor, batch, "bad rows: nothing imported")
                errors = sorted([*errors, *chunk_errors], key=lambda e: e.line_no)
                raise ImportRejected(ImportReport(total, errors=tuple(errors), kept=False))
            errors += chunk_errors
        errors.sort(key=lambda e: e.line_no)
        report = ImportReport(total, stats.created, stats.updated, stats.unchanged,
                              stats.booked, len(stats.cases), tuple(errors), kept=True)
        await uow.run(finish_import, actor, airport_code, stats, report, batch, deferred)
    except ImportRejected:
        raise
    except DomainError as exc:
        # The database refused a chunk (busy past the bound, full, read-only): nothing
        # of this chunk is in; put the earlier ones back, and say where it stopped.
        await undo_import(uow, actor, batch, f"stopped: {exc.message}")
        stop = row_error(first_line, Phrase.of(
            N_("the import stopped at this line: %(message)s; nothing was imported, import "
               "the file again"), message=exc.phrase))
        raise ImportInterrupted(ImportReport(total, errors=(stop,), kept=False)) from exc
    except BaseException:
        await undo_import(uow, actor, batch, "failed")
        raise
    return report


def find_movement(tx: Tx, airport: Airport, flight: FlightOnDay) -> Movement:
    found = [m for m in tx.session.scalars(select(Movement).where(
        Movement.airport_id == airport.id, Movement.carrier == flight.carrier.upper(),
        Movement.operational_date == flight.day).order_by(Movement.id))
        if tl.number_key(m.flight_number) == tl.number_key(flight.number)
        and (flight.kind is None or m.kind is flight.kind)]
    if not found:
        kind = f" ({flight.kind.value})" if flight.kind else ""
        raise RuleViolation(Phrase.of(N_("no movement %(flight)s%(kind)s at %(iata)s: plan it "
                                         "first"),
                                      flight=flight.phrase, kind=kind, iata=airport.iata))
    if len(found) > 1:
        kinds = Phrase(found[-1].kind.value)
        for m in reversed(found[:-1]):
            kinds = Phrase.of(N_("%(one)s and %(other)s"), one=m.kind.value, other=kinds)
        raise RuleViolation(Phrase.of(N_("%(flight)s is planned as %(kinds)s: say which in "
                                         "movement_kind"),
                                      flight=flight.phrase, kinds=kinds))
    return found[0]


def _movement(tx: Tx, lookups: _Lookups, flight: FlightOnDay) -> Movement:
    if flight not in lookups.movements:
        lookups.movements[flight] = find_movement(tx, lookups.airport, flight)
    return lookups.movements[flight]


def _key(surname: str | None, given: str | None) -> tuple[str, str]:
    return name_match.fold(surname), name_match.fold(given)


def _find_in_case(tx: Tx, case: Case, new: px.NewPassenger) -> Passenger | None:
    if case.id is None:
        return None
    wanted = _key(new.surname, new.given_names)
    for p in tx.session.scalars(select(Passenger).where(Passenger.case_id == case.id)):
        if _key(p.surname, p.given_names) == wanted and (
                p.birth_date is None or new.birth_date is None or
                p.birth_date == new.birth_date):
            return p
    return None


def _adopt_from_telex(tx: Tx, lookups: _Lookups, movement: Movement, new: px.NewPassenger
                      ) -> Passenger | None:
    if movement.id not in lookups.telex_made:
        rows = tx.session.execute(
            select(Passenger.id, Passenger.surname, Passenger.given_names)
            .join(Booking, Booking.passenger_id == Passenger.id)
            .join(TelexPassenger, TelexPassenger.passenger_id == Passenger.id)
            .where(Booking.movement_id == movement.id))
        lookups.telex_made[movement.id] = {_key(s, g): pid for pid, s, g in rows}
    pid = lookups.telex_made[movement.id].pop(_key(new.surname, new.given_names), None)
    if pid is None:
        return None
    # Through the session, not a bulk statement: the undo journal sees what it deletes.
    for made in tx.session.scalars(select(TelexPassenger).where(
            TelexPassenger.passenger_id == pid)):
        tx.session.delete(made)
    return tx.session.get(Passenger, pid)


def _book(tx: Tx, pid: int, movement: Movement, seat: str | None, new: bool,
          stats: _Stats, stop: str | None = None) -> None:
    """A booking without its own live event (the import sends one per movement)."""
    booking = None if new else tx.session.scalar(select(Booking).where(
        Booking.passenger_id == pid, Booking.movement_id == movement.id))
    if stop is not None:
        route = {s.airport_code for s in movement.stops} or {movement.destination}
        if stop not in route:
            raise RuleViolation(Phrase.of(N_("%(flight)s does not stop at %(stop)s (route: "
                                             "%(route)s)"),
                                          flight=movement.flight, stop=stop,
                                          route=", ".join(sorted(route))), field="stop")
        if booking is not None and booking.stop != stop:
            booking.stop = stop
            stats.movements.add(movement.id)
    if booking is None:
        tx.session.add(Booking(passenger_id=pid, movement_id=movement.id, seat=seat,
                               stop=stop, status=BookingStatus.BOOKED))
        tx.session.flush()
        stats.booked += 1
        stats.movements.add(movement.id)
    elif tll.ensure_booking(tx, pid, movement, seat, booking):
        stats.booked += 1


def _kind_word(kind: MovementKind) -> Phrase:
    """A movement kind as a person reads it ("transit in", a catalogue msgid), not its
    stored value ("transit_in")."""
    return Phrase(kind.value.replace("_", " "))


def _import_row(tx: Tx, lookups: _Lookups, row: PassengerRow, stats: _Stats) -> None:
    movement = _movement(tx, lookups, row.flight)
    onward = _movement(tx, lookups, row.onward) if row.onward else None
    if onward is not None and (movement.kind, onward.kind) != (
            MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT):
        raise RuleViolation(Phrase.of(N_("onward %(onward)s needs a transit_in movement "
                                         "(%(flight)s is %(kind)s) and a transit_out one "
                                         "(%(onward_flight)s is %(onward_kind)s)"),
                                      onward=row.onward.phrase if row.onward else onward.flight,
                                      flight=movement.flight, kind=_kind_word(movement.kind),
                                      onward_flight=onward.flight,
                                      onward_kind=_kind_word(onward.kind)))
    case = px.get_or_create_case(tx, lookups.airport.iata, row.case_reference,
                                 row.programme or "voluntary_return")
    if row.programme and case.programme != row.programme:
        case.programme = row.programme
    stats.cases.add(case.id)
    passenger = _find_in_case(tx, case, row.passenger)
    if passenger is None and (
            adopted := _adopt_from_telex(tx, lookups, movement, row.passenger)):
        passenger = adopted
        px.check_names(row.passenger)
        passenger.case = case
        passenger.surname = row.passenger.surname.strip()
        passenger.given_names = row.passenger.given_names.strip()
    new = passenger is None
    if passenger is None:
        pid = px.add_passenger(tx, case.id, row.passenger)
        stats.created += 1
    else:
        pid = passenger.id
        if _update(tx, passenger, row.passenger):
            stats.updated += 1
        else:
            stats.unchanged += 1
    _book(tx, pid, movement, row.seat, new, stats, row.stop)
    if movement.is_charter:
        from .charters import check_capacity

        check_capacity(tx, movement)  # per leg, after this row (a bad row says which)
    if onward is not None:
        tll.link_legs(tx, movement, onward, tl.ARRIVAL)
        _book(tx, pid, onward, None, new, stats)


def _update(tx: Tx, passenger: Passenger, new: px.NewPassenger) -> bool:
    px.check_names(new)
    before = {f: getattr(passenger, f) for f in _FIELDS}
    wanted = {f: getattr(new, f) for f in _FIELDS}
    for key in ("native_name", "release_to_name"):
        wanted[key] = (wanted[key] or "").strip() or None
    changed = {f: v for f, v in wanted.items() if before[f] != v}
    needs = px.validate_needs(new.needs)
    new_codes = sorted((n.code, n.text or "") for n in needs)
    old_codes = sorted((n.code, n.text or "") for n in passenger.needs)
    if "UMNR" in {n.code for n in needs} and not wanted["release_to_name"]:
        raise RuleViolation(Phrase(N_("an unaccompanied minor needs the named adult to release "
                                      "to")),
                            field="release_to_name")
    if not changed and new_codes == old_codes:
        return False
    for f, v in changed.items():
        setattr(passenger, f, v)
    if new_codes != old_codes:
        passenger.needs = needs
        touch(passenger, "surname")
    tx.session.flush()
    for booking in passenger.bookings:
        tx.record(PassengerUpdated, booking.movement, passenger_id=passenger.id)
    # Names, birth dates, locators and health text stay out of the audit (it outlives
    # the retention purge): it says which of them changed, not to what.
    shown = {k: v for k, v in changed.items() if k not in _PERSONAL}
    tx.audit("update_passenger", "passenger", passenger.id,
             before={k: before[k] for k in shown} | {"needs": [c for c, _ in old_codes]},
             after=shown | {"needs": [c for c, _ in new_codes],
                            "changed": sorted(changed)}, detail="import")
    return True


__all__ = ["CHUNK_ROWS", "FlightOnDay", "ImportInterrupted", "ImportRejected",
           "ImportReport", "PassengerRow", "RowError", "find_movement", "import_in_chunks",
           "import_passengers"]
