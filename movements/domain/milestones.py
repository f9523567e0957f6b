"""Milestones per movement kind, in the order the work happens."""

from __future__ import annotations

from dataclasses import dataclass

from .models import MovementKind
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
