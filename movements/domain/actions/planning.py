"""The coordinators' plan (issue 14): movements, transits, cases and their passengers,
whole-case bookings, moves and cancellations.

Every action here is a coordinator's (or an admin's): it checks the rule, changes rows,
bumps versions, records events through ``Tx.record`` (so boards update live) and writes
an audit entry, all in the caller's transaction.  Refusals raise ``RuleViolation`` with
the field at fault and change nothing.  Charters live in ``charters``; readiness in
``domain/readiness``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from .. import flight_shapes
from ..access import (
    Need,
    access_airport,
    access_booking,
    access_case,
    access_movement,
    access_passenger,
)
from ..errors import Problems, RuleViolation
from ..events import MovementUpdated, PassengerBooked, PassengerUpdated
from ..input_rules import check_airport, check_name
from ..models import (
    Booking,
    BookingStatus,
    Case,
    ChronicCondition,
    Movement,
    MovementKind,
    Passenger,
    Role,
    Transit,
)
from ..phrases import N_, Phrase
from ..planning_models import BookingCancellation, MovementCancellation, TravelDocument
from ..ssr import AGE_BANDS, SSR_CODES, age_conflicts
from ..uow import Tx
from ._common import check_version, clean_text, require_role, touch
from .movements import (
    STAND_FIELDS,
    NewMovement,
    airport_by_code,
    check_stand_value,
    create_movement,
    link_transit,
    overwritten_by_person,
    require_correction_reason,
)
from .passengers import (
    NAME_FIELDS,
    NewPassenger,
    add_passenger,
    check_not_twice,
    flag_case_split,
    validate_needs,
)

PLANNERS = (Role.COORDINATOR, Role.ADMIN)

#: Milestones after which a booking is history, not a plan (milestones.py keys).
FINAL_STEPS = frozenset({"boarded", "departed", "boarded_onward", "handed_over"})

#: Travel document types the agency works with (ICAO 9303 document codes in words).
DOCUMENT_TYPES = ("passport", "identity_card", "laissez_passer", "emergency_travel_document")

CASE_EXISTS = N_("case %(reference)s exists already")
NOT_AT = N_("case %(reference)s is not at %(airport)s")


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-3 code (pycountry), e.g. IRQ; "XXA" (stateless, ICAO
    9303) is accepted too."""
    import pycountry

    key = code.strip().upper()
    return len(key) == 3 and (key in {"XXA", "XXB", "XXC", "XXX"}
                              or pycountry.countries.get(alpha_3=key) is not None)


def _plan_check(tx: Tx) -> None:
    require_role(tx, *PLANNERS)


# Loading a row is asking permission (DESIGN.md): through the one access policy
# (domain/access.py); out of the actor's airports reads as not found.

def load_movement(tx: Tx, movement_id: int) -> Movement:
    return access_movement(tx.session, tx.actor, movement_id, Need.COORDINATE)


def load_case(tx: Tx, case_id: int) -> Case:
    return access_case(tx.session, tx.actor, case_id, Need.COORDINATE)


def load_passenger(tx: Tx, passenger_id: int) -> Passenger:
    return access_passenger(tx.session, tx.actor, passenger_id, Need.COORDINATE)


def load_booking(tx: Tx, booking_id: int) -> Booking:
    return access_booking(tx.session, tx.actor, booking_id, Need.COORDINATE)


def _reason(value: str | None, what: str) -> str:
    text = clean_text(value, what, required=True, max_len=300)
    assert text is not None
    return text


def _airport_in_scope(tx: Tx, code: str) -> None:
    access_airport(tx.session, tx.actor, code, Need.COORDINATE)


# ----------------------------------------------------------------------------- movements

def flight_designator(text: str, field: str = "flight") -> tuple[str, str]:
    """Split a flight as people type it ("KL1571", "kl 1571", "U2 1234", "TRA5542") into
    (airline designator, flight number): a two-character IATA designator (at least one
    letter), or three letters (an ICAO-style charter operator) when the third character
    is a letter.

    One rule for every edge (pages, API, CLI).  Raises ``RuleViolation`` on ``field``
    when there is no number after the designator."""
    value = (text or "").strip().upper().replace(" ", "")
    split = 3 if len(value) > 3 and value[:3].isalpha() else 2
    carrier, number = value[:split], value[split:]
    # IATA designators mix letters and digits ("U2", "3U") but are never two digits.
    if len(value) < 3 or not number[:1].isdigit() or not value.isalnum() \
            or not any(c.isalpha() for c in carrier):
        raise RuleViolation(Phrase.of(N_("flight %(text)s: expected a flight such as KL1234"),
                                      text=repr(text)),
                            field=field)
    flight_shapes.check_flight_number(number, field=field)
    return carrier, number


def new_movement(airport: str, kind: MovementKind, flight: str, operational_date: date,
                 scheduled_at: datetime, *, origin: str | None = None,
                 destination: str | None = None, field: str = "flight",
                 **details: Any) -> NewMovement:
    """A ``NewMovement`` from what a person gives: the flight as typed, and the airport
    filled in as the end of the leg that is here (the origin of a departure or onward
    leg, the destination of an arrival or inbound leg) when that end is left out.

    ``details`` are ``NewMovement``'s optional fields (terminal, gate, aircraft...)."""
    carrier, number = flight_designator(flight, field)
    flight_shapes.check_aircraft_type((details.get("aircraft_type") or "").strip().upper())
    flight_shapes.check_registration(
        (details.get("aircraft_registration") or "").strip().upper())
    here = airport.strip().upper()
    leaves_here = kind in (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)
    return NewMovement(
        airport=here, kind=kind, carrier=carrier, flight_number=number,
        operational_date=operational_date,
        origin=(origin or "").strip().upper() or (here if leaves_here else ""),
        destination=(destination or "").strip().upper() or ("" if leaves_here else here),
        scheduled_at=scheduled_at, **details)


