"""Read model: what the latest telexes say about a movement vs what its manifest says.

Computed on demand from the current telex lists (``TelexList``/``TelexEntry``) and the
bookings; nothing about a difference is stored except a coordinator's decision on it
(``ReconciliationDecision``).  Each list is matched to the movement's passengers on its
own (one-to-one, ``name_match``), so a PNL and a PSM can both name the same person.

Kinds of difference, each with a stable ``key`` built from what it says (so a dismissed
difference stays dismissed until a telex says something else):

* ``no_show``   a booked passenger a full list (PNL, PTM) does not name;
                applying records a no-show with the list as the reason.
* ``new_name``  a name no passenger matches (never for DEPA/DEPU/INAD);
                applying adds the passenger (case from the booking locator, or a
                generated reference), books them, and connects them like a telex would.
* ``onward``    the telex gives another onward flight than the one the passenger is
                booked on (arrival side only); applying moves the onward booking.
                Refused while that onward flight is not a planned movement.
* ``needs``     the telex gives vocabulary SSR codes the passenger does not have;
                applying adds them.  Codes the manifest has and the telex lacks are not
                a difference: airlines do not know every need the agency records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import name_match
from .access import Need, access_movement, role_may
from .actions import telex as tl
from .actions import telex_lists as tll
from .models import (
    Booking,
    BookingStatus,
    Movement,
    MovementKind,
    Passenger,
    ReconciliationDecision,
    TelexEntry,
    TelexList,
    TelexMessage,
)
from .phrases import N_, Day, Phrase
from .uow import Actor
from .vocabulary import ON_BOARD_STEPS

NO_SHOW, NEW_NAME, ONWARD, NEEDS = "no_show", "new_name", "onward", "needs"
TITLES = {NO_SHOW: "Not on the latest list", NEW_NAME: "New name",
          ONWARD: "Onward flight changed", NEEDS: "Needs changed"}
_BOARDED = ON_BOARD_STEPS
# Which list's onward flight counts when several give one.
_ONWARD_PRIORITY = {"PTM": 0, "PNL": 1, "PSM": 2}


@dataclass(frozen=True, slots=True)
class ListInfo:
    kind: str
    flight: str
    flight_date: date
    complete: bool
    telex_message_id: int | None
    received_at: datetime | None
    names: int  # entries on this movement
    #: The kind of the latest telex applied to this list (ADL when an ADL amended a PNL).
    latest_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Difference:
    key: str
    kind: str
    name: str
    telex_says: str
    manifest_says: str
    source: str
    passenger_id: int | None = None
    booking_id: int | None = None
    entry_ids: tuple[int, ...] = ()
    onward: tuple[str, date] | None = None
    codes: tuple[tuple[str, str | None], ...] = ()
    blocked: Phrase | None = None  # why it cannot be applied as it stands

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def can_apply(self) -> bool:
        return self.blocked is None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    movement_id: int
    flight: str
    operational_date: date
    lists: tuple[ListInfo, ...]
    differences: tuple[Difference, ...]
    dismissed: int
    #: The airport's IANA zone: the section's times ("received ...") are shown in it.
    timezone: str = "UTC"

    def find(self, key: str) -> Difference | None:
        return next((d for d in self.differences if d.key == key), None)


def _day_either_side(day: date) -> tuple[date, date]:
    """The day before and after ``day``, clamped to the calendar's ends (a row dated
    0001-01-01 or 9999-12-31 must not overflow)."""
    one = timedelta(days=1)
    return (day - one if day > date.min else day, day + one if day < date.max else day)


def covering_lists(session: Session, movement: Movement) -> list[TelexList]:
    flight = f"{movement.carrier}{tl.number_key(movement.flight_number)}"
    first, last = _day_either_side(movement.operational_date)
    rows = session.scalars(select(TelexList).where(
        TelexList.airport_id == movement.airport_id,
        TelexList.flight_date.between(first, last))
        .options(selectinload(TelexList.entries)).order_by(TelexList.id))
    return [lst for lst in rows if lst.flight == flight and movement.id in lst.movement_ids]


def _source(lst: TelexList, line_no: int | None = None, kind: str | None = None) -> str:
    """ "PNL IR716/01DEC line 5": the telex kind (``kind``, else the list's), flight, date
    and line."""
    where = f" line {line_no}" if line_no else ""
    return f"{kind or lst.kind} {lst.flight}/{lst.flight_date:%d%b}".upper() + where


def _entry_source(lst: TelexList, e: TelexEntry) -> str:
    """Where an entry came from: its own telex kind (an ADL's ADD on a PNL list says ADL),
    rows stored before the kind was kept read as the list's kind."""
    return _source(lst, e.line_no, e.source_kind)


def _entry_name(e: TelexEntry) -> str:
    return f"{e.surname}/{e.given_name}" if e.given_name else e.surname


def _pax_name(p: Passenger) -> str:
    return f"{p.surname.upper()}, {p.given_names}"


def _flight_day(designator: str, day: date) -> str:
    return f"{designator} {day:%d %b}"


def _codes_text(codes: Sequence[tuple[str, str | None]]) -> str:
    return ", ".join(f"{c} ({t})" if t else c for c, t in codes) or "none"


def reconcile_for(session: Session, actor: Actor, movement_id: int, coordinator: bool
                  ) -> Reconciliation | None:
    """The movement page's telex section: NotFound unless the actor may see the movement;
    the differences only for coordinators (None for others, and when no list covers it)."""
    access_movement(session, actor, movement_id, Need.SEE)
    if not coordinator or not role_may(actor, Need.COORDINATE):
        return None
    return reconcile(session, movement_id)


def reconcile(session: Session, movement_id: int) -> Reconciliation | None:
    """None when no telex list covers the movement."""
    movement = session.get(Movement, movement_id)
    if movement is None:
        return None
    lists = covering_lists(session, movement)
    if not lists:
        return None
    side = tl.ARRIVAL if movement.kind in tl.SIDE_KINDS[tl.ARRIVAL] else tl.DEPARTURE
    bookings = list(session.scalars(
        select(Booking).where(Booking.movement_id == movement.id,
                              Booking.status != BookingStatus.CANCELLED)
        .options(selectinload(Booking.milestones),
                 selectinload(Booking.passenger).selectinload(Passenger.needs),
                 selectinload(Booking.passenger).selectinload(Passenger.bookings)
                 .selectinload(Booking.movement))
        .order_by(Booking.id)))
    by_passenger = {b.passenger_id: b for b in bookings}
    people = [tll.person_of(b.passenger) for b in bookings]
    messages = {m.id: m for m in session.scalars(select(TelexMessage).where(
        TelexMessage.id.in_([lst.telex_message_id for lst in lists
                             if lst.telex_message_id is not None])))}

    found: dict[str, Difference] = {}
    new_names: dict[str, list[tuple[TelexList, TelexEntry]]] = {}
    said: dict[int, list[tuple[TelexList, TelexEntry]]] = {}
    infos: list[ListInfo] = []
    for lst in lists:
        entries = [e for e in lst.entries if e.movement_id == movement.id]
        latest = messages.get(lst.telex_message_id or -1)
        infos.append(ListInfo(lst.kind, lst.flight, lst.flight_date, lst.complete,
                              lst.telex_message_id, latest.received_at if latest else None,
                              len(entries), latest.message_type if latest else None))
        ours = [e for e in entries if not tll.is_not_agency(e.remarks)]
        matched = name_match.match([(e, tll.telex_name(e)) for e in ours], people)
        named: set[int] = set()
        for position, e in enumerate(ours):
            hit = matched.get(position)
            if hit is None:
                key = f"{NEW_NAME}:{name_match.fold(e.surname)}/{name_match.fold(e.given_name)}"
                new_names.setdefault(key, []).append((lst, e))
            else:
                named.add(hit.person.key)
                said.setdefault(hit.person.key, []).append((lst, e))
        if not lst.complete:
            continue
        for b in bookings:
            if b.status is not BookingStatus.BOOKED or b.passenger_id in named:
                continue
            key = f"{NO_SHOW}:{b.id}"
            if key in found:
                continue
            boarded = any(m.kind in _BOARDED for m in b.milestones)
            found[key] = Difference(
                key=key, kind=NO_SHOW, name=_pax_name(b.passenger),
                telex_says=f"not on the {_source(lst)}",
                manifest_says="booked", source=_source(lst), passenger_id=b.passenger_id,
                booking_id=b.id,
                blocked=Phrase(N_("already boarded: cannot be a no-show")) if boarded else None)

    for key, items in new_names.items():
        lst, first = items[0]
        needs = tll.known_needs([r for _, e in items for r in e.remarks])
        onward = next((e for _, e in items if e.onward_flight), None)
        said_text = _entry_name(first)
        if onward is not None and onward.onward_date is not None:
            said_text += f", onward {_flight_day(onward.onward_flight or '', onward.onward_date)}"
        if needs:
            said_text += f", needs {_codes_text(needs)}"
        found[key] = Difference(
            key=key, kind=NEW_NAME, name=_entry_name(first), telex_says=said_text,
            manifest_says="not on the manifest",
            source="; ".join(_entry_source(li, e) for li, e in items),
            entry_ids=tuple(e.id for _, e in items), codes=tuple(needs))

    for pid, items in said.items():
        b = by_passenger[pid]
        p = b.passenger
        if side == tl.ARRIVAL:
            with_onward = sorted((x for x in items if x[1].onward_flight and x[1].onward_date),
                                 key=lambda x: _ONWARD_PRIORITY.get(x[0].kind, 9))
            if with_onward:
                lst, e = with_onward[0]
                assert e.onward_flight is not None and e.onward_date is not None
                booked = [o.movement for o in p.bookings
                          if o.status is not BookingStatus.CANCELLED
                          and o.movement.kind is MovementKind.TRANSIT_OUT]
                same = [o for o in booked if f"{o.carrier}{tl.number_key(o.flight_number)}"
                        == e.onward_flight and o.operational_date == e.onward_date]
                if not same:
                    key = f"{ONWARD}:{pid}:{e.onward_flight}/{e.onward_date.isoformat()}"
                    target = onward_movement(session, movement, e.onward_flight,
                                              e.onward_date)
                    found[key] = Difference(
                        key=key, kind=ONWARD, name=_pax_name(p),
                        telex_says=f"onward {_flight_day(e.onward_flight, e.onward_date)}",
                        manifest_says=", ".join(_flight_day(o.flight, o.operational_date)
                                                for o in booked) or "no onward flight",
                        source=_entry_source(lst, e), passenger_id=pid, booking_id=b.id,
                        onward=(e.onward_flight, e.onward_date),
                        blocked=None if target is not None else
                        Phrase.of(N_("%(flight)s on %(day)s is not a planned movement: plan "
                                     "it first"),
                                  flight=str(e.onward_flight), day=Day(e.onward_date, "dd MMM")))
        remarks = [r for lst, e in items if lst.kind != "PTM" for r in e.remarks]
        have = {n.code for n in p.needs}
        missing = [(c, t) for c, t in tll.known_needs(remarks) if c not in have]
        if missing:
            key = f"{NEEDS}:{pid}:{'+'.join(sorted(c for c, _ in missing))}"
            sources = "; ".join(_entry_source(lst, e) for lst, e in items
                                if lst.kind != "PTM")
            found[key] = Difference(
                key=key, kind=NEEDS, name=_pax_name(p),
                telex_says=f"adds {_codes_text(missing)}",
                manifest_says=", ".join(sorted(have)) or "no needs recorded",
                source=sources, passenger_id=pid, booking_id=b.id, codes=tuple(missing))

    dismissed = set(session.scalars(select(ReconciliationDecision.key).where(
        ReconciliationDecision.movement_id == movement.id,
        ReconciliationDecision.decision == "dismissed")))
    shown = tuple(d for d in found.values() if d.key not in dismissed)
    order = {NO_SHOW: 0, ONWARD: 1, NEEDS: 2, NEW_NAME: 3}
    return Reconciliation(
        movement_id=movement.id, flight=movement.flight,
        operational_date=movement.operational_date, lists=tuple(infos),
        differences=tuple(sorted(shown, key=lambda d: (order[d.kind], d.name))),
        dismissed=len(found) - len(shown), timezone=movement.airport.timezone)


def onward_movement(session: Session, movement: Movement, designator: str, day: date
                     ) -> Movement | None:
    ref = tl.ref_of(designator, day)
    if ref is None:
        return None
    found = tl.flight_movements(session, movement.airport, ref, tl.DEPARTURE)
    found.sort(key=lambda m: m.kind is not MovementKind.TRANSIT_OUT)
    return found[0] if found else None


