"""Flight status feed client for the Schiphol Public Flight API v4 shape.

The API pages a day's flights (``GET .../public-flights/flights?scheduleDate=D&page=N``,
the next page named by the ``link`` response header with ``rel="next"``), and reports
each flight with local times carrying their offset (``2026-09-15T14:05:00.000+02:00``),
its states as a list (``publicFlightState.flightStates``) and its codeshares, which
appear as records of their own naming the operating flight in ``mainFlight``.

One poll fetches every page of the days the team is working, parses all of them, and only
then applies the result in ONE transaction: a bad page, an HTTP error or a timeout
anywhere means nothing of that poll is applied.  Failures are logged and recorded in
``FeedStatus`` and the next attempt waits a capped, doubling backoff.  Changes go through
``update_flight(..., source="feed")`` (which records the event the board follows); the
feed never creates a movement, so a codeshare can never make a second one: every record
is matched by its main flight.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain.actions.movements import FLIGHT_STATES, update_flight
from movements.domain.clock import Clock, local_date
from movements.domain.models import Airport, FeedStatus, Movement, MovementKind
from movements.domain.uow import Actor, Tx, UnitOfWork

log = logging.getLogger(__name__)

FEED_ACTOR = Actor.system("feed")
#: A runaway ``link`` chain (a server that always says "next") ends here.
MAX_PAGES = 250
#: A feed whose last good poll is older than this many poll intervals is stale.
STALE_POLLS = 3
MIN_STALE = timedelta(minutes=2)

_DEPARTURE_ORDER = ("SCH", "TOM", "DEL", "WIL", "GCH", "GTO", "BRD", "GCL", "GTD", "DEP")
_ARRIVAL_ORDER = ("SCH", "TOM", "DEL", "AIR", "EXP", "FIR", "LND", "FIB", "ARR")
_FINAL = ("CNX", "DIV")
_KINDS = {"A": (MovementKind.ARRIVAL, MovementKind.TRANSIT_IN),
          "D": (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)}


class FeedError(Exception):
    """A poll that failed: the feed answered badly, not at all, or not in time."""


class MalformedFeed(FeedError):
    """A page that is not the shape we know: the whole poll is refused."""


# ---------------------------------------------------------------------------- parsing

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
    """One state for the board from the feed's list: cancelled or diverted wins, else the
    furthest along (["DEL", "GTO"] is a delayed flight whose gate is open: GTO)."""
    known = [s for s in states if s in FLIGHT_STATES]
    for final in _FINAL:
        if final in known:
            return final
    order = _DEPARTURE_ORDER if direction == "D" else _ARRIVAL_ORDER
    ranked = [s for s in known if s in order]
    if not ranked:
        return None
    return max(ranked, key=order.index)


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


def normalise_flight(name: str) -> str:
    """"KL 0116" -> "KL116": carrier (2 characters) then the number without leading
    zeros, so the feed's and the planners' spellings meet."""
    compact = name.replace(" ", "").upper()
    carrier, number = compact[:2], compact[2:]
    digits = number.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    suffix = number[len(digits):]
    return f"{carrier}{(digits.lstrip('0') or '0')}{suffix}"


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


def parse_page(payload: Any, tz: str, where: str = "page") -> list[FeedFlight]:
    if not isinstance(payload, dict) or not isinstance(payload.get("flights"), list):
        raise MalformedFeed(f"{where}: expected an object with a \"flights\" list")
    return [parse_flight(obj, tz, f"{where} flight {i}")
            for i, obj in enumerate(payload["flights"])]


# ---------------------------------------------------------------------------- HTTP

class FeedClient:
    """Fetches whole days from the API (every page, or an error)."""

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

    async def fetch_day(self, day: date, tz: str) -> list[FeedFlight]:
        url: str | None = self.url
        params: dict[str, str] | None = {"scheduleDate": day.isoformat(), "page": "0",
                                         "includedelays": "false", "sort": "+scheduleTime"}
        flights: list[FeedFlight] = []
        seen: set[str] = set()
        page = 0
        while url is not None:
            if page >= MAX_PAGES:
                raise MalformedFeed(f"{day}: more than {MAX_PAGES} pages; giving up")
            try:
                resp = await self.http.get(url, params=params)
            except httpx.TimeoutException as exc:
                raise FeedError(f"{day} page {page}: no answer in time ({type(exc).__name__})"
                                ) from exc
            except httpx.HTTPError as exc:
                raise FeedError(f"{day} page {page}: {type(exc).__name__}: {exc}") from exc
            where = f"{day} page {page}"
            if resp.status_code == 204:
                break
            if resp.status_code != 200:
                raise FeedError(f"{where}: HTTP {resp.status_code}")
            try:
                payload = json.loads(resp.content)
            except ValueError:
                raise MalformedFeed(f"{where}: the body is not JSON") from None
            flights.extend(parse_page(payload, tz, where))
            seen.add(str(resp.url))
            nxt = resp.links.get("next", {}).get("url")
            url = urljoin(str(resp.url), nxt) if nxt else None
            if url is not None and url in seen:
                raise MalformedFeed(f"{where}: the next link points back to a page already read")
            params = None  # the next link carries its own query
            page += 1
        return flights


# ---------------------------------------------------------------------------- applying

@dataclass(frozen=True, slots=True)
class FeedResult:
    flights: int
    matched: int
    changed: int
    codeshares_merged: int
    days: tuple[date, ...] = ()


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
    state = flight.state
    if state is not None:
        changes["flight_state"] = state
    return changes


def _status_row(tx: Tx, airport_id: int) -> FeedStatus:
    row = tx.session.get(FeedStatus, airport_id)
    if row is None:
        row = FeedStatus(airport_id=airport_id, failures=0)
        tx.session.add(row)
    return row


def apply_feed(tx: Tx, airport_code: str, days: Sequence[date],
               flights: Sequence[FeedFlight]) -> FeedResult:
    """Apply one poll's flights in the caller's transaction, then mark the poll good."""
    airport = _airport(tx.session, airport_code)
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
    return FeedResult(flights=len(flights), matched=matched, changed=changed,
                      codeshares_merged=merged, days=tuple(days))


def record_feed_failure(tx: Tx, airport_code: str, error: str) -> int:
    """Note a failed poll; returns how many failed in a row."""
    airport = _airport(tx.session, airport_code)
    status = _status_row(tx, airport.id)
    status.last_attempt_at = tx.now
    status.last_error = error[:2000]
    status.failures = (status.failures or 0) + 1
    return status.failures


def _airport(session: Session, code: str) -> Airport:
    airport = session.scalar(select(Airport).where(Airport.iata == code.strip().upper()))
    if airport is None:
        raise FeedError(f"airport {code!r} is not set up")
    return airport


def days_to_follow(session: Session, airport_code: str, now: datetime
                   ) -> tuple[str, list[date]]:
    """The airport's time zone and the operational days to fetch: today, plus yesterday
    and tomorrow while they have movements that are not over."""
    airport = _airport(session, airport_code)
    today = local_date(now, airport.timezone)
    open_days = set(session.scalars(select(Movement.operational_date).where(
        Movement.airport_id == airport.id,
        Movement.operational_date.in_([today - timedelta(days=1), today + timedelta(days=1)]),
        Movement.completed.is_(False),
        Movement.flight_state.not_in(["DEP", "ARR", "CNX"])).distinct()))
    return airport.timezone, sorted({today, *open_days})


# ---------------------------------------------------------------------------- status

@dataclass(frozen=True, slots=True)
class FeedStatusView:
    configured: bool
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    stale: bool = False

    @property
    def stale_since(self) -> datetime | None:
        return self.last_success_at


def feed_status_view(session: Session, airport_code: str, now: datetime,
                     poll_seconds: int, configured: bool) -> FeedStatusView:
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
    return FeedStatusView(configured=True, last_success_at=row.last_success_at,
                          last_attempt_at=row.last_attempt_at, last_error=row.last_error,
                          failures=row.failures or 0, stale=stale)


# ---------------------------------------------------------------------------- the poller

def backoff_seconds(failures: int, base: float, cap: float) -> float:
    """1st failure: base, then doubling, never more than cap."""
    if failures <= 0:
        return 0.0
    return float(min(cap, base * 2 ** min(failures - 1, 30)))


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

    def due(self) -> bool:
        return self.next_attempt_at is None or self.clock.now() >= self.next_attempt_at

    async def poll(self) -> FeedResult | None:
        """Fetch every page, apply all or nothing; on failure record it and back off."""
        started = self.clock.now()
        try:
            tz, days = await self.uow.read(days_to_follow, self.airport, started)
            flights: list[FeedFlight] = []
            for day in days:
                flights.extend(await self.client.fetch_day(day, tz))
            result = await self.uow.run(apply_feed, FEED_ACTOR, self.airport, days, flights)
        except FeedError as exc:
            await self._failed(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - a database or rule error: retry later
            log.exception("feed: poll failed")
            await self._failed(f"{type(exc).__name__}: {exc}")
            return None
        self.failures = 0
        self.next_attempt_at = started + timedelta(seconds=self.poll_seconds)
        self.last_result = result
        log.info("feed: %d flights on %s, %d ours, %d changed", result.flights,
                 ", ".join(d.isoformat() for d in result.days), result.matched, result.changed)
        return result

    async def _failed(self, message: str) -> None:
        self.errors.append(message)
        del self.errors[:-20]
        try:
            self.failures = await self.uow.run(record_feed_failure, FEED_ACTOR, self.airport,
                                               message)
        except Exception:  # noqa: BLE001 - the database may be what failed
            log.exception("feed: could not record the failure")
            self.failures += 1
        wait = backoff_seconds(self.failures, self.backoff_base_seconds,
                               self.max_backoff_seconds)
        self.next_attempt_at = self.clock.now() + timedelta(seconds=wait)
        log.warning("feed: poll failed (%d in a row), retrying in %.0f s: %s", self.failures,
                    wait, message)
        return None

    async def close(self) -> None:
        await self.client.close()


__all__ = ["FEED_ACTOR", "FeedClient", "FeedError", "FeedFlight", "FeedPoller", "FeedResult",
           "FeedStatusView", "MalformedFeed", "apply_feed", "backoff_seconds", "changes_for",
           "days_to_follow", "feed_status_view", "normalise_flight", "parse_flight",
           "parse_page", "parse_time", "pick_state", "record_feed_failure"]