def movement_kind(value: str | None, *, transit: bool = False) -> MovementKind:
    """"departure" or "arrival" (and "transit" when ``transit``) as typed; else a
    ``RuleViolation`` on ``kind`` saying which are allowed."""
    allowed = ("departure", "arrival", "transit") if transit else ("departure", "arrival")
    text = (value or "departure").strip().lower()
    if text not in allowed:
        raise RuleViolation(Phrase.of(N_("kind %(value)s must be %(kinds)s or %(last)s"),
                                      value=repr(value), kinds=", ".join(allowed[:-1]),
                                      last=allowed[-1]), field="kind")
    return MovementKind.TRANSIT_IN if text == "transit" else MovementKind(text)


def chronic_condition(value: str | None) -> ChronicCondition | None:
    """The agency's chronic-condition category by its value, None for empty; else a
    ``RuleViolation`` on ``chronic_condition``."""
    if not value:
        return None
    try:
        return ChronicCondition(value)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("chronic condition %(value)s is not a category we record"),
                                      value=repr(value)),
                            field="chronic_condition") from None


#: How far back and ahead a new plan's date may lie (around the airport's today).
PLAN_DAYS_BACK = 7
PLAN_YEARS_AHEAD = 2


def check_new_plan(tx: Tx, new: NewMovement, prefix: str = "",
                   problems: Problems | None = None) -> None:
    """A new plan's date lies from ``PLAN_DAYS_BACK`` days ago to ``PLAN_YEARS_AHEAD``
    years ahead, its airports are in the IATA table, and the leg's other end is another
    airport than this one (no AMS to AMS).  ``prefix`` names the leg's fields on a
    transit form ("in_", "out_").  Every field's problem is collected: into ``problems``
    when given (the caller raises), else raised together (``FieldProblems``)."""
    found = problems if problems is not None else Problems()
    found.check(check_plan_date, tx, new.operational_date, f"{prefix}date")
    check_leg(new.airport, new.kind, new.origin, new.destination,
              {key: getattr(new, key, None) for key in STAND_FIELDS}, found, prefix)
    if problems is None:
        found.raise_any()


#: The route fields by their words (a refusal's subject).
_ROUTE_LABELS = {"origin": N_("origin"), "destination": N_("destination")}


def check_leg(airport: str, kind: MovementKind, origin: str | None, destination: str | None,
              stands: dict[str, str | None], problems: Problems, prefix: str = "") -> None:
    """The rules of one leg's fields that need no database, each problem into
    ``problems`` under its field (``prefix`` + name): origin and destination are
    airports of the IATA table (``input_rules.check_airport``), terminal/pier/gate keep
    ``check_stand_value``, and the leg touches ``airport`` on its own side only
    (``check_other_end``).  Edges call it with what was typed, before parsing the rest,
    so a form's bad fields are reported together."""
    for key, value in (("origin", origin), ("destination", destination)):
        problems.check(check_airport, Phrase(_ROUTE_LABELS[key]), value, field=prefix + key)
    for key, value in stands.items():
        problems.check(check_stand_value, key, (value or "").strip().upper() or None,
                       f"{prefix}{key}")
    problems.check(check_other_end, airport, kind, origin, destination, prefix)


def check_plan_date(tx: Tx, day: date, field: str = "date") -> None:
    """``day`` lies from ``PLAN_DAYS_BACK`` days ago to ``PLAN_YEARS_AHEAD`` years ahead
    of today; else a ``RuleViolation`` saying the window's end."""
    today = tx.now.date()
    first = today - timedelta(days=PLAN_DAYS_BACK)
    try:
        last = today.replace(year=today.year + PLAN_YEARS_AHEAD)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + PLAN_YEARS_AHEAD, day=28)
    if day < first:
        raise RuleViolation(Phrase.of(
            N_("date %(day)s is more than %(n)s days ago; plan flights from %(first)s"),
            day=day.isoformat(), n=PLAN_DAYS_BACK, first=first.isoformat()), field=field)
    if day > last:
        raise RuleViolation(Phrase.of(
            N_("date %(day)s is more than %(n)s years ahead; plan flights up to %(last)s"),
            day=day.isoformat(), n=PLAN_YEARS_AHEAD, last=last.isoformat()), field=field)


def check_other_end(airport: str, kind: MovementKind, origin: str | None,
                    destination: str | None, prefix: str = "") -> None:
    """A leg planned at ``airport`` touches it on its own side and not on the other: a
    departure or onward leg leaves from it (origin) and goes elsewhere; an arrival or
    inbound leg lands at it (destination) and comes from elsewhere.  A charter is a
    departure, so its first point is the airport.  Else a ``RuleViolation`` on the field
    (``prefix`` names a transit leg's fields: "in_", "out_")."""
    here = airport.strip().upper()
    leaves_here = kind in (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)
    own, own_name = (origin, "origin") if leaves_here else (destination, "destination")
    other, name = (destination, "destination") if leaves_here else (origin, "origin")
    own_code = (own or "").strip().upper()
    if own_code != here:
        key = (N_("from %(code)s: a flight leaving %(airport)s leaves from %(airport)s")
               if leaves_here else
               N_("to %(code)s: a flight arriving at %(airport)s lands at %(airport)s"))
        raise RuleViolation(Phrase.of(key, code=own_code or "-", airport=here),
                            field=f"{prefix}{own_name}")
    if (other or "").strip().upper() == here:
        key = (N_("to %(airport)s: a flight leaving %(airport)s goes to another airport")
               if leaves_here else
               N_("from %(airport)s: a flight arriving at %(airport)s comes from another airport"))
        raise RuleViolation(Phrase.of(key, airport=here), field=f"{prefix}{name}")


