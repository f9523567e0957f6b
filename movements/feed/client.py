"""Flight status feed client for the Schiphol Public Flight API v4 shape.

The API pages a day's flights (``GET .../public-flights/flights?scheduleDate=D&page=N``,
the next page named by the ``link`` response header with ``rel="next"``), and reports
each flight with local times carrying their offset (``2026-09-15T14:05:00.000+02:00``),
its states as a list (``publicFlightState.flightStates``) and its codeshares, which
appear as records of their own naming the operating flight in ``mainFlight``.

One poll fetches every page of the days the team is working, parses all of them, and only
then applies the result in ONE transaction: a page that is not the API's shape (not JSON,
no ``flights`` list), an HTTP error or a timeout anywhere means nothing of that poll is
applied.  One *record* that cannot be read does not stop the others: it is quarantined
with its reason (``FeedStatus.quarantined``, shown on the feed status) and the rest of
the poll applies.  Failures are logged and recorded in ``FeedStatus`` and the next
attempt waits a capped, doubling backoff (tenacity's ``wait_exponential``); a 429 or 503
with ``Retry-After`` waits that long on top of it (``FeedStatus.wait_until``, shown on
the feed status), and the next poll resumes from the page that failed instead of page 0
(pages read before it are kept for ``RESUME_MAX_AGE``).  Changes go through
``update_flight(..., source="feed")`` (which records the event the board follows); the
feed never creates a movement, so a codeshare can never make a second one: every record
is matched by its main flight.  Of the states a record lists, the board shows every one
(``domain.flight_states``: the precedence is written there).

This module is the edge: HTTP, paging, parsing and the poller's timing.  What a poll
writes (matching, ``update_flight``, the status row) is ``domain.actions.feed``, what it
reads (days to follow, the status shown) ``domain.feed_status``; the names are re-exported
here.  Each airport has its own poller (``scheduler.JobRunner``), and a poll only ever
touches the movements of the airport it was made for.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import httpx
import tenacity

from movements.domain.actions.feed import (
    MAX_QUARANTINED,
    FeedFlight,
    FeedResult,
    Quarantined,
    apply_feed,
    changes_for,
    normalise_flight,
    pick_state,
    record_feed_failure,
    record_feed_wait,
)
from movements.domain.actions.movements import FLIGHT_STATES
from movements.domain.clock import Clock
from movements.domain.feed_status import (
    MIN_STALE,
    STALE_POLLS,
    FeedStatusView,
    days_to_follow,
    feed_status_view,
)
from movements.domain.uow import Actor, UnitOfWork

log = logging.getLogger(__name__)

FEED_ACTOR = Actor.system("feed")
#: A runaway ``link`` chain (a server that always says "next") ends here.
MAX_PAGES = 250
#: Pages read before a failed one are reused by the next poll while this fresh.
RESUME_MAX_AGE = timedelta(minutes=10)
#: A Retry-After beyond this is read as this (a broken header must not stop the feed).
MAX_RETRY_AFTER = 3600.0


class FeedError(Exception):
    """A poll that failed: the feed answered badly, not at all, or not in time."""


class MalformedFeed(FeedError):
    """A page (or a record) that is not the shape we know."""


class ProviderBusy(FeedError):
    """429 or 503: the provider asks us to wait ``retry_after`` seconds (None: not said)."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3);
    None when absent or unreadable; capped at ``MAX_RETRY_AFTER``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


# ---------------------------------------------------------------------------- parsing

