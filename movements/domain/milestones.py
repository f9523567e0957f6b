"""Milestones per movement kind, in the order the work happens."""

from __future__ import annotations

from dataclasses import dataclass

from .models import MovementKind


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
