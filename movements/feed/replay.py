"""A recorded day of the flight feed, served over real HTTP as the API would serve it.

``recorded_day(day)`` turns the script in ``fixtures/feed/demo_day_feed.json`` into
flight records in the Schiphol Public Flight API v4 shape for that day: the demo day's
own flights (from ``fixtures/demo_day.json``, with the demo loader's timing, so what the
board already shows and what the feed says agree), codeshare records, other traffic,
scripted changes (gate changes, delays) and, when given an anchor time, a live scenario
that starts then (a transit whose inbound leg is delayed until the connection is at
risk).  Each flight is a track of snapshots; a request at time ``t`` sees the latest
snapshot of each flight at or before ``t`` by the injected clock.

``ReplayFeedServer`` (stdlib ``http.server`` in a thread, loopback only) serves them page
by page with the ``link: <...>; rel="next"`` header, checks ``app_id``/``app_key`` and
``ResourceVersion: v4``, and can be told to misbehave (HTTP 500, a malformed page, a
body that is not JSON, no answer at all) so the client's failure handling is tested on
the real HTTP path.

In demo mode ``start_demo_replay`` seeds the scenario and the carrier rules, starts the
server on a free loopback port and points ``MOVEMENTS_FEED_URL`` at it (see cli.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections import deque
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.clock import Clock, SystemClock, local_date
from movements.domain.errors import DomainError
from movements.domain.queries import movement_on_day
from movements.domain.uow import Actor, Tx
from movements.domain.vocabulary import MovementKind
from movements.platform.config import Settings

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_PATH = ROOT / "fixtures" / "feed" / "demo_day_feed.json"
DEMO_DAY_PATH = ROOT / "fixtures" / "demo_day.json"
FLIGHTS_PATH = "/public-flights/flights"
_MIN = timedelta(minutes=1)


def read_script(path: str | Path | None = None) -> dict[str, Any]:
    with Path(path or SCRIPT_PATH).open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ValueError("feed script: expected an object with \"version\": 1")
    return data


# ----------------------------------------------------------------------------- tracks

@dataclass
class Track:
    """One flight's life as the feed reports it: a base record and timed patches."""

    name: str
    carrier: str
    number: str
    direction: str  # A or D
    scheduled_at: datetime  # UTC
    timezone: str
    route: tuple[str, ...]
    gate: str | None = None
    pier: str | None = None
    terminal: str | None = None
    aircraft_type: str | None = None
    codeshares: tuple[str, ...] = ()
    delay_minutes: int = 0
    #: (when, what): state changes and field changes, applied in time order.
    patches: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    ident: int = 0

    @property
    def local_date(self) -> date:
        return local_date(self.scheduled_at, self.timezone)

    @property
    def expected_at(self) -> datetime:
        return self.scheduled_at + self.delay_minutes * _MIN

    def local(self, when: datetime) -> str:
        return when.astimezone(ZoneInfo(self.timezone)).isoformat(timespec="milliseconds")

    def state_at(self, now: datetime) -> tuple[dict[str, Any], datetime | None]:
        fields: dict[str, Any] = {"state": "SCH", "gate": self.gate, "delayed": False,
                                  "gate_changed": False}
        if self.direction == "D":
            fields["expectedTimeBoarding"] = self.scheduled_at - 35 * _MIN
        last: datetime | None = None
        for when, patch in sorted(self.patches, key=lambda p: p[0]):
            if when > now:
                break
            if "state" in patch and patch["state"] not in ("SCH", "DEL"):
                fields["gate_changed"] = False
            fields.update(patch)
            last = when
        return fields, last

    def records(self, now: datetime) -> list[dict[str, Any]]:
        """The flight's record(s) as seen at ``now``: the operating flight's, then one
        per codeshare naming it as ``mainFlight``."""
        f, updated = self.state_at(now)
        state = f["state"]
        states = ["DEL"] if state == "SCH" and f["delayed"] else [state]
        if f["gate_changed"] and self.direction == "D" and states[0] in ("SCH", "DEL"):
            states.append("GCH")
        local = self.scheduled_at.astimezone(ZoneInfo(self.timezone))
        base: dict[str, Any] = {
            "lastUpdatedAt": self.local(updated or self.scheduled_at - timedelta(days=1)),
            "actualLandingTime": None, "actualOffBlockTime": None,
            "aircraftType": ({"iataMain": self.aircraft_type, "iataSub": self.aircraft_type}
                             if self.aircraft_type else None),
            "codeshares": ({"codeshares": list(self.codeshares)} if self.codeshares else None),
            "estimatedLandingTime": None, "expectedTimeBoarding": None,
            "flightDirection": self.direction, "gate": f["gate"], "pier": self.pier,
            "isOperationalFlight": True, "mainFlight": self.name,
            "publicEstimatedOffBlockTime": None,
            "publicFlightState": {"flightStates": states},
            "route": {"destinations": list(self.route), "eu": "S", "visa": False},
            "scheduleDateTime": self.local(self.scheduled_at),
            "scheduleDate": local.date().isoformat(),
            "scheduleTime": local.strftime("%H:%M:%S"),
            "serviceType": "J",
            "terminal": (int(self.terminal) if self.terminal and self.terminal.isdigit()
                         else self.terminal),
            "schemaVersion": "4",
        }
        for key in ("estimatedLandingTime", "actualLandingTime", "publicEstimatedOffBlockTime",
                    "actualOffBlockTime", "expectedTimeBoarding"):
            if f.get(key) is not None:
                base[key] = self.local(f[key])
        out = []
        for i, name in enumerate((self.name, *self.codeshares)):
            carrier, number = name[:2], name[2:]
            out.append({**base, "id": str(self.ident * 10 + i), "flightName": name,
                        "flightNumber": int(number) if number.isdigit() else number,
                        "prefixIATA": carrier})
        return out


