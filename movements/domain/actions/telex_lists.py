"""Apply passenger lists (PNL, ADL, PTM, PSM) from plain data (``telex.PaxList``).

The latest list of each kind per flight is kept (``TelexList``):
a PNL or PTM replaces the earlier one (a full list), an ADL amends the PNL list
(ADD, DEL, CHG by name; a DEL or CHG of a name the list does not have is reported,
not refused), a PSM replaces the earlier PSM.  Each name is then matched to the
manifest (``name_match``), and the rule is:

    a telex may add what is missing and refresh what it put there itself; it never
    silently overrides or removes what a coordinator planned.

* A movement without coordinator-planned passengers takes the telex's names as its
  manifest: passengers are created (case = booking locator as ``PNR-<locator>``, or
  ``TLX-<telex id>-<group>`` for the names sent together), booked, given their needs,
  and connected (transit link via ``link_transit`` when both legs exist and the
  inbound leg has none yet; a booking on the other leg).  They are remembered in
  ``TelexPassenger``: later telexes update their needs and connections, and cancel
  their bookings when no current list names them any more (a later PTM without them,
  an ADL DEL); a later list naming them again re-books them.
* A passenger a coordinator planned is never changed by a telex.  What the telex says
  differently (missing from a full list, a new name, another onward flight, needs the
  manifest lacks) is a *difference* on the movement page (``domain.reconciliation``),
  applied or dismissed by a coordinator with one action.

SSR codes: codes of the vocabulary (``ssr.SSR_CODES``) become needs; any other code
(meals, documents, ticketing: VGML, DOCS, TKNE...) is kept verbatim on the list entry
and never rejected, since every airline list carries them.  A name carrying DEPA,
DEPU or INAD is not the agency's passenger: it stays on the list but is never
created, matched into the manifest or offered as a new name.  An UMNR created from a
telex has no adult to release to yet: the handover refuses release until a
coordinator names one (the outcome says so).

Infants and children: an entry with ``lap_of`` is an infant (INFT given on an adult):
created as a passenger of its own with its birth date, in the adult's case, with
``lap_of_passenger_id`` pointing at the adult; an ADL deleting the adult deletes the
infant on its lap.  A child entry (CHD, CHLD) carries its birth date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import name_match
from ..events import PassengerBooked, PassengerUpdated
from ..models import (
    Airport,
    Booking,
    BookingStatus,
    Case,
    Movement,
    MovementKind,
    Passenger,
    Role,
    SpecialNeed,
    TelexEntry,
    TelexList,
    TelexPassenger,
    Transit,
)
from ..phrases import N_, Phrase
from ..ssr import SSR_CODES, NeedGroup
from ..uow import Tx
from . import movements as mv
from . import passengers as px
from ._common import require_role
from .telex import (
    ARRIVAL,
    DEPARTURE,
    SIDE_KINDS,
    Applied,
    FlightRef,
    PaxEntry,
    PaxList,
    TelexRefused,
    flight_movements,
    no_movement,
    ref_of,
    unknown_airports_note,
)

FULL_LISTS = ("PNL", "PTM")
NOT_AGENCY = frozenset(c for c, info in SSR_CODES.items() if NeedGroup.NOT_AGENCY in info.groups)
_STATUS_PREFIX = re.compile(r"^[A-Z]{2}[0-9]{1,3}\b\s*")  # "HK1 " before SSR free text
_NEED_TEXT_MAX = 300

def known_needs(remarks: Iterable[Sequence[str]]) -> list[tuple[str, str | None]]:
    """The remarks the team acts on, once per code, with their text cleaned."""
    out: dict[str, str | None] = {}
    for code, *rest in remarks:
        key = code.strip().upper()
        if key not in SSR_CODES or key in NOT_AGENCY or key in out:
            continue
        text = _STATUS_PREFIX.sub("", (rest[0] if rest else "") or "").strip()
        out[key] = text[:_NEED_TEXT_MAX] or None
    return list(out.items())


def is_not_agency(remarks: Iterable[Sequence[str]]) -> bool:
    return any(code.strip().upper() in NOT_AGENCY for code, *_ in remarks)


def _same_name(a: PaxEntry, b: PaxEntry) -> bool:
    fold = name_match.fold
    if fold(a.surname) != fold(b.surname) or fold(a.given_name) != fold(b.given_name):
        return False
    return not (a.locator and b.locator and fold(a.locator) != fold(b.locator))


def amend(current: Sequence[PaxEntry], adl: PaxList) -> tuple[list[PaxEntry], list[Phrase]]:
    """The PNL list after an ADL: ADD (or replace), DEL, CHG by name; notes for the
    outcome."""
    out = list(current)
    notes: list[Phrase] = []
    for e in adl.entries:
        index = next((i for i, old in enumerate(out) if _same_name(old, e)), None)
        plain = replace(e, action=None)
        if e.action == "DEL":
            if index is None:
                notes.append(Phrase.of(N_("line %(line)s: DEL %(name)s is not on the list; "
                                          "nothing removed"), line=e.line_no, name=e.name))
            else:
                gone = out.pop(index)
                if gone.lap_of is None:  # the infant on a deleted adult's lap goes too
                    out = [o for o in out if o.lap_of is None or fold_name(o.lap_of) !=
                           fold_name(f"{gone.surname}/{gone.given_name or ''}")]
        elif index is not None:
            out[index] = plain
        else:
            if e.action == "CHG":
                notes.append(Phrase.of(N_("line %(line)s: CHG %(name)s was not on the list; "
                                          "added"), line=e.line_no, name=e.name))
            out.append(plain)
    return out, notes


def fold_name(name: str) -> str:
    return name_match.fold(name) or ""


def entry_of(row: TelexEntry) -> PaxEntry:
    """A stored entry back as plain data (to amend a list with an ADL)."""
    onward = ref_of(row.onward_flight, row.onward_date)
    inbound = ref_of(row.inbound_flight, row.inbound_date)
    return PaxEntry(row.line_no, row.surname, row.given_name, row.title, row.group_key,
                    None, row.locator, row.destination, row.seat,
                    tuple((str(c), str(t)) for c, t in row.remarks), onward, inbound,
                    row.birth_date, row.lap_of)


def _choose(movements: Sequence[Movement], entry: PaxEntry, side: str) -> Movement:
    if len(movements) == 1:
        return movements[0]
    transit, plain = SIDE_KINDS[side]
    connected = entry.onward if side == ARRIVAL else entry.inbound
    wanted = transit if connected is not None else plain
    for m in movements:
        if m.kind is wanted:
            return m
    return movements[0]


def person_of(p: Passenger) -> name_match.Person:
    return name_match.Person(p.id, p.surname, p.given_names, p.native_name,
                             p.booking_locator)


def telex_name(e: PaxEntry | TelexEntry) -> name_match.TelexName:
    given = e.given_name
    return name_match.TelexName(e.surname, given, e.locator)


def owned_ids(tx: Tx, passenger_ids: Iterable[int]) -> set[int]:
    ids = list(set(passenger_ids))
    if not ids:
        return set()
    return set(tx.session.scalars(select(TelexPassenger.passenger_id).where(
        TelexPassenger.passenger_id.in_(ids))))


def _bookings(tx: Tx, movement_ids: Sequence[int]) -> list[Booking]:
    return list(tx.session.scalars(
        select(Booking).where(Booking.movement_id.in_(movement_ids))
        .options(selectinload(Booking.passenger).selectinload(Passenger.needs),
                 selectinload(Booking.passenger).selectinload(Passenger.case))
        .order_by(Booking.id)))


@dataclass
class _Tally:
    created: int = 0
    rebooked: int = 0
    updated: int = 0
    cancelled: int = 0
    waiting: int = 0
    notes: list[Phrase] = field(default_factory=list)

    def note(self, text: Phrase) -> None:
        if text not in self.notes:
            self.notes.append(text)


#: Names one passenger list may carry for one flight.  More is no flight's list (the
#: largest airliner seats under 900), and it bounds the list's one write transaction:
#: a PNL/ADL is applied whole in one transaction (a telex is applied whole or not at
#: all), so its size is what bounds how long it holds the database (issue 19.4).
MAX_LIST_NAMES = 999


def apply_passenger_list(tx: Tx, airport_code: str, pax: PaxList, message_id: int
                         ) -> Applied:
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    airport = mv.airport_by_code(tx, airport_code)
    movements = flight_movements(tx.session, airport, pax.flight, pax.side)
    if not movements:
        raise TelexRefused(pax.line_no, no_movement(pax.flight, pax.side, airport))
    list_kind = "PNL" if pax.kind in ("PNL", "ADL") else pax.kind
    lst = tx.session.scalar(select(TelexList).where(
        TelexList.airport_id == airport.id, TelexList.kind == list_kind,
        TelexList.flight == pax.flight.designator, TelexList.flight_date == pax.flight.date,
        TelexList.side == pax.side))
    tally = _Tally()
    if pax.kind == "ADL":
        current = [entry_of(row) for row in lst.entries] if lst is not None else []
        entries, notes = amend(current, pax)
        for n in notes:
            tally.note(n)
        complete = lst.complete if lst is not None else False
    else:
        entries = list(pax.entries)
        complete = pax.kind in FULL_LISTS and not pax.partial
    if len(entries) > MAX_LIST_NAMES:
        over = entries[MAX_LIST_NAMES]
        raise TelexRefused(over.line_no, Phrase.of(
            N_("%(kind)s %(flight)s: more than %(most)s names for one flight (no aircraft seats "
               "more); nothing of this list was applied"),
            kind=str(pax.kind), flight=str(pax.flight), most=MAX_LIST_NAMES))
    if lst is None:
        lst = TelexList(airport_id=airport.id, kind=list_kind,
                        flight=pax.flight.designator, flight_date=pax.flight.date,
                        side=pax.side, entries=[], movement_ids=[], complete=complete,
                        telex_message_id=message_id, updated_at=tx.now)
        tx.session.add(lst)

    movement_ids = [m.id for m in movements]
    bookings = _bookings(tx, movement_ids)
    passengers = {b.passenger_id: b.passenger for b in bookings}
    found_by_position = name_match.match(
        [(i, telex_name(e)) for i, e in enumerate(entries) if not is_not_agency(e.remarks)],
        (person_of(p) for p in passengers.values()))
    matches = {m.item: m for m in found_by_position.values()}
    by_movement = {m.id: m for m in movements}
    previously = {row.passenger_id for row in lst.entries if row.passenger_id is not None}
    lst.entries = []  # the earlier list goes (delete-orphan)
    tx.session.flush()
    rows: list[TelexEntry] = []
    for i, e in enumerate(entries):
        found = matches.get(i)
        if found is not None:
            pid = found.person.key
            booked = [b for b in bookings if b.passenger_id == pid]
            active = [b for b in booked if b.status is not BookingStatus.CANCELLED]
            movement = (active or booked)[0].movement
        else:
            pid = None
            movement = _choose(movements, e, pax.side)
        rows.append(_entry_row(e, movement.id, pid))
    lst.entries = rows
    lst.movement_ids = movement_ids
    lst.complete = complete
    lst.telex_message_id = message_id
    lst.updated_at = tx.now
    tx.session.flush()

    owned = owned_ids(tx, [*passengers, *previously])
    _sync_manifest(tx, airport, by_movement, bookings, owned, lst, message_id, pax.side,
                   tally, previously)
    names = len(entries)
    counted = Phrase.of(N_("%(kind)s %(flight)s (%(count)s name on the list)") if names == 1
                        else N_("%(kind)s %(flight)s (%(count)s names on the list)"),
                        kind=str(pax.kind), flight=str(pax.flight), count=names)
    done = [Phrase.of(one if n == 1 else many, count=n) for n, one, many in (
        (tally.created, N_("%(count)s passenger added"), N_("%(count)s passengers added")),
        (tally.rebooked, N_("%(count)s re-booked"), N_("%(count)s re-booked")),
        (tally.updated, N_("%(count)s needs or connection updated"),
         N_("%(count)s needs or connections updated")),
        (tally.cancelled, N_("%(count)s dropped (no longer on any list)"),
         N_("%(count)s dropped (no longer on any list)")),
        (tally.waiting, N_("%(count)s new name for the coordinator"),
         N_("%(count)s new names for the coordinator")),
    ) if n]
    summary = Phrase.of(N_("%(list)s: %(done)s"), list=counted, done=_listed(done)) \
        if done else counted
    unknown = unknown_airports_note(e.destination for e in pax.entries)
    if unknown is not None:
        tally.notes.append(unknown)
    return Applied(tuple(movement_ids), summary, tuple(tally.notes))


def _listed(parts: Sequence[Phrase]) -> Phrase:
    # "1 passenger added, 2 re-booked": a comma list, each part translated.
    out = parts[0]
    for part in parts[1:]:
        out = Phrase.of(N_("%(first)s, %(next)s"), first=out, next=part)
    return out


def _entry_row(e: PaxEntry, movement_id: int, passenger_id: int | None) -> TelexEntry:
    return TelexEntry(
        movement_id=movement_id, passenger_id=passenger_id, line_no=e.line_no,
        group_key=e.group[:40] or f"L{e.line_no}", surname=e.surname[:120],
        given_name=(e.given_name or None) and e.given_name[:200], title=e.title,
        locator=e.locator, destination=e.destination, seat=e.seat,
        remarks=[[c, t] for c, t in e.remarks],
        onward_flight=e.onward.designator if e.onward else None,
        onward_date=e.onward.date if e.onward else None,
        inbound_flight=e.inbound.designator if e.inbound else None,
        inbound_date=e.inbound.date if e.inbound else None,
        birth_date=e.birth_date, lap_of=e.lap_of and e.lap_of[:200])


def _sync_manifest(tx: Tx, airport: Airport, by_movement: dict[int, Movement],
                   bookings: list[Booking], owned: set[int], lst: TelexList,
                   message_id: int, side: str, tally: _Tally, previously: set[int]
                   ) -> None:
    planned = {mid: any(b.movement_id == mid and b.status is not BookingStatus.CANCELLED
                        and b.passenger_id not in owned for b in bookings)
               for mid in by_movement}
    touched = previously & owned  # named by the list this one replaces: needs may go
    known = {(b.passenger_id, b.movement_id): b for b in bookings}
    targets: dict[tuple[str, date, str], Movement | None] = {}
    to_create: list[TelexEntry] = []
    for row in lst.entries:
        movement = by_movement[row.movement_id]
        if is_not_agency(row.remarks):
            tally.note(Phrase.of(N_("line %(line)s: %(name)s is marked DEPA/DEPU/INAD: not "
                                    "the agency's passenger, left out"),
                                 line=row.line_no, name=f"{row.surname}/{row.given_name or ''}"))
            continue
        if row.passenger_id is None:
            if planned[movement.id]:
                tally.waiting += 1
            else:
                to_create.append(row)
            continue
        if row.passenger_id not in owned:
            continue  # a coordinator's passenger: differences only
        if ensure_booking(tx, row.passenger_id, movement, row.seat,
                          known.get((row.passenger_id, movement.id))):
            tally.rebooked += 1
        touched.add(row.passenger_id)
        if connect(tx, airport, row, movement, row.passenger_id, side, tally.notes,
                   owned=True, targets=targets):
            tally.updated += 1
    _create_owned(tx, airport, to_create, by_movement, message_id, side, tally, targets)
    owned.update(row.passenger_id for row in to_create if row.passenger_id is not None)
    tally.updated += sync_needs_of(tx, touched)
    named = set(tx.session.scalars(select(TelexEntry.passenger_id).where(
        TelexEntry.movement_id.in_(list(by_movement)), TelexEntry.passenger_id.is_not(None))))
    for b in bookings:
        if b.passenger_id in owned and b.passenger_id not in named and \
                b.status is BookingStatus.BOOKED:
            cancel_booking(tx, b, "no current telex list names this passenger")
            tally.cancelled += 1
            if side == ARRIVAL:
                for other in b.passenger.bookings:
                    if other.movement.kind is MovementKind.TRANSIT_OUT and \
                            other.status is BookingStatus.BOOKED and not _named_on(
                                tx, other.passenger_id, other.movement_id):
                        cancel_booking(tx, other, "the inbound leg was dropped by telex")


def _programme(movement: Movement) -> str:
    return "transit" if movement.kind in (MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT) \
        else movement.kind.value


def _sex(title: str | None) -> str:
    return "F" if title in ("MRS", "MS", "MISS") else "M" if title in ("MR", "MSTR") else "X"


def _create_owned(tx: Tx, airport: Airport, rows: list[TelexEntry],
                  by_movement: dict[int, Movement], message_id: int, side: str,
                  tally: _Tally, targets: dict[tuple[str, date, str], Movement | None]
                  ) -> None:
    """The list's new names on a movement nobody planned: passengers, cases, bookings and
    connections made in bulk, one live event per movement (a whole-page re-render)
    instead of one per passenger, one audit entry per passenger."""
    if not rows:
        return
    refs = [case_reference(row.locator, message_id, row.group_key) for row in rows]
    cases = {c.reference: c for c in tx.session.scalars(
        select(Case).where(Case.reference.in_(set(refs))))}
    existing = set(cases)
    for ref, row in zip(refs, rows, strict=True):
        if ref not in cases:
            cases[ref] = Case(reference=ref, airport_id=airport.id,
                              programme=_programme(by_movement[row.movement_id]))
            tx.session.add(cases[ref])
    made: list[tuple[TelexEntry, Passenger, list[tuple[str, str | None]]]] = []
    for ref, row in zip(refs, rows, strict=True):
        needs = known_needs(row.remarks)
        passenger = Passenger(case=cases[ref], surname=row.surname,
                              given_names=row.given_name or "", booking_locator=row.locator,
                              sex=_sex(row.title), birth_date=row.birth_date)
        passenger.needs = [SpecialNeed(code=c, text=t) for c, t in needs]
        made.append((row, passenger, needs))
    tx.session.add_all([p for _, p, _ in made])
    tx.session.flush()
    _seat_on_laps(tx, [(row, p) for row, p, _ in made])
    journeys: dict[str, set[frozenset[int]]] = {}
    booked: dict[int, Movement] = {}
    for ref, (row, passenger, needs) in zip(refs, made, strict=True):
        row.passenger_id = passenger.id
        movement = by_movement[row.movement_id]
        tx.session.add(TelexPassenger(passenger_id=passenger.id, telex_message_id=message_id,
                                      created_at=tx.now))
        tx.session.add(Booking(passenger_id=passenger.id, movement_id=movement.id,
                               seat=row.seat, status=BookingStatus.BOOKED))
        legs = {movement.id}
        booked[movement.id] = movement
        other = _leg_for(tx, airport, row, movement, side, tally.notes, targets)
        if other is not None:
            tx.session.add(Booking(passenger_id=passenger.id, movement_id=other.id,
                                   status=BookingStatus.BOOKED))
            legs.add(other.id)
            booked[other.id] = other
        journeys.setdefault(ref, set()).add(frozenset(legs))
        # The case id, not its reference: a reference carries a locator or a surname.
        tx.audit("add_passenger", "passenger", passenger.id,
                 after={"case": cases[ref].id, "needs": sorted(c for c, _ in needs),
                        "movements": sorted(legs)}, detail=f"from telex {message_id}")
    tx.session.flush()
    tally.created += len(made)
    minors = [f"{row.surname}/{row.given_name or ''}" for row, _, needs in made
              if "UMNR" in {c for c, _ in needs}]
    if minors:
        tally.note(Phrase.of(N_("UMNR %(names)s: name the adult to release to before the "
                                "handover"), names=", ".join(minors)))
    for movement in booked.values():
        tx.record(PassengerBooked, movement)
    for ref, journeys_of_case in journeys.items():
        if ref in existing or len(journeys_of_case) > 1:
            px.flag_case_split(tx, cases[ref])


def _seat_on_laps(tx: Tx, made: Sequence[tuple[TelexEntry, Passenger]]) -> None:
    """Infants made from a list: on the lap of the adult the list names, who is found
    among the passengers made with them, else on the same list (made earlier)."""
    infants = [(row, p) for row, p in made if row.lap_of]
    if not infants:
        return
    adults = {(r.list_id, fold_name(f"{r.surname}/{r.given_name or ''}")): p.id
              for r, p in made if not r.lap_of}
    for row, passenger in infants:
        key = (row.list_id, fold_name(row.lap_of or ""))
        adult_id = adults.get(key)
        if adult_id is None:
            adult_id = next((r.passenger_id for r in tx.session.scalars(
                select(TelexEntry).where(TelexEntry.list_id == row.list_id,
                                         TelexEntry.lap_of.is_(None),
                                         TelexEntry.passenger_id.is_not(None)))
                if fold_name(f"{r.surname}/{r.given_name or ''}") == key[1]), None)
        passenger.lap_of_passenger_id = adult_id
    tx.session.flush()


def _leg_for(tx: Tx, airport: Airport, row: TelexEntry, movement: Movement, side: str,
             notes: list[Phrase], targets: dict[tuple[str, date, str], Movement | None]
             ) -> Movement | None:
    """The other transit leg the entry names, linked to this one; None (with a note)
    when it is not planned or the two are not a transit."""
    ref, other = connection_target(tx, airport, row, side, targets)
    if ref is None:
        return None
    if other is None:
        note = Phrase.of(N_("onward %(flight)s is not a planned movement: connection kept on "
                            "the list only") if side == ARRIVAL else
                         N_("inbound %(flight)s is not a planned movement: connection kept "
                            "on the list only"), flight=str(ref))
        if note not in notes:
            notes.append(note)
        return None
    inbound, onward = (movement, other) if side == ARRIVAL else (other, movement)
    if (inbound.kind, onward.kind) != (MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT):
        note = Phrase.of(N_("%(connection)s connects to %(flight)s, but %(inbound)s is not "
                            "planned as a transit: connection kept on the list only"),
                         connection=str(ref), flight=movement.flight, inbound=inbound.flight)
        if note not in notes:
            notes.append(note)
        return None
    link_legs(tx, movement, other, side)
    return other


def sync_needs_of(tx: Tx, passenger_ids: Iterable[int]) -> int:
    """Telex-made passengers' needs: every vocabulary code the current lists give them.
    Returns how many passengers changed."""
    ids = sorted(set(passenger_ids))
    if not ids:
        return 0
    remarks: dict[int, list[Sequence[str]]] = {pid: [] for pid in ids}
    for pid, given in tx.session.execute(select(TelexEntry.passenger_id, TelexEntry.remarks)
                                         .where(TelexEntry.passenger_id.in_(ids))
                                         .order_by(TelexEntry.id)):
        if pid is not None:
            remarks[pid].extend(given)
    changed = 0
    for passenger in tx.session.scalars(select(Passenger).where(Passenger.id.in_(ids))
                                        .options(selectinload(Passenger.needs))):
        wanted = known_needs(remarks[passenger.id])
        if sorted(wanted, key=str) != sorted(((n.code, n.text) for n in passenger.needs),
                                             key=str):
            px.update_needs(tx, passenger.id, tuple(wanted))
            changed += 1
    return changed


def _named_on(tx: Tx, passenger_id: int, movement_id: int) -> bool:
    return tx.session.scalar(select(TelexEntry.id).where(
        TelexEntry.passenger_id == passenger_id, TelexEntry.movement_id == movement_id)
        .limit(1)) is not None


def case_reference(locator: str | None, message_id: int | None, group: str) -> str:
    if locator:
        return f"PNR-{locator.upper()}"
    return f"TLX-{message_id or 0}-{group}"[:40]


def create_from_entry(tx: Tx, airport: Airport, row: TelexEntry, movement: Movement,
                      message_id: int | None, cases: dict[str, int], *, owned: bool) -> int:
    """A passenger as the telex names them, booked on the movement.  ``owned``: the
    telex put them there (no coordinator decided), so later telexes may change them."""
    ref = case_reference(row.locator, message_id, row.group_key)
    if ref not in cases:
        programme = "transit" if movement.kind in (
            MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT) else movement.kind.value
        cases[ref] = px.get_or_create_case(tx, airport.iata, ref, programme).id
    needs = known_needs(row.remarks)
    passenger = Passenger(case_id=cases[ref], surname=row.surname,
                          given_names=row.given_name or "", booking_locator=row.locator,
                          sex=_sex(row.title), birth_date=row.birth_date)
    passenger.needs = [SpecialNeed(code=c, text=t) for c, t in needs]
    tx.session.add(passenger)
    tx.session.flush()
    _seat_on_laps(tx, [(row, passenger)])
    if owned:
        tx.session.add(TelexPassenger(passenger_id=passenger.id, telex_message_id=message_id,
                                      created_at=tx.now))
    tx.audit("add_passenger", "passenger", passenger.id,  # case id: the reference names
             after={"case": cases[ref], "needs": sorted(c for c, _ in needs)},
             detail=f"from telex {message_id}" if message_id else "from telex")
    row.passenger_id = passenger.id
    px.book_passenger(tx, passenger.id, movement.id, seat=row.seat)
    return passenger.id


def ensure_booking(tx: Tx, passenger_id: int, movement: Movement, seat: str | None = None,
                   known: Booking | None | bool = False) -> bool:
    """Book, or re-book a cancelled booking; True when something changed.  ``known``:
    the booking if the caller has it loaded (None: there is none), else looked up."""
    booking = known if known is not False else tx.session.scalar(select(Booking).where(
        Booking.passenger_id == passenger_id, Booking.movement_id == movement.id))
    assert booking is None or isinstance(booking, Booking)
    if booking is None:
        px.book_passenger(tx, passenger_id, movement.id, seat=seat)
        return True
    if booking.status is BookingStatus.CANCELLED:
        booking.status = BookingStatus.BOOKED
        if seat:
            booking.seat = seat
        tx.session.flush()
        tx.record(PassengerUpdated, movement, passenger_id=passenger_id)
        tx.audit("rebook_passenger", "booking", booking.id, detail="named again by telex")
        return True
    if seat and booking.seat != seat:
        booking.seat = seat
        tx.session.flush()
        tx.record(PassengerUpdated, movement, passenger_id=passenger_id)
    return False


def cancel_booking(tx: Tx, booking: Booking, why: str) -> None:
    booking.status = BookingStatus.CANCELLED
    tx.session.flush()
    tx.record(PassengerUpdated, booking.movement, passenger_id=booking.passenger_id)
    tx.audit("cancel_booking", "booking", booking.id, detail=why)
    px.flag_case_split(tx, booking.passenger.case)


def connection_target(tx: Tx, airport: Airport, row: TelexEntry | PaxEntry, side: str,
                      cache: dict[tuple[str, date, str], Movement | None] | None = None
                      ) -> tuple[FlightRef | None, Movement | None]:
    """The other leg a list entry names (onward from an arrival, inbound to a departure)
    and its movement here, if planned."""
    if isinstance(row, TelexEntry):
        ref = ref_of(row.onward_flight, row.onward_date) if side == ARRIVAL else \
            ref_of(row.inbound_flight, row.inbound_date)
    else:
        ref = row.onward if side == ARRIVAL else row.inbound
    if ref is None:
        return None, None
    key = (ref.designator, ref.date, side)
    if cache is not None and key in cache:
        return ref, cache[key]
    other_side = DEPARTURE if side == ARRIVAL else ARRIVAL
    found = flight_movements(tx.session, airport, ref, other_side)
    transit = SIDE_KINDS[other_side][0]
    found.sort(key=lambda m: m.kind is not transit)
    movement = found[0] if found else None
    if cache is not None:
        cache[key] = movement
    return ref, movement


def link_legs(tx: Tx, movement: Movement, other: Movement, side: str) -> None:
    inbound, onward = (movement, other) if side == ARRIVAL else (other, movement)
    if inbound.kind is not MovementKind.TRANSIT_IN or onward.kind is not \
            MovementKind.TRANSIT_OUT or onward.scheduled_at <= inbound.scheduled_at:
        return
    linked = tx.session.scalar(select(Transit.id).where(
        Transit.inbound_movement_id == inbound.id))
    if linked is None:
        mv.link_transit(tx, inbound.id, onward.id)


def connect(tx: Tx, airport: Airport, row: TelexEntry, movement: Movement, pid: int,
            side: str, notes: list[Phrase] | None = None, *, owned: bool,
            targets: dict[tuple[str, date, str], Movement | None] | None = None) -> bool:
    """Book the passenger on the other leg the entry names, linking the legs."""
    other = _leg_for(tx, airport, row, movement, side, notes if notes is not None else [],
                     targets if targets is not None else {})
    if other is None:
        return False
    changed = ensure_booking(tx, pid, other)
    if owned and side == ARRIVAL:
        for b in _active_bookings(tx, pid):
            if b.movement.kind is MovementKind.TRANSIT_OUT and b.movement_id != other.id:
                ref = f"{other.flight}/{other.operational_date:%d%b}".upper()
                cancel_booking(tx, b, f"the telex gives onward {ref}")
                changed = True
    return changed


def _active_bookings(tx: Tx, passenger_id: int) -> list[Booking]:
    return list(tx.session.scalars(select(Booking).where(
        Booking.passenger_id == passenger_id, Booking.status == BookingStatus.BOOKED)))