def parse_time(value: Any, where: str) -> datetime | None:
    """A feed time: ISO 8601 local time WITH its offset; returned as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise MalformedFeed(f"{where}: expected a time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedFeed(f"{where}: {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise MalformedFeed(f"{where}: {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def _text(obj: dict[str, Any], key: str, where: str, max_len: int = 8) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedFeed(f"{where}: {key} {value!r} is not text")
    text = str(value).strip().upper()
    if len(text) > max_len:
        raise MalformedFeed(f"{where}: {key} {value!r} is longer than {max_len}")
    return text or None


def _flight_code(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not (3 <= len(value.strip()) <= 8) or \
            not value.strip().isalnum():
        raise MalformedFeed(f"{where}: {key} {value!r} is not a flight")
    return normalise_flight(value)


def parse_flight(obj: Any, tz: str, where: str) -> FeedFlight:
    if not isinstance(obj, dict):
        raise MalformedFeed(f"{where}: a flight must be an object")
    name = _flight_code(obj.get("flightName"), where, "flightName")
    where = f"{where} ({name})"
    main = _flight_code(obj.get("mainFlight") or name, where, "mainFlight")
    direction = obj.get("flightDirection")
    if direction not in ("A", "D"):
        raise MalformedFeed(f"{where}: flightDirection {direction!r} is not A or D")
    raw_date = obj.get("scheduleDate")
    try:
        day = date.fromisoformat(raw_date) if isinstance(raw_date, str) else None
    except ValueError:
        day = None
    if day is None:
        raise MalformedFeed(f"{where}: scheduleDate {raw_date!r} is not a date")
    scheduled = parse_time(obj.get("scheduleDateTime"), f"{where} scheduleDateTime")
    if scheduled is None:
        raw_time = obj.get("scheduleTime")
        try:
            wall = time.fromisoformat(raw_time) if isinstance(raw_time, str) else None
        except ValueError:
            wall = None
        if wall is None:
            raise MalformedFeed(f"{where}: scheduleTime {raw_time!r} is not a time")
        scheduled = datetime.combine(day, wall, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    state_block = obj.get("publicFlightState") or {}
    states = state_block.get("flightStates") if isinstance(state_block, dict) else None
    if states is None:
        states = []
    if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        raise MalformedFeed(f"{where}: publicFlightState.flightStates must be a list of codes")
    unknown = [s for s in states if s not in FLIGHT_STATES]
    if unknown:
        log.info("feed: %s reports unknown states %s (ignored)", name, unknown)
    shares_block = obj.get("codeshares") or {}
    shares = shares_block.get("codeshares") if isinstance(shares_block, dict) else None
    if shares is None:
        shares = []
    if not isinstance(shares, list):
        raise MalformedFeed(f"{where}: codeshares.codeshares must be a list")
    landing = direction == "A"
    return FeedFlight(
        flight_name=name, main_flight=main, direction=direction, schedule_date=day,
        scheduled_at=scheduled, states=tuple(s.strip().upper() for s in states),
        gate=_text(obj, "gate", where), pier=_text(obj, "pier", where),
        terminal=_text(obj, "terminal", where),
        estimated_at=parse_time(obj.get("estimatedLandingTime" if landing else
                                        "publicEstimatedOffBlockTime"), f"{where} estimate"),
        actual_at=parse_time(obj.get("actualLandingTime" if landing else "actualOffBlockTime"),
                             f"{where} actual time"),
        expected_boarding_at=parse_time(obj.get("expectedTimeBoarding"),
                                        f"{where} expectedTimeBoarding"),
        codeshares=tuple(_flight_code(c, where, "codeshare") for c in shares),
    )


def parse_page(payload: Any, tz: str, where: str = "page"
               ) -> tuple[list[FeedFlight], list[Quarantined]]:
    """The page's flights, and the records quarantined; raises ``MalformedFeed`` when the
    page itself is not the API's shape."""
    if not isinstance(payload, dict) or not isinstance(payload.get("flights"), list):
        raise MalformedFeed(f"{where}: expected an object with a \"flights\" list")
    flights: list[FeedFlight] = []
    bad: list[Quarantined] = []
    for i, obj in enumerate(payload["flights"]):
        record = f"{where} flight {i}"
        try:
            flights.append(parse_flight(obj, tz, record))
        except MalformedFeed as exc:
            bad.append(Quarantined(record, str(exc)))
    return flights, bad


# ---------------------------------------------------------------------------- HTTP

@dataclass
class DayProgress:
    """How far a day's pages were read: where to go on, and what was read so far."""

    day: date
    url: str | None
    params: dict[str, str] | None
    page: int = 0
    flights: list[FeedFlight] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    done: bool = False
    started_at: datetime | None = None