def _standard_steps(t: Track, announce_delay_at: datetime | None) -> None:
    """The demo loader's timing (movements.demo.day), so both tell the same story."""
    e = t.expected_at
    if t.direction == "D":
        if t.delay_minutes and announce_delay_at is not None:
            t.patches.append((announce_delay_at, {
                "delayed": True, "publicEstimatedOffBlockTime": e,
                "expectedTimeBoarding": e - 35 * _MIN}))
        for minutes, state in ((-50, "GTO"), (-35, "BRD"), (-15, "GCL"), (-5, "GTD")):
            t.patches.append((e + minutes * _MIN, {"state": state}))
        t.patches.append((e + 4 * _MIN, {"state": "DEP", "actualOffBlockTime": e + 4 * _MIN}))
        return
    airborne: dict[str, Any] = {"state": "AIR"}
    if t.delay_minutes and announce_delay_at is None:
        airborne["estimatedLandingTime"] = e
    t.patches.append((e - timedelta(hours=3), airborne))
    if t.delay_minutes and announce_delay_at is not None:
        t.patches.append((announce_delay_at, {"estimatedLandingTime": e}))
    t.patches.append((e - 25 * _MIN, {"state": "FIR", "estimatedLandingTime": e}))
    t.patches.append((e - 6 * _MIN, {"state": "LND", "actualLandingTime": e - 6 * _MIN}))
    t.patches.append((e + 15 * _MIN, {"state": "FIB"}))
    t.patches.append((e + 35 * _MIN, {"state": "ARR"}))


def _local_utc(day: date, hhmm: str, tz: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=ZoneInfo(tz)).astimezone(UTC)


def scenario_anchor(now: datetime) -> datetime:
    """The next whole five minutes after ``now`` (UTC), where the live scenario starts."""
    base = now.astimezone(UTC).replace(second=0, microsecond=0)
    return base + timedelta(minutes=5 - base.minute % 5)


