"""Charters (issue 14.2): a whole aircraft with an operator, a seat capacity and an
ordered route of stops; crew planned on board; ground pickups to the airport.

Capacity is checked per leg (people on board between two points of the route, crew
included), so a case leaving at the first stop frees seats for the rest of the route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .. import flight_shapes
from ..errors import Problems, RuleViolation
from ..events import MovementUpdated, PassengerUpdated
from ..input_rules import airport_zone, check_airport, check_name
from ..models import CharterStop, Movement, MovementKind
from ..phrases import N_, Phrase
from ..planning_models import Charter, CharterCrew, GroundPickup
from ..planning_queries import CREW_ROLES, legs_of, route_of
from ..uow import Tx
from ._common import check_version, clean_text, get_or_404, touch
from .movements import NewMovement, create_movement
from .planning import (
    _airport_in_scope,
    _not_cancelled,
    _plan_check,
    booked_on,
    check_new_plan,
    load_movement,
)

#: The largest aircraft the agency charters seat fewer than this.
MAX_SEATS = 600
MAX_PICKUP_HEADCOUNT = 90
DASH = " \u2013 "


@dataclass(frozen=True, slots=True)
class StopIn:
    code: str
    scheduled_at: datetime  # arrival at the stop, aware (stored as UTC)


def stop_time(code: str, value: datetime) -> datetime:
    """A stop's arrival time as UTC: an aware ``value`` as it is, a naive one read as the
    wall clock at the stop's airport (its IANA zone from the IATA table, DST-aware), the
    way every edge takes a charter's stop times (forms, JSON API).  A naive time at a
    code the table lacks stays naive, and ``plan_charter``/``add_stop`` refuse it."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = airport_zone(code)
    if zone is None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _check_route(origin: str, departs_at: datetime, stops: tuple[StopIn, ...]) -> None:
    if not stops:
        raise RuleViolation(Phrase(N_("a charter needs at least one stop")), field="stops")
    seen = {origin.upper()}
    previous = departs_at
    for i, stop in enumerate(stops, start=1):
        code = stop.code.strip().upper()
        check_airport(Phrase.of(N_("stop %(number)s:"), number=i), stop.code, field="stops")
        if code in seen:
            raise RuleViolation(Phrase.of(N_("stop %(number)s: %(code)s is on the route twice"),
                                          number=i, code=code), field="stops")
        if stop.scheduled_at.tzinfo is None:
            raise RuleViolation(Phrase.of(N_("stop %(number)s: the time must carry a time zone"),
                                          number=i), field="stops")
        if stop.scheduled_at <= previous:
            raise RuleViolation(Phrase.of(N_("stop %(number)s (%(code)s) must be after the "
                                             "previous point of the route"),
                                          number=i, code=code), field="stops")
        seen.add(code)
        previous = stop.scheduled_at


def _check_capacity_value(seats: int) -> None:
    if not (1 <= seats <= MAX_SEATS):
        raise RuleViolation(Phrase.of(N_("seat capacity %(seats)s must be between 1 and %(most)s"),
                                      seats=seats, most=MAX_SEATS),
                            field="seat_capacity")


