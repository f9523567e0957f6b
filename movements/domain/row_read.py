"""One movement's board row and readiness, read in few statements: what a live push
re-renders after each commit.

The board of a day (``queries.board`` + ``planning_queries.board_readiness``) reads
every movement of the day in set-wise statements (about thirteen, whatever the count).
A push after a tap needs ONE row, and it sits between the commit and every other
tablet's screen (issue 18: fan-out p95 against a raw broadcast), so here the same row is
read in two or three statements:

1. the movement (its airport and charter stops joined) with its open alerts, its transit
   link, its charter crew's roles and the administrators' document-validity rows as
   scalar subqueries;
2. every live (not cancelled) booking with its passenger, case, travel document,
   clearance, special-need codes, escorts on this movement and whether the movement's
   last step is done, one row per booking;
3. only for a transit leg: the other leg.

The rules are the same functions the board applies (``queries._summary``,
``queries._groups``, ``readiness._assess``, ``entry_validity.rules_in_force``);
tests/domain/test_row_read.py proves the row and the readiness equal the board's over
every badge group, counter, transit pair, charter and readiness item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Executable, Integer, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, joinedload

from . import milestones as steps
from .entry_validity import ValidityRule
from .entry_validity import rules as validity_rules
from .models import (
    Alert,
    Booking,
    BookingStatus,
    Case,
    EscortAssignment,
    EscortKind,
    Milestone,
    Movement,
    Passenger,
    SpecialNeed,
    Transit,
)
from .planning_models import CharterCrew, PassengerClearance, TravelDocument
from .prenotification import DEPARTING
from .queries import BADGE_ORDER, MovementSummary, _Counts, _groups, _summary
from .readiness import (
    CaseReadiness,
    PassengerReadiness,
    _assess,
    _BookingRow,
    _ClearanceRow,
    _DocumentRow,
    _PassengerRow,
)

#: Separates aggregated strings (codes, roles, kinds, validity rows): a control
#: character, which the text rule keeps out of every stored field.
SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class _Flags:
    """A passenger as ``queries._groups`` reads them (codes and the agency's flags)."""

    codes: tuple[str, ...]
    medical_escort_required: bool
    operational_escort_required: bool
    chronic_condition: object | None  # only compared with None


@cache
def _statements() -> tuple[Executable, Executable]:
    """The movement and the bookings statements, built once (parameter ``mid``; the
    bookings one also ``final``, the key of the movement kind's last step)."""
    mid = bindparam("mid", type_=Integer)
    alerts = (select(func.count(Alert.id))
              .where(Alert.movement_id == Movement.id, Alert.cleared_at.is_(None))
              .scalar_subquery())
    inbound = (select(Transit.inbound_movement_id)
               .where(Transit.onward_movement_id == Movement.id).limit(1).scalar_subquery())
    onward = (select(Transit.onward_movement_id)
              .where(Transit.inbound_movement_id == Movement.id).limit(1).scalar_subquery())
    crew = (select(func.aggregate_strings(CharterCrew.role, SEP))
            .where(CharterCrew.movement_id == Movement.id).scalar_subquery())
    movement = (select(Movement, alerts, inbound, onward, crew)
                .where(Movement.id == mid)
                .options(joinedload(Movement.airport), joinedload(Movement.stops)))
    codes = (select(func.aggregate_strings(SpecialNeed.code, SEP))
             .where(SpecialNeed.passenger_id == Passenger.id).scalar_subquery())
    escorts = (select(func.aggregate_strings(EscortAssignment.kind, SEP))
               .where(EscortAssignment.movement_id == mid,
                      EscortAssignment.passenger_id == Passenger.id).scalar_subquery())
    done = exists().where(Milestone.booking_id == Booking.id,
                          Milestone.kind == bindparam("final"))
    # The booking's recorded steps (the row's step progress, ``queries.step_progress``).
    stepped = (select(func.aggregate_strings(Milestone.kind, SEP))
               .where(Milestone.booking_id == Booking.id).scalar_subquery())
    bookings = (
        select(Booking.status, Booking.stop, done, Passenger.id, Passenger.case_id,
               Passenger.surname, Passenger.given_names, Passenger.medical_escort_required,
               Passenger.operational_escort_required, Passenger.release_to_name,
               Passenger.chronic_condition.is_not(None), codes, escorts,
               Case.reference, Case.split_flagged, TravelDocument.expires_on,
               PassengerClearance.passenger_id, PassengerClearance.medif_valid_until,
               PassengerClearance.medif_flights,
               PassengerClearance.declaration_at.is_not(None),
               PassengerClearance.consent_at.is_not(None),
               PassengerClearance.guardian_origin_confirmed,
               PassengerClearance.guardian_destination_confirmed, stepped)
        .join(Passenger, Passenger.id == Booking.passenger_id)
        .join(Case, Case.id == Passenger.case_id)
        .outerjoin(TravelDocument, TravelDocument.passenger_id == Passenger.id)
        .outerjoin(PassengerClearance, PassengerClearance.passenger_id == Passenger.id)
        .where(and_(Booking.movement_id == mid, Booking.status != BookingStatus.CANCELLED))
        .order_by(Booking.id))
    return movement, bookings


def _split(text: str | None) -> list[str]:
    return text.split(SEP) if text else []


def readiness_applies(m: Movement) -> bool:
    """Whether the board shows readiness for ``m``: a departing leg that has not left
    (nor been cancelled); the board's own rule (``planning_queries.board_readiness``)."""
    return m.kind in DEPARTING and m.actual_at is None and m.flight_state not in ("DEP", "CNX")


def board_row_with_readiness(session: Session, movement_id: int
                             ) -> tuple[MovementSummary, str | None] | None:
    """The board row of one movement (as ``queries.board_row``) and the readiness its
    row shows (as ``planning_queries.board_readiness``: "ready", "missing: ...", or None
    when none is shown).  None when there is no such movement."""
    movement_stmt, bookings_stmt = _statements()
    found = session.execute(movement_stmt, {"mid": movement_id}).unique().first()
    if found is None:
        return None
    m, alerts, inbound_id, onward_id, crew_roles = found
    legs: dict[int, Movement] = {}
    other_id = onward_id or inbound_id
    if other_id is not None:
        other = session.get(Movement, other_id)
        if other is not None:
            legs[other_id] = other
    sequence = steps.sequence_for(m.kind)
    rows = session.execute(bookings_stmt, {
        "mid": movement_id, "final": sequence[-1].key if sequence else None}).all()
    counts = _count(rows)
    summary = _summary(m, int(alerts or 0), {m.id: (inbound_id, onward_id)}, legs, counts)
    ready = None
    if rows and readiness_applies(m):
        onward_flight = legs[onward_id].flight if onward_id in legs else None
        ready = _readiness(m, rows, set(_split(crew_roles)), onward_flight,
                           validity_rules(session))
    return summary, ready


def _count(rows: Sequence[Any]) -> _Counts:
    """``queries._Counts`` of the booking rows (the board's ``_row_counts`` in Python)."""
    booked = no_show = done = 0
    badges = dict.fromkeys((g.value for g in BADGE_ORDER), 0)
    references: set[str] = set()
    split = False
    by_step: dict[str, int] = {}
    for (status, _stop, finished, _pid, _case, _surname, _given, medical, operational,
         _release, chronic, codes, *_rest) in rows:
        booked += status is BookingStatus.BOOKED
        if status is BookingStatus.BOOKED:
            for key in set(_split(_rest[-1])):
                by_step[key] = by_step.get(key, 0) + 1
        no_show += status is BookingStatus.NO_SHOW
        done += bool(finished)
        for group in _groups(_Flags(tuple(_split(codes)), bool(medical), bool(operational),
                                    True if chronic else None)):
            if group in badges:
                badges[group] += 1
        references.add(_rest[1])
        split = split or bool(_rest[2])
    return _Counts(booked, no_show, done, {g: n for g, n in badges.items() if n},
                   tuple(sorted(references)), split, by_step)


def _readiness(m: Movement, rows: Sequence[Any], crew: set[str], onward_flight: str | None,
               validity: dict[str, ValidityRule]) -> str:
    """The row's readiness text from the booking rows (``movements_readiness`` then
    ``board_readiness``'s summary, for one movement)."""
    legs = [m.flight, *([onward_flight] if onward_flight else [])]
    members: dict[int, list[PassengerReadiness]] = {}
    references: dict[int, str] = {}
    for (_status, stop, _done, pid, case_id, surname, given, medical, operational,
         release_to, _chronic, codes, escorts, reference, _split_flag, expires_on, cleared,
         *clearance, _steps) in rows:
        p = _PassengerRow(pid, surname, given, bool(medical), bool(operational), release_to,
                          tuple(_split(codes)))
        references[case_id] = reference
        members.setdefault(case_id, []).append(_assess(
            p, m, _BookingRow(stop),
            _DocumentRow(expires_on) if expires_on is not None else None,
            _ClearanceRow.of(*clearance) if cleared is not None else None, legs,
            {EscortKind(k) for k in _split(escorts)}, crew, validity))
    cases = sorted((CaseReadiness(cid, references[cid], m.id, tuple(found))
                    for cid, found in members.items()), key=lambda r: r.reference)
    missing = list(dict.fromkeys(x for c in cases for x in c.missing))
    return "ready" if not missing else "missing: " + ", ".join(missing)


__all__ = ["board_row_with_readiness", "readiness_applies"]