def recorded_day(day: date, *, anchor: datetime | None = None,
                 script: Mapping[str, Any] | None = None,
                 demo_day: Mapping[str, Any] | None = None) -> list[Track]:
    """Every track of the demo day loaded for ``day`` (plus the scenario at ``anchor``)."""
    script = script if script is not None else read_script()
    if demo_day is None:
        with DEMO_DAY_PATH.open(encoding="utf-8") as fh:
            demo_day = json.load(fh)
    airport = script["airport"]
    zones = {a["iata"]: a["timezone"] for a in demo_day["airports"]}
    if airport not in zones:
        raise ValueError(f"the feed script's airport {airport!r} is not an airport of the "
                         f"demo day ({', '.join(sorted(zones))})")
    tz = zones[airport]  # the airport's own zone: its local times and its days
    shares: Mapping[str, Sequence[str]] = script.get("codeshares", {})
    tracks: list[Track] = []

    def add(track: Track, announce_delay_at: datetime | None) -> Track:
        track.ident = 1000 + len(tracks)
        track.codeshares = tuple(shares.get(track.name, ()))
        _standard_steps(track, announce_delay_at)
        tracks.append(track)
        return track

    for m in demo_day["movements"]:
        if m["airport"] != airport:
            continue
        direction = "D" if m["kind"] in ("departure", "transit_out") else "A"
        scheduled = _local_utc(day + timedelta(days=int(m.get("day", 0))), m["time"], tz)
        route = tuple(m.get("stops") or [m["destination"]]) if direction == "D" else (
            m["origin"],)
        delay = int(m.get("delay", 0))
        add(Track(name=f"{m['carrier']}{m['flight_number']}", carrier=m["carrier"],
                  number=m["flight_number"], direction=direction, scheduled_at=scheduled,
                  timezone=tz, route=route, gate=m.get("gate"), pier=m.get("pier"),
                  terminal=m.get("terminal"), aircraft_type=m.get("aircraft_type"),
                  delay_minutes=delay),
            # The loader announces a departure's delay 3 h before the scheduled time.
            scheduled - timedelta(hours=3) if direction == "D" and delay else None)
    other = [(o, _local_utc(day, o["time"], tz)) for o in script.get("other_traffic", ())]
    scenario = script.get("scenario") if anchor is not None else None
    scenario_flights: list[tuple[Mapping[str, Any], datetime]] = []
    if scenario is not None and anchor is not None:
        scenario_flights = [(m, anchor + int(m["offset"]) * _MIN)
                            for m in scenario["movements"]]
    changes: list[tuple[str, datetime | None, Mapping[str, Any]]] = [
        (c["flight"], None, c) for c in script.get("changes", ())]
    if scenario is not None and anchor is not None:
        changes += [(c["flight"], anchor + int(c["offset"]) * _MIN, c)
                    for c in scenario.get("changes", ())]
    delays = {name: c for name, _, c in changes if "delay" in c}

    def delay_of(name: str, scheduled: datetime) -> tuple[int, datetime | None]:
        c = delays.get(name)
        if c is None:
            return 0, None
        at = anchor + int(c["offset"]) * _MIN if "offset" in c and anchor else (
            scheduled + int(c.get("at", -180)) * _MIN)
        return int(c["delay"]), at

    for o, scheduled in other:
        delay, at = delay_of(o["flight"], scheduled)
        add(Track(name=o["flight"], carrier=o["flight"][:2], number=o["flight"][2:],
                  direction=o["direction"], scheduled_at=scheduled, timezone=tz,
                  route=tuple(o["route"]), gate=o.get("gate"), pier=o.get("pier"),
                  terminal=o.get("terminal"), delay_minutes=delay), at)
    for m, scheduled in scenario_flights:
        name = f"{m['carrier']}{m['flight_number']}"
        direction = "D" if m["kind"] in ("departure", "transit_out") else "A"
        delay, at = delay_of(name, scheduled)
        add(Track(name=name, carrier=m["carrier"], number=m["flight_number"],
                  direction=direction, scheduled_at=scheduled, timezone=tz,
                  route=(m["destination"],) if direction == "D" else (m["origin"],),
                  gate=m.get("gate"), pier=m.get("pier"), terminal=m.get("terminal"),
                  aircraft_type=m.get("aircraft_type"), delay_minutes=delay), at)
    for name, at, c in changes:
        if "gate" not in c:
            continue
        for t in tracks:
            if t.name == name:
                when = at or t.scheduled_at + int(c["at"]) * _MIN
                t.patches.append((when, {"gate": c["gate"], "gate_changed": True}))
    return tracks


# ----------------------------------------------------------------------------- faults

@dataclass(frozen=True, slots=True)
class Fault:
    """What the next matching request gets instead of its page.

    kind: "status" (HTTP ``status``, with ``retry_after`` as the Retry-After header when
    given), "malformed" (JSON of the wrong shape), "bad_record" (the real page with its
    first record's ``flightName`` broken), "garbage" (not JSON), "hang" (no answer until
    the server is released or stopped)."""

    kind: str
    status: int = 500
    page: int | None = None  # only this page number (None: whichever comes next)
    retry_after: str | None = None


@dataclass
class SeenRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int


# ----------------------------------------------------------------------------- server

