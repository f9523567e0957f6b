"""Read models: plain dataclasses for the board, the movement page, the API and reports.

Queries take a sync ``Session`` (run through ``UnitOfWork.read``).  They load what a
screen needs in a few statements (selectinload), never one query per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Protocol

from sqlalchemy import Executable, and_, bindparam, case, exists, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from . import milestones as steps
from .flight_states import shown_states
from .models import (
    Airport,
    Alert,
    Booking,
    BookingStatus,
    Case,
    EscortAssignment,
    FlightFieldSource,
    Milestone,
    Movement,
    MovementKind,
    Note,
    Organisation,
    Passenger,
    SpecialNeed,
    Transit,
    User,
)
from .phrases import N_
from .ssr import SSR_CODES, NeedGroup


@dataclass(frozen=True, slots=True)
class NeedView:
    code: str
    meaning: str
    team_action: str
    text: str | None
    health: bool


@dataclass(frozen=True, slots=True)
class MilestoneView:
    kind: str
    label: str
    at: datetime
    override_reason: str | None


@dataclass(frozen=True, slots=True)
class PassengerView:
    id: int
    booking_id: int
    booking_version: int
    passenger_version: int
    case_reference: str
    case_split: bool
    surname: str
    given_names: str
    native_name: str | None
    initials: str
    birth_date: date | None
    age: int | None
    sex: str
    nationality: str | None
    needs: tuple[NeedView, ...]
    groups: frozenset[str]
    medical_escort_required: bool
    victim_of_trafficking: bool
    unaccompanied_minor: bool
    release_to_name: str | None
    seat: str | None
    stop: str | None
    status: str
    no_show_reason: str | None
    milestones: tuple[MilestoneView, ...]
    next_step: str | None
    next_step_label: str | None
    escorts: tuple[tuple[str, str], ...]  # (kind, name)
    purged: bool
    on_lap: bool = False  # an infant on an adult's lap (INFT), in the same case
    steps_on: int | None = None  # an onward transit leg: the steps are ticked on the inbound
    #: The last entry (what an undo takes back): (kind, label, at, by user id).
    last: tuple[str, str, datetime, int | None] | None = None
    #: Steps not done yet other than the next one: ticked out of order with a reason.
    other_steps: tuple[tuple[str, str], ...] = ()
    #: The next step boards and this passenger needs a medical escort nobody is assigned
    #: as yet: the page says so before the tap (STCR/MEDA rule).
    escort_missing: bool = False
    timezone: str = "UTC"  # the airport's (IANA name): how its times print


@dataclass(frozen=True, slots=True)
class LinkedLeg:
    """The other leg of a transit, as the board row and the movement page show it."""

    id: int
    flight: str
    origin: str
    destination: str
    scheduled_at: datetime
    estimated_at: datetime | None
    actual_at: datetime | None
    gate: str | None
    flight_state: str
    connection_minutes: int


@dataclass(frozen=True, slots=True)
class FieldSourceView:
    """What the movement page shows under a field a person set."""

    field: str
    set_by: str
    set_at: datetime | None
    feed_value: str | None


def field_sources(session: Session, movement_id: int) -> tuple[FieldSourceView, ...]:
    """The fields of a movement a person's correction currently holds."""
    rows = session.scalars(select(FlightFieldSource).where(
        FlightFieldSource.movement_id == movement_id,
        FlightFieldSource.person_set.is_(True)).order_by(FlightFieldSource.field))
    return tuple(FieldSourceView(r.field, r.set_by or "someone", r.set_at, r.feed_value)
                 for r in rows)


