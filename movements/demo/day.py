"""The demo day: a realistic day of the Schiphol team, always *today*.

``load_demo_day(tx, today, now)`` reads ``fixtures/demo_day.json`` (data only: local
wall-clock times, ages, names) and builds the day through the domain actions alone, in
the caller's transaction.  What has happened by ``now`` is played in too, so a newcomer
who opens the board sees a live day: early flights are gone with every milestone ticked,
the ones around ``now`` are half way, the evening is still to come.

The load is deterministic given ``today`` and ``now``:

* planning (movements, passengers, bookings, escorts, notes) is stamped the afternoon
  before (or ``now`` if that is earlier): coordinators plan the day ahead;
* every later step has its own time, derived from the flight's scheduled time plus the
  fixture's delay (departures: met 150 min before, checked in 130, exit formalities 95,
  at the gate 50 before the (possibly delayed) departure, boarded 32, departed 4 after;
  arrivals: met 2 min after on-block, passport control 15, customs 30, handover per the
  fixture; transits: met, connection escorted, meal, at the onward gate 55 and boarded
  30 before the onward leg), spread over a few minutes per passenger;
* only steps whose time is not after ``now`` are recorded, oldest first, each through its
  action with ``Tx.now`` set to the step's time (same session, same event list), so
  milestone, handover and audit times read like a real day.

Flight states follow the same clock (``update_flight`` with ``source="demo"``): a
departure goes DEL (if delayed), GTO, BRD, GCL, GTD, DEP; an arrival AIR, FIR, LND, FIB,
ARR.  Only the latest state reached by ``now`` is applied, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from movements.domain.actions import charters as ch
from movements.domain.actions import escorts, handovers, milestones, setup
from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.clock import local_to_utc
from movements.domain.errors import RuleViolation
from movements.domain.models import (
    Booking,
    ChronicCondition,
    Movement,
    MovementKind,
    Passenger,
    Role,
)
from movements.domain.release import ON_BLOCKS
from movements.domain.uow import Tx

#: The fixture in the repository (the package is installed editable from the repo).
DEMO_DAY_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "demo_day.json"

_MIN = timedelta(minutes=1)


class DemoDataError(ValueError):
    """The fixture file is inconsistent (a bug in the data, not in the database)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    airports: int
    movements: int
    passengers: int
    cases: int
    handovers: int

    def __str__(self) -> str:
        return (f"{self.airports} airports, {self.movements} movements, "
                f"{self.passengers} passengers in {self.cases} cases, "
                f"{self.handovers} handovers")


class DemoUser(NamedTuple):
    """One account the CLI creates for the demo (it chooses the password)."""

    username: str
    display_name: str
    role: Role
    organisation: str | None
    airports: tuple[str, ...]


def resolve_path(path: str | Path | None = None) -> Path:
    """The fixture to read: the explicit one, else the repository's, else ./fixtures."""
    if path is not None:
        found = Path(path)
        if not found.is_file():
            raise FileNotFoundError(f"demo day fixture {found} does not exist")
        return found
    for candidate in (DEMO_DAY_PATH, Path.cwd() / "fixtures" / "demo_day.json"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"demo day fixture not found at {DEMO_DAY_PATH} nor in ./fixtures; "
        "pass the path explicitly")


def read_fixture(path: str | Path | None = None) -> dict[str, Any]:
    with resolve_path(path).open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise DemoDataError("demo day fixture: expected an object with \"version\": 1")
    return data


def demo_timezone(path: str | Path | None = None) -> str:
    """The time zone of the demo's first airport (its "today" is that airport's date)."""
    return str(read_fixture(path)["airports"][0]["timezone"])


