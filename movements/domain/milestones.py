"""Milestones per movement kind, in the order the work happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import Booking, BookingStatus, Milestone, MovementKind


@dataclass(frozen=True, slots=True)
class MilestoneKind:
    key: str
    label: str
    optional: bool = False
    boards: bool = False  # boarding: the medical-escort rule applies


_DEPARTURE = (
    MilestoneKind("met_at_point", "Met at designated point"),
    MilestoneKind("checked_in", "Checked in"),
    MilestoneKind("exit_formalities", "Exit formalities done"),
    MilestoneKind("at_gate", "At gate"),
    MilestoneKind("boarded", "Boarded", boards=True),
    MilestoneKind("departed", "Departed"),
)
_TRANSIT = (
    MilestoneKind("met_at_arrival_gate", "Met at arrival gate"),
    MilestoneKind("connection_escorted", "Connection escorted"),
    MilestoneKind("meal_or_accommodation", "Meal or accommodation given", optional=True),
    MilestoneKind("at_onward_gate", "At onward gate"),
    MilestoneKind("boarded_onward", "Boarded onward", boards=True),
)
_ARRIVAL = (
    MilestoneKind("met_at_aircraft", "Met at aircraft"),
    MilestoneKind("passport_control", "Passport control"),
    MilestoneKind("customs", "Customs"),
    MilestoneKind("handed_over", "Handed over"),
)

SEQUENCES: dict[MovementKind, tuple[MilestoneKind, ...]] = {
    MovementKind.DEPARTURE: _DEPARTURE,
    MovementKind.TRANSIT_IN: _TRANSIT,
    MovementKind.ARRIVAL: _ARRIVAL,
    # The onward leg's passengers are worked from the inbound leg's transit sequence.
    MovementKind.TRANSIT_OUT: (),
}

LABELS: dict[str, str] = {m.key: m.label for seq in SEQUENCES.values() for m in seq}


def sequence_for(kind: MovementKind) -> tuple[MilestoneKind, ...]:
    return SEQUENCES[kind]


def find(kind: MovementKind, key: str) -> MilestoneKind | None:
    return next((m for m in SEQUENCES[kind] if m.key == key), None)


def missing_before(kind: MovementKind, key: str, done: set[str]) -> list[MilestoneKind]:
    """Required steps before ``key`` that are not recorded yet."""
    missing: list[MilestoneKind] = []
    for step in SEQUENCES[kind]:
        if step.key == key:
            return missing
        if not step.optional and step.key not in done:
            missing.append(step)
    return missing


def next_step(kind: MovementKind, done: set[str]) -> MilestoneKind | None:
    for step in SEQUENCES[kind]:
        if step.key not in done and not step.optional:
            return step
    return None


@dataclass(frozen=True, slots=True)
class LastEntry:
    """The booking's last recorded entry: a milestone kind, or ``"no_show"``."""

    kind: str
    label: str
    at: datetime
    by_user_id: int | None
    milestone: Milestone | None


def last_entry(booking: Booking) -> LastEntry | None:
    """The latest milestone or no-show of a booking (what an undo would take back)."""
    latest = max(booking.milestones, key=lambda m: (m.at, m.id), default=None)
    if booking.status is BookingStatus.NO_SHOW and booking.no_show_at is not None and (
            latest is None or booking.no_show_at >= latest.at):
        return LastEntry("no_show", "No-show", booking.no_show_at,
                         booking.no_show_by_user_id, None)
    if latest is None:
        return None
    return LastEntry(latest.kind, LABELS.get(latest.kind, latest.kind), latest.at,
                     latest.by_user_id, latest)