@dataclass(frozen=True, slots=True)
class MovementSummary:
    id: int
    version: int
    airport: str
    kind: str
    lane: str
    is_charter: bool
    flight: str
    operational_date: date
    origin: str
    destination: str
    scheduled_at: datetime
    estimated_at: datetime | None
    actual_at: datetime | None
    terminal: str | None
    pier: str | None
    gate: str | None
    flight_state: str
    stops: tuple[str, ...]
    passenger_count: int
    no_show_count: int
    done_count: int
    badges: dict[str, int]
    open_alerts: int
    case_references: tuple[str, ...]
    onward_id: int | None = None
    #: the passengers' progress through the steps (a coordinator's "5/7 checked in")
    progress: StepProgress | None = None
    #: every state the board shows, first = flight_state (see domain.flight_states)
    flight_states: tuple[str, ...] = ()
    inbound_id: int | None = None
    linked: LinkedLeg | None = None
    case_split: bool = False
    #: Fields a person's correction holds over the feed (movement page only; issue 13.2).
    held_fields: tuple[FieldSourceView, ...] = ()
    timezone: str = "UTC"  # the airport's (IANA name): how its times print

    def held(self, field: str) -> FieldSourceView | None:
        return next((h for h in self.held_fields if h.field == field), None)

    @property
    def board_position(self) -> str:
        """Where the row stands in its lane: best-known time (UTC, microseconds), then
        id, as one string that sorts the same way.  The board sorts by it and each row
        carries it, so a pushed row can take its place without a fresh page."""
        best = self.actual_at or self.estimated_at or self.scheduled_at
        return f"{best.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}|{self.id:012d}"

    @property
    def shown_on_board(self) -> bool:
        """An onward transit leg is shown on its inbound leg's row, not on its own."""
        return not (self.kind == "transit_out" and self.inbound_id is not None)


@dataclass(frozen=True, slots=True)
class NoteView:
    text: str
    at: datetime
    passenger_id: int | None
    by: str = "the system"  # who wrote it (display name)
    #: Written by the system (a job, an import): ``by`` is then a msgid, translated.
    by_system: bool = True


