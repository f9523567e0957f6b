"""The flight feed's state per airport (queries): which days to poll, and the status
the board and the alerts page show (the ``feed_status`` row that
``actions.feed`` writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import local_date
from .errors import NotFound
from .models import Airport, FeedStatus, Movement
from .phrases import N_, Phrase

#: A feed whose last good poll is older than this many poll intervals is stale.
STALE_POLLS = 3
MIN_STALE = timedelta(minutes=2)


def feed_airport(session: Session, code: str) -> Airport:
    """The airport a feed is polled for; NotFound when it is not set up."""
    airport = session.scalar(select(Airport).where(Airport.iata == code.strip().upper()))
    if airport is None:
        raise NotFound(Phrase.of(N_("airport %(code)s is not set up"), code=repr(code)))
    return airport


def days_to_follow(session: Session, airport_code: str, now: datetime
                   ) -> tuple[str, list[date]]:
    """The airport's time zone and the operational days to fetch: today, plus yesterday
    and tomorrow while they have movements that are not over."""
    airport = feed_airport(session, airport_code)
    today = local_date(now, airport.timezone)
    open_days = set(session.scalars(select(Movement.operational_date).where(
        Movement.airport_id == airport.id,
        Movement.operational_date.in_([today - timedelta(days=1), today + timedelta(days=1)]),
        Movement.completed.is_(False),
        Movement.flight_state.not_in(["DEP", "ARR", "CNX"])).distinct()))
    return airport.timezone, sorted({today, *open_days})


@dataclass(frozen=True, slots=True)
class FeedStatusView:
    """What the board and the alerts page say about one airport's feed."""

    configured: bool
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    stale: bool = False
    wait_until: datetime | None = None  # the provider asked to wait until then
    quarantined: tuple[tuple[str, str], ...] = ()  # (where, reason) of the last good poll

    @property
    def stale_since(self) -> datetime | None:
        return self.last_success_at


def feed_status_view(session: Session, airport_code: str, now: datetime,
                     poll_seconds: int, configured: bool) -> FeedStatusView:
    """The airport's feed status at ``now`` (UTC): stale after ``STALE_POLLS`` polls of
    ``poll_seconds`` (at least ``MIN_STALE``) without a good one; ``configured``: whether
    this process has a feed for the airport."""
    airport = session.scalar(select(Airport).where(Airport.iata == airport_code.upper()))
    row = session.get(FeedStatus, airport.id) if airport is not None else None
    if not configured and row is None:
        return FeedStatusView(configured=False)
    limit = max(timedelta(seconds=STALE_POLLS * poll_seconds), MIN_STALE)
    if row is None:
        return FeedStatusView(configured=configured)
    stale = row.last_success_at is None or now - row.last_success_at > limit
    if row.last_success_at is None and not row.failures:
        stale = False  # not polled yet
    # A feed that has run here is shown even if this process has no URL for it.
    wait = row.wait_until if row.wait_until is not None and row.wait_until > now else None
    return FeedStatusView(configured=True, last_success_at=row.last_success_at,
                          last_attempt_at=row.last_attempt_at, last_error=row.last_error,
                          failures=row.failures or 0, stale=stale, wait_until=wait,
                          quarantined=tuple((q.get("where", ""), q.get("reason", ""))
                                            for q in row.quarantined or ()))


__all__ = ["MIN_STALE", "STALE_POLLS", "FeedStatusView", "days_to_follow", "feed_airport",
           "feed_status_view"]
