"""Typed events, one per kind of change.  Recorded by actions, published after COMMIT.

Every event belongs to the live streams that show it (the board of the movement's day,
the movement's page, and the same for a linked transit leg) and carries each stream's
gapless sequence number, taken in the same transaction as the change it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    airport_id: int
    airport: str
    board_date: date
    streams: dict[str, int]
    movement_id: int | None = None
    passenger_id: int | None = None

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class MovementCreated(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MovementUpdated(DomainEvent):
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierNoticeIssued(MovementUpdated):
    """A carrier pre-notification (issue 14.5) was issued by a coordinator and stored as
    ``CarrierNotification`` row ``notification_id`` (PSM telex + e-mail body).  The seam
    for delivery: the outbox (issue 16) picks the row up by this event and sends it to
    the operating ``carrier``; the console only records it.  Live views treat it as any
    ``MovementUpdated``."""

    notification_id: int
    carrier: str
    email_subject: str
    corrected: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PassengerBooked(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PassengerUpdated(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneRecorded(DomainEvent):
    milestone: str
    overridden: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class NoShowRecorded(DomainEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneRemoved(DomainEvent):
    """A step taken back: undone by who tapped it, or corrected by a coordinator."""

    milestone: str
    undo: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class NoShowRevoked(DomainEvent):
    undo: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EscortAssigned(DomainEvent):
    escort_kind: str
    escort_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EscortUnassigned(DomainEvent):
    escort_kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteAdded(DomainEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseSplitFlagged(DomainEvent):
    case_reference: str
    movement_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverCreated(DomainEvent):
    handover_id: int
    supersedes_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverSigned(DomainEvent):
    handover_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverDiscarded(DomainEvent):
    handover_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRaised(DomainEvent):
    alert_id: int
    alert_kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertCleared(DomainEvent):
    alert_id: int
    alert_kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertAcknowledged(DomainEvent):
    alert_id: int
    alert_kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PassengerPurged(DomainEvent):
    pass


def event_type(kind: str) -> type[DomainEvent] | None:
    """The event class a stored kind names (``StreamEvent.kind`` is the class name), so
    the push edge dispatches on types, not on spelled-out strings; None if unknown (an
    event kind removed since the row was written)."""
    return _KINDS.get(kind)


def _all_subclasses(cls: type[DomainEvent]) -> list[type[DomainEvent]]:
    found: list[type[DomainEvent]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


_KINDS: dict[str, type[DomainEvent]] = {}


def _register() -> None:
    _KINDS.update((c.__name__, c) for c in _all_subclasses(DomainEvent))


_register()


def event_types(kinds: set[str] | frozenset[str]) -> set[type[DomainEvent]]:
    """``event_type`` of each kind, unknown ones left out.  Registers event classes
    defined after this module was imported (other domain modules may add some)."""
    if any(k not in _KINDS for k in kinds):
        _register()
    return {t for t in (event_type(k) for k in kinds) if t is not None}