def demo_users(path: str | Path | None = None) -> list[DemoUser]:
    """One account per role: gate staff, coordinator, reception (bound to the reception
    agency), admin, manager (aggregates only)."""
    data = read_fixture(path)
    orgs = {o["key"]: o["name"] for o in data["organisations"]}
    users: list[DemoUser] = []
    for u in data["users"]:
        org_key = u.get("organisation")
        if org_key is not None and org_key not in orgs:
            raise DemoDataError(f"user {u['username']}: unknown organisation {org_key!r}")
        users.append(DemoUser(u["username"], u["display_name"], Role(u["role"]),
                              orgs[org_key] if org_key else None, tuple(u["airports"])))
    # A handover names the handing gate agent's team: gate staff of different airports
    # belong to different teams (Brussels staff signed for "team Schiphol" before).
    team_airport: dict[str, tuple[str, str]] = {}
    for user in users:
        if user.role is not Role.GATE_STAFF or user.organisation is None:
            continue
        for code in user.airports:
            other = team_airport.setdefault(user.organisation, (code, user.username))
            if other[0] != code:
                raise DemoDataError(
                    f"user {user.username}: gate staff at {code} in {user.organisation!r}, "
                    f"the team of {other[1]} at {other[0]}; give each airport its own team")
    return users


# ------------------------------------------------------------------------------ timing

def _flight_steps(kind: MovementKind, scheduled: datetime, expected: datetime
                  ) -> list[tuple[datetime, dict[str, Any]]]:
    """The flight-state history of a movement, as (when, changes)."""
    delayed = expected != scheduled
    out: list[tuple[datetime, dict[str, Any]]] = []
    if kind in (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT):
        if delayed:
            out.append((scheduled - timedelta(hours=3),
                        {"flight_state": "DEL", "estimated_at": expected}))
        for minutes, state in ((-50, "GTO"), (-35, "BRD"), (-15, "GCL"), (-5, "GTD")):
            out.append((expected + minutes * _MIN, {"flight_state": state}))
        off_block = expected + 4 * _MIN
        out.append((off_block, {"flight_state": "DEP", "actual_at": off_block}))
    else:
        airborne: dict[str, Any] = {"flight_state": "AIR"}
        if delayed:
            airborne["estimated_at"] = expected
        out.append((expected - timedelta(hours=3), airborne))
        out.append((expected - 25 * _MIN, {"flight_state": "FIR", "estimated_at": expected}))
        landed = expected - 6 * _MIN
        out.append((landed, {"flight_state": "LND", "actual_at": landed}))
        out.append((expected + 15 * _MIN, {"flight_state": "FIB"}))
        out.append((expected + 35 * _MIN, {"flight_state": "ARR"}))
    return out


