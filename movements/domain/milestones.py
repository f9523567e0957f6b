"""Milestones per movement kind, in the order the work happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import Booking, BookingStatus, Milestone, MovementKind
from .vocabulary import MilestoneKey


@dataclass(frozen=True, slots=True)
class MilestoneKind:
    key: MilestoneKey
    optional: bool = False
    boards: bool = False  # boarding: the medical-escort rule applies

    @property
    def label(self) -> str:
        return self.key.label


_DEPARTURE = (
    MilestoneKind(MilestoneKey.MET_AT_POINT),
    MilestoneKind(MilestoneKey.CHECKED_IN),
    MilestoneKind(MilestoneKey.EXIT_FORMALITIES),
    MilestoneKind(MilestoneKey.AT_GATE),
    MilestoneKind(MilestoneKey.BOARDED, boards=True),
    MilestoneKind(MilestoneKey.DEPARTED),
)
_TRANSIT = (
    MilestoneKind(MilestoneKey.MET_AT_ARRIVAL_GATE),
    MilestoneKind(MilestoneKey.CONNECTION_ESCORTED),
    MilestoneKind(MilestoneKey.MEAL_OR_ACCOMMODATION, optional=True),
    MilestoneKind(MilestoneKey.AT_ONWARD_GATE),
    MilestoneKind(MilestoneKey.BOARDED_ONWARD, boards=True),
)
_ARRIVAL = (
    MilestoneKind(MilestoneKey.MET_AT_AIRCRAFT),
    MilestoneKind(MilestoneKey.PASSPORT_CONTROL),
    MilestoneKind(MilestoneKey.CUSTOMS),
    MilestoneKind(MilestoneKey.HANDED_OVER),
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