def plan_movement(tx: Tx, new: NewMovement) -> int:
    """Plan a departure or an arrival on a scheduled flight (or a charter).

    Returns the movement id.  Raises ``PermissionDenied`` for other roles and
    ``RuleViolation`` for a bad flight, airport code, naive time or a duplicate."""
    _plan_check(tx)
    if new.kind in (MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT):
        raise RuleViolation(Phrase(N_("a transit is planned with both legs (plan_transit)")),
                            field="kind")
    _airport_in_scope(tx, new.airport)
    check_new_plan(tx, new)
    return create_movement(tx, new)


@dataclass(frozen=True, slots=True)
class PlannedTransit:
    inbound_id: int
    onward_id: int
    connection_minutes: int
    min_connection_minutes: int

    @property
    def short(self) -> bool:
        return self.connection_minutes < self.min_connection_minutes


def plan_transit(tx: Tx, inbound: NewMovement, onward: NewMovement) -> PlannedTransit:
    """Plan both legs of a transit at one airport and link them.

    ``inbound`` must arrive (its destination is the airport) before ``onward`` leaves.
    Returns both ids and the connection in minutes with the minimum that applies (the
    carrier's connection rule at the airport, else the airport's default)."""
    _plan_check(tx)
    if inbound.airport.upper() != onward.airport.upper():
        raise RuleViolation(Phrase(N_("both legs of a transit are at the same airport")),
                            field="airport")
    _airport_in_scope(tx, inbound.airport)
    problems = Problems()  # both legs' problems in one refusal
    check_new_plan(tx, replace(inbound, kind=MovementKind.TRANSIT_IN), "in_", problems)
    check_new_plan(tx, replace(onward, kind=MovementKind.TRANSIT_OUT), "out_", problems)
    problems.raise_any()
    in_id = create_movement(tx, replace(inbound, kind=MovementKind.TRANSIT_IN))
    out_id = create_movement(tx, replace(onward, kind=MovementKind.TRANSIT_OUT))
    link_transit(tx, in_id, out_id)
    return transit_connection(tx, in_id)


def transit_connection(tx: Tx, inbound_id: int) -> PlannedTransit:
    from ..models import ConnectionRule

    link = tx.session.scalar(select(Transit).where(Transit.inbound_movement_id == inbound_id))
    if link is None:
        raise RuleViolation(Phrase.of(N_("movement %(id)s is not the inbound leg of a transit"),
                                      id=str(inbound_id)))
    inbound, onward = link.inbound, link.onward
    minutes = int((onward.scheduled_at - inbound.scheduled_at).total_seconds() // 60)
    rule = tx.session.scalar(select(ConnectionRule.min_connection_minutes).where(
        ConnectionRule.airport_id == onward.airport_id, ConnectionRule.carrier == onward.carrier))
    minimum = int(rule if rule is not None else onward.airport.min_connection_minutes)
    return PlannedTransit(inbound.id, onward.id, minutes, minimum)


#: What planning may edit on a movement, besides what the feed corrects.
EDITABLE = ("carrier", "flight_number", "operational_date", "origin", "destination",
            "scheduled_at", "terminal", "pier", "gate", "aircraft_type",
            "aircraft_registration")


def edit_movement(tx: Tx, movement_id: int, changes: dict[str, Any],
                  expected_version: int | None = None, *, reason: str | None = None) -> bool:
    """Edit a planned movement's flight, route or schedule.

    ``changes`` maps names of ``EDITABLE`` to new values (dates as ``date``, times as
    aware ``datetime``), or ``flight`` as typed (``flight_designator``).  Changing a gate,
    terminal, pier or scheduled time that holds a value is a correction: it needs
    ``reason`` (``movements.require_correction_reason``), which the audit keeps.  Returns
    False (recording nothing) when nothing differs.  Raises ``ConflictError`` on a stale
    version and ``RuleViolation`` for an unknown field, a bad value, a correction without
    a reason or a change that makes it duplicate another movement."""
    _plan_check(tx)
    movement = load_movement(tx, movement_id)
    check_version(movement, expected_version, f"movement {movement.flight}")
    _not_cancelled(tx, movement)
    problems = Problems()  # every field's problem in one refusal
    if "flight" in changes:  # as typed: one rule for every edge
        changes = dict(changes)
        split = problems.check(flight_designator, changes.pop("flight"))
        if split is not None:
            changes["carrier"], changes["flight_number"] = split
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise RuleViolation(Phrase.of(N_("cannot change %(fields)s here"),
                                      fields=", ".join(sorted(unknown))),
                            field=sorted(unknown)[0])
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in changes.items():
        try:
            value = _clean_field(key, value)
        except RuleViolation as refused:
            problems.add(refused)
            continue
        if getattr(movement, key) != value:
            before[key] = getattr(movement, key)
            after[key] = value
    if "operational_date" in after:  # a new date obeys the plan's window
        problems.check(check_plan_date, tx, after["operational_date"])
    if ("origin" in after or "destination" in after) and not (
            problems.refused("origin") or problems.refused("destination")):
        problems.check(check_other_end, movement.airport.iata, movement.kind,
                       after.get("origin", movement.origin),
                       after.get("destination", movement.destination))
    problems.raise_any()
    if not after:
        return False
    why = clean_text(reason, N_("reason"), max_len=300)
    require_correction_reason(overwritten_by_person(tx, movement, after), why)
    carrier = after.get("carrier", movement.carrier)
    number = after.get("flight_number", movement.flight_number)
    day = after.get("operational_date", movement.operational_date)
    clash = tx.session.scalar(select(Movement.id).where(
        Movement.airport_id == movement.airport_id, Movement.carrier == carrier,
        Movement.flight_number == number, Movement.operational_date == day,
        Movement.kind == movement.kind, Movement.id != movement.id))
    if clash is not None:
        raise RuleViolation(Phrase.of(N_("%(carrier)s%(number)s on %(day)s (%(kind)s) exists "
                                         "already as movement %(clash)s"),
                                      carrier=carrier, number=number, day=str(day),
                                      kind=Phrase(movement.kind.label), clash=clash),
                            field="flight_number")
    for key, value in after.items():
        setattr(movement, key, value)
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes=after)
    tx.audit("edit_movement", "movement", movement.id, before=before, after=after,
             detail=f"reason: {why}" if why else None)
    return True