def _spaced(times: Sequence[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    """Keep a passenger's steps strictly in order (a short connection squeezes them)."""
    out: list[tuple[str, datetime]] = []
    for key, when in times:
        if out and when <= out[-1][1]:
            when = out[-1][1] + _MIN
        out.append((key, when))
    return out


def _birth_date(today: date, years: int, extra_days: int | None, index: int) -> date:
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    if extra_days is None:
        # Spread birthdays over the year without changing the age in whole years.
        extra_days = 1 + (index * 37) % 360
    return anniversary - timedelta(days=extra_days)


# ------------------------------------------------------------------------------ loader

@dataclass
class _Flight:
    id: int
    spec: Mapping[str, Any]
    kind: MovementKind
    scheduled: datetime
    expected: datetime
    bookings: list[tuple[int, int, Mapping[str, Any]]] = field(default_factory=list)
    # (booking id, passenger id, passenger spec)


@dataclass
class _Op:
    when: datetime
    order: int
    run: Callable[[Tx], object]


class _DayLoader:
    def __init__(self, tx: Tx, data: Mapping[str, Any], today: date, now: datetime) -> None:
        self.tx = tx
        self.data = data
        self.today = today
        self.now = now
        # Coordinators plan the day the afternoon before (at the first airport's time).
        home = str(data["airports"][0]["timezone"])
        self.planned_at = min(now, local_to_utc(today - timedelta(days=1), "16:00", home))
        self.plan = replace(tx, now=self.planned_at)
        self.orgs: dict[str, int] = {}
        self.flights: dict[str, _Flight] = {}
        self.onward_of: dict[str, str] = {}
        self.passengers: dict[str, int] = {}
        self.no_show: set[int] = set()
        self.cases: set[int] = set()
        self.handover_ids: dict[int, int] = {}
        self.ops: list[_Op] = []
        self.handover_specs = 0
        self.handovers = 0
        self.passenger_count = 0

    # -- helpers
    def _tz(self, iata: str) -> str:
        for a in self.data["airports"]:
            if a["iata"] == iata:
                return str(a["timezone"])
        raise DemoDataError(f"airport {iata!r} is not in the fixture")

    def _flight(self, key: str, where: str) -> _Flight:
        try:
            return self.flights[key]
        except KeyError:
            raise DemoDataError(f"{where}: unknown movement {key!r}") from None

    def _passenger(self, key: str, where: str) -> int:
        try:
            return self.passengers[key]
        except KeyError:
            raise DemoDataError(f"{where}: unknown passenger {key!r}") from None

    def _at(self, when: datetime, run: Callable[[Tx], object]) -> None:
        if when <= self.now:
            self.ops.append(_Op(when, len(self.ops), run))

    # -- planning
    def setup(self) -> None:
        for a in self.data["airports"]:
            setup.ensure_airport(self.plan, a["iata"], a["name"], a["timezone"])
        for o in self.data["organisations"]:
            self.orgs[o["key"]] = setup.ensure_organisation(self.plan, o["name"], o["kind"])

    def plan_movements(self) -> None:
        for m in self.data["movements"]:
            key = m["key"]
            if key in self.flights:
                raise DemoDataError(f"movement key {key!r} is used twice")
            day = self.today + timedelta(days=int(m.get("day", 0)))
            scheduled = local_to_utc(day, m["time"], self._tz(m["airport"]))
            kind = MovementKind(m["kind"])
            new = mv.NewMovement(
                airport=m["airport"], kind=kind, carrier=m["carrier"],
                flight_number=m["flight_number"], operational_date=day,
                origin=m["origin"], destination=m["destination"], scheduled_at=scheduled,
                is_charter=bool(m.get("is_charter", False)), stops=tuple(m.get("stops", ())),
                terminal=m.get("terminal"), pier=m.get("pier"), gate=m.get("gate"),
                aircraft_type=m.get("aircraft_type"),
                aircraft_registration=m.get("aircraft_registration"))
            if new.is_charter:
                # Through charter planning, as a coordinator would: the charter page and
                # its crew and pickups need the operator and seats (issue: dead link).
                minutes = m.get("stop_minutes")
                if not minutes or len(minutes) != len(new.stops):
                    raise DemoDataError(f"charter {key!r} needs one stop_minutes per stop")
                movement_id = ch.plan_charter(
                    self.plan, replace(new, is_charter=False, stops=()), m.get("operator", ""),
                    int(m["seat_capacity"]),
                    tuple(ch.StopIn(code, scheduled + int(after) * _MIN)
                          for code, after in zip(new.stops, minutes, strict=True)))
            else:
                movement_id = mv.create_movement(self.plan, new)
            expected = scheduled + int(m.get("delay", 0)) * _MIN
            self.flights[key] = _Flight(movement_id, m, kind, scheduled, expected)
        # Link transits before anyone is booked, so every booking shows on both legs.
        for link in self.data.get("transits", ()):
            inbound = self._flight(link["inbound"], "transit")
            onward = self._flight(link["onward"], "transit")
            mv.link_transit(self.plan, inbound.id, onward.id)
            self.onward_of[link["inbound"]] = link["onward"]

    def plan_passengers(self) -> None:
        index = 0
        for c in self.data["cases"]:
            reference = f"{c['ref']}-{self.today:%y%m%d}"
            case = px.get_or_create_case(self.plan, c["airport"], reference,
                                         c.get("programme", "voluntary_return"))
            self.cases.add(case.id)
            for p in c["passengers"]:
                index += 1
                pid = px.add_passenger(self.plan, case.id, self._new_passenger(c, p, index))
                self.passenger_count += 1
                if "key" in p:
                    if p["key"] in self.passengers:
                        raise DemoDataError(f"passenger key {p['key']!r} is used twice")
                    self.passengers[p["key"]] = pid
                for flight_key in p.get("flights", c["flights"]):
                    flight = self._flight(flight_key, f"case {c['ref']}")
                    stop = p.get("stop", c.get("stop")) if flight.spec.get("is_charter") else None
                    booking_id = px.book_passenger(self.plan, pid, flight.id,
                                                   seat=p.get("seat"), stop=stop)
                    flight.bookings.append((booking_id, pid, p))

    def _new_passenger(self, c: Mapping[str, Any], p: Mapping[str, Any],
                       index: int) -> px.NewPassenger:
        needs: list[tuple[str, str | None]] = []
        for need in p.get("needs", ()):
            if isinstance(need, str):
                needs.append((need, None))
            else:
                code, text = need
                needs.append((code, text))
        chronic = p.get("chronic_condition")
        return px.NewPassenger(
            surname=p["surname"], given_names=p["given_names"],
            native_name=p.get("native_name"),
            birth_date=_birth_date(self.today, int(p["age"]), p.get("age_days"), index)
            if "age" in p else None,
            sex=p.get("sex", "X"), nationality=p.get("nationality"),
            booking_locator=p.get("locator", c.get("locator")), language=p.get("language"),
            needs=tuple(needs),
            medical_escort_required=bool(p.get("medical_escort_required", False)),
            operational_escort_required=bool(p.get("operational_escort_required", False)),
            victim_of_trafficking=bool(p.get("victim_of_trafficking", False)),
            chronic_condition=ChronicCondition(chronic) if chronic else None,
            medical_notes=p.get("medical_notes"),
            release_to_name=p.get("release_to_name"),
            release_to_relation=p.get("release_to_relation"))

    def plan_escorts_and_notes(self) -> None:
        for e in self.data.get("escorts", ()):
            flight = self._flight(e["flight"], "escort")
            escorts.assign_escort(self.plan, flight.id,
                                  self._passenger(e["passenger"], "escort"), e["kind"],
                                  e["name"])
        for n in self.data.get("notes", ()):
            flight = self._flight(n["flight"], "note")
            pid = self._passenger(n["passenger"], "note") if n.get("passenger") else None
            escorts.add_note(self.plan, flight.id, n["text"], pid)

    # -- the day as it happened up to now
    def schedule_day(self) -> None:
        for key, flight in self.flights.items():
            self._schedule_flight_state(flight)
            if flight.kind is MovementKind.DEPARTURE:
                self._schedule_departure(flight)
            elif flight.kind is MovementKind.ARRIVAL:
                self._schedule_arrival(flight)
            elif flight.kind is MovementKind.TRANSIT_IN:
                onward_key = self.onward_of.get(key)
                if onward_key is None:
                    raise DemoDataError(f"transit_in {key!r} is not linked to an onward leg")
                self._schedule_transit(flight, self.flights[onward_key])
        for h in self.data.get("handovers", ()):
            self._schedule_handover(h)

    def _schedule_flight_state(self, flight: _Flight) -> None:
        reached = [(when, changes) for when, changes in
                   _flight_steps(flight.kind, flight.scheduled, flight.expected)
                   if when <= self.now]
        if not reached:
            return
        merged: dict[str, Any] = {}
        for _, changes in reached:
            merged.update(changes)
        # One update with what the flight reached by now, at its last step's time, or at
        # on blocks if it got there: an inbound passenger's steps wait for on blocks.
        when = next((w for w, c in reached if c.get("flight_state") in ON_BLOCKS),
                    reached[-1][0])
        self._at(when, partial(mv.update_flight, movement_id=flight.id,
                               changes=merged, source="demo"))

    def _tick(self, booking_id: int, steps: Sequence[tuple[str, datetime]]) -> None:
        for kind, when in _spaced(steps):
            self._at(when, partial(milestones.record_milestone, booking_id=booking_id,
                                   kind=kind))

    def _schedule_departure(self, flight: _Flight) -> None:
        s, e = flight.scheduled, flight.expected
        for n, (booking_id, _pid, p) in enumerate(flight.bookings):
            j = (n * 7) % 13
            if p.get("no_show"):
                self.no_show.add(booking_id)
                self._at(s - 60 * _MIN, partial(milestones.record_no_show,
                                                booking_id=booking_id,
                                                reason=str(p["no_show"])))
                continue
            self._tick(booking_id, [
                ("met_at_point", s + (j - 150) * _MIN),
                ("checked_in", s + (j - 130) * _MIN),
                ("exit_formalities", s + (j - 95) * _MIN),
                ("at_gate", e + (j // 2 - 50) * _MIN),
                ("boarded", e + (j // 3 - 32) * _MIN),
                ("departed", e + 4 * _MIN),
            ])

    def _schedule_arrival(self, flight: _Flight) -> None:
        e = flight.expected
        for n, (booking_id, _pid, _p) in enumerate(flight.bookings):
            j = (n * 7) % 13
            self._tick(booking_id, [
                # once on blocks (FIB at e+15, above): an inbound step waits for it
                ("met_at_aircraft", e + (16 + j // 3) * _MIN),
                ("passport_control", e + (25 + j) * _MIN),
                ("customs", e + (40 + j) * _MIN),
            ])

    def _schedule_transit(self, inbound: _Flight, onward: _Flight) -> None:
        e, leave = inbound.expected, onward.expected
        meal = bool(inbound.spec.get("meal", False))
        for n, (booking_id, _pid, _p) in enumerate(inbound.bookings):
            j = (n * 7) % 13
            steps = [("met_at_arrival_gate", e + (16 + j // 3) * _MIN),
                     ("connection_escorted", e + (25 + j) * _MIN)]
            if meal:
                steps.append(("meal_or_accommodation", e + (45 + j) * _MIN))
            steps += [("at_onward_gate", leave + (j // 2 - 55) * _MIN),
                      ("boarded_onward", leave + (j // 3 - 30) * _MIN)]
            self._tick(booking_id, steps)

    def _schedule_handover(self, h: Mapping[str, Any]) -> None:
        flight = self._flight(h["flight"], "handover")
        if h["passengers"] == "all":
            pids = [pid for bid, pid, _ in flight.bookings if bid not in self.no_show]
        else:
            pids = [self._passenger(k, f"handover on {h['flight']}") for k in h["passengers"]]
        state = h.get("state", "signed")
        if state not in ("signed", "draft"):
            raise DemoDataError(f"handover on {h['flight']}: state {state!r}")
        created = flight.expected + int(h.get("after", 50)) * _MIN
        org_id = self.orgs[h["organisation"]]
        token = self.handover_specs
        self.handover_specs += 1

        def create(t: Tx) -> None:
            self.handover_ids[token] = handovers.create_handover(
                t, flight.id, org_id, h["receiving_person"], pids,
                receiver_id_checked=h.get("receiver_id_checked"), notes=h.get("notes"))
            self.handovers += 1

        self._at(created, create)
        if state == "signed":
            self._at(created + 6 * _MIN, lambda t: handovers.sign_handover(
                t, self.handover_ids[token], h["handing_signature"],
                h["receiving_signature"]))

    def play(self) -> None:
        # Hold what the steps will touch: the session's identity map keeps rows only while
        # someone refers to them, and reloading each one per step makes the load slow.
        held = list(self.tx.session.scalars(
            select(Booking).where(Booking.id.in_(
                [b for f in self.flights.values() for b, _, _ in f.bookings]))
            .options(selectinload(Booking.milestones), selectinload(Booking.movement),
                     selectinload(Booking.passenger).selectinload(Passenger.needs))))
        for op in sorted(self.ops, key=lambda o: (o.when, o.order)):
            op.run(replace(self.tx, now=op.when))
        held.clear()


def load_demo_day(tx: Tx, today: date, now: datetime,
                  path: str | Path | None = None) -> DemoSummary:
    """Load the demo day for ``today`` (the airport's local date) as it stands at ``now``.

    Refuses a database that already has movements: the demo is a starting point, never
    a mix with real (or earlier demo) data."""
    if now.tzinfo is None:
        raise RuleViolation("the demo day needs an aware 'now' (UTC)", field="now")
    existing = tx.session.scalar(select(func.count(Movement.id))) or 0
    if existing:
        raise RuleViolation(
            f"the demo day loads only into an empty database; this one already has "
            f"{existing} movement{'s' if existing != 1 else ''}")
    data = read_fixture(path)
    loader = _DayLoader(tx, data, today, now)
    loader.setup()
    loader.plan_movements()
    loader.plan_passengers()
    loader.plan_escorts_and_notes()
    loader.schedule_day()
    loader.play()
    return DemoSummary(
        airports=len(data["airports"]), movements=len(loader.flights),
        passengers=loader.passenger_count,
        cases=len(loader.cases), handovers=loader.handovers)


__all__ = ["DEMO_DAY_PATH", "DemoDataError", "DemoSummary", "DemoUser", "demo_users",
           "load_demo_day", "read_fixture", "resolve_path"]
