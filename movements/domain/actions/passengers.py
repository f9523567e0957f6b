"""Cases, passengers, their needs and their places on movements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from .. import input_rules
from ..access import Need, access_case, access_movement, access_passenger
from ..errors import RuleViolation
from ..events import CaseSplitFlagged, PassengerBooked, PassengerUpdated
from ..models import (
    Booking,
    BookingStatus,
    Case,
    ChronicCondition,
    MedicalLevel,
    Movement,
    Passenger,
    SpecialNeed,
)
from ..phrases import N_, Phrase
from ..ssr import SSR_CODES, NeedGroup
from ..uow import Tx
from ._common import check_version, touch
from .movements import airport_by_code


@dataclass(frozen=True, slots=True)
class NewPassenger:
    surname: str
    given_names: str
    native_name: str | None = None
    birth_date: date | None = None
    sex: str = "X"
    nationality: str | None = None
    booking_locator: str | None = None
    language: str | None = None
    needs: tuple[tuple[str, str | None], ...] = ()  # (SSR code, free text)
    medical_escort_required: bool = False
    operational_escort_required: bool = False
    victim_of_trafficking: bool = False
    chronic_condition: ChronicCondition | None = None
    medical_notes: str | None = None
    release_to_name: str | None = None
    release_to_relation: str | None = None


def get_or_create_case(tx: Tx, airport: str, reference: str,
                       programme: str = "voluntary_return") -> Case:
    ref = reference.strip().upper()
    if not ref:
        raise RuleViolation(Phrase(N_("case reference is required")), field="case")
    case = tx.session.scalar(select(Case).where(Case.reference == ref))
    if case is None:
        case = Case(reference=ref, airport_id=airport_by_code(tx, airport).id,
                    programme=programme)
        tx.session.add(case)
        tx.session.flush()
    return case


def validate_needs(needs: tuple[tuple[str, str | None], ...]) -> list[SpecialNeed]:
    out: list[SpecialNeed] = []
    for code, text in needs:
        key = code.strip().upper()
        if key not in SSR_CODES:
            raise RuleViolation(Phrase.of(N_("%(code)s is not an SSR code we record"),
                                          code=repr(code)), field="needs")
        if NeedGroup.NOT_AGENCY in SSR_CODES[key].groups:
            # Deportees and inadmissibles are not the agency's voluntary passengers:
            # labelling one as ours by mistake is the error DOMAIN.md warns about.
            raise RuleViolation(Phrase.of(N_("%(code)s marks a passenger who is not the agency's"),
                                          code=key), field="needs")
        out.append(SpecialNeed(code=key, text=(text or "").strip() or None))
    return out


#: SSR codes that make a passenger a medical case for the agency's figures.
MEDICAL_CODES = frozenset({"MEDA", "STCR", "OXYG"})


def medical_level(new: NewPassenger, codes: set[str]) -> MedicalLevel | None:
    """The agency's medical category (annual report: basic or chronic): chronic with a
    chronic-condition category, basic with a medical SSR code or a medical escort."""
    if new.chronic_condition is not None:
        return MedicalLevel.CHRONIC
    if codes & MEDICAL_CODES or new.medical_escort_required:
        return MedicalLevel.BASIC
    return None


#: A passenger's person-name fields and how a refusal names them.
NAME_FIELDS: tuple[tuple[str, str], ...] = (
    ("surname", N_("surname")), ("given_names", N_("given names")),
    ("native_name", N_("name in own script")),
    ("release_to_name", N_("adult to release to")))


def check_names(new: NewPassenger) -> None:
    """Every person-name field of ``new`` keeps ``input_rules.name_problem`` (letters of
    any script, marks, space, hyphen, apostrophe, full stop); RuleViolation naming the
    field and the offending character otherwise.  Called before anything is written."""
    for field, label in NAME_FIELDS:
        input_rules.check_name(Phrase(label), getattr(new, field), field=field)


def add_passenger(tx: Tx, case_id: int, new: NewPassenger) -> int:
    case = access_case(tx.session, tx.actor, case_id, Need.COORDINATE)
    check_names(new)
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
    check_not_twice(case, new)
    passenger = Passenger(
        case=case, surname=new.surname.strip(), given_names=new.given_names.strip(),
        native_name=(new.native_name or "").strip() or None, birth_date=new.birth_date,
        sex=new.sex, nationality=new.nationality, booking_locator=new.booking_locator,
        language=new.language, medical_escort_required=new.medical_escort_required,
        operational_escort_required=new.operational_escort_required,
        victim_of_trafficking=new.victim_of_trafficking,
        chronic_condition=new.chronic_condition, medical_notes=new.medical_notes,
        release_to_name=(new.release_to_name or "").strip() or None,
        release_to_relation=new.release_to_relation,
    )
    passenger.needs = needs
    passenger.medical_level = medical_level(new, codes)
    tx.session.add(passenger)
    tx.session.flush()
    tx.audit("add_passenger", "passenger", passenger.id,  # a reference may be a locator
             after={"case": case.id, "needs": sorted(codes)})
    return passenger.id


SAME_PERSON = N_("%(surname)s/%(given)s born %(born)s is already in this case as passenger "
                 "%(other)s/%(other_given)s: the same person cannot be added twice")


def check_not_twice(case: Case, new: NewPassenger, *, passenger_id: int | None = None) -> None:
    """Refuse a second passenger of ``case`` with the same name and birth date (the same
    person booked twice); names compare without case and surrounding spaces.  A passenger
    without a birth date is not compared.  ``passenger_id``: the one being edited.
    Raises RuleViolation naming the other passenger."""
    if new.birth_date is None:
        return
    key = (new.surname.strip().upper(), " ".join(new.given_names.upper().split()))
    for other in case.passengers:
        if other.id == passenger_id or other.birth_date != new.birth_date:
            continue
        if (other.surname.strip().upper(), " ".join(other.given_names.upper().split())) == key:
            raise RuleViolation(Phrase.of(
                SAME_PERSON, surname=new.surname.strip(), given=new.given_names.strip(),
                born=new.birth_date.isoformat(), other=other.surname,
                other_given=other.given_names), field="surname")


def book_passenger(tx: Tx, passenger_id: int, movement_id: int, *, seat: str | None = None,
                   stop: str | None = None) -> int:
    passenger = access_passenger(tx.session, tx.actor, passenger_id, Need.COORDINATE)
    movement = access_movement(tx.session, tx.actor, movement_id, Need.COORDINATE)
    if stop is not None:
        stops = {s.airport_code for s in movement.stops} or {movement.destination}
        if stop.upper() not in stops:
            raise RuleViolation(Phrase.of(N_("%(flight)s does not stop at %(stop)s"),
                                          flight=movement.flight, stop=stop), field="stop")
    exists = tx.session.scalar(select(Booking).where(
        Booking.passenger_id == passenger.id, Booking.movement_id == movement.id))
    if exists is not None:
        raise RuleViolation(Phrase.of(N_("%(initials)s is already on %(flight)s"),
                                      initials=passenger.initials, flight=movement.flight))
    booking = Booking(passenger=passenger, movement=movement, seat=seat,
                      stop=stop.upper() if stop else None)
    tx.session.add(booking)
    tx.session.flush()
    tx.record(PassengerBooked, movement, passenger_id=passenger.id)
    flag_case_split(tx, passenger.case)
    return booking.id


def flag_case_split(tx: Tx, case: Case) -> bool:
    """A case travels together: members booked on different flights flag the case.

    Each member's journey is the set of flights they are booked on (a transit member has
    the inbound and the onward leg); a family arriving together but continuing on two
    onward flights is split too.
    """
    journeys: set[frozenset[int]] = set()
    for member in case.passengers:
        flights = frozenset(b.movement_id for b in member.bookings
                            if b.status is not BookingStatus.CANCELLED)
        if flights:
            journeys.add(flights)
    split = len(journeys) > 1
    involved = sorted({m for j in journeys for m in j})
    if split:
        # Told again each time the case's flights change: a newly involved flight's
        # board must learn of it too.
        case.split_flagged = True
        for movement_id in involved:
            movement = tx.session.get(Movement, movement_id)
            assert movement is not None
            tx.record(CaseSplitFlagged, movement, case_reference=case.reference,
                      movement_ids=tuple(involved))
        tx.audit("flag_case_split", "case", case.id, after={"movements": involved})
    elif not split and case.split_flagged:
        case.split_flagged = False
        tx.audit("clear_case_split", "case", case.id)
    return split


def update_needs(tx: Tx, passenger_id: int, needs: tuple[tuple[str, str | None], ...],
                 expected_version: int | None = None) -> None:
    # Gate staff record a need they meet at the gate (a wheelchair after all).
    passenger = access_passenger(tx.session, tx.actor, passenger_id, Need.WORK)
    check_version(passenger, expected_version, "passenger")
    before = sorted(passenger.codes)
    passenger.needs = validate_needs(needs)
    touch(passenger, "surname")
    tx.session.flush()
    for booking in passenger.bookings:
        tx.record(PassengerUpdated, booking.movement, passenger_id=passenger.id)
    tx.audit("update_needs", "passenger", passenger.id, before={"needs": before},
             after={"needs": sorted(passenger.codes)})