def _clean_field(key: str, value: Any) -> Any:
    if key in ("scheduled_at",):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise RuleViolation(Phrase.of(N_("%(field)s must be a time with a time zone"),
                                          field=key), field=key)
        return value
    if key == "operational_date":
        if not isinstance(value, date):
            raise RuleViolation(Phrase(N_("operational_date must be a date (YYYY-MM-DD)")),
                                field=key)
        return value
    text = (str(value) if value is not None else "").strip().upper()
    if key == "carrier" and not (2 <= len(text) <= 3 and text.isalnum()):
        raise RuleViolation(Phrase.of(N_("carrier %(value)s is not an airline code"),
                                      value=repr(value)), field=key)
    if key == "flight_number" and not (1 <= len(text) <= 5 and text[:1].isdigit()
                                       and text.isalnum()):
        raise RuleViolation(Phrase.of(N_("flight number %(value)s is not valid"),
                                      value=repr(value)), field=key)
    if key in ("origin", "destination"):
        check_airport(Phrase(N_("origin") if key == "origin" else N_("destination")),
                      text, field=key)
    if key in STAND_FIELDS:
        check_stand_value(key, text or None)
    if key == "flight_number":
        flight_shapes.check_flight_number(text)
    if key == "aircraft_type":
        flight_shapes.check_aircraft_type(text)
    if key == "aircraft_registration":
        flight_shapes.check_registration(text)
    if len(text) > 12:
        raise RuleViolation(Phrase.of(N_("%(field)s is longer than 12 characters"),
                                      field=key), field=key)
    return text or None


def _not_cancelled(tx: Tx, movement: Movement) -> None:
    if tx.session.get(MovementCancellation, movement.id) is not None:
        raise RuleViolation(Phrase.of(N_("%(flight)s on %(date)s was cancelled"),
                                      flight=movement.flight,
                                      date=str(movement.operational_date)))


def booked_on(tx: Tx, movement_id: int) -> list[Booking]:
    """Bookings still standing on a movement (not cancelled)."""
    return list(tx.session.scalars(select(Booking).where(
        Booking.movement_id == movement_id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.id)))


def cancel_movement(tx: Tx, movement_id: int, reason: str,
                    expected_version: int | None = None) -> None:
    """Cancel a planned movement (flight state CNX) with a reason.

    Refused while passengers are booked on it: the message lists them by case and name so
    the coordinator can rebook (``move_case``) or release (``cancel_booking``) them first."""
    _plan_check(tx)
    movement = load_movement(tx, movement_id)
    check_version(movement, expected_version, f"movement {movement.flight}")
    why = _reason(reason, "reason")
    _not_cancelled(tx, movement)
    standing = booked_on(tx, movement.id)
    if standing:
        names = "; ".join(f"{b.passenger.case.reference} {b.passenger.surname.upper()} "
                          f"{b.passenger.given_names}" for b in standing)
        raise RuleViolation(Phrase.of(N_("%(count)s passenger(s) are booked on %(flight)s: "
                                         "%(names)s. Rebook or release them first"),
                                      count=len(standing), flight=movement.flight, names=names),
                            field="bookings")
    tx.session.add(MovementCancellation(movement_id=movement.id, reason=why, at=tx.now,
                                        by_user_id=tx.actor.user_id,
                                        username=tx.actor.username))
    before = movement.flight_state
    movement.flight_state = "CNX"
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes={"flight_state": "CNX", "cancelled": why})
    tx.audit("cancel_movement", "movement", movement.id, before={"flight_state": before},
             after={"flight_state": "CNX"}, detail=why)


# ----------------------------------------------------------------------------- cases

@dataclass(frozen=True, slots=True)
class DocumentIn:
    doc_type: str
    number: str
    expires_on: date
    issuing_country: str


