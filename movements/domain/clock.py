"""One injectable clock.  Everything that asks for "now" asks this."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .errors import RuleViolation
from .phrases import N_, Phrase


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock tests move by hand: no sleeping, no flakiness."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def local_date(when: datetime, tz: str) -> date:
    return when.astimezone(ZoneInfo(tz)).date()


def to_local(when: datetime, tz: str) -> datetime:
    return when.astimezone(ZoneInfo(tz))


def local_to_utc(day: date, hhmm: str, tz: str) -> datetime:
    """A wall-clock time at the airport on a given day, as UTC (DST-aware)."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=ZoneInfo(tz)).astimezone(UTC)


def nearest_local(reference: datetime, hhmm: str, tz: str, *, what: str = "time") -> datetime:
    """A wall-clock ``HH:MM`` typed at the airport, as the UTC instant nearest to
    ``reference`` (the scheduled time): within ±12 h, so ``00:30`` typed for a 22:10
    departure is the next day, ``23:50`` for a 00:20 arrival the day before.  DST-aware
    (a time that does not exist on a spring-forward day is taken as the zone gives it).

    Raises ``RuleViolation`` (field ``what``) when the text is not a real HH:MM.
    """
    text = (hhmm or "").strip()
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise RuleViolation(Phrase.of(N_("%(what)s %(text)s: type the time as HH:MM, e.g. 07:05"),
                                      what=Phrase(what), text=repr(text)), field=what)
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise RuleViolation(Phrase.of(
            N_("%(what)s %(text)s is not a time of day: hours 00-23, minutes 00-59"),
            what=Phrase(what), text=repr(text)), field=what)
    zone = ZoneInfo(tz)
    day = reference.astimezone(zone).date()
    candidates = [datetime(d.year, d.month, d.day, hour, minute, tzinfo=zone).astimezone(UTC)
                  for d in (day - timedelta(days=1), day, day + timedelta(days=1))]
    return min(candidates, key=lambda c: abs(c - reference))
