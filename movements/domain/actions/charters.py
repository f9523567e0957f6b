"""Charters (issue 14.2): a whole aircraft with an operator, a seat capacity and an
ordered route of stops; crew planned on board; ground pickups to the airport.

Capacity is checked per leg (people on board between two points of the route, crew
included), so a case leaving at the first stop frees seats for the rest of the route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import RuleViolation
from ..events import MovementUpdated
from ..models import CharterStop, Movement, MovementKind
from ..planning_models import Charter, CharterCrew, GroundPickup
from ..planning_queries import CREW_ROLES, legs_of, route_of
from ..uow import Tx
from ._common import check_version, clean_text, get_or_404, touch
from .movements import NewMovement, create_movement
from .planning import _airport_in_scope, _not_cancelled, _plan_check, load_movement

#: The largest aircraft the agency charters seat fewer than this.
MAX_SEATS = 600
MAX_PICKUP_HEADCOUNT = 90
DASH = " \u2013 "


@dataclass(frozen=True, slots=True)
class StopIn:
    code: str
    scheduled_at: datetime  # arrival at the stop, UTC


def _check_route(origin: str, departs_at: datetime, stops: tuple[StopIn, ...]) -> None:
    if not stops:
        raise RuleViolation("a charter needs at least one stop", field="stops")
    seen = {origin.upper()}
    previous = departs_at
    for i, stop in enumerate(stops, start=1):
        code = stop.code.strip().upper()
        if not (len(code) == 3 and code.isalpha()):
            raise RuleViolation(f"stop {i}: {stop.code!r} is not an IATA airport code",
                                field="stops")
        if code in seen:
            raise RuleViolation(f"stop {i}: {code} is on the route twice", field="stops")
        if stop.scheduled_at.tzinfo is None:
            raise RuleViolation(f"stop {i}: the time must carry a time zone", field="stops")
        if stop.scheduled_at <= previous:
            raise RuleViolation(f"stop {i} ({code}) must be after the previous point of the "
                                "route", field="stops")
        seen.add(code)
        previous = stop.scheduled_at


def _check_capacity_value(seats: int) -> None:
    if not (1 <= seats <= MAX_SEATS):
        raise RuleViolation(f"seat capacity {seats} must be between 1 and {MAX_SEATS}",
                            field="seat_capacity")


def plan_charter(tx: Tx, new: NewMovement, operator: str, seat_capacity: int,
                 stops: tuple[StopIn, ...]) -> int:
    """Plan a charter departure from the airport along ``stops`` (in route order).

    The movement's destination is the last stop.  Returns the movement id.  Raises
    ``RuleViolation`` for an empty route, a repeated or unknown stop, times out of order,
    a capacity out of range or a missing operator."""
    _plan_check(tx)
    name = clean_text(operator, "operator", required=True, max_len=120)
    _check_capacity_value(seat_capacity)
    _check_route(new.origin, new.scheduled_at, stops)
    _airport_in_scope(tx, new.airport)
    codes = tuple(s.code.strip().upper() for s in stops)
    movement_id = create_movement(tx, NewMovement(
        airport=new.airport, kind=MovementKind.DEPARTURE, carrier=new.carrier,
        flight_number=new.flight_number, operational_date=new.operational_date,
        origin=new.origin, destination=codes[-1], scheduled_at=new.scheduled_at,
        is_charter=True, stops=codes, terminal=new.terminal, pier=new.pier, gate=new.gate,
        aircraft_type=new.aircraft_type, aircraft_registration=new.aircraft_registration))
    movement = get_or_404(tx, Movement, movement_id, "movement")
    for row, stop in zip(movement.stops, stops, strict=True):
        row.scheduled_at = stop.scheduled_at
    tx.session.add(Charter(movement_id=movement_id, operator=name or "",
                           seat_capacity=seat_capacity))
    tx.session.flush()
    tx.audit("plan_charter", "movement", movement_id,
             after={"operator": name, "seat_capacity": seat_capacity, "stops": list(codes)})
    return movement_id


def _charter(tx: Tx, movement_id: int) -> tuple[Movement, Charter]:
    movement = load_movement(tx, movement_id)
    charter = tx.session.get(Charter, movement_id)
    if charter is None:
        raise RuleViolation(f"{movement.flight} is not a planned charter", field="movement")
    return movement, charter


def check_capacity(tx: Tx, movement: Movement) -> None:
    """Refuse (``RuleViolation``) when any leg has more people on board than seats.

    Call after the change is flushed, inside the action: the refusal rolls it back."""
    charter = tx.session.get(Charter, movement.id)
    if charter is None:
        return
    tx.session.flush()
    for leg in legs_of(tx.session, movement, charter.seat_capacity):
        if leg.over:
            raise RuleViolation(
                f"{movement.flight} {leg.frm}\u2013{leg.to}: {leg.on_board} on board "
                f"({leg.passengers} passengers, {leg.crew} crew) for {leg.capacity} seats; "
                f"{leg.on_board - leg.capacity} over capacity", field="seat_capacity")


def edit_charter(tx: Tx, movement_id: int, *, operator: str | None = None,
                 seat_capacity: int | None = None, aircraft_type: str | None = None,
                 aircraft_registration: str | None = None,
                 stop_times: dict[str, datetime] | None = None,
                 expected_version: int | None = None) -> None:
    """Change a charter's operator, aircraft, seats or stop times.  A smaller capacity
    than the people already on a leg is refused."""
    _plan_check(tx)
    movement, charter = _charter(tx, movement_id)
    check_version(movement, expected_version, f"charter {movement.flight}")
    _not_cancelled(tx, movement)
    after: dict[str, object] = {}
    if operator is not None:
        charter.operator = clean_text(operator, "operator", required=True, max_len=120) or ""
        after["operator"] = charter.operator
    if seat_capacity is not None:
        _check_capacity_value(seat_capacity)
        charter.seat_capacity = seat_capacity
        after["seat_capacity"] = seat_capacity
    for key, value in (("aircraft_type", aircraft_type),
                       ("aircraft_registration", aircraft_registration)):
        if value is not None:
            text = clean_text(value, key.replace("_", " "), max_len=12)
            setattr(movement, key, text.upper() if text else None)
            after[key] = getattr(movement, key)
    if stop_times:
        by_code = {s.airport_code: s for s in movement.stops}
        for code, at in stop_times.items():
            if code not in by_code:
                raise RuleViolation(f"{movement.flight} does not stop at {code}", field="stops")
            by_code[code].scheduled_at = at
        _check_route(movement.origin, movement.scheduled_at,
                     tuple(StopIn(s.airport_code, s.scheduled_at or movement.scheduled_at)
                           for s in movement.stops))
        after["stop_times"] = {k: v for k, v in stop_times.items()}
    if not after:
        return
    touch(movement, "carrier")  # the movement's version moves: concurrent edits conflict
    check_capacity(tx, movement)
    tx.record(MovementUpdated, movement, changes={"charter": list(after)})
    tx.audit("edit_charter", "movement", movement.id, after=after)


def add_crew(tx: Tx, movement_id: int, name: str, role: str, *, board_at: str | None = None,
             leave_at: str | None = None, phone: str | None = None) -> int:
    """Plan an escort or medical staff member on a charter, on board from ``board_at``
    (default: the origin) to ``leave_at`` (default: the last stop).  They take a seat:
    capacity is checked on every leg they fly."""
    _plan_check(tx)
    movement, _ = _charter(tx, movement_id)
    _not_cancelled(tx, movement)
    who = clean_text(name, "crew name", required=True, max_len=200)
    if role not in CREW_ROLES:
        raise RuleViolation(f"role {role!r} must be one of {', '.join(CREW_ROLES)}",
                            field="role")
    route = route_of(movement)
    start = (board_at or route[0]).strip().upper()
    end = (leave_at or route[-1]).strip().upper()
    for code, what in ((start, "board_at"), (end, "leave_at")):
        if code not in route:
            raise RuleViolation(f"{code} is not on the route {DASH.join(route)}",
                                field=what)
    if route.index(end) <= route.index(start):
        raise RuleViolation(f"{who} must leave after boarding ({start} before {end})",
                            field="leave_at")
    crew = CharterCrew(movement_id=movement.id, name=who or "", role=role, board_at=start,
                       leave_at=end, phone=clean_text(phone, "phone", max_len=40))
    tx.session.add(crew)
    tx.session.flush()
    check_capacity(tx, movement)
    tx.record(MovementUpdated, movement, changes={"crew": crew.id})
    tx.audit("add_crew", "movement", movement.id,
             after={"crew": crew.id, "role": role, "board_at": start, "leave_at": end})
    return crew.id


def remove_crew(tx: Tx, crew_id: int) -> None:
    _plan_check(tx)
    crew = get_or_404(tx, CharterCrew, crew_id, "crew member")
    movement = load_movement(tx, crew.movement_id)
    tx.session.delete(crew)
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes={"crew_removed": crew_id})
    tx.audit("remove_crew", "movement", movement.id, before={"crew": crew_id})


def add_pickup(tx: Tx, movement_id: int, location: str, pickup_at: datetime, vehicle: str,
               headcount: int) -> int:
    """Plan ground transport from a reception location to the airport.

    The pickup must be before the departure; headcount 1..90 (a coach)."""
    _plan_check(tx)
    movement = load_movement(tx, movement_id)
    _not_cancelled(tx, movement)
    place = clean_text(location, "pickup location", required=True, max_len=200)
    car = clean_text(vehicle, "vehicle", required=True, max_len=80)
    if pickup_at.tzinfo is None:
        raise RuleViolation("pickup time must carry a time zone", field="pickup_at")
    if pickup_at >= movement.scheduled_at:
        raise RuleViolation(f"pickup at {pickup_at:%H:%M} UTC is not before the departure "
                            f"({movement.scheduled_at:%H:%M} UTC)", field="pickup_at")
    if not (1 <= headcount <= MAX_PICKUP_HEADCOUNT):
        raise RuleViolation(f"headcount {headcount} must be between 1 and "
                            f"{MAX_PICKUP_HEADCOUNT}", field="headcount")
    pickup = GroundPickup(movement_id=movement.id, location=place or "", pickup_at=pickup_at,
                          vehicle=car or "", headcount=headcount)
    tx.session.add(pickup)
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes={"pickup": pickup.id})
    tx.audit("add_pickup", "movement", movement.id,
             after={"pickup": pickup.id, "location": place, "headcount": headcount})
    return pickup.id


def remove_pickup(tx: Tx, pickup_id: int) -> None:
    _plan_check(tx)
    pickup = get_or_404(tx, GroundPickup, pickup_id, "pickup")
    movement = load_movement(tx, pickup.movement_id)
    tx.session.delete(pickup)
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes={"pickup_removed": pickup_id})
    tx.audit("remove_pickup", "movement", movement.id, before={"pickup": pickup_id})


__all__ = ["CharterStop", "StopIn", "add_crew", "add_pickup", "check_capacity",
           "edit_charter", "plan_charter", "remove_crew", "remove_pickup"]