def create_case(tx: Tx, airport: str, reference: str,
                programme: str = "voluntary_return") -> int:
    """Create a case (a family or group that travels together) at an airport.

    Raises ``RuleViolation`` when the reference is empty, too long or taken."""
    _plan_check(tx)
    _airport_in_scope(tx, airport)
    ref = (clean_text(reference, N_("case reference"), required=True, max_len=40) or "").upper()
    if tx.session.scalar(select(Case.id).where(Case.reference == ref)) is not None:
        raise RuleViolation(Phrase.of(CASE_EXISTS, reference=ref), field="reference")
    prog = clean_text(programme, N_("programme"), required=True, max_len=40)
    case = Case(reference=ref, airport_id=airport_by_code(tx, airport).id,
                programme=prog or "voluntary_return")
    tx.session.add(case)
    tx.session.flush()
    tx.audit("create_case", "case", case.id, after={"reference": ref, "programme": prog})
    tx.leaves_reports()  # nobody booked yet
    return case.id


def edit_case(tx: Tx, case_id: int, *, reference: str | None = None,
              programme: str | None = None) -> None:
    """Rename a case or change its programme.  Raises ``RuleViolation`` on a taken
    reference."""
    _plan_check(tx)
    case = load_case(tx, case_id)
    before = {"reference": case.reference, "programme": case.programme}
    if reference is not None:
        ref = (clean_text(reference, N_("case reference"), required=True, max_len=40) or "").upper()
        clash = tx.session.scalar(select(Case.id).where(Case.reference == ref, Case.id != case.id))
        if clash is not None:
            raise RuleViolation(Phrase.of(CASE_EXISTS, reference=ref), field="reference")
        case.reference = ref
    if programme is not None:
        case.programme = clean_text(programme, N_("programme"), required=True, max_len=40) or ""
    tx.session.flush()
    for movement in {b.movement for p in case.passengers for b in p.bookings}:
        tx.record(PassengerUpdated, movement)
    tx.audit("edit_case", "case", case.id, before=before,
             after={"reference": case.reference, "programme": case.programme})


def _check_agency_flags(tx: Tx, new: NewPassenger) -> None:
    flagged = (new.medical_escort_required or new.operational_escort_required
               or new.victim_of_trafficking or new.chronic_condition is not None)
    if flagged and tx.actor.role not in PLANNERS:
        raise RuleViolation(Phrase(N_("only a coordinator sets the agency's escort, "
                                      "chronic-condition and trafficking flags")),
                            field="victim_of_trafficking")


AGE_CODE = N_("%(code)s (%(meaning)s, %(low)d to %(high)d years) does not fit a passenger "
              "aged %(age)d on %(day)s: check the birth date or the code")


def check_age_codes(new: NewPassenger, day: date) -> None:
    """Refuse an SSR code that states an age (CHLD, INFT: ``ssr.AGE_BANDS``) on a
    passenger whose age on ``day`` (the travel date, or today before booking) is
    outside it.  Raises RuleViolation on ``needs``."""
    for code, age in age_conflicts((c.strip().upper() for c, _ in new.needs),
                                   new.birth_date, day):
        low, high = AGE_BANDS[code]
        raise RuleViolation(Phrase.of(AGE_CODE, code=code, meaning=Phrase(
            SSR_CODES[code].meaning), low=low, high=high, age=age, day=day.isoformat()),
            field="needs")


#: A birth date further back than this many years is a typing error (the oldest
#: documented person lived 122 years).
OLDEST_AGE = 120


def _check_passenger(new: NewPassenger, today: date) -> None:
    problems = Problems()  # every field's problem in one refusal
    check_passenger(new, today, problems)
    problems.raise_any()


def check_passenger(new: NewPassenger, today: date | None, problems: Problems) -> None:
    """A passenger's own fields, each problem into ``problems`` under its field: names
    (``check_names``, per field), given names present, lengths, a birth date not in the
    future (when ``today`` is given), the nationality an ISO 3166 alpha-3 code.  Edges
    call it with what parsed, beside their own parse problems."""
    for field, label in NAME_FIELDS:
        problems.check(check_name, Phrase(label), getattr(new, field), field=field)
    if not new.given_names.strip():
        problems.add(RuleViolation(Phrase(N_("given names are required (as in the travel "
                                             "document)")), field="given_names"))
    if len(new.surname) > 120 or len(new.given_names) > 200:
        problems.add(RuleViolation(Phrase(N_("a name is longer than the travel document "
                                             "allows")), field="surname"))
    if new.birth_date is not None and today is not None and new.birth_date > today:
        problems.add(RuleViolation(Phrase.of(N_("birth date %(date)s is in the future"),
                                             date=str(new.birth_date)), field="birth_date"))
    if new.birth_date is not None and today is not None \
            and today.year - new.birth_date.year > OLDEST_AGE:
        problems.add(RuleViolation(Phrase.of(
            N_("birth date %(date)s is more than %(years)d years ago: check the travel "
               "document"), date=str(new.birth_date), years=OLDEST_AGE), field="birth_date"))
    if today is not None:
        problems.check(check_age_codes, new, today)
    if new.nationality is not None and not is_country(new.nationality):
        problems.add(RuleViolation(Phrase.of(
            N_("nationality %(code)s must be an ISO 3166 alpha-3 code such as IRQ"),
            code=repr(new.nationality)), field="nationality"))


def _normalised(new: NewPassenger) -> NewPassenger:
    return replace(new, nationality=new.nationality.strip().upper() if new.nationality
                   else None, sex=new.sex.strip().upper() or "X")


