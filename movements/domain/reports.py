"""Aggregate read models for the reports page, its exports and its API.

Every figure is computed by the database (GROUP BY over indexed joins); nothing loads a
year of rows into Python.  Results are ``Table`` values: a title, column names and rows
of plain values, so that the page, the CSV and XLSX exports, the charts and the JSON API
all show the same numbers.

Counting rules (the annual report's, see /work/shared/DOMAIN.md "Scale"):

* a person is counted on each movement they were assisted on, with booking status
  ``booked`` (no-shows and cancellations were not assisted): one count per booking, so
  that the figures of two periods add up (``report_months`` sums months);
* a transit is counted once, on its inbound leg (``transit_in``); the onward leg
  (``transit_out``) carries the same people and is never counted;
* the direction of a movement: departure, transit or arrival;
* dates are operational (local) dates; times are UTC; durations are minutes.

No function here returns a name, a birth date or a booking: aggregates only, which is
what the manager role may see.  Small cells are suppressed by ``suppress``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session, aliased

from . import disclosure
from .models import (
    Booking,
    BookingStatus,
    Case,
    CharterStop,
    ChronicCondition,
    EscortAssignment,
    EscortKind,
    MedicalLevel,
    Milestone,
    Movement,
    MovementKind,
    Passenger,
    SpecialNeed,
)
from .phrases import N_, Phrase
from .planning_models import CarrierNotification, NotifiedPassenger

Cell = str | int | float | None

#: Counts below this are shown as "<5" where cells are suppressed (DOMAIN.md: "for
#: example counts under 5 shown as '<5' in any report below coordinator level").
SMALL_CELL = 5
DIRECTIONS = ("departure", "transit", "arrival")
_KIND_OF = {"departure": MovementKind.DEPARTURE, "transit": MovementKind.TRANSIT_IN,
            "arrival": MovementKind.ARRIVAL}
_DIRECTION_OF = {v.value: k for k, v in _KIND_OF.items()}
PROGRAMMES = ("voluntary_return", "resettlement", "relocation", "family_reunification",
              "other")

# ECAC Doc 30 Part I Annex 5-G (quality standards for assistance to PRMs under
# Regulation (EC) 1107/2006), share of assisted passengers met within each limit, as
# (limit in minutes, share required).  Departing: from the report time at the designated
# point; arriving: from on-block.  Pre-notified passengers (the need notified at least
# 48 h before the published departure time, 1107/2006 art. 6-7) have the tight targets;
# the others the looser ones.
ECAC_DEPARTING = ((10, 0.80), (20, 0.90), (30, 1.00))
ECAC_ARRIVING = ((5, 0.80), (10, 0.90), (20, 1.00))
ECAC_DEPARTING_NOT_PRENOTIFIED = ((25, 0.80), (35, 0.90), (45, 1.00))
ECAC_ARRIVING_NOT_PRENOTIFIED = ((25, 0.80), (35, 0.90), (45, 1.00))
#: How long before the scheduled time a need must have reached the carrier (minutes).
PRENOTICE_MINUTES = 48 * 60
#: Departing passengers report this long before the scheduled departure (the same rule
#: as the waiting-time alert, alert_rules.REPORT_BEFORE).
REPORT_BEFORE_MINUTES = 180
MET_STEP = {MovementKind.DEPARTURE: "met_at_point", MovementKind.ARRIVAL: "met_at_aircraft",
            MovementKind.TRANSIT_IN: "met_at_arrival_gate"}
#: Milestone-to-milestone durations reported: (direction, from step or "on_block", to step).
SPANS = (("departure", "met_at_point", "at_gate", N_("Met → at gate")),
         ("arrival", "on_block", "met_at_aircraft", N_("On-block → met at aircraft")),
         ("arrival", "met_at_aircraft", "handed_over", N_("Met at aircraft → handed over")),
         ("transit", "on_block", "met_at_arrival_gate", N_("On-block → met at arrival gate")),
         ("transit", "met_at_arrival_gate", "at_onward_gate",
          N_("Met at arrival gate → at onward gate")))


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What a report covers.  ``date_to`` is inclusive; empty ``directions`` means all."""

    airport_ids: tuple[int, ...]
    date_from: date
    date_to: date
    directions: tuple[str, ...] = ()
    need: str | None = None  # an SSR code: only people carrying it
    programme: str | None = None  # a case programme: only its people


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a report: what a chart draws, a screen reader reads, a CSV holds.

    ``counts`` names the columns holding counts of people (the ones small-cell
    suppression applies to); ``note`` says what a reader must know (suppression, rules).
    A count column titled "Total" is the sum of the row's other count columns;
    ``total_row`` names a row that is the sum of the other rows (secondary suppression,
    ``suppress``, uses both).
    """

    key: str
    #: Title, columns, notes and text cells are English msgids or phrases
    #: (domain/phrases.py): the edge shows them in the reader's language.
    title: str | Phrase
    columns: tuple[str | Phrase, ...]
    rows: tuple[tuple[Cell, ...], ...]
    counts: frozenset[int] = frozenset()
    note: str | Phrase | None = None
    sensitive: bool = False  # protection-sensitive: suppressed for every role
    total_row: int | None = None

    def column(self, index: int) -> list[Cell]:
        return [r[index] for r in self.rows]


@dataclass(frozen=True, slots=True)
class Report:
    tables: tuple[Table, ...]
    facts: tuple[tuple[str, Cell], ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def fact(self, name: str) -> Cell:
        return dict(self.facts)[name]


SUPPRESSED = N_("Counts from 1 to %(most)d are shown as %(shown)s so that no person can be "
                "singled out.")
SUPPRESSED_AFTER = N_("%(note)s Counts from 1 to %(most)d are shown as %(shown)s so that no "
                      "person can be singled out.")
#: What a cell hidden by secondary suppression reads (ONS's symbol for "confidential").
SECONDARY = "[c]"
SECONDARY_NOTE = N_("%(note)s %(shown)s: also hidden, so that a hidden count cannot be worked "
                    "out from the totals.")


def suppress(table: Table, threshold: int = SMALL_CELL) -> Table:
    """Counts from 1 to ``threshold - 1`` become ``"<threshold"`` (primary suppression);
    further cells become ``SECONDARY`` where a row or column total would otherwise give a
    hidden count away (secondary suppression, domain/disclosure.py: its rule and sources).
    The note says so.  The one place small cells are hidden: every table, chart, download
    and the year view (summed from months before this runs) go through it."""
    if not table.counts:
        return table
    counts = sorted(table.counts)
    values = {(r, c): v for r, row in enumerate(table.rows) for c in counts
              if isinstance(v := row[c], int) and not isinstance(v, bool)}
    total_column = next((c for c in counts if table.columns[c] == "Total"), None)
    primary, secondary = disclosure.protect(values, disclosure.lines_of(
        len(table.rows), counts, total_column=total_column, total_row=table.total_row),
        threshold)
    rows = tuple(tuple(f"<{threshold}" if (r, i) in primary else SECONDARY
                       if (r, i) in secondary else v for i, v in enumerate(row))
                 for r, row in enumerate(table.rows))
    most, shown = threshold - 1, f"<{threshold}"
    note = Phrase.of(SUPPRESSED_AFTER, note=Phrase(table.note) if isinstance(table.note, str)
                     else table.note, most=most, shown=shown) if table.note \
        else Phrase.of(SUPPRESSED, most=most, shown=shown)
    if secondary:
        note = Phrase.of(SECONDARY_NOTE, note=note, shown=SECONDARY)
    return replace(table, rows=rows, note=note)


#: Facts that count people (suppressed like table cells below coordinator level).
PEOPLE_FACTS = frozenset({"people", "departure", "transit", "arrival", "peak_transits",
                          "medical_cases"})


def for_audience(report: Report, *, coordinator: bool) -> Report:
    """Sensitive tables are always suppressed; below coordinator level every table is,
    and so are the headline counts of people."""
    facts = report.facts if coordinator else tuple(
        (k, f"<{SMALL_CELL}" if k in PEOPLE_FACTS and isinstance(v, int) and 0 < v < SMALL_CELL
         else v) for k, v in report.facts)
    return replace(report, facts=facts, tables=tuple(
        suppress(t) if t.sensitive or not coordinator else t for t in report.tables))


# ------------------------------------------------------------------------- building blocks

def _counted(f: ReportFilter, *, booked_only: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE of "people assisted" under the filter (Booking joined to Movement);
    ``booked_only=False`` keeps no-shows and cancellations too."""
    where: list[ColumnElement[bool]] = [
        Movement.airport_id.in_(f.airport_ids),
        Movement.operational_date >= f.date_from,
        Movement.operational_date <= f.date_to,
        Movement.kind != MovementKind.TRANSIT_OUT,
    ]
    if booked_only:
        where.append(Booking.status == BookingStatus.BOOKED)
    if f.directions:
        where.append(Movement.kind.in_([_KIND_OF[d] for d in f.directions]))
    if f.need:
        where.append(exists().where(SpecialNeed.passenger_id == Booking.passenger_id,
                                    SpecialNeed.code == f.need))
    if f.programme:
        where.append(exists().where(Passenger.id == Booking.passenger_id,
                                    Case.id == Passenger.case_id,
                                    Case.programme == f.programme))
    return where