class ReplayFeedServer:
    """Serves ``tracks`` as the flights API would, time by ``clock``."""

    def __init__(self, tracks: Sequence[Track], clock: Clock, *, app_id: str = "replay",
                 app_key: str = "replay-key", page_size: int = 10,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the replay server listens on loopback only")
        self.tracks = list(tracks)
        self.clock = clock
        self.app_id = app_id
        self.app_key = app_key
        self.page_size = max(1, page_size)
        self.faults: deque[Fault] = deque()
        self.requests: list[SeenRequest] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return self.base_url + FLIGHTS_PATH

    def start(self) -> ReplayFeedServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="feed-replay",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ReplayFeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    # -- content
    def flights(self, day: date, now: datetime) -> list[dict[str, Any]]:
        tracks = sorted((t for t in self.tracks if t.local_date == day),
                        key=lambda t: (t.scheduled_at, t.name))
        return [r for t in tracks for r in t.records(now)]

    def _take_fault(self, page: int) -> Fault | None:
        with self._lock:
            for fault in list(self.faults):
                if fault.page is None or fault.page == page:
                    self.faults.remove(fault)
                    return fault
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                log.debug("replay: " + format, *args)

            def _send(self, status: int, body: bytes, headers: Mapping[str, str] = {}
                      ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, message: str) -> None:
                self._send(status, json.dumps({"code": status, "description": message}
                                              ).encode())

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = self._serve(parts.path, query, headers)
                with server._lock:
                    server.requests.append(SeenRequest(parts.path, query, headers, status))

            def _serve(self, path: str, query: dict[str, str], headers: dict[str, str]) -> int:
                if path != FLIGHTS_PATH:
                    self._error(404, "no such resource")
                    return 404
                if headers.get("app_id") != server.app_id or \
                        headers.get("app_key") != server.app_key:
                    self._error(401, "app_id and app_key are required")
                    return 401
                if headers.get("resourceversion") != "v4":
                    self._error(406, "ResourceVersion v4 is required")
                    return 406
                try:
                    day = date.fromisoformat(query.get("scheduleDate", ""))
                    page = int(query.get("page", "0"))
                except ValueError:
                    self._error(400, "scheduleDate=YYYY-MM-DD and page=N are required")
                    return 400
                fault = server._take_fault(page)
                if fault is not None and fault.kind != "bad_record":
                    return self._fault(fault)
                records = server.flights(day, server.clock.now())
                size = server.page_size
                chunk = records[page * size:(page + 1) * size]
                if fault is not None and chunk:
                    chunk = [{**chunk[0], "flightName": "K?"}, *chunk[1:]]
                if not chunk and page > 0:
                    self._error(404, "no such page")
                    return 404
                last = max(0, (len(records) - 1) // size)
                host = headers.get("host", "127.0.0.1")
                links = []
                for rel, n in (("next", page + 1), ("last", last)):
                    if rel == "next" and page >= last:
                        continue
                    q = urlencode({**query, "page": str(n)})
                    links.append(f"<http://{host}{FLIGHTS_PATH}?{q}>; rel=\"{rel}\"")
                body = json.dumps({"flights": chunk}).encode()
                self._send(200, body, {"link": ", ".join(links)} if links else {})
                return 200

            def _fault(self, fault: Fault) -> int:
                if fault.kind == "status":
                    body = json.dumps({"code": fault.status,
                                       "description": "replayed failure"}).encode()
                    self._send(fault.status, body, {"Retry-After": fault.retry_after}
                               if fault.retry_after is not None else {})
                    return fault.status
                if fault.kind == "malformed":
                    self._send(200, json.dumps({"flights": [{"flightName": 42}]}).encode())
                    return 200
                if fault.kind == "garbage":
                    self._send(200, b"<html>maintenance</html>")
                    return 200
                # "hang": say nothing until released; the client must give up first.
                server.release.wait(30)
                self.close_connection = True
                return 0

        return Handler


# ----------------------------------------------------------------------------- demo

def seed_rules(tx: Tx, script: Mapping[str, Any]) -> int:
    """The carrier rules the demo shows (invented), through the domain actions."""
    count = 0
    for r in script.get("umnr_rules", ()):
        alert_actions.set_umnr_rule(tx, r["carrier"], bool(r["allows_connections"]),
                                    int(r["max_connections"]))
        count += 1
    for r in script.get("connection_rules", ()):
        alert_actions.set_connection_rule(tx, r["airport"], r["carrier"],
                                          int(r["min_connection_minutes"]))
        count += 1
    return count


def seed_scenario(tx: Tx, script: Mapping[str, Any], anchor: datetime) -> int:
    """Plan the live scenario's movements and passengers (skipped if already there)."""
    scenario = script["scenario"]
    airport = mv.airport_by_code(tx, script["airport"])
    ids: dict[str, int] = {}
    for m in scenario["movements"]:
        scheduled = anchor + int(m["offset"]) * _MIN
        day = local_date(scheduled, airport.timezone)
        kind = MovementKind(m["kind"])
        existing = movement_on_day(tx.session, airport.id, m["carrier"], m["flight_number"],
                                   day, kind)
        if existing is not None:
            return 0
        ids[m["key"]] = mv.create_movement(tx, mv.NewMovement(
            airport=script["airport"], kind=kind, carrier=m["carrier"],
            flight_number=m["flight_number"], operational_date=day, origin=m["origin"],
            destination=m["destination"], scheduled_at=scheduled, terminal=m.get("terminal"),
            pier=m.get("pier"), gate=m.get("gate"), aircraft_type=m.get("aircraft_type")))
    for link in scenario.get("transits", ()):
        mv.link_transit(tx, ids[link["inbound"]], ids[link["onward"]])
    today = local_date(anchor, airport.timezone)
    booked = 0
    for c in scenario["cases"]:
        case = px.get_or_create_case(tx, script["airport"], f"{c['ref']}-{today:%y%m%d}",
                                     c.get("programme", "voluntary_return"))
        for p in c["passengers"]:
            age = int(p.get("age", 30))
            birth = date(today.year - age, 1, 1) if age else today - timedelta(days=200)
            pid = px.add_passenger(tx, case.id, px.NewPassenger(
                surname=p["surname"], given_names=p["given_names"], sex=p.get("sex", "X"),
                nationality=p.get("nationality"), birth_date=birth,
                needs=tuple((n, None) for n in p.get("needs", ())),
                release_to_name=p.get("release_to_name"),
                release_to_relation=p.get("release_to_relation")))
            for key in c["flights"]:
                px.book_passenger(tx, pid, ids[key])
                booked += 1
    return booked


def _demo_airports() -> dict[str, str]:
    """The demo day's airports: IATA code -> time zone."""
    with DEMO_DAY_PATH.open(encoding="utf-8") as fh:
        return {a["iata"]: a["timezone"] for a in json.load(fh)["airports"]}


def start_demo_feed(settings: Settings, environ: MutableMapping[str, str] | None = None,
                    clock: Clock | None = None) -> tuple[list[ReplayFeedServer], str]:
    """``movements serve --demo``: seed the live scenario and the carrier rules, start one
    replay per demo airport on free loopback ports (the script's airport plays the
    scenario; every other airport replays its own demo movements) and point the app's
    feed settings (in ``environ``, default ``os.environ``, which the app reads when it
    starts) at them: ``MOVEMENTS_FEED_*`` for the script's airport, ``MOVEMENTS_FEEDS``
    for the others.  A configured feed (``MOVEMENTS_FEED_URL`` or ``MOVEMENTS_FEEDS``)
    wins: then nothing is replayed."""
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    if settings.any_feed:
        return [], f"flight feed: {settings.feed_url or 'per airport'} (configured; no replay)"
    clock = clock or SystemClock()
    script = read_script()
    now = clock.now()
    anchor = scenario_anchor(now)

    def seed(tx: Tx) -> str:
        rules = seed_rules(tx, script)
        booked = seed_scenario(tx, script, anchor)
        return f"{rules} carrier rules, live scenario with {booked} bookings"

    async def run() -> str:
        from movements.services import Services

        services = Services.build(settings, clock=clock)
        try:
            return str(await services.uow.run(seed, Actor.system("demo")))
        finally:
            await services.close()

    try:
        seeded = asyncio.run(run())
    except DomainError as exc:
        seeded = f"scenario not seeded: {exc.message}"
    zones = _demo_airports()
    home = script["airport"]
    page_size = int(script.get("page_size", 10))
    tracks = recorded_day(local_date(now, zones[home]), anchor=anchor, script=script)
    server = ReplayFeedServer(tracks, clock, app_id="demo", app_key="demo-replay-key",
                              page_size=page_size).start()
    servers = [server]
    feeds: dict[str, dict[str, str]] = {}
    for code, zone in sorted(zones.items()):
        if code == home:
            continue
        other = ReplayFeedServer(
            recorded_day(local_date(now, zone), script={"version": 1, "airport": code}),
            clock, app_id="demo", app_key="demo-replay-key", page_size=page_size).start()
        servers.append(other)
        feeds[code] = {"url": other.url}
    env["MOVEMENTS_FEED_URL"] = server.url
    env["MOVEMENTS_FEED_APP_ID"] = "demo"
    env["MOVEMENTS_FEED_APP_KEY"] = "demo-replay-key"
    env["MOVEMENTS_FEEDS"] = json.dumps(feeds)
    env.setdefault("MOVEMENTS_FEED_POLL_SECONDS", "15")
    local = anchor.astimezone(ZoneInfo(zones[home])).strftime("%H:%M")
    others = "".join(f"; {code} from {feeds[code]['url']}" for code in feeds)
    return servers, (f"flight feed: replaying the demo day, {home} from {server.url} "
                     f"({seeded}; the live scenario starts {local} {home} time){others}")


__all__ = ["Fault", "ReplayFeedServer", "Track", "read_script", "recorded_day",
           "scenario_anchor", "seed_rules", "seed_scenario", "start_demo_feed"]