def _set_document(tx: Tx, passenger_id: int, doc: DocumentIn | None) -> dict[str, Any] | None:
    row = tx.session.get(TravelDocument, passenger_id)
    if doc is None:
        return None
    if doc.doc_type not in DOCUMENT_TYPES:
        raise RuleViolation(Phrase.of(N_("document type %(doc_type)s must be one of %(types)s"),
                                      doc_type=repr(doc.doc_type), types=", ".join(DOCUMENT_TYPES)),
                            field="doc_type")
    number = (clean_text(doc.number, N_("document number"), required=True, max_len=40) or "")
    if not number.replace(" ", "").isalnum():
        raise RuleViolation(Phrase.of(N_("document number %(number)s has characters a travel "
                                         "document number does not"),
                                      number=repr(doc.number)), field="doc_number")
    country = doc.issuing_country.strip().upper()
    if not is_country(country):
        raise RuleViolation(Phrase.of(
            N_("issuing country %(code)s must be an ISO 3166 alpha-3 code"),
            code=repr(doc.issuing_country)), field="doc_country")
    _check_document_unique(tx, passenger_id, number.upper(), country)
    if row is None:
        row = TravelDocument(passenger_id=passenger_id)
        tx.session.add(row)
    row.doc_type, row.number = doc.doc_type, number.upper()
    row.expires_on, row.issuing_country = doc.expires_on, country
    # The audit keeps the type and expiry, not the number (personal data).
    return {"doc_type": doc.doc_type, "expires_on": doc.expires_on}


SAME_DOCUMENT = N_("travel document %(number)s (%(country)s) already belongs to passenger "
                   "%(other)s, in this case or on the same movement: one document belongs to "
                   "one person")


def _check_document_unique(tx: Tx, passenger_id: int, number: str, country: str) -> None:
    """Refuse a travel document number (of the same issuing country) that another
    passenger of the same case, or of a movement this passenger is booked on, already
    holds.  Raises RuleViolation naming the other passenger."""
    me = tx.session.get(Passenger, passenger_id)
    if me is None:
        return
    movement_ids = [b.movement_id for b in me.bookings
                    if b.status is not BookingStatus.CANCELLED]
    on_movement = select(Booking.passenger_id).where(
        Booking.movement_id.in_(movement_ids), Booking.status != BookingStatus.CANCELLED)
    other = tx.session.execute(
        select(Passenger.surname, Passenger.given_names).join(
            TravelDocument, TravelDocument.passenger_id == Passenger.id)
        .where(TravelDocument.number == number, TravelDocument.issuing_country == country,
               Passenger.id != passenger_id,
               (Passenger.case_id == me.case_id) | Passenger.id.in_(on_movement))).first()
    if other is not None:
        raise RuleViolation(Phrase.of(SAME_DOCUMENT, number=number, country=country,
                                      other=f"{other[0]}/{other[1]}"), field="doc_number")


def create_passenger(tx: Tx, case_id: int, new: NewPassenger,
                     document: DocumentIn | None = None) -> int:
    """Add a passenger to a case, with the travel document when given.

    Names are as in the travel document (``surname``, ``given_names``) and in the
    passenger's own script (``native_name``).  Returns the passenger id."""
    _plan_check(tx)
    _check_agency_flags(tx, new)
    _check_passenger(new, tx.now.date())
    pid = add_passenger(tx, case_id, _normalised(new))
    doc = _set_document(tx, pid, document)
    if doc is not None:
        tx.audit("set_travel_document", "passenger", pid, after=doc)
    tx.leaves_reports()  # not booked yet
    return pid


#: NewPassenger fields a coordinator may change on an existing passenger.
PASSENGER_FIELDS = tuple(f.name for f in fields(NewPassenger))


def edit_passenger(tx: Tx, passenger_id: int, new: NewPassenger,
                   document: DocumentIn | None = None,
                   expected_version: int | None = None) -> bool:
    """Replace a passenger's details (and travel document) with ``new``.

    Returns False when nothing changed.  Raises ``ConflictError`` on a stale version.
    Each movement the passenger is booked on gets a live ``PassengerUpdated``."""
    _plan_check(tx)
    passenger = load_passenger(tx, passenger_id)
    check_version(passenger, expected_version, "passenger")
    _check_agency_flags(tx, new)
    _check_passenger(new, tx.now.date())
    check_not_twice(passenger.case, new, passenger_id=passenger.id)
    if not new.surname.strip():
        raise RuleViolation(Phrase(N_("surname is required")), field="surname")
    if new.sex not in {"F", "M", "X"}:
        raise RuleViolation(Phrase.of(N_("sex %(sex)s must be F, M or X"), sex=repr(new.sex)),
                            field="sex")
    needs = validate_needs(new.needs)
    codes = {n.code for n in needs}
    if "UMNR" in codes and not (new.release_to_name or "").strip():
        raise RuleViolation(Phrase(N_("an unaccompanied minor needs the named adult to "
                                      "release to")),
                            field="release_to_name")
    new = _normalised(new)
    changed: list[str] = []
    for name in PASSENGER_FIELDS:
        if name == "needs":
            continue
        value = getattr(new, name)
        if isinstance(value, str):
            value = value.strip() or None
            if name in ("surname", "given_names"):
                value = value or ""
        if getattr(passenger, name) != value:
            setattr(passenger, name, value)
            changed.append(name)
    current = [(n.code, n.text) for n in passenger.needs]
    if current != [(n.code, n.text) for n in needs]:
        passenger.needs = needs
        changed.append("needs")
    before_doc = tx.session.get(TravelDocument, passenger.id)
    old_doc = None if before_doc is None else (before_doc.doc_type, before_doc.number,
                                               before_doc.expires_on,
                                               before_doc.issuing_country)
    doc_after = _set_document(tx, passenger.id, document)
    if doc_after is not None:
        now_doc = tx.session.get(TravelDocument, passenger.id)
        assert now_doc is not None
        if old_doc != (now_doc.doc_type, now_doc.number, now_doc.expires_on,
                       now_doc.issuing_country):
            changed.append("travel_document")
    if not changed:
        return False
    touch(passenger, "surname")
    tx.session.flush()
    for booking in passenger.bookings:
        if booking.status is not BookingStatus.CANCELLED:
            tx.record(PassengerUpdated, booking.movement, passenger_id=passenger.id)
    # Field names only: the values are personal (and may be health) data.
    tx.audit("edit_passenger", "passenger", passenger.id, after={"changed": changed})
    return True