def _people() -> ColumnElement[int]:
    # One per (passenger, movement): a booking (unique per pair).  DISTINCT because
    # joins to needs may repeat a booking.
    return func.count(distinct(Booking.id))


def _base(*columns: Any) -> Select[Any]:
    return select(*columns).select_from(Booking).join(Movement,
                                                      Movement.id == Booking.movement_id)


def _with_passenger(stmt: Select[Any]) -> Select[Any]:
    return stmt.join(Passenger, Passenger.id == Booking.passenger_id)


# Inline SQL, not bound parameters: PostgreSQL compares SELECT and GROUP BY expressions
# textually, and two binds ($1, $2) of the same value are different expressions to it.
_NATIONALITY = func.coalesce(Passenger.nationality, literal_column("'unknown'"))
_HUNDRED: ColumnElement[int] = literal_column("100")


def _month() -> ColumnElement[int]:
    return func.extract("month", Movement.operational_date)


def _year() -> ColumnElement[int]:
    return func.extract("year", Movement.operational_date)


def _minutes(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """``later - earlier`` in minutes, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0


def _by_direction(rows: Sequence[Any], key_count: int = 1) -> dict[tuple[Any, ...], dict[str, int]]:
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for row in rows:
        key = tuple(row[:key_count])
        kind = row[key_count]
        out.setdefault(key, {})[_DIRECTION_OF[str(kind)]] = int(row[key_count + 1])
    return out


def _direction_rows(grouped: dict[tuple[Any, ...], dict[str, int]], keys: Sequence[tuple[Any, ...]],
                    label: Any = None) -> tuple[tuple[Cell, ...], ...]:
    rows = []
    for key in keys:
        counts = grouped.get(key, {})
        cells = [counts.get(d, 0) for d in DIRECTIONS]
        name = label(key) if label else key[0]
        rows.append((name, *cells, sum(cells)))
    return tuple(rows)


_DIR_COLUMNS = ("Departures", "Transits", "Arrivals", "Total")
_DIR_COUNTS = frozenset({1, 2, 3, 4})


def _top(rows: list[tuple[str, dict[str, int]]], limit: int | None
         ) -> list[tuple[str, dict[str, int]]]:
    """Largest first; beyond ``limit`` (None: no limit) folded into "other"."""
    rows.sort(key=lambda r: (-sum(r[1].values()), r[0]))
    if limit is None or len(rows) <= limit:
        return rows
    rest: dict[str, int] = {}
    for _, counts in rows[limit:]:
        for d, n in counts.items():
            rest[d] = rest.get(d, 0) + n
    return [*rows[:limit], ("other", rest)]


# ------------------------------------------------------------------------- the annual view

def annual(session: Session, f: ReportFilter, *, top: int | None = 10) -> Report:
    """The annual report's figures for the filter's period: by month and direction, by
    programme, by nationality, medical cases, minors, trafficking, family reunification
    and charters.  Nationality is the country of origin of arrivals and transits and the
    country of return of departures (ISO 3166-1 alpha-3; "other" below the top ``top``;
    ``top=None`` keeps every country, as the monthly parts that ``report_months`` adds up).
    """
    where = _counted(f)
    tables: list[Table] = []

    months = session.execute(
        _base(_year(), _month(), Movement.kind, _people()).where(*where)
        .group_by(_year(), _month(), Movement.kind)).all()
    by_month = _by_direction([(int(y), int(m), k, n) for y, m, k, n in months], 2)
    keys = _month_keys(f.date_from, f.date_to)
    tables.append(Table("by_month", "People assisted by month and direction",
                        ("Month", *_DIR_COLUMNS),
                        _direction_rows(by_month, keys, lambda k: f"{k[0]:04d}-{k[1]:02d}"),
                        _DIR_COUNTS))
    # Counted per booking, so the totals are the months' sums (no query of their own).
    direction_totals = {d: sum(c.get(d, 0) for c in by_month.values()) for d in DIRECTIONS}
    people = sum(direction_totals.values())
    transits = [(k, by_month.get(k, {}).get("transit", 0)) for k in keys]
    peak = max(transits, key=lambda kv: kv[1]) if transits else None

    programmes = session.execute(_with_passenger(
        _base(Case.programme, Movement.kind, _people())).join(Case, Case.id == Passenger.case_id)
        .where(*where).group_by(Case.programme, Movement.kind)).all()
    by_programme = _by_direction(programmes)
    tables.append(Table("by_programme", "People by programme and direction",
                        ("Programme", *_DIR_COLUMNS),
                        _direction_rows(by_programme, sorted(by_programme)), _DIR_COUNTS))

    nationality = session.execute(_with_passenger(
        _base(_NATIONALITY, Movement.kind, _people()))
        .where(*where).group_by(_NATIONALITY,
                                Movement.kind)).all()
    grouped = _by_direction(nationality)
    ranked = _top([(str(k[0]), v) for k, v in grouped.items()], top)
    tables.append(Table("by_country", "People by nationality (country of origin or return)",
                        ("Country", *_DIR_COLUMNS),
                        _direction_rows({(n,): c for n, c in ranked}, [(n,) for n, _ in ranked]),
                        _DIR_COUNTS))

    medical = Passenger.medical_level.is_not(None)
    levels = session.execute(_with_passenger(_base(Passenger.medical_level, Movement.kind,
                                                   _people()))
                             .where(*where, medical)
                             .group_by(Passenger.medical_level, Movement.kind)).all()
    by_level = _by_direction([(str(lv), k, n) for lv, k, n in levels])
    tables.append(Table("medical", "Medical cases by category and direction",
                        ("Category", *_DIR_COLUMNS),
                        _direction_rows(by_level, [(m.value,) for m in MedicalLevel]),
                        _DIR_COUNTS))
    conditions: dict[Any, int] = dict(session.execute(_with_passenger(
        _base(Passenger.chronic_condition, _people())).where(
            *where, Passenger.chronic_condition.is_not(None))
        .group_by(Passenger.chronic_condition)).all())
    tables.append(Table("chronic_conditions", "Chronic medical cases by condition",
                        ("Condition", "People"),
                        tuple((c.value, int(conditions.get(c, 0))) for c in ChronicCondition),
                        frozenset({1})))
    med_country = session.execute(_with_passenger(
        _base(_NATIONALITY, Movement.kind, _people()))
        .where(*where, medical)
        .group_by(_NATIONALITY, Movement.kind)).all()
    ranked = _top([(str(k[0]), v) for k, v in _by_direction(med_country).items()], top)
    tables.append(Table("medical_by_country", "Medical cases by nationality",
                        ("Country", *_DIR_COLUMNS),
                        _direction_rows({(n,): c for n, c in ranked}, [(n,) for n, _ in ranked]),
                        _DIR_COUNTS))

    umnr = exists().where(SpecialNeed.passenger_id == Booking.passenger_id,
                          SpecialNeed.code == "UMNR")
    minors = _by_direction(session.execute(
        _base(literal_column("'UMNR'"), Movement.kind, _people()).where(*where, umnr)
        .group_by(Movement.kind)).all())
    reunited = _by_direction(session.execute(_with_passenger(
        _base(literal_column("'family_reunification'"), Movement.kind, _people()))
        .join(Case, Case.id == Passenger.case_id)
        .where(*where, Case.programme == "family_reunification").group_by(Movement.kind)).all())
    reunited_minors = _by_direction(session.execute(_with_passenger(
        _base(literal_column("'family_reunification'"), Movement.kind, _people()))
        .join(Case, Case.id == Passenger.case_id)
        .where(*where, umnr, Case.programme == "family_reunification")
        .group_by(Movement.kind)).all())
    tables.append(Table(
        "minors", "Unaccompanied minors and family reunification", ("Group", *_DIR_COLUMNS),
        (*_direction_rows(minors, [("UMNR",)], lambda _: N_("Unaccompanied minors (UMNR)")),
         *_direction_rows(reunited, [("family_reunification",)],
                          lambda _: N_("Family reunification")),
         *_direction_rows(reunited_minors, [("family_reunification",)],
                          lambda _: N_("Family reunification: unaccompanied minors"))),
        _DIR_COUNTS))

    vot = Passenger.victim_of_trafficking.is_(True)
    victims = _by_direction(_with_passenger_rows(session, _base(
        literal_column("'vot'"), Movement.kind, _people()), where, vot))
    vot_country = _by_direction(session.execute(_with_passenger(
        _base(_NATIONALITY, Movement.kind, _people()))
        .where(*where, vot)
        .group_by(_NATIONALITY, Movement.kind)).all())
    tables.append(Table(
        "trafficking", "Victims of trafficking assisted (counts only)",
        ("Group", *_DIR_COLUMNS),
        (*_direction_rows(victims, [("vot",)], lambda _: N_("All")),
         *_direction_rows(vot_country, sorted(vot_country), lambda k: k[0])),
        _DIR_COUNTS, sensitive=True, total_row=0,
        note=N_("Protection-sensitive: small cells are suppressed for every reader.")))

    charter = session.execute(
        select(Movement.operational_date, Movement.carrier, Movement.flight_number,
               Movement.id, func.count(distinct(Booking.passenger_id)))
        .select_from(Movement).join(Booking, Booking.movement_id == Movement.id)
        .where(Movement.is_charter.is_(True), *where)
        .group_by(Movement.operational_date, Movement.carrier, Movement.flight_number,
                  Movement.id).order_by(Movement.operational_date, Movement.id)).all()
    stops: dict[int, list[str]] = {}
    if charter:
        for mid, code in session.execute(
                select(CharterStop.movement_id, CharterStop.airport_code)
                .where(CharterStop.movement_id.in_([c[3] for c in charter]))
                .order_by(CharterStop.movement_id, CharterStop.position)):
            stops.setdefault(mid, []).append(code)
    tables.append(Table("charters", "Charter flights", ("Date", "Flight", "Stops", "People"),
                        tuple((d.isoformat(), f"{c}{n}", " – ".join(stops.get(mid, [])), int(p))
                              for d, c, n, mid, p in charter), frozenset({3})))

    facts: list[tuple[str, Cell]] = [
        ("people", people), *direction_totals.items(),
        ("peak_transit_month", f"{peak[0][0]:04d}-{peak[0][1]:02d}" if peak and peak[1] else None),
        ("peak_transits", peak[1] if peak else 0),
        ("medical_cases", sum(int(r[4] or 0) for r in tables[3].rows)),
        ("charter_flights", len(charter)),
    ]
    return Report(tuple(tables), tuple(facts))


def _with_passenger_rows(session: Session, stmt: Select[Any], where: list[ColumnElement[bool]],
                         extra: ColumnElement[bool]) -> list[Any]:
    return list(session.execute(_with_passenger(stmt).where(*where, extra)
                                .group_by(Movement.kind)).all())


def _month_keys(start: date, end: date) -> list[tuple[int, int]]:
    keys = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        keys.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


# ------------------------------------------------------------------------- days ahead

def days(session: Session, f: ReportFilter, *, needs: Sequence[str] = (
        "WCHR", "WCHS", "WCHC", "STCR", "MEDA", "OXYG", "UMNR", "MAAS")) -> Report:
    """Per operational day: movements, people by direction, people with each need, and
    escorts required (passengers flagged for a medical or operational escort) against
    escorts planned (assignments made)."""
    where = _counted(f)
    scope = [Movement.airport_id.in_(f.airport_ids), Movement.operational_date >= f.date_from,
             Movement.operational_date <= f.date_to]
    if f.directions:
        scope.append(Movement.kind.in_([_KIND_OF[d] for d in f.directions]))
    moves = dict(session.execute(select(Movement.operational_date, func.count(Movement.id))
                                 .where(*scope, Movement.kind != MovementKind.TRANSIT_OUT)
                                 .group_by(Movement.operational_date)).all())
    people = _by_direction(session.execute(
        _base(Movement.operational_date, Movement.kind, _people()).where(*where)
        .group_by(Movement.operational_date, Movement.kind)).all())
    need_rows = session.execute(
        _base(Movement.operational_date, SpecialNeed.code, _people())
        .join(SpecialNeed, SpecialNeed.passenger_id == Booking.passenger_id)
        .where(*where, SpecialNeed.code.in_(list(needs)))
        .group_by(Movement.operational_date, SpecialNeed.code)).all()
    by_need: dict[date, dict[str, int]] = {}
    for day, code, n in need_rows:
        by_need.setdefault(day, {})[code] = int(n)
    required = {day: (int(med or 0), int(op or 0)) for day, med, op in session.execute(
        _with_passenger(_base(
            Movement.operational_date,
            func.sum(case((Passenger.medical_escort_required.is_(True), 1), else_=0)),
            func.sum(case((Passenger.operational_escort_required.is_(True), 1), else_=0))))
        .where(*where).group_by(Movement.operational_date)).all()}
    planned: dict[date, dict[str, int]] = {}
    for day, kind, n in session.execute(
            select(Movement.operational_date, EscortAssignment.kind,
                   func.count(distinct(EscortAssignment.passenger_id)))
            .select_from(EscortAssignment)
            .join(Movement, Movement.id == EscortAssignment.movement_id)
            .where(*scope).group_by(Movement.operational_date, EscortAssignment.kind)):
        planned.setdefault(day, {})[str(kind)] = int(n)
    day_list = [f.date_from + timedelta(days=i) for i in range((f.date_to - f.date_from).days + 1)]
    load = tuple((d.isoformat(), int(moves.get(d, 0)),
                  *_direction_rows(people, [(d,)])[0][1:]) for d in day_list)
    need_table: tuple[tuple[Cell, ...], ...] = tuple(
        (d.isoformat(), *(by_need.get(d, {}).get(c, 0) for c in needs)) for d in day_list)
    escorts = tuple((d.isoformat(), required.get(d, (0, 0))[0],
                     planned.get(d, {}).get(EscortKind.MEDICAL.value, 0),
                     required.get(d, (0, 0))[1],
                     planned.get(d, {}).get(EscortKind.OPERATIONAL.value, 0))
                    for d in day_list)
    return Report((
        Table("days", "Movements and people by day", ("Day", "Movements", *_DIR_COLUMNS),
              load, frozenset({2, 3, 4, 5})),
        Table("day_needs", "People with special needs by day (IATA SSR)", ("Day", *needs),
              need_table, frozenset(range(1, len(needs) + 1))),
        Table("day_escorts", "Escorts required and planned by day",
              ("Day", "Medical required", "Medical planned", "Operational required",
               "Operational planned"), escorts, frozenset({1, 2, 3, 4}),
              note="Required: passengers flagged for an escort; planned: passengers with an "
                   "escort assigned."),
    ))


# ------------------------------------------------------------------------- service levels

WITHIN = N_("%% within %(minutes)d min (target %(target)s)")
ECAC_TITLE = N_("ECAC Doc 30, %(who)s assisted passengers, pre-notified (per %(per)s)")
ECAC_TITLE_NOT_PRENOTIFIED = N_("ECAC Doc 30, %(who)s assisted passengers, not pre-notified "
                                "(per %(per)s)")
NO_SHOWS_TITLE = N_("No-shows of departing passengers (per %(per)s)")
PER = {"day": N_("day"), "month": N_("month")}


@dataclass(frozen=True, slots=True)
class WorstCase:
    """A long wait, for coordinators: which movement, how long; never who."""

    movement_id: int
    day: date
    flight: str
    direction: str
    minutes: float
    people: int


def prenotified(session: Session) -> ColumnElement[bool]:
    """Whether the booking (``Booking`` and its ``Movement`` in the enclosing query) was
    pre-notified: a carrier notification recorded for that movement named the passenger
    and was issued at least 48 h (``PRENOTICE_MINUTES``) before the movement's scheduled
    time.  Arrivals and transits use the notification recorded on their inbound movement.

    Source: Regulation (EC) 1107/2006 art. 6-7 and ECAC Doc 30 Part I Annex 5-G: a person
    with reduced mobility is pre-notified when the need was notified at least 48 h before
    the published departure time; the recorded issue time is ``CarrierNotification.sent_at``
    (set when a coordinator issues it, ``record_notice_sent``, or by the history import).
    """
    sent = aliased(CarrierNotification)
    return exists(
        select(NotifiedPassenger.passenger_id)
        .join(sent, sent.id == NotifiedPassenger.notification_id)
        .where(NotifiedPassenger.passenger_id == Booking.passenger_id,
               sent.movement_id == Movement.id,
               _minutes(session, Movement.scheduled_at, sent.sent_at) >= PRENOTICE_MINUTES))


def _waits(session: Session, f: ReportFilter) -> Select[Any]:
    """One row per met booking: day, direction, wait in minutes, movement, pre-notified
    (1 or 0)."""
    met = aliased(Milestone)
    departing = Movement.kind == MovementKind.DEPARTURE
    reference = _minutes(session, met.at, Movement.scheduled_at) + REPORT_BEFORE_MINUTES
    from_block = _minutes(session, met.at, func.coalesce(Movement.actual_at,
                                                         Movement.scheduled_at))
    step = case(*((Movement.kind == k, v) for k, v in MET_STEP.items()))
    return (select(Movement.operational_date.label("day"), Movement.kind.label("kind"),
                   Movement.id.label("movement_id"),
                   case((departing, reference), else_=from_block).label("wait"),
                   case((prenotified(session), 1), else_=0).label("prenotified"))
            .select_from(Booking).join(Movement, Movement.id == Booking.movement_id)
            .join(met, and_(met.booking_id == Booking.id, met.kind == step))
            .where(*_counted(f)))


#: The service-level tables: key, direction, pre-notified, targets.
ECAC_TABLES = (
    ("ecac_departing", "departing", 1, ECAC_DEPARTING),
    ("ecac_departing_not_prenotified", "departing", 0, ECAC_DEPARTING_NOT_PRENOTIFIED),
    ("ecac_arriving", "arriving", 1, ECAC_ARRIVING),
    ("ecac_arriving_not_prenotified", "arriving", 0, ECAC_ARRIVING_NOT_PRENOTIFIED),
)


@dataclass(frozen=True, slots=True)
class ServicePart:
    """The service-level figures of a period before they are finished into tables, in a
    shape two periods add up in (``report_months``): the ECAC tables and no-shows (one
    row per day or month), the spans as (label, passengers, total minutes, longest
    minutes), and the worst waits unrounded, longest first."""

    ecac: tuple[Table, ...]
    spans: tuple[tuple[str, int, float | None, float | None], ...]
    no_shows: Table
    worst: tuple[WorstCase, ...]


def service_levels(session: Session, f: ReportFilter, *, per: str = "month",
                   worst: int = 10) -> tuple[Report, list[WorstCase]]:
    """ECAC Doc 30 waiting times per day or month (``per``: "day" | "month"): for
    departing and arriving assisted passengers (transits count as arriving), pre-notified
    and not pre-notified apart (``prenotified``: ECAC Doc 30 Annex 5-G sets different
    targets), how many were met and the share met within each limit; milestone-to-
    milestone durations; the no-show rate of departures; and the ``worst`` longest waits.
    Waits in minutes; raises ValueError for another ``per``.
    """
    return finish_service(service_part(session, f, per=per, worst=worst), worst=worst)


def finish_service(part: ServicePart, *, worst: int = 10) -> tuple[Report, list[WorstCase]]:
    """The service-level report of a ``ServicePart``: averages and minutes rounded to
    0.1, the ``worst`` longest waits (ties by movement id)."""
    spans = Table("spans", "Milestone to milestone", ("Span", "Passengers", "Average min",
                                                      "Longest min"),
                  tuple((label, n, round(total / n, 1) if n and total is not None else None,
                         round(longest, 1) if longest is not None else None)
                        for label, n, total, longest in part.spans), frozenset({1}))
    ranked = sorted(part.worst, key=lambda w: (-w.minutes, w.movement_id))[:worst]
    return (Report((*part.ecac, spans, part.no_shows)),
            [replace(w, minutes=round(w.minutes, 1)) for w in ranked])


def service_part(session: Session, f: ReportFilter, *, per: str = "month",
                 worst: int = 10) -> ServicePart:
    """The figures of ``service_levels`` for ``f``, unfinished (``ServicePart``)."""
    if per not in ("day", "month"):
        raise ValueError(f"per={per!r}: day or month")
    waits = _waits(session, f).subquery()
    period: Any = waits.c.day if per == "day" else (
        func.extract("year", waits.c.day) * _HUNDRED + func.extract("month", waits.c.day))
    direction = case((waits.c.kind == MovementKind.DEPARTURE, "departing"), else_="arriving")
    limits = sorted({lim for *_, targets in ECAC_TABLES for lim, _ in targets})
    buckets = [func.sum(case((waits.c.wait <= limit, 1), else_=0)) for limit in limits]
    rows = session.execute(
        select(period, direction, waits.c.prenotified, func.count(), func.avg(waits.c.wait),
               func.max(waits.c.wait), *buckets)
        .group_by(period, direction, waits.c.prenotified)
        .order_by(period, direction)).all()
    tables = []
    for key, name, pre, targets in ECAC_TABLES:
        out = []
        for row in rows:
            if row[1] != name or int(row[2]) != pre:
                continue
            n = int(row[3])
            within = dict(zip(limits, (int(x or 0) for x in row[6:]), strict=True))
            shares = [round(100.0 * within[lim] / n, 1) if n else None for lim, _ in targets]
            met = all(n and within[lim] / n >= share for lim, share in targets)
            out.append((_period_label(row[0], per), n, *shares, round(float(row[4] or 0), 1),
                        round(float(row[5] or 0), 1), N_("yes") if met else N_("no")))
        heads = tuple(Phrase.of(WITHIN, minutes=lim, target=f"{share:.0%}")
                      for lim, share in targets)
        tables.append(Table(key, Phrase.of(
            ECAC_TITLE if pre else ECAC_TITLE_NOT_PRENOTIFIED,
            who=Phrase(N_("departing") if name == "departing" else N_("arriving")),
            per=Phrase(PER[per])),
                            ("Period", "Met", *heads, "Average min", "Longest min",
                             "Targets met"), tuple(out), frozenset({1}),
                            note=N_("From the report time (3 h before departure) to met at "
                                    "the designated point.") if name == "departing" else
                            N_("From on-block to met at the aircraft or arrival gate.")))
    worst_rows = session.execute(
        select(waits.c.movement_id, waits.c.day, waits.c.kind, func.max(waits.c.wait),
               func.count()).group_by(waits.c.movement_id, waits.c.day, waits.c.kind)
        .order_by(func.max(waits.c.wait).desc(), waits.c.movement_id).limit(worst)).all()
    flights = dict(session.execute(
        select(Movement.id, Movement.carrier + Movement.flight_number)
        .where(Movement.id.in_([r[0] for r in worst_rows]))).all()) \
        if worst_rows else {}
    worst_cases = tuple(WorstCase(int(mid), d, str(flights.get(mid, "?")),
                                  _DIRECTION_OF[str(k)], float(w), int(n))
                        for mid, d, k, w, n in worst_rows)
    return ServicePart(tuple(tables), _spans(session, f), _no_shows(session, f, per),
                       worst_cases)


def _period_label(value: Any, per: str) -> str:
    if per == "day":
        return value.isoformat() if isinstance(value, date) else str(value)
    n = int(value)
    return f"{n // 100:04d}-{n % 100:02d}"


def _spans(session: Session, f: ReportFilter
           ) -> tuple[tuple[str, int, float | None, float | None], ...]:
    """Per span of ``SPANS``: (label, passengers, total minutes, longest minutes)."""
    rows = []
    for direction, start, end, label in SPANS:
        a, b = aliased(Milestone), aliased(Milestone)
        stmt = (select(Booking.id).select_from(Booking)
                .join(Movement, Movement.id == Booking.movement_id)
                .join(b, and_(b.booking_id == Booking.id, b.kind == end)))
        if start == "on_block":
            began: Any = func.coalesce(Movement.actual_at, Movement.scheduled_at)
        else:
            stmt = stmt.join(a, and_(a.booking_id == Booking.id, a.kind == start))
            began = a.at
        span = _minutes(session, b.at, began)
        where = [*_counted(f), Movement.kind == _KIND_OF[direction]]
        n, total, longest = session.execute(
            stmt.with_only_columns(func.count(), func.sum(span), func.max(span))
            .where(*where)).one()
        rows.append((label, int(n or 0), float(total) if total is not None else None,
                     float(longest) if longest is not None else None))
    return tuple(rows)


def _no_shows(session: Session, f: ReportFilter, per: str) -> Table:
    # The same scope, but every booking that was expected: booked or no-show.
    where = _counted(f, booked_only=False)
    period: Any = Movement.operational_date if per == "day" else (
        _year() * _HUNDRED + _month())
    rows = session.execute(
        _base(period, func.count(),
              func.sum(case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0)))
        .where(*where, Movement.kind == MovementKind.DEPARTURE,
               Booking.status.in_([BookingStatus.BOOKED, BookingStatus.NO_SHOW]))
        .group_by(period).order_by(period)).all()
    return Table("no_shows", Phrase.of(NO_SHOWS_TITLE, per=Phrase(PER[per])),
                 ("Period", "Expected", "No-shows", "Rate %"),
                 tuple((_period_label(p, per), int(n), int(ns or 0),
                        round(100.0 * int(ns or 0) / int(n), 2) if n else None)
                       for p, n, ns in rows), frozenset({1, 2}))


def month_stamps(session: Session, airports: Sequence[str], date_from: date, date_to: date
                 ) -> dict[tuple[int, int], tuple[int, ...]]:
    """Per (year, month) from ``date_from`` to ``date_to``: a stamp that changes whenever
    data a report of these airports (IATA codes) may read for that month has changed: the
    every-airport counter and each airport's counter of that month, bumped in the
    transaction of each write (``Tx.stamp_reports``; one primary-key IN lookup).  A write
    in another month or at another airport leaves it as it is, so a cache keyed by it
    stays exact per airport and month."""
    from .models import StreamCounter
    from .streams import EVERY_AIRPORT, report_counter, report_month_scope

    months = _month_keys(date_from, date_to)
    codes = sorted(airports)
    names = {m: [report_counter(report_month_scope(c, date(m[0], m[1], 1))) for c in codes]
             for m in months}
    every = report_counter(EVERY_AIRPORT)
    wanted = [every, *(n for ns in names.values() for n in ns)]
    found = {str(name): int(seq) for name, seq in session.execute(
        select(StreamCounter.stream, StreamCounter.last_seq)
        .where(StreamCounter.stream.in_(wanted))).all()}
    return {m: (found.get(every, 0), *(found.get(n, 0) for n in ns))
            for m, ns in names.items()}


def data_stamp(session: Session, airports: Sequence[str], date_from: date, date_to: date
               ) -> tuple[int, ...]:
    """One stamp for a report of these airports over ``date_from``..``date_to``: all of
    ``month_stamps`` (it changes when any of its months does)."""
    stamps = month_stamps(session, airports, date_from, date_to)
    return tuple(n for m in sorted(stamps) for n in stamps[m])


def report_airports(session: Session, *, every: bool, codes: Sequence[str]
                    ) -> dict[str, tuple[int, str]]:
    """The airports a reader may report on, IATA code -> (row id, time zone), in code
    order: every airport of the deployment (``every``, admins) or the given codes."""
    from .models import Airport

    stmt = select(Airport.iata, Airport.id, Airport.timezone).order_by(Airport.iata)
    if not every:
        stmt = stmt.where(Airport.iata.in_(list(codes)))
    return {iata: (int(i), str(tz)) for iata, i, tz in session.execute(stmt).all()}