class DayFailed(FeedError):
    """Reading a day stopped at a page; ``progress`` says where to resume."""

    def __init__(self, cause: FeedError, progress: DayProgress) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.progress = progress


class FeedClient:
    """Fetches whole days from the API (every page, or an error saying where it stopped)."""

    def __init__(self, url: str, app_id: str, app_key: str, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"feed URL {url!r} must be http(s)")
        self.url = url
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), transport=transport, follow_redirects=False,
            headers={"Accept": "application/json", "app_id": app_id, "app_key": app_key,
                     "ResourceVersion": "v4"})

    async def close(self) -> None:
        await self.http.aclose()

    def start(self, day: date) -> DayProgress:
        return DayProgress(day, self.url, {"scheduleDate": day.isoformat(), "page": "0",
                                           "includedelays": "false", "sort": "+scheduleTime"})

    async def read_day(self, progress: DayProgress, tz: str, now: datetime) -> None:
        """Read pages from where ``progress`` stands to the last; on a failure raise
        ``DayFailed`` with ``progress`` still pointing at the page that failed."""
        while progress.url is not None:
            try:
                await self._next_page(progress, tz, now)
            except FeedError as exc:
                raise DayFailed(exc, progress) from exc
        progress.done = True

    async def _next_page(self, progress: DayProgress, tz: str, now: datetime) -> None:
        day, page = progress.day, progress.page
        where = f"{day} page {page}"
        if page >= MAX_PAGES:
            raise MalformedFeed(f"{day}: more than {MAX_PAGES} pages; giving up")
        assert progress.url is not None
        try:
            resp = await self.http.get(progress.url, params=progress.params)
        except httpx.TimeoutException as exc:
            raise FeedError(f"{where}: no answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FeedError(f"{where}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code == 204:
            progress.url = None
            return
        if resp.status_code in (429, 503):
            wait = retry_after_seconds(resp.headers.get("retry-after"), now)
            said = f", Retry-After {wait:.0f} s" if wait is not None else ""
            raise ProviderBusy(f"{where}: HTTP {resp.status_code}{said}", wait)
        if resp.status_code != 200:
            raise FeedError(f"{where}: HTTP {resp.status_code}")
        try:
            payload = json.loads(resp.content)
        except ValueError:
            raise MalformedFeed(f"{where}: the body is not JSON") from None
        flights, bad = parse_page(payload, tz, where)
        nxt = resp.links.get("next", {}).get("url")
        url = urljoin(str(resp.url), nxt) if nxt else None
        if url is not None and (url in progress.seen or url == str(resp.url)):
            raise MalformedFeed(f"{where}: the next link points back to a page already read")
        # Only a page read whole counts: a failure above leaves progress where it was.
        progress.flights.extend(flights)
        progress.quarantined.extend(bad)
        progress.seen.add(str(resp.url))
        progress.url, progress.params, progress.page = url, None, page + 1


# ---------------------------------------------------------------------------- the poller

class _RetryAfter(tenacity.wait.wait_base):
    """tenacity wait: what the provider's Retry-After asked for (0 when it did not)."""

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, DayFailed):
            exc = exc.cause
        return float(exc.retry_after or 0.0) if isinstance(exc, ProviderBusy) else 0.0


def backoff_policy(base: float, cap: float) -> tenacity.wait.wait_base:
    """The wait after a failed poll: a doubling backoff from ``base`` capped at ``cap``,
    plus whatever the provider's Retry-After asked for (never capped by ``cap``)."""
    return tenacity.wait_exponential(multiplier=base, max=cap) + _RetryAfter()


def backoff_seconds(failures: int, base: float, cap: float,
                    error: BaseException | None = None) -> float:
    """1st failure: base, then doubling, never more than cap; plus a Retry-After that
    ``error`` carries."""
    if failures <= 0:
        return 0.0
    state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    state.attempt_number = failures
    if error is not None:
        state.set_exception((type(error), error, error.__traceback__))
    return float(backoff_policy(base, cap)(state))