# ----------------------------------------------------------------------------- bookings

def _live_bookings(case: Case) -> list[Booking]:
    return [b for p in case.passengers for b in p.bookings
            if b.status is not BookingStatus.CANCELLED]


def book_case(tx: Tx, case_id: int, movement_id: int, *, stop: str | None = None) -> list[int]:
    """Book every member of a case onto a movement (and a charter stop) in one action.

    All or nothing: a member already on it, a cancelled movement, an unknown stop, or a
    charter over its seat capacity on any leg refuses the whole case.  Returns the
    booking ids in member order."""
    from .charters import check_capacity

    _plan_check(tx)
    case = load_case(tx, case_id)
    movement = load_movement(tx, movement_id)
    _not_cancelled(tx, movement)
    if not case.passengers:
        raise RuleViolation(Phrase.of(N_("case %(reference)s has no passengers yet"),
                                      reference=case.reference), field="case")
    if movement.airport_id != case.airport_id:
        raise RuleViolation(Phrase.of(NOT_AT, reference=case.reference,
                                      airport=movement.airport.iata),
                            field="movement")
    stop_code = _stop_for(movement, stop)
    for member in case.passengers:  # CHLD / INFT against the age on the travel date
        for code, age in age_conflicts((n.code for n in member.needs), member.birth_date,
                                       movement.operational_date):
            low, high = AGE_BANDS[code]
            raise RuleViolation(Phrase.of(AGE_CODE, code=code, meaning=Phrase(
                SSR_CODES[code].meaning), low=low, high=high, age=age,
                day=movement.operational_date.isoformat()), field="movement")
    ids: list[int] = []
    for member in case.passengers:
        existing = tx.session.scalar(select(Booking).where(
            Booking.passenger_id == member.id, Booking.movement_id == movement.id))
        if existing is not None and existing.status is not BookingStatus.CANCELLED:
            raise RuleViolation(Phrase.of(N_("%(surname)s %(given_names)s of case %(reference)s "
                                             "is already on %(flight)s"),
                                          surname=member.surname.upper(),
                                          given_names=member.given_names, reference=case.reference,
                                          flight=movement.flight),
                                field="movement")
        if existing is not None:  # rebooked after a cancellation: the same row again
            existing.status, existing.stop = BookingStatus.BOOKED, stop_code
            booking = existing
        else:
            booking = Booking(passenger=member, movement=movement, stop=stop_code)
            tx.session.add(booking)
        tx.session.flush()
        ids.append(booking.id)
    if movement.is_charter:
        check_capacity(tx, movement)
    for member in case.passengers:  # after the flush: the movement now lists them all
        doc = tx.session.get(TravelDocument, member.id)
        if doc is not None:
            _check_document_unique(tx, member.id, doc.number, doc.issuing_country)
    for member in case.passengers:
        tx.record(PassengerBooked, movement, passenger_id=member.id)
    flag_case_split(tx, case)
    tx.audit("book_case", "case", case.id, after={"movement": movement.id, "stop": stop_code,
                                                   "bookings": ids})
    return ids


def _stop_for(movement: Movement, stop: str | None) -> str | None:
    if movement.is_charter and movement.stops:
        if not stop:
            raise RuleViolation(Phrase.of(N_("%(flight)s is a charter: choose the stop where the "
                                             "case leaves the aircraft"),
                                          flight=movement.flight), field="stop")
        code = stop.strip().upper()
        if code not in {s.airport_code for s in movement.stops}:
            route = ", ".join(s.airport_code for s in movement.stops)
            raise RuleViolation(Phrase.of(N_("%(flight)s does not stop at %(code)s (stops: "
                                             "%(route)s)"),
                                          flight=movement.flight, code=code, route=route),
                                field="stop")
        return code
    if stop:
        code = stop.strip().upper()
        if code != movement.destination:
            raise RuleViolation(Phrase.of(N_("%(flight)s goes to %(destination)s, not %(code)s"),
                                          flight=movement.flight, destination=movement.destination,
                                          code=code),
                                field="stop")
        return code
    return None


