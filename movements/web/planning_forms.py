"""The planning pages' forms as typed bodies (``forms.TypedForm``, issue 11 item 6).

Every field is the text the form sends, None when the form did not send it: the page
that a refusal re-renders shows what was typed in the form submitted and the defaults
in the others (``PlanForm.values``).  Dates, times and numbers are parsed by the planning
edge's rules (web/planning.py), whose refusals name the field by the label on the page.
``_idem`` is the key drawn when the form was rendered (not part of the idempotency hash).
A field sent twice is refused by Litestar (400, naming it) before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import TYPE_CHECKING, Annotated, Any

from movements.domain.ssr import SSR_CODES, NeedGroup
from movements.web.forms import FORM, TypedForm

#: Stops on the charter form (stop_1 ... stop_6 and their times).
STOP_FIELDS = 6
#: The special needs the agency records (the passenger form's ssr_<code> boxes).
AGENCY_SSR = [c for c, s in SSR_CODES.items() if NeedGroup.NOT_AGENCY not in s.groups]


@dataclass
class PlanForm(TypedForm):
    """Base of the planning forms."""

    _idem: str | None = None

    def values(self) -> dict[str, Any]:
        """The fields sent, by name (what the page re-renders and the rules read)."""
        return {k: v for k, v in self.items()}

    def items(self) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in super().items() if k != "_idem"]


def _text_fields(*names: str) -> list[tuple[str, Any, Any]]:
    return [(n, str | None, field(default=None)) for n in names]


@dataclass
class MovementForm(PlanForm):
    """A movement planned on the home page; a transit is two legs (``in_``, ``out_``)."""

    airport: str | None = None
    kind: str | None = None
    flight: str | None = None
    date: str | None = None
    time: str | None = None
    origin: str | None = None
    destination: str | None = None
    terminal: str | None = None
    gate: str | None = None
    aircraft_type: str | None = None
    aircraft_registration: str | None = None
    in_flight: str | None = None
    in_date: str | None = None
    in_time: str | None = None
    in_origin: str | None = None
    in_destination: str | None = None
    in_terminal: str | None = None
    in_gate: str | None = None
    out_flight: str | None = None
    out_date: str | None = None
    out_time: str | None = None
    out_origin: str | None = None
    out_destination: str | None = None
    out_terminal: str | None = None
    out_gate: str | None = None


#: A charter planned on the home page: the flight, operator, seats and its stops (UTC).
#: Built from ``STOP_FIELDS`` (mypy sees the base: the fields are read by name).
if TYPE_CHECKING:
    class CharterForm(PlanForm): ...
else:
    CharterForm = make_dataclass("CharterForm", [
        *_text_fields("airport", "flight", "date", "time", "origin", "destination",
                      "terminal", "gate", "aircraft_type", "aircraft_registration",
                      "operator", "seat_capacity"),
        *_text_fields(*(f"stop_{i}{at}" for i in range(1, STOP_FIELDS + 1)
                        for at in ("", "_at")))], bases=(PlanForm,))


@dataclass
class CaseForm(PlanForm):
    """A new case (home page), or a case's reference and programme (case page)."""

    airport: str | None = None
    reference: str | None = None
    programme: str | None = None


@dataclass
class EditMovementForm(PlanForm):
    flight: str | None = None
    date: str | None = None
    time: str | None = None
    origin: str | None = None
    destination: str | None = None
    terminal: str | None = None
    gate: str | None = None
    expected_version: str | None = None
    reason: str | None = None


@dataclass
class ReasonForm(PlanForm):
    """Cancel a movement, or release a booking (``back``: the planning page to return to)."""

    reason: str | None = None
    back: str | None = None
    expected_version: str | None = None


#: A case member: identity, needs (one box and one free text per agency SSR code), the
#: travel document and the flags.
if TYPE_CHECKING:
    class PassengerForm(PlanForm): ...
else:
    PassengerForm = make_dataclass("PassengerForm", [
        *_text_fields("surname", "given_names", "native_name", "birth_date", "sex",
                      "nationality", "language", "medical_escort_required",
                      "operational_escort_required", "victim_of_trafficking",
                      "chronic_condition", "release_to_name", "release_to_relation",
                      "doc_type", "doc_number", "doc_expiry", "doc_country",
                      "expected_version"),
        *_text_fields(*(f"ssr_{code}{text}" for code in AGENCY_SSR
                        for text in ("", "_text")))], bases=(PlanForm,))


@dataclass
class ClearanceForm(PlanForm):
    medif_valid_until: str | None = None
    medif_flights: str | None = None
    declaration: str | None = None
    consent: str | None = None
    guardian_origin: str | None = None
    guardian_destination: str | None = None


@dataclass
class ContactForm(PlanForm):
    phone: str | None = None
    guardian_phone: str | None = None
    opted_out: str | None = None
    guardian_language: str | None = None


@dataclass
class BookForm(PlanForm):
    """Book a case on a movement, or confirm it (``override_reason``: not ready yet)."""

    movement_id: str | None = None
    stop: str | None = None
    override_reason: str | None = None


@dataclass
class MoveForm(PlanForm):
    """Move a case, or the members ticked (one box arrives as a string, several as a
    list), to another movement."""

    passenger_ids: list[str] | str | None = None
    from_movement_id: str | None = None
    to_movement_id: str | None = None
    stop: str | None = None
    split_reason: str | None = None

    def members(self) -> list[str]:
        if self.passenger_ids is None:
            return []
        return [self.passenger_ids] if isinstance(self.passenger_ids, str) \
            else list(self.passenger_ids)


@dataclass
class CrewForm(PlanForm):
    name: str | None = None
    role: str | None = None
    board_at: str | None = None
    leave_at: str | None = None
    phone: str | None = None


@dataclass
class PickupForm(PlanForm):
    date: str | None = None
    location: str | None = None
    time: str | None = None
    vehicle: str | None = None
    headcount: str | None = None


@dataclass
class CharterEditForm(PlanForm):
    operator: str | None = None
    seat_capacity: str | None = None
    aircraft_type: str | None = None
    aircraft_registration: str | None = None
    expected_version: str | None = None


@dataclass
class StopForm(PlanForm):
    """Add a stop (``code``, ``at`` in UTC, ``after``) or remove one (``stop``,
    ``move_to``)."""

    code: str | None = None
    at: str | None = None
    after: str | None = None
    stop: str | None = None
    move_to: str | None = None
    expected_version: str | None = None


@dataclass
class NoticeForm(PlanForm):
    fingerprint: str | None = None


Movement = Annotated[MovementForm, FORM]
Charter = Annotated[CharterForm, FORM]
Case = Annotated[CaseForm, FORM]
EditMovement = Annotated[EditMovementForm, FORM]
Reason = Annotated[ReasonForm, FORM]
Passenger = Annotated[PassengerForm, FORM]
Clearance = Annotated[ClearanceForm, FORM]
Contact = Annotated[ContactForm, FORM]
Book = Annotated[BookForm, FORM]
Move = Annotated[MoveForm, FORM]
Crew = Annotated[CrewForm, FORM]
Pickup = Annotated[PickupForm, FORM]
CharterEdit = Annotated[CharterEditForm, FORM]
Stop = Annotated[StopForm, FORM]
Notice = Annotated[NoticeForm, FORM]
