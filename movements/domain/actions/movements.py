"""Plan and correct movements (flight legs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..access import Need, access_movement
from ..clock import nearest_local, to_local
from ..errors import Problems, RuleViolation
from ..events import MovementCreated, MovementUpdated
from ..input_rules import check_airport
from ..models import (
    Airport,
    CharterStop,
    FlightFieldSource,
    Movement,
    MovementKind,
    Role,
    Transit,
)
from ..phrases import N_, Phrase
from ..uow import Tx
from ..vocabulary import FlightState
from ._common import check_version, clean_text, require_role
from .flight_sources import FEED_TRACKED, HELD_FIELDS, FieldSources, as_text

FLIGHT_STATES = frozenset(FlightState)


@dataclass(frozen=True, slots=True)
class NewMovement:
    airport: str
    kind: MovementKind
    carrier: str
    flight_number: str
    operational_date: date
    origin: str
    destination: str
    scheduled_at: datetime
    is_charter: bool = False
    stops: tuple[str, ...] = ()
    terminal: str | None = None
    pier: str | None = None
    gate: str | None = None
    aircraft_type: str | None = None
    aircraft_registration: str | None = None


def airport_by_code(tx: Tx, code: str) -> Airport:
    airport = tx.session.scalar(select(Airport).where(Airport.iata == code.upper()))
    if airport is None:
        raise RuleViolation(Phrase.of(N_("airport %(code)s is not set up"), code=repr(code)),
                            field="airport")
    return airport


def create_movement(tx: Tx, new: NewMovement) -> int:
    airport = airport_by_code(tx, new.airport)
    carrier = new.carrier.strip().upper()
    number = new.flight_number.strip().upper()
    problems = Problems()  # every field's problem in one refusal
    if not (2 <= len(carrier) <= 3 and carrier.isalnum()):
        problems.add(RuleViolation(Phrase.of(N_("carrier %(code)s is not an airline code"),
                                             code=repr(new.carrier)), field="carrier"))
    if not (1 <= len(number) <= 5 and number[:1].isdigit() and number.isalnum()):
        problems.add(RuleViolation(Phrase.of(N_("flight number %(number)s is not valid"),
                                             number=repr(new.flight_number)),
                                   field="flight_number"))
    if new.scheduled_at.tzinfo is None:
        problems.add(RuleViolation(Phrase(N_("scheduled time must carry a time zone")),
                                   field="scheduled_at"))
    for code, name, label in ((new.origin, "origin", N_("origin")),
                              (new.destination, "destination", N_("destination"))):
        problems.check(check_airport, Phrase(label), code, field=name)
    for i, code in enumerate(new.stops, start=1):
        problems.check(check_airport, Phrase.of(N_("stop %(number)s:"), number=i), code,
                       field="stops")
    if new.stops and not new.is_charter:
        problems.add(RuleViolation(Phrase(N_("only a charter has stops")), field="stops"))
    problems.raise_any()
    duplicate = tx.session.scalar(select(Movement.id).where(
        Movement.airport_id == airport.id, Movement.carrier == carrier,
        Movement.flight_number == number, Movement.operational_date == new.operational_date,
        Movement.kind == new.kind))
    if duplicate is not None:
        raise RuleViolation(Phrase.of(
            N_("%(flight)s on %(date)s (%(kind)s) exists already as movement %(id)s"),
            flight=f"{carrier}{number}", date=str(new.operational_date),
            kind=Phrase(new.kind.label), id=str(duplicate)))
    movement = Movement(
        airport_id=airport.id, airport=airport, kind=new.kind, is_charter=new.is_charter,
        carrier=carrier, flight_number=number, operational_date=new.operational_date,
        origin=new.origin.upper(), destination=new.destination.upper(),
        scheduled_at=new.scheduled_at, terminal=new.terminal, pier=new.pier, gate=new.gate,
        aircraft_type=new.aircraft_type, aircraft_registration=new.aircraft_registration,
        flight_state="SCH",
    )
    movement.stops = [CharterStop(position=i, airport_code=c.upper())
                      for i, c in enumerate(new.stops, start=1)]
    tx.session.add(movement)
    tx.session.flush()
    tx.record(MovementCreated, movement)
    tx.audit("create_movement", "movement", movement.id, after={
        "flight": movement.flight, "date": movement.operational_date,
        "kind": movement.kind.value})
    return movement.id


def link_transit(tx: Tx, inbound_id: int, onward_id: int) -> int:
    inbound = access_movement(tx.session, tx.actor, inbound_id, Need.COORDINATE)
    onward = access_movement(tx.session, tx.actor, onward_id, Need.COORDINATE)
    if inbound.kind is not MovementKind.TRANSIT_IN or onward.kind is not MovementKind.TRANSIT_OUT:
        raise RuleViolation(Phrase(N_("a transit links a transit_in movement to a transit_out "
                                      "movement")))
    if onward.scheduled_at <= inbound.scheduled_at:
        raise RuleViolation(Phrase(N_("the onward leg must leave after the inbound leg "
                                      "arrives")))
    if inbound.airport_id != onward.airport_id:
        raise RuleViolation(Phrase(N_("both legs of a transit are at the same airport")))
    existing = tx.session.scalar(select(Transit).where(
        Transit.inbound_movement_id == inbound.id))
    if existing is not None:
        raise RuleViolation(Phrase.of(N_("%(flight)s already connects to movement %(id)s"),
                                      flight=inbound.flight,
                                      id=str(existing.onward_movement_id)))
    link = Transit(inbound_movement_id=inbound.id, onward_movement_id=onward.id)
    tx.session.add(link)
    tx.session.flush()
    for leg, other in ((inbound, onward), (onward, inbound)):
        tx.record(MovementUpdated, leg, changes={"transit_with": other.id})
    tx.audit("link_transit", "movement", inbound.id, after={"onward": onward.id})
    return link.id


def _and(parts: list[Phrase]) -> Phrase:
    """Phrases as one "a and b and c" phrase, each part translated."""
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = Phrase.of(N_("%(one)s and %(other)s"), one=part, other=out)
    return out


TIME_LABELS = {"scheduled_at": N_("scheduled time"), "actual_at": N_("actual time"),
               "estimated_at": N_("estimated time")}

#: Text fields a person clears only with a reason (a blank field is not a silent clear).
CLEARABLE_TEXT = frozenset({"gate", "terminal", "pier", "aircraft_registration",
                            "aircraft_type"})
#: Fields a coordinator (or the flight feed, or an MVT) may correct.
CORRECTABLE = {"gate", "terminal", "pier", "estimated_at", "actual_at", "flight_state",
               "flight_states", "aircraft_registration", "aircraft_type", "scheduled_at",
               "completed"}


#: A person's change to one of these, once it holds a value, is a correction and needs a
#: reason (audited with the change): where the flight stands and its times.  Filling an
#: empty field is entry and needs none.  (The newcomer's "blank reason accepted on a gate
#: correction", issue 11 session 5.)  The estimated time is left out on purpose: it is a
#: forecast that coordinators move as news comes in, not a fact being corrected.
CORRECTED_WITH_REASON = ("gate", "terminal", "pier", "scheduled_at", "actual_at")
CORRECTION_WORDS = {"gate": N_("gate"), "terminal": N_("terminal"), "pier": N_("pier"),
                    **TIME_LABELS}


def overwritten_by_person(tx: Tx, movement: Movement, new: dict[str, Any]) -> list[str]:
    """The fields of ``CORRECTED_WITH_REASON`` whose value in ``new`` (cleaned: upper-case
    text or None, aware UTC datetimes) replaces a value a person set: the movement holds
    a value there that differs, and it is not the flight feed's own report that nobody
    has overruled (a coordinator correcting the feed is their everyday work, and their
    value then holds: ``flight_sources``).  Planned values, a person's corrections and
    telex values count as set by a person or an authority.  In ``CORRECTED_WITH_REASON``
    order."""
    changed = [k for k in CORRECTED_WITH_REASON
               if k in new and getattr(movement, k) is not None
               and getattr(movement, k) != new[k]]
    if not changed:
        return []
    feed_only = {r.field for r in tx.session.scalars(select(FlightFieldSource).where(
        FlightFieldSource.movement_id == movement.id,
        FlightFieldSource.field.in_(changed)))
        if not r.person_set and r.feed_at is not None
        and r.feed_value == as_text(getattr(movement, r.field))}
    return [k for k in changed if k not in feed_only]


def require_correction_reason(fields: list[str], reason: str | None) -> None:
    """Refuse (``RuleViolation`` on ``reason``) a correction of ``fields`` without a
    reason, naming them as people read them ("correcting the gate and terminal needs a
    reason", Dutch in the catalogue).  ``reason`` is already cleaned (None when blank)."""
    if not fields or reason:
        return
    words = [Phrase(CORRECTION_WORDS[k]) for k in fields]
    what = words[-1]
    if len(words) > 1:
        what = Phrase.of(N_("%(one)s and %(other)s"), one=words[-2], other=what)
        for word in reversed(words[:-2]):
            what = Phrase.of(N_("%(one)s, %(other)s"), one=word, other=what)
    raise RuleViolation(Phrase.of(N_("correcting the %(what)s needs a reason"), what=what),
                        field="reason")


#: Where at the airport a flight is: terminal, pier, gate (the stand's words).  A person
#: types these; the flight feed's own values are the feed's (not checked here).
STAND_FIELDS = ("gate", "terminal", "pier")
STAND_MAX = 8  # the columns' length
_STAND_TEXT = re.compile(r"[A-Z0-9][A-Z0-9 -]*", re.ASCII)


def check_stand_value(key: str, value: str | None, field: str | None = None) -> None:
    """A person's gate, terminal or pier (already stripped and upper-cased): ASCII
    letters and digits, inner spaces and hyphens, at most ``STAND_MAX`` characters
    ("D7", "E 22", "B-12"); None (cleared) passes.  Else a ``RuleViolation`` on ``key``.
    ``field`` names a transit leg's field ("in_gate").  One rule for the planning forms,
    the flight correction and the API."""
    if value is None:
        return
    if len(value) > STAND_MAX or not _STAND_TEXT.fullmatch(value):
        raise RuleViolation(Phrase.of(
            N_("%(field)s %(value)s: use letters, digits, spaces and hyphens, at most "
               "%(max)s characters"), field=Phrase(key), value=repr(value),
            max=str(STAND_MAX)), field=field or key)


def times_from_local(tx: Tx, movement_id: int, typed: dict[str, str]
                     ) -> dict[str, datetime | None]:
    """Times typed at the airport as ``HH:MM`` (keys scheduled_at, estimated_at,
    actual_at), as UTC changes for ``update_flight``: each is the occurrence nearest the
    scheduled time (the corrected one when it is corrected too), within ±12 h, so 00:30
    after a 22:10 departure is the next day.  An empty estimate or actual time clears it;
    an empty scheduled time changes nothing.  Raises RuleViolation naming the field."""
    movement = access_movement(tx.session, tx.actor, movement_id, Need.COORDINATE)
    tz = movement.airport.timezone
    out: dict[str, datetime | None] = {}
    def shown(value: datetime | None) -> str:
        return to_local(value, tz).strftime("%H:%M") if value else ""

    reference = movement.scheduled_at
    sched = (typed.get("scheduled_at") or "").strip()
    if sched and sched != shown(movement.scheduled_at):
        reference = nearest_local(reference, sched, tz, what=N_("scheduled time"))
        out["scheduled_at"] = reference
    for key in ("estimated_at", "actual_at"):
        if key not in typed:
            continue
        text = (typed[key] or "").strip()
        if text == shown(getattr(movement, key)) and "scheduled_at" not in out:
            continue  # the form sent back what it showed (the stored time may have seconds)
        out[key] = nearest_local(reference, text, tz, what=TIME_LABELS[key]) if text else None
    return out


def update_flight(tx: Tx, movement_id: int, changes: dict[str, Any],
                  expected_version: int | None = None, *, source: str = "manual",
                  reason: str | None = None) -> bool:
    """Apply flight corrections; returns False (and records nothing) when nothing changed.

    ``source`` is "manual" for a person (a coordinator on the page), else the system
    source ("feed", "mvt", "demo").  A person's gate, terminal, pier or time holds over
    the feed until the feed reports something new (``flight_sources``); values are
    validated before anything is written, so a bad change writes nothing.
    """
    if tx.actor.user_id is not None:
        # A person corrects flights only as a coordinator; the feed, telexes and the
        # demo act as the system (no user id), whatever source they name.
        require_role(tx, Role.COORDINATOR, Role.ADMIN)
    movement = access_movement(tx.session, tx.actor, movement_id, Need.COORDINATE)
    check_version(movement, expected_version, f"movement {movement.flight}")
    unknown = set(changes) - CORRECTABLE
    if unknown:
        raise RuleViolation(Phrase.of(N_("cannot change %(items)s here"),
                                      items=', '.join(sorted(unknown))))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "flight_state" and value not in FLIGHT_STATES:
            raise RuleViolation(Phrase.of(N_("unknown flight state %(value)s"),
                                          value=repr(value)), field="flight_state")
        if key == "flight_states" and value is not None and (
                not isinstance(value, list) or not set(value) <= FLIGHT_STATES):
            raise RuleViolation(Phrase.of(N_("unknown flight states %(value)s"),
                                          value=repr(value)), field="flight_states")
        if isinstance(value, datetime) and value.tzinfo is None:
            raise RuleViolation(Phrase.of(N_("%(field)s must carry a time zone"), field=key),
                                field=key)
        if isinstance(value, str):
            value = value.strip().upper() or None
            limit = getattr(Movement.__table__.c[key].type, "length", None) \
                if key in Movement.__table__.c else None
            if value is not None and limit is not None and len(value) > limit:
                # Said here, in the field's words, before the rows that keep who set it.
                raise RuleViolation(Phrase.of(N_("%(field)s is longer than %(limit)s characters "
                                                 "(%(count)s)"),
                                              field=key, limit=limit, count=len(value)),
                                    field=key)
        if source == "manual" and key in STAND_FIELDS:
            check_stand_value(key, value)
        clean[key] = value
    why = clean_text(reason, N_("reason"), max_len=300)
    # A blank text field would clear what is there without a word (the newcomer's blank
    # gate): a person clears a gate, terminal, pier, aircraft or registration only with
    # a reason, as for a corrected time (said below in its own words).
    cleared = [k for k in sorted(CLEARABLE_TEXT) if k in clean and clean[k] is None
               and getattr(movement, k)]
    if source == "manual":
        # The scheduled and actual times are facts: a person's change to either needs a
        # reason even where none was there; any other correction of a value a person set.
        overwritten = overwritten_by_person(tx, movement, clean)
        corrected = [k for k in CORRECTED_WITH_REASON if k not in cleared and (
            k in overwritten or k in ("scheduled_at", "actual_at") and k in clean
            and getattr(movement, k) != clean[k])]
        require_correction_reason(corrected, why)
    if source == "manual" and cleared and not why:
        raise RuleViolation(Phrase.of(N_("the %(items)s field is empty: type the value, or give "
                                         "a reason to clear it"),
                                      items=_and([Phrase(k.replace("_", " ")) for k in cleared])),
                            field=cleared[0])
    if clean.get("scheduled_at", movement.scheduled_at) is None:
        raise RuleViolation(Phrase(N_("a movement always has a scheduled time")),
                            field="scheduled_at")
    held = [k for k in clean if k in (FEED_TRACKED if source == "feed" else HELD_FIELDS)]
    sources = FieldSources(tx, movement) if held else None
    for key, value in clean.items():
        if sources is not None and source == "feed" and key in FEED_TRACKED:
            if not sources.feed_reports(key, value):
                continue
        elif sources is not None and key in HELD_FIELDS:
            if source == "manual":
                if getattr(movement, key) != value:
                    sources.person_sets(key, value)
            elif getattr(movement, key) != value:
                sources.other_source_sets(key)
        if getattr(movement, key) != value:
            before[key] = getattr(movement, key)
            after[key] = value
            setattr(movement, key, value)
    if not after:
        return False
    tx.session.flush()
    tx.record(MovementUpdated, movement, changes=after)
    if sources is not None:
        sources.raise_alerts()
    tx.audit("update_flight", "movement", movement.id, before=before, after=after,
             detail=f"source={source}" + (f"; reason: {why}" if why else ""))
    return True