def cancel_booking(tx: Tx, booking_id: int, reason: str) -> None:
    """Cancel one booking with a reason (the passenger is released from the flight).

    Refused once the passenger has boarded or been handed over (a milestone beyond
    check-in means the gate is working them: record a no-show instead)."""
    _plan_check(tx)
    booking = load_booking(tx, booking_id)
    why = _reason(reason, "reason")
    if booking.status is BookingStatus.CANCELLED:
        raise RuleViolation(Phrase.of(
            N_("the booking of %(initials)s on %(flight)s is cancelled already"),
            initials=booking.passenger.initials, flight=booking.movement.flight))
    done = {m.kind for m in booking.milestones}
    past = sorted(done & FINAL_STEPS)
    if past:
        raise RuleViolation(Phrase.of(N_("%(surname)s is already %(past)s; a booking the gate "
                                         "has completed cannot be cancelled"),
                                      surname=booking.passenger.surname.upper(),
                                      past=Phrase(past[0].replace("_", " "))), field="booking")
    booking.status = BookingStatus.CANCELLED
    tx.session.add(BookingCancellation(booking_id=booking.id, reason=why, at=tx.now,
                                       by_user_id=tx.actor.user_id))
    tx.session.flush()
    tx.record(PassengerUpdated, booking.movement, passenger_id=booking.passenger_id)
    flag_case_split(tx, booking.passenger.case)
    tx.audit("cancel_booking", "booking", booking.id,
             after={"movement": booking.movement_id, "passenger": booking.passenger_id},
             detail=why)


@dataclass(frozen=True, slots=True)
class MovePlan:
    """What moving a case would do: who moves, who stays behind (a split)."""

    moving: tuple[int, ...]
    staying: tuple[int, ...]

    @property
    def splits(self) -> bool:
        return bool(self.staying)


def move_case(tx: Tx, case_id: int, from_movement_id: int, to_movement_id: int, *,
              passenger_ids: tuple[int, ...] | None = None, stop: str | None = None,
              split_reason: str | None = None) -> MovePlan:
    """Move a case from one movement to another, whole by default.

    ``passenger_ids`` moves only some members: that splits the case, and is refused
    unless ``split_reason`` says why (the reason is audited and the case is flagged split).
    The old bookings are cancelled with "moved to <flight>"; the new ones are made as in
    ``book_case`` (capacity and stop checked)."""
    from .charters import check_capacity

    _plan_check(tx)
    case = load_case(tx, case_id)
    source = load_movement(tx, from_movement_id)
    target = load_movement(tx, to_movement_id)
    _not_cancelled(tx, target)
    if source.id == target.id:
        raise RuleViolation(Phrase(N_("the case is already on that movement")),
                            field="movement")
    on_source = {b.passenger_id: b for b in _live_bookings(case) if b.movement_id == source.id}
    if not on_source:
        raise RuleViolation(Phrase.of(N_("case %(reference)s is not on %(flight)s"),
                                      reference=case.reference, flight=source.flight),
                            field="movement")
    chosen = set(passenger_ids) if passenger_ids is not None else set(on_source)
    unknown = chosen - set(on_source)
    if unknown:
        raise RuleViolation(Phrase.of(N_("passenger(s) %(unknown)s are not on %(flight)s in case "
                                         "%(reference)s"),
                                      unknown=str(sorted(unknown)), flight=source.flight,
                                      reference=case.reference), field="passenger_ids")
    if not chosen:
        raise RuleViolation(Phrase(N_("choose at least one member to move")),
                            field="passenger_ids")
    plan = MovePlan(tuple(sorted(chosen)), tuple(sorted(set(on_source) - chosen)))
    if plan.splits and not (split_reason or "").strip():
        raise RuleViolation(
            Phrase.of(N_("moving %(count)s of %(total)s members splits case %(reference)s; give "
                         "a reason to split it"),
                      count=len(plan.moving), total=len(on_source), reference=case.reference),
            field="split_reason")
    if target.airport_id != case.airport_id:
        raise RuleViolation(Phrase.of(NOT_AT, reference=case.reference,
                                      airport=target.airport.iata),
                            field="movement")
    stop_code = _stop_for(target, stop)
    for pid in plan.moving:
        old = on_source[pid]
        old.status = BookingStatus.CANCELLED
        tx.session.add(BookingCancellation(booking_id=old.id, reason=f"moved to {target.flight}",
                                           at=tx.now, by_user_id=tx.actor.user_id))
        existing = tx.session.scalar(select(Booking).where(
            Booking.passenger_id == pid, Booking.movement_id == target.id))
        if existing is not None and existing.status is not BookingStatus.CANCELLED:
            who = tx.session.get(Passenger, pid)
            raise RuleViolation(Phrase.of(N_("%(who)s is already on %(flight)s"),
                                          who=who.initials if who else Phrase(N_("a passenger")),
                                          flight=target.flight),
                                field="movement")
        if existing is not None:
            existing.status, existing.stop = BookingStatus.BOOKED, stop_code
        else:
            tx.session.add(Booking(passenger_id=pid, movement_id=target.id, stop=stop_code))
    tx.session.flush()
    tx.session.expire(case)
    if target.is_charter:
        check_capacity(tx, target)
    for pid in plan.moving:
        tx.record(PassengerUpdated, source, passenger_id=pid)
        tx.record(PassengerBooked, target, passenger_id=pid)
    flag_case_split(tx, case)
    tx.audit("move_case", "case", case.id,
             after={"from": source.id, "to": target.id, "moved": list(plan.moving),
                    "stayed": list(plan.staying)},
             detail=split_reason.strip() if plan.splits and split_reason else None)
    return plan


__all__ = ["DOCUMENT_TYPES", "ChronicCondition", "DocumentIn", "MovePlan", "NewMovement",
           "NewPassenger", "PlannedTransit", "book_case", "booked_on", "cancel_booking",
           "cancel_movement", "chronic_condition", "create_case", "create_passenger",
           "edit_case", "edit_movement", "edit_passenger", "flight_designator",
           "move_case", "movement_kind", "new_movement", "plan_movement", "plan_transit",
           "transit_connection"]