@dataclass(frozen=True, slots=True)
class MovementDetail:
    movement: MovementSummary
    passengers: tuple[PassengerView, ...]
    onward: MovementSummary | None
    inbound: MovementSummary | None
    notes: tuple[NoteView, ...] = ()
    timezone: str = "UTC"  # always given: the airport row's zone

    @property
    def connection_minutes(self) -> int | None:
        legs = (self.movement, self.onward) if self.onward else (
            (self.inbound, self.movement) if self.inbound else (None, None))
        first, second = legs
        if first is None or second is None:
            return None
        arrive = first.actual_at or first.estimated_at or first.scheduled_at
        leave = second.estimated_at or second.scheduled_at
        return int((leave - arrive).total_seconds() // 60)

    @property
    def movement_id(self) -> int:
        return self.movement.id

    def cases(self) -> list[tuple[str, list[PassengerView]]]:
        grouped: dict[str, list[PassengerView]] = {}
        for p in self.passengers:
            grouped.setdefault(p.case_reference, []).append(p)
        return list(grouped.items())


BADGE_ORDER = (NeedGroup.ESCORT, NeedGroup.MEDICAL, NeedGroup.STRETCHER_OXYGEN,
               NeedGroup.WHEELCHAIR, NeedGroup.MINOR, NeedGroup.MEET_ASSIST)


def need_groups(p: Passenger) -> set[str]:
    """The board's badge groups (NeedGroup values) a passenger counts in."""
    return _groups(p)


class _GroupFields(Protocol):
    """What ``_groups`` reads of a passenger (an ORM row, or row_read.py's columns)."""

    @property
    def codes(self) -> tuple[str, ...]: ...
    @property
    def medical_escort_required(self) -> bool: ...
    @property
    def operational_escort_required(self) -> bool: ...
    @property
    def chronic_condition(self) -> object | None: ...


def _groups(p: _GroupFields) -> set[str]:
    groups: set[str] = set()
    for code in p.codes:
        info = SSR_CODES.get(code)
        if info:
            groups.update(g.value for g in info.groups)
    if p.medical_escort_required or p.chronic_condition is not None:
        groups.add(NeedGroup.MEDICAL.value)
    if p.medical_escort_required or p.operational_escort_required:
        groups.add(NeedGroup.ESCORT.value)
    return groups


def _movement_options() -> list[object]:
    # Many-to-one hops joined into their parent's statement (a movement's airport; a
    # booking's passenger and case), collections one statement each: five statements
    # for the movement page's rows whatever the passenger count, not eight.
    return [
        joinedload(Movement.airport),
        selectinload(Movement.stops),
        selectinload(Movement.bookings).selectinload(Booking.milestones),
        selectinload(Movement.bookings).joinedload(Booking.passenger)
        .selectinload(Passenger.needs),
        selectinload(Movement.bookings).joinedload(Booking.passenger)
        .joinedload(Passenger.case),
    ]


def _connection(inbound: Movement, onward: Movement) -> int:
    arrive = inbound.actual_at or inbound.estimated_at or inbound.scheduled_at
    leave = onward.estimated_at or onward.scheduled_at
    return int((leave - arrive).total_seconds() // 60)


def _linked(m: Movement, other: Movement | None) -> LinkedLeg | None:
    if other is None:
        return None
    inbound, onward = (m, other) if m.kind is MovementKind.TRANSIT_IN else (other, m)
    return LinkedLeg(id=other.id, flight=other.flight, origin=other.origin,
                     destination=other.destination, scheduled_at=other.scheduled_at,
                     estimated_at=other.estimated_at, actual_at=other.actual_at,
                     gate=other.gate, flight_state=other.flight_state,
                     connection_minutes=_connection(inbound, onward))


def _loaded_counts(m: Movement) -> _Counts:
    """``_Counts`` from a movement loaded with ``_movement_options`` (the movement page
    holds these rows anyway)."""
    badges: Counter[str] = Counter()
    active = [b for b in m.bookings if b.status is not BookingStatus.CANCELLED]
    for b in active:
        for g in _groups(b.passenger):
            badges[g] += 1
    last = steps.sequence_for(m.kind)
    final = last[-1].key if last else None
    return _Counts(
        booked=sum(1 for b in active if b.status is BookingStatus.BOOKED),
        no_show=sum(1 for b in active if b.status is BookingStatus.NO_SHOW),
        done=sum(1 for b in active if final and any(x.kind == final for x in b.milestones)),
        steps=dict(Counter(x.kind for b in active if b.status is BookingStatus.BOOKED
                           for x in {x.kind: x for x in b.milestones}.values())),
        badges={g.value: badges[g.value] for g in BADGE_ORDER if badges[g.value]},
        case_references=tuple(sorted({b.passenger.case.reference for b in active})),
        case_split=any(b.passenger.case.split_flagged for b in active))


def _summary(m: Movement, alerts: int, links: dict[int, tuple[int | None, int | None]],
             legs: dict[int, Movement] | None = None, counts: _Counts | None = None
             ) -> MovementSummary:
    """A board row; ``counts`` None: counted from ``m``'s loaded bookings."""
    c = counts if counts is not None else _loaded_counts(m)
    inbound_id, onward_id = links.get(m.id, (None, None))
    return MovementSummary(
        id=m.id, version=m.version, airport=m.airport.iata, kind=m.kind.value, lane=m.lane,
        is_charter=m.is_charter, flight=m.flight, operational_date=m.operational_date,
        origin=m.origin, destination=m.destination, scheduled_at=m.scheduled_at,
        estimated_at=m.estimated_at, actual_at=m.actual_at, terminal=m.terminal, pier=m.pier,
        gate=m.gate, flight_state=m.flight_state,
        flight_states=shown_states(m.flight_state, m.flight_states),
        stops=tuple(s.airport_code for s in m.stops),
        passenger_count=c.booked, no_show_count=c.no_show, done_count=c.done,
        badges=c.badges, open_alerts=alerts, case_references=c.case_references,
        inbound_id=inbound_id, onward_id=onward_id,
        linked=_linked(m, (legs or {}).get(onward_id or inbound_id or -1)),
        case_split=c.case_split,
        timezone=m.airport.timezone,
        progress=step_progress(m.kind, c.booked, c.steps),
    )


def _links(session: Session, ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """movement id -> (inbound id, onward id) for transit legs."""
    if not ids:
        return {}
    out: dict[int, tuple[int | None, int | None]] = {}
    rows = session.execute(select(Transit.inbound_movement_id, Transit.onward_movement_id).where(
        (Transit.inbound_movement_id.in_(ids)) | (Transit.onward_movement_id.in_(ids))))
    for inbound, onward in rows:
        out[inbound] = (None, onward)
        out[onward] = (inbound, None)
    return out


def _legs(session: Session, links: dict[int, tuple[int | None, int | None]]
          ) -> dict[int, Movement]:
    wanted = {i for pair in links.values() for i in pair if i is not None}
    if not wanted:
        return {}
    return {m.id: m for m in session.scalars(select(Movement).where(Movement.id.in_(wanted)))}


def _open_alerts(session: Session, ids: list[int]) -> Counter[int]:
    if not ids:
        return Counter()
    rows = session.scalars(select(Alert.movement_id).where(
        Alert.movement_id.in_(ids), Alert.cleared_at.is_(None)))
    return Counter(r for r in rows if r is not None)


def airport_by_code(session: Session, code: str) -> Airport | None:
    return session.scalar(select(Airport).where(Airport.iata == code.upper()))


def organisations(session: Session) -> list[tuple[int, str, str]]:
    """Every organisation as (id, name, kind value), by name."""
    return [(o.id, o.name, o.kind.value) for o in session.scalars(
        select(Organisation).order_by(Organisation.name))]


def movement_on_day(session: Session, airport_id: int, carrier: str, flight_number: str,
                    day: date, kind: MovementKind) -> int | None:
    """The id of the airport's movement of that flight, local day and kind, if planned."""
    return session.scalar(select(Movement.id).where(
        Movement.airport_id == airport_id, Movement.carrier == carrier,
        Movement.flight_number == flight_number, Movement.operational_date == day,
        Movement.kind == kind))


def movement_count(session: Session) -> int:
    """How many movements the database holds (all airports, all days)."""
    return int(session.scalar(select(func.count(Movement.id))) or 0)


def database_answers(session: Session) -> None:
    """``SELECT 1``: the database answers (the readiness probe); raises what the driver
    raises when it does not."""
    session.execute(select(1))


def deployment_timezone(session: Session, default_code: str) -> str:
    """The IANA zone that deployment-wide pages (administration, the audit trail) show
    local times in: the deployment's default airport's (``MOVEMENTS_AIRPORT``), else the
    first airport's; "UTC" before any airport is set up."""
    zone = session.scalar(select(Airport.timezone).where(Airport.iata == default_code.upper()))
    if zone is None:
        zone = session.scalar(select(Airport.timezone).order_by(Airport.iata).limit(1))
    return zone or "UTC"


@dataclass(frozen=True, slots=True)
class _Counts:
    """What a board row counts over a movement's live (not cancelled) bookings."""

    booked: int = 0
    no_show: int = 0
    done: int = 0
    badges: dict[str, int] = field(default_factory=dict)
    case_references: tuple[str, ...] = ()
    case_split: bool = False
    #: milestone key -> how many booked (not no-show) passengers have that step recorded
    steps: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepProgress:
    """Where a movement's passengers stand in its steps, for the board row: the first
    required step not yet done by every booked passenger (``key``, its label a msgid),
    how many have done it (``done``) of how many are booked (``of``).  When all are
    through, the last step with ``done == of``."""

    key: str
    label: str
    done: int
    of: int


def step_progress(kind: MovementKind, booked: int, done_by_step: dict[str, int]
                  ) -> StepProgress | None:
    """``StepProgress`` from the per-step counts of one movement (``_Counts.steps``);
    None when nobody is booked or the kind has no steps.  Optional steps (a meal) are
    skipped: they are not progress."""
    required = [m for m in steps.sequence_for(kind) if not m.optional]
    if booked <= 0 or not required:
        return None
    for m in required:
        if done_by_step.get(m.key, 0) < booked:
            return StepProgress(m.key, m.label, done_by_step.get(m.key, 0), booked)
    last = required[-1]
    return StepProgress(last.key, last.label, booked, booked)


def _group_condition(group: NeedGroup) -> ColumnElement[bool]:
    """SQL for "the passenger counts in ``group``" (``_groups`` as a condition on the
    passenger row): an SSR code of the group among their needs, or the agency's flags."""
    codes = sorted(code for code, info in SSR_CODES.items() if group in info.groups)
    parts: list[ColumnElement[bool]] = []
    if codes:
        parts.append(exists().where(SpecialNeed.passenger_id == Passenger.id,
                                    SpecialNeed.code.in_(codes)))
    if group is NeedGroup.MEDICAL:
        parts += [Passenger.medical_escort_required.is_(True),
                  Passenger.chronic_condition.is_not(None)]
    if group is NeedGroup.ESCORT:
        parts += [Passenger.medical_escort_required.is_(True),
                  Passenger.operational_escort_required.is_(True)]
    return or_(*parts) if parts else false()


@cache
def _counts_statements() -> tuple[Executable, Executable, Executable]:
    """The three statements of ``_row_counts``, built once (building them took longer than
    running them); the movement ids are an expanding parameter ``ids``."""
    finals = [(Movement.kind == kind, seq[-1].key)
              for kind in MovementKind if (seq := steps.sequence_for(kind))]
    final_done = exists().where(Milestone.booking_id == Booking.id,
                                Milestone.kind == case(*finals, else_=None))
    live = and_(Booking.movement_id.in_(bindparam("ids", expanding=True)),
                Booking.status != BookingStatus.CANCELLED)

    def count(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    counted = (select(Booking.movement_id, count(Booking.status == BookingStatus.BOOKED),
                      count(Booking.status == BookingStatus.NO_SHOW), count(final_done),
                      *(count(_group_condition(g)) for g in BADGE_ORDER))
               .join(Passenger, Passenger.id == Booking.passenger_id)
               .join(Movement, Movement.id == Booking.movement_id)
               .where(live).group_by(Booking.movement_id))
    cased = (select(Booking.movement_id, Case.reference, Case.split_flagged).distinct()
             .join(Passenger, Passenger.id == Booking.passenger_id)
             .join(Case, Case.id == Passenger.case_id).where(live))
    # Step progress: booked passengers per recorded step (one row per movement and step).
    stepped = (select(Booking.movement_id, Milestone.kind,
                      func.count(func.distinct(Booking.id)))
               .join(Milestone, Milestone.booking_id == Booking.id)
               .where(live, Booking.status == BookingStatus.BOOKED)
               .group_by(Booking.movement_id, Milestone.kind))
    return counted, cased, stepped


def _row_counts(session: Session, ids: list[int]) -> dict[int, _Counts]:
    """``_Counts`` per movement in three statements whatever the passenger count (GROUP BY
    movement; the per-row Python of ``_summary`` as SQL): the board and the board row a
    push re-renders read these instead of loading every booking, passenger, need, case
    and milestone.  Equal to ``_summary``'s figures (tests/domain/test_board_counts.py)."""
    if not ids:
        return {}
    counted, cased, stepped = _counts_statements()
    rows = session.execute(counted, {"ids": ids}).all()
    by_step: dict[int, dict[str, int]] = {}
    for mid, kind, n in session.execute(stepped, {"ids": ids}):
        by_step.setdefault(mid, {})[str(kind)] = int(n)
    cases: dict[int, tuple[set[str], bool]] = {}
    for mid, reference, split in session.execute(cased, {"ids": ids}):
        refs, any_split = cases.setdefault(mid, (set(), False))
        refs.add(reference)
        cases[mid] = (refs, any_split or bool(split))
    out: dict[int, _Counts] = {}
    for mid, booked, no_show, done, *groups in rows:
        refs, split = cases.get(mid, (set(), False))
        out[mid] = _Counts(int(booked), int(no_show), int(done),
                           {g.value: int(n) for g, n in zip(BADGE_ORDER, groups, strict=True)
                            if n},
                           tuple(sorted(refs)), split, by_step.get(mid, {}))
    return out


def _summaries(session: Session, movements: list[Movement]) -> list[MovementSummary]:
    """Board rows of movements loaded with their airport and stops, counted in SQL."""
    ids = [m.id for m in movements]
    counts = _row_counts(session, ids)
    alerts = _open_alerts(session, ids)
    links = _links(session, ids)
    legs = _legs(session, links)
    return [_summary(m, alerts[m.id], links, legs, counts.get(m.id, _Counts()))
            for m in movements]


def _row_options() -> list[object]:
    return [selectinload(Movement.airport), selectinload(Movement.stops)]


def board(session: Session, airport: str, day: date) -> list[MovementSummary]:
    """Every movement of one airport's day, ordered by best-known time."""
    stmt = (select(Movement).join(Airport).where(Airport.iata == airport.upper(),
                                                 Movement.operational_date == day)
            .options(*_row_options()))  # type: ignore[arg-type]
    rows = _summaries(session, list(session.scalars(stmt).unique()))
    return sorted(rows, key=lambda r: r.board_position)


def board_row(session: Session, movement_id: int) -> MovementSummary | None:
    """One movement's board row as the board shows it (``movement_summary`` without the
    page's held fields): what a live push re-renders after a commit."""
    m = session.scalar(select(Movement).where(Movement.id == movement_id)
                       .options(joinedload(Movement.airport), selectinload(Movement.stops)))
    return _summaries(session, [m])[0] if m is not None else None


def movement_summary(session: Session, movement_id: int) -> MovementSummary | None:
    """One movement's board row (also the movement page's header), counted in SQL."""
    m = session.scalar(select(Movement).where(Movement.id == movement_id)
                       .options(*_row_options()))  # type: ignore[arg-type]
    if m is None:
        return None
    return replace(_summaries(session, [m])[0], held_fields=field_sources(session, m.id))


def _summary_of(session: Session, m: Movement) -> MovementSummary:
    """The header row of a movement already loaded with ``_movement_options``."""
    links = _links(session, [m.id])
    return replace(_summary(m, _open_alerts(session, [m.id])[m.id], links,
                            _legs(session, links)),
                   held_fields=field_sources(session, m.id))


def movement_detail(session: Session, movement_id: int) -> MovementDetail | None:
    # Held here with its bookings, passengers and milestones loaded: the session keeps
    # rows only while referenced, and a bare get() would load each booking's rows one by
    # one (an N+1 of three statements per passenger).
    m = session.scalar(select(Movement).where(Movement.id == movement_id)
                       .options(*_movement_options()))  # type: ignore[arg-type]
    if m is None:
        return None
    summary = _summary_of(session, m)
    escorts: dict[int, list[tuple[str, str]]] = {}
    for e in session.scalars(select(EscortAssignment).where(
            EscortAssignment.movement_id.in_(
                [movement_id, *(x for x in (summary.onward_id, summary.inbound_id) if x)]))
            .order_by(EscortAssignment.id)):
        escorts.setdefault(e.passenger_id, []).append((e.kind.value, e.escort_name))
    passengers = tuple(
        passenger_view(b, m.kind, m.operational_date, escorts.get(b.passenger_id, []),
                       summary.inbound_id)
        for b in sorted(m.bookings, key=lambda b: (b.passenger.case.reference, b.passenger.id)))
    notes = _note_views(session, movement_id)
    return MovementDetail(
        movement=summary, passengers=passengers,
        onward=movement_summary(session, summary.onward_id) if summary.onward_id else None,
        inbound=movement_summary(session, summary.inbound_id) if summary.inbound_id else None,
        notes=notes, timezone=m.airport.timezone,
    )


@dataclass(frozen=True, slots=True)
class MovementNotes:
    """A movement's notes alone: what the notes partial shows (adding a note re-renders
    this, not the whole movement)."""

    movement_id: int
    notes: tuple[NoteView, ...]
    timezone: str  # the movement's airport zone (times print in it)


def movement_notes(session: Session, movement_id: int) -> MovementNotes | None:
    """The movement's notes, oldest first; None when there is no such movement."""
    m = session.get(Movement, movement_id)
    if m is None:
        return None
    return MovementNotes(movement_id, _note_views(session, movement_id), m.airport.timezone)


def _note_views(session: Session, movement_id: int) -> tuple[NoteView, ...]:
    """A movement's notes, oldest first, each with its author's display name."""
    rows = list(session.scalars(
        select(Note).where(Note.movement_id == movement_id).order_by(Note.id)))
    authors = {u.id: u.display_name for u in session.scalars(select(User).where(
        User.id.in_({n.by_user_id for n in rows if n.by_user_id is not None})))} \
        if rows else {}
    return tuple(NoteView(n.text, n.at, n.passenger_id,
                          authors.get(n.by_user_id, SYSTEM_AUTHOR)
                          if n.by_user_id is not None else SYSTEM_AUTHOR,
                          n.by_user_id is None or n.by_user_id not in authors)
                 for n in rows)


#: The author shown for a note no person wrote (msgid; the edge translates it).
SYSTEM_AUTHOR = N_("the system")


def passenger_view(b: Booking, kind: MovementKind, day: date,
                   escorts: list[tuple[str, str]], steps_on: int | None = None
                   ) -> PassengerView:
    p = b.passenger
    done = {x.kind for x in b.milestones}
    nxt = steps.next_step(kind, done) if b.status is BookingStatus.BOOKED else None
    needs = tuple(NeedView(n.code, SSR_CODES[n.code].meaning, SSR_CODES[n.code].team_action,
                           n.text, SSR_CODES[n.code].health_data)
                  for n in p.needs if n.code in SSR_CODES)
    return PassengerView(
        id=p.id, booking_id=b.id, booking_version=b.version, passenger_version=p.version,
        case_reference=p.case.reference, case_split=p.case.split_flagged, surname=p.surname,
        given_names=p.given_names, native_name=p.native_name, initials=p.initials,
        birth_date=p.birth_date, age=p.age_on(day), sex=p.sex, nationality=p.nationality,
        needs=needs, groups=frozenset(_groups(p)),
        medical_escort_required=p.medical_escort_required,
        victim_of_trafficking=p.victim_of_trafficking,
        unaccompanied_minor=p.is_unaccompanied_minor, release_to_name=p.release_to_name,
        seat=b.seat, stop=b.stop, status=b.status.value, no_show_reason=b.no_show_reason,
        milestones=tuple(MilestoneView(x.kind, steps.LABELS.get(x.kind, x.kind), x.at,
                                       x.override_reason) for x in b.milestones),
        next_step=nxt.key if nxt else None, next_step_label=nxt.label if nxt else None,
        escorts=tuple(escorts), purged=p.purged_at is not None,
        on_lap=p.lap_of_passenger_id is not None,
        steps_on=steps_on if kind is MovementKind.TRANSIT_OUT else None,
        last=(entry.kind, entry.label, entry.at, entry.by_user_id)
        if (entry := steps.last_entry(b)) is not None else None,
        escort_missing=bool(nxt and nxt.boards and (p.medical_escort_required or any(
            SSR_CODES[n.code].needs_medical_escort for n in p.needs if n.code in SSR_CODES))
            and not any(k == "medical" for k, _ in escorts)),
        other_steps=tuple((s.key, s.label) for s in steps.sequence_for(kind)
                          if s.key not in done and (nxt is None or s.key != nxt.key))
        if b.status is BookingStatus.BOOKED else (),
        timezone=b.movement.airport.timezone,
    )


def booking_view(session: Session, booking_id: int) -> tuple[int, PassengerView] | None:
    """One passenger row (for the partial that a milestone tap swaps)."""
    b = session.get(Booking, booking_id)
    if b is None:
        return None
    m = b.movement
    ids = [m.id]
    link = session.scalar(select(Transit).where(Transit.inbound_movement_id == m.id))
    if link is not None:
        ids.append(link.onward_movement_id)
    inbound = session.scalar(select(Transit.inbound_movement_id).where(
        Transit.onward_movement_id == m.id))
    escorts = [(e.kind.value, e.escort_name) for e in session.scalars(
        select(EscortAssignment).where(EscortAssignment.movement_id.in_(ids),
                                       EscortAssignment.passenger_id == b.passenger_id)
        .order_by(EscortAssignment.id))]
    return m.id, passenger_view(b, m.kind, m.operational_date, escorts, inbound)


@dataclass(frozen=True, slots=True)
class BoardCounts:
    by_lane: dict[str, int] = field(default_factory=dict)
    passengers_by_lane: dict[str, int] = field(default_factory=dict)