def plan_charter(tx: Tx, new: NewMovement, operator: str, seat_capacity: int,
                 stops: tuple[StopIn, ...]) -> int:
    """Plan a charter departure from the airport along ``stops`` (in route order).

    The movement's destination is the last stop.  Returns the movement id.  Raises
    ``RuleViolation`` for an empty route, a repeated or unknown stop, times out of order,
    a capacity out of range or a missing operator."""
    _plan_check(tx)
    _airport_in_scope(tx, new.airport)
    stops = tuple(StopIn(s.code, stop_time(s.code, s.scheduled_at)) for s in stops)
    problems = Problems()  # every field's problem in one refusal
    name = problems.check(clean_text, operator, N_("operator"), required=True, max_len=120)
    problems.check(_check_capacity_value, seat_capacity)
    problems.check(_check_route, new.origin, new.scheduled_at, stops)
    codes = tuple(s.code.strip().upper() for s in stops)
    problems.check(flight_shapes.check_flight_number, new.flight_number.strip().upper(),
                   field="flight")
    problems.check(flight_shapes.check_aircraft_type, (new.aircraft_type or "").strip().upper())
    problems.check(flight_shapes.check_registration,
                   (new.aircraft_registration or "").strip().upper())
    if codes and not problems.refused("stops"):
        check_new_plan(tx, NewMovement(
            airport=new.airport, kind=MovementKind.DEPARTURE, carrier=new.carrier,
            flight_number=new.flight_number, operational_date=new.operational_date,
            origin=new.origin, destination=codes[-1], scheduled_at=new.scheduled_at),
            problems=problems)
    problems.raise_any()
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
        raise RuleViolation(Phrase.of(N_("%(flight)s is not a planned charter"),
                                      flight=movement.flight), field="movement")
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
                Phrase.of(N_("%(flight)s %(frm)s–%(to)s: %(on_board)s on board (%(passengers)s "
                             "passengers, %(crew)s crew) for %(capacity)s seats; %(over)s over "
                             "capacity"),
                          flight=movement.flight, frm=leg.frm, to=leg.to, on_board=leg.on_board,
                          passengers=leg.passengers, crew=leg.crew, capacity=leg.capacity,
                          over=leg.on_board - leg.capacity), field="seat_capacity")


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
        charter.operator = clean_text(operator, N_("operator"), required=True, max_len=120) or ""
        after["operator"] = charter.operator
    if seat_capacity is not None:
        _check_capacity_value(seat_capacity)
        charter.seat_capacity = seat_capacity
        after["seat_capacity"] = seat_capacity
    for key, value in (("aircraft_type", aircraft_type),
                       ("aircraft_registration", aircraft_registration)):
        if value is not None:
            text = clean_text(value, key.replace("_", " "), max_len=12)
            if key == "aircraft_type":
                flight_shapes.check_aircraft_type(text.upper() if text else None)
            else:
                flight_shapes.check_registration(text.upper() if text else None)
            setattr(movement, key, text.upper() if text else None)
            after[key] = getattr(movement, key)
    if stop_times:
        by_code = {s.airport_code: s for s in movement.stops}
        for code, at in stop_times.items():
            if code not in by_code:
                raise RuleViolation(Phrase.of(N_("%(flight)s does not stop at %(code)s"),
                                              flight=movement.flight, code=code), field="stops")
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


def _set_route(tx: Tx, movement: Movement, stops: list[StopIn]) -> None:
    """Check ``stops`` as a route and make it the charter's: positions renumbered 1..n, the
    destination the last stop.  Rows of stops that stay are kept (their ids and times)."""
    _check_route(movement.origin, movement.scheduled_at, tuple(stops))
    by_code = {s.airport_code: s for s in movement.stops}
    rows: list[CharterStop] = []
    for position, stop in enumerate(stops, start=1):
        code = stop.code.strip().upper()
        row = by_code.pop(code, None) or CharterStop(airport_code=code)
        row.position, row.scheduled_at = position, stop.scheduled_at
        rows.append(row)
    movement.stops = rows  # delete-orphan: the stops left in by_code go
    movement.destination = rows[-1].airport_code
    touch(movement, "carrier")  # the version moves: a concurrent edit of the route conflicts
    tx.session.flush()


def _current_stops(movement: Movement) -> list[StopIn]:
    return [StopIn(s.airport_code, s.scheduled_at or movement.scheduled_at)
            for s in movement.stops]


