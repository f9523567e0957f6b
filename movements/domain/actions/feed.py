"""What a flight feed poll writes (issue 4): the flights it read, matched to the
airport's movements and applied through ``update_flight(..., source="feed")``, and the
airport's ``feed_status`` row (good poll, failure, provider's wait).

The types here are what the feed edge (``movements.feed.client``) parses the provider's
pages into; this module never reads HTTP.  Matching: a record is matched by its operating
flight, its codeshares and their direction and local date, at ONE airport (the airport
polled), so one airport's feed never reaches another's movements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..feed_status import feed_airport
from ..flight_states import board_states
from ..models import FeedStatus, Movement, MovementKind
from ..uow import Tx
from .movements import update_flight

log = logging.getLogger("movements.feed.client")  # where operators look for the feed

#: Quarantined records kept on the status (the first ones of a poll).
MAX_QUARANTINED = 50

_KINDS = {"A": (MovementKind.ARRIVAL, MovementKind.TRANSIT_IN),
          "D": (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)}


@dataclass(frozen=True, slots=True)
class FeedFlight:
    flight_name: str  # as this record names it, e.g. "KL1234" (a codeshare: "DL9381")
    main_flight: str  # the operating flight
    direction: str  # "A" or "D"
    schedule_date: date  # the airport-local operational date
    scheduled_at: datetime  # UTC
    states: tuple[str, ...] = ()
    gate: str | None = None
    pier: str | None = None
    terminal: str | None = None
    estimated_at: datetime | None = None  # landing (A) or off-block (D), UTC
    actual_at: datetime | None = None
    expected_boarding_at: datetime | None = None
    codeshares: tuple[str, ...] = ()

    @property
    def is_codeshare(self) -> bool:
        return self.flight_name != self.main_flight

    @property
    def state(self) -> str | None:
        return pick_state(self.states, self.direction)


def pick_state(states: Iterable[str], direction: str) -> str | None:
    """The first state the board shows (``domain.flight_states.board_states``)."""
    shown = board_states(states, direction)
    return shown[0] if shown else None


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A record that could not be read: where it was and why."""

    where: str
    reason: str


def normalise_flight(name: str) -> str:
    """"KL 0116" -> "KL116": carrier (2 characters) then the number without leading
    zeros, so the feed's and the planners' spellings meet."""
    compact = name.replace(" ", "").upper()
    carrier, number = compact[:2], compact[2:]
    digits = number.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    suffix = number[len(digits):]
    return f"{carrier}{(digits.lstrip('0') or '0')}{suffix}"


@dataclass(frozen=True, slots=True)
class FeedResult:
    flights: int
    matched: int
    changed: int
    codeshares_merged: int
    days: tuple[date, ...] = ()
    quarantined: int = 0


def _movement_key(m: Movement) -> tuple[str, date, str]:
    direction = "A" if m.kind in _KINDS["A"] else "D"
    return normalise_flight(m.flight), m.operational_date, direction


def changes_for(flight: FeedFlight) -> dict[str, Any]:
    """What the feed says about a flight, as update_flight changes.  What the feed leaves
    out (no gate yet, no estimate) never clears what we have."""
    changes: dict[str, Any] = {}
    for key in ("gate", "pier", "terminal", "estimated_at", "actual_at"):
        value = getattr(flight, key)
        if value is not None:
            changes[key] = value
    shown = board_states(flight.states, flight.direction)
    if shown:
        changes["flight_state"] = shown[0]
        # The list only when it says more than the state (no change event otherwise).
        changes["flight_states"] = list(shown) if len(shown) > 1 else None
    return changes


def _status_row(tx: Tx, airport_id: int) -> FeedStatus:
    row = tx.session.get(FeedStatus, airport_id)
    if row is None:
        row = FeedStatus(airport_id=airport_id, failures=0)
        tx.session.add(row)
    return row


def apply_feed(tx: Tx, airport_code: str, days: Sequence[date],
               flights: Sequence[FeedFlight],
               quarantined: Sequence[Quarantined] = ()) -> FeedResult:
    """Apply one poll's flights in the caller's transaction, then mark the poll good
    (recording the records it had to quarantine)."""
    airport = feed_airport(tx.session, airport_code)
    movements = list(tx.session.scalars(select(Movement).where(
        Movement.airport_id == airport.id, Movement.operational_date.in_(list(days)))))
    by_key: dict[tuple[str, date, str], list[Movement]] = {}
    for m in movements:
        by_key.setdefault(_movement_key(m), []).append(m)
    groups: dict[tuple[str, date, str], list[FeedFlight]] = {}
    for f in flights:
        groups.setdefault((f.main_flight, f.schedule_date, f.direction), []).append(f)
    matched = changed = merged = 0
    done: set[int] = set()
    for (main, day, direction), records in groups.items():
        # The operating flight's own record speaks for the group; codeshare records only
        # add names under which a planner may have entered the movement.
        primary = next((r for r in records if not r.is_codeshare), records[0])
        names = dict.fromkeys([main, *(r.flight_name for r in records),
                               *(c for r in records for c in r.codeshares)])
        merged += len(records) - 1
        for name in names:
            for m in by_key.get((name, day, direction), []):
                if m.id in done:
                    continue
                done.add(m.id)
                matched += 1
                if update_flight(tx, m.id, changes_for(primary), source="feed"):
                    changed += 1
    status = _status_row(tx, airport.id)
    status.last_attempt_at = tx.now
    status.last_success_at = tx.now
    status.last_error = None
    status.failures = 0
    status.wait_until = None
    status.quarantined = [{"where": q.where, "reason": q.reason[:300]}
                          for q in quarantined[:MAX_QUARANTINED]] or None
    for q in quarantined:
        log.warning("feed %s: record quarantined: %s", airport.iata, q.reason)
    return FeedResult(flights=len(flights), matched=matched, changed=changed,
                      codeshares_merged=merged, days=tuple(days),
                      quarantined=len(quarantined))


def record_feed_failure(tx: Tx, airport_code: str, error: str) -> int:
    """Note a failed poll; returns how many failed in a row."""
    airport = feed_airport(tx.session, airport_code)
    status = _status_row(tx, airport.id)
    status.last_attempt_at = tx.now
    status.last_error = error[:2000]
    status.failures = (status.failures or 0) + 1
    return status.failures


def record_feed_wait(tx: Tx, airport_code: str, until: datetime | None) -> None:
    """When the next attempt is (after a provider's Retry-After), for the status page."""
    status = _status_row(tx, feed_airport(tx.session, airport_code).id)
    status.wait_until = until


__all__ = ["MAX_QUARANTINED", "FeedFlight", "FeedResult", "Quarantined", "apply_feed",
           "changes_for", "normalise_flight", "pick_state", "record_feed_failure",
           "record_feed_wait"]