@dataclass
class FeedPoller:
    """One airport's feed: when to poll next, and the poll itself."""

    client: FeedClient
    uow: UnitOfWork
    clock: Clock
    airport: str
    poll_seconds: float
    max_backoff_seconds: float = 300.0
    backoff_base_seconds: float = 5.0
    failures: int = 0
    next_attempt_at: datetime | None = None
    last_result: FeedResult | None = None
    errors: list[str] = field(default_factory=list)
    #: Days of a poll that failed part-way, kept to resume from the page that failed.
    resume: dict[date, DayProgress] = field(default_factory=dict)

    def due(self) -> bool:
        return self.next_attempt_at is None or self.clock.now() >= self.next_attempt_at

    def _progress(self, day: date, started: datetime) -> DayProgress:
        kept = self.resume.get(day)
        if kept is not None and kept.started_at is not None and \
                started - kept.started_at <= RESUME_MAX_AGE:
            return kept
        progress = self.client.start(day)
        progress.started_at = started
        return progress

    async def poll(self) -> FeedResult | None:
        """Fetch every page, apply all or nothing (records that cannot be read are
        quarantined); on failure record it, keep the pages read and back off."""
        started = self.clock.now()
        try:
            tz, days = await self.uow.read(days_to_follow, self.airport, started)
            progress = {day: self._progress(day, started) for day in days}
            self.resume = progress
            for p in progress.values():
                if not p.done:
                    await self.client.read_day(p, tz, started)
            flights = [f for p in progress.values() for f in p.flights]
            bad = [q for p in progress.values() for q in p.quarantined]
            result = await self.uow.run(apply_feed, FEED_ACTOR, self.airport, days, flights,
                                        bad)
        except FeedError as exc:
            await self._failed(str(exc), exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a database or rule error: retry later
            log.exception("feed %s: poll failed", self.airport)
            self.resume = {}
            await self._failed(f"{type(exc).__name__}: {exc}", exc)
            return None
        self.resume = {}
        self.failures = 0
        self.next_attempt_at = started + timedelta(seconds=self.poll_seconds)
        self.last_result = result
        log.info("feed %s: %d flights on %s, %d ours, %d changed, %d quarantined",
                 self.airport, result.flights, ", ".join(d.isoformat() for d in result.days),
                 result.matched, result.changed, result.quarantined)
        return result

    async def _failed(self, message: str, error: BaseException) -> None:
        self.errors.append(message)
        del self.errors[:-20]
        try:
            self.failures = await self.uow.run(record_feed_failure, FEED_ACTOR, self.airport,
                                               message)
        except Exception:  # noqa: BLE001 - the database may be what failed
            log.exception("feed %s: could not record the failure", self.airport)
            self.failures += 1
        wait = backoff_seconds(self.failures, self.backoff_base_seconds,
                               self.max_backoff_seconds, error)
        self.next_attempt_at = self.clock.now() + timedelta(seconds=wait)
        cause = error.cause if isinstance(error, DayFailed) else error
        if isinstance(cause, ProviderBusy):
            try:
                await self.uow.run(record_feed_wait, FEED_ACTOR, self.airport,
                                   self.next_attempt_at)
            except Exception:  # noqa: BLE001 - shown on the status only
                log.exception("feed %s: could not record the wait", self.airport)
        log.warning("feed %s: poll failed (%d in a row), retrying in %.0f s: %s", self.airport,
                    self.failures, wait, message)
        return None

    async def close(self) -> None:
        await self.client.close()


__all__ = ["FEED_ACTOR", "DayFailed", "DayProgress", "FeedClient", "FeedError", "FeedFlight",
           "FeedPoller", "FeedResult", "FeedStatusView", "MalformedFeed", "ProviderBusy",
           "Quarantined", "apply_feed", "backoff_policy", "backoff_seconds", "changes_for",
           "days_to_follow", "feed_status_view", "normalise_flight", "parse_flight",
           "parse_page", "parse_time", "pick_state", "record_feed_failure",
           "record_feed_wait", "retry_after_seconds", "MAX_QUARANTINED", "MIN_STALE",
           "STALE_POLLS"]