def add_stop(tx: Tx, movement_id: int, code: str, scheduled_at: datetime, *,
             after: str | None = None, expected_version: int | None = None) -> int:
    """Add a stop to a planned charter's route after the point ``after`` (the origin or a
    stop; default: after the last stop, which makes it the new destination).

    ``scheduled_at`` is the arrival there (UTC, with a zone): it must fall between the
    points around it.  Passengers already booked keep their stops; a new stop before
    theirs does not change who is on board on any leg.  Returns the new stop's position
    (1 = first stop).  Raises ``RuleViolation`` (field ``stops``/``after``) for a code
    already on the route, an unknown ``after``, times out of order or a cancelled charter;
    ``Conflict`` on a stale ``expected_version``."""
    _plan_check(tx)
    movement, _ = _charter(tx, movement_id)
    check_version(movement, expected_version, f"charter {movement.flight}")
    _not_cancelled(tx, movement)
    route = route_of(movement)
    where = (after or route[-1]).strip().upper()
    if where not in route:
        raise RuleViolation(Phrase.of(N_("%(where)s is not on the route %(route)s"),
                                      where=where, route=DASH.join(route)), field="after")
    stops = _current_stops(movement)
    position = route.index(where)  # index into stops where the new one goes
    new = StopIn(code.strip().upper(), stop_time(code, scheduled_at))
    stops.insert(position, new)
    before = list(route[1:])
    _set_route(tx, movement, stops)
    after_codes = [s.airport_code for s in movement.stops]
    tx.record(MovementUpdated, movement, changes={"stops": after_codes})
    tx.audit("add_charter_stop", "movement", movement.id, before={"stops": before},
             after={"stops": after_codes, "added": new.code.strip().upper(),
                    "scheduled_at": scheduled_at.isoformat()})
    return position + 1


def remove_stop(tx: Tx, movement_id: int, code: str, *, move_to: str | None = None,
                expected_version: int | None = None) -> list[int]:
    """Take a stop off a planned charter's route.

    Passengers booked to leave the aircraft at that stop are never dropped silently: the
    removal is refused with a message naming them (case and name) unless ``move_to``
    names another stop of the route, where their bookings then end instead (each
    booking's change audited; capacity checked on every leg).  Crew boarding or leaving
    there are named and refused: re-plan them first.  The last remaining stop cannot be
    removed (cancel the charter instead).  Returns the ids of the bookings moved."""
    _plan_check(tx)
    movement, _ = _charter(tx, movement_id)
    check_version(movement, expected_version, f"charter {movement.flight}")
    _not_cancelled(tx, movement)
    gone = code.strip().upper()
    codes = [s.airport_code for s in movement.stops]
    if gone not in codes:
        raise RuleViolation(Phrase.of(N_("%(flight)s does not stop at %(gone)s (stops: "
                                         "%(stops)s)"),
                                      flight=movement.flight, gone=gone, stops=", ".join(codes)),
                            field="stop")
    if len(codes) == 1:
        raise RuleViolation(Phrase.of(N_("%(gone)s is the only stop of %(flight)s: cancel the "
                                         "charter instead"),
                                      gone=gone, flight=movement.flight), field="stop")
    target = move_to.strip().upper() if move_to else None
    if target is not None and (target == gone or target not in codes):
        others = ", ".join(c for c in codes if c != gone)
        raise RuleViolation(Phrase.of(N_("move the passengers to another stop of the route "
                                         "(%(others)s), not %(target)s"),
                                      others=others, target=target), field="move_to")
    last = codes[-1]
    leaving = [b for b in booked_on(tx, movement.id) if (b.stop or last) == gone]
    if leaving and target is None:
        names = "; ".join(f"{b.passenger.case.reference} {b.passenger.surname.upper()} "
                          f"{b.passenger.given_names}" for b in leaving)
        raise RuleViolation(
            Phrase.of(N_("%(count)s passenger(s) are booked to leave %(flight)s at %(gone)s: "
                         "%(names)s. Choose the stop they leave at instead, or rebook them first"),
                      count=len(leaving), flight=movement.flight, gone=gone, names=names),
            field="bookings")
    crew = [c for c in tx.session.scalars(select(CharterCrew).where(
        CharterCrew.movement_id == movement.id).order_by(CharterCrew.id))
        if gone in (c.board_at, c.leave_at)]
    if crew:
        names = "; ".join(f"{c.name} ({c.board_at}\u2013{c.leave_at})" for c in crew)
        raise RuleViolation(Phrase.of(N_("crew board or leave %(flight)s at %(gone)s: %(names)s. "
                                         "Re-plan them first"),
                                      flight=movement.flight, gone=gone, names=names), field="crew")
    moved: list[int] = []
    for booking in leaving:
        booking.stop = target
        moved.append(booking.id)
    _set_route(tx, movement, [s for s in _current_stops(movement) if s.code != gone])
    check_capacity(tx, movement)
    after_codes = [s.airport_code for s in movement.stops]
    tx.record(MovementUpdated, movement, changes={"stops": after_codes})
    for booking in leaving:  # their cards ("to BGW") re-render live on every tablet
        tx.record(PassengerUpdated, movement, passenger_id=booking.passenger_id)
    tx.audit("remove_charter_stop", "movement", movement.id, before={"stops": codes},
             after={"stops": after_codes, "removed": gone, "moved_to": target,
                    "bookings_moved": moved})
    return moved


def add_crew(tx: Tx, movement_id: int, name: str, role: str, *, board_at: str | None = None,
             leave_at: str | None = None, phone: str | None = None) -> int:
    """Plan an escort or medical staff member on a charter, on board from ``board_at``
    (default: the origin) to ``leave_at`` (default: the last stop).  They take a seat:
    capacity is checked on every leg they fly."""
    _plan_check(tx)
    movement, _ = _charter(tx, movement_id)
    _not_cancelled(tx, movement)
    who = clean_text(name, N_("crew name"), required=True, max_len=200)
    check_name(Phrase(N_("crew name")), who, field="name")
    if role not in CREW_ROLES:
        raise RuleViolation(Phrase.of(N_("role %(role)s must be one of %(roles)s"),
                                      role=repr(role), roles=", ".join(CREW_ROLES)),
                            field="role")
    route = route_of(movement)
    start = (board_at or route[0]).strip().upper()
    end = (leave_at or route[-1]).strip().upper()
    for code, what in ((start, "board_at"), (end, "leave_at")):
        if code not in route:
            raise RuleViolation(Phrase.of(N_("%(code)s is not on the route %(route)s"),
                                          code=code, route=DASH.join(route)),
                                field=what)
    if route.index(end) <= route.index(start):
        raise RuleViolation(Phrase.of(N_("%(who)s must leave after boarding (%(start)s before "
                                         "%(end)s)"),
                                      who=who or "", start=start, end=end),
                            field="leave_at")
    crew = CharterCrew(movement_id=movement.id, name=who or "", role=role, board_at=start,
                       leave_at=end, phone=clean_text(phone, N_("phone"), max_len=40))
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
    place = clean_text(location, N_("pickup location"), required=True, max_len=200)
    car = clean_text(vehicle, N_("vehicle"), required=True, max_len=80)
    if pickup_at.tzinfo is None:
        raise RuleViolation(Phrase(N_("pickup time must carry a time zone")), field="pickup_at")
    if pickup_at >= movement.scheduled_at:
        raise RuleViolation(Phrase.of(N_("pickup at %(pickup_at)s UTC is not before the "
                                         "departure (%(scheduled_at)s UTC)"),
                                      pickup_at=format(pickup_at, "%H:%M"),
                                      scheduled_at=format(movement.scheduled_at, "%H:%M")),
                            field="pickup_at")
    if not (1 <= headcount <= MAX_PICKUP_HEADCOUNT):
        raise RuleViolation(Phrase.of(N_("headcount %(headcount)s must be between 1 and %(most)s"),
                                      headcount=headcount, most=MAX_PICKUP_HEADCOUNT),
                            field="headcount")
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


__all__ = ["CharterStop", "StopIn", "add_crew", "add_pickup", "add_stop", "check_capacity",
           "edit_charter", "plan_charter", "remove_crew", "remove_pickup", "remove_stop"]
