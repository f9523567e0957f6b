"""The words the console is built from, each defined once with the label people read.

Members are ``StrEnum`` s: they equal, hash and store as their plain value (the database
columns, the feed's codes, the form fields keep their strings), so ``"SCH" in
FlightState`` and ``row.flight_state == FlightState.DEPARTED`` both work.  Templates get
the labels through :mod:`movements.templating`.

Sources: flight states are the Schiphol Public Flight API v4 ``publicFlightState`` codes
(the labels follow schiphol.nl's wording); milestone keys are the agency's procedure
steps (DOMAIN.md, "Milestones"); telex outcomes are what became of a received telex.
The model's kinds (Role, MovementKind, BookingStatus ...) live here too, so the edges
name them without importing the ORM; ``models.py`` maps its columns to them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class _Labelled(StrEnum):
    """A StrEnum whose members are declared as ``NAME = "value", "Label"``."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """value -> label, in declaration order (for templates and choices)."""
        return {m.value: m.label for m in cls}


class Lane(_Labelled):
    """The three lanes of the board and the daily report (transit in and out share one)."""

    DEPARTURE = "departure", "Departures"
    TRANSIT = "transit", "Transits"
    ARRIVAL = "arrival", "Arrivals"


# -- the model's kinds (stored as their values; models.py maps the columns) ---------

class Role(StrEnum):
    GATE_STAFF = "gate_staff"
    COORDINATOR = "coordinator"
    RECEPTION = "reception"
    ADMIN = "admin"
    # Read-only: aggregates (the reports page and its API), never a personal detail.
    MANAGER = "manager"


class OrganisationKind(StrEnum):
    AGENCY_TEAM = "agency_team"
    RECEPTION_AUTHORITY = "reception_authority"
    RECEIVING_MISSION = "receiving_mission"
    FAMILY = "family"
    REPATRIATION_SERVICE = "repatriation_service"


class MovementKind(StrEnum):
    DEPARTURE = "departure"
    ARRIVAL = "arrival"
    TRANSIT_IN = "transit_in"
    TRANSIT_OUT = "transit_out"

    @property
    def lane(self) -> Lane:
        if self in (MovementKind.TRANSIT_IN, MovementKind.TRANSIT_OUT):
            return Lane.TRANSIT
        return Lane.DEPARTURE if self is MovementKind.DEPARTURE else Lane.ARRIVAL

    @property
    def label(self) -> str:
        """How a person names this kind in a sentence ("onward transit leg"), never the
        stored value ("transit_out"); a msgid of the console catalogue."""
        return _KIND_LABELS[self]


_KIND_LABELS = {MovementKind.DEPARTURE: "departure", MovementKind.ARRIVAL: "arrival",
                MovementKind.TRANSIT_IN: "inbound transit leg",
                MovementKind.TRANSIT_OUT: "onward transit leg"}


class BookingStatus(StrEnum):
    BOOKED = "booked"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class ChronicCondition(StrEnum):
    DIABETES = "diabetes"
    HYPERTENSION_CARDIOVASCULAR = "hypertension_cardiovascular"
    INFECTIOUS = "infectious"
    MENTAL = "mental"
    OTHER = "other"


class MedicalLevel(StrEnum):
    """The agency's medical case category (annual report: basic or chronic)."""

    BASIC = "basic"
    CHRONIC = "chronic"


class EscortKind(StrEnum):
    MEDICAL = "medical"
    OPERATIONAL = "operational"


class HandoverStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class FlightState(_Labelled):
    """A flight's public state as the airport's flight feed reports it."""

    SCHEDULED = "SCH", "Scheduled"
    DELAYED = "DEL", "Delayed"
    WAIT_IN_LOUNGE = "WIL", "Wait in lounge"
    GATE_OPEN = "GTO", "Gate open"
    BOARDING = "BRD", "Boarding"
    GATE_CLOSING = "GCL", "Gate closing"
    GATE_CLOSED = "GTD", "Gate closed"
    DEPARTED = "DEP", "Departed"
    CANCELLED = "CNX", "Cancelled"
    GATE_CHANGE = "GCH", "Gate change"
    TOMORROW = "TOM", "Tomorrow"
    AIRBORNE = "AIR", "Airborne"
    EXPECTED = "EXP", "Expected"
    IN_AIRSPACE = "FIR", "In Dutch airspace"
    LANDED = "LND", "Landed"
    FIRST_BAG = "FIB", "First bag"
    ARRIVED = "ARR", "Arrived"
    DIVERTED = "DIV", "Diverted"


class TelexOutcome(_Labelled):
    """What became of a received telex (stored on ``TelexMessage.outcome``)."""

    APPLIED = "applied", "Applied"
    PENDING = "pending", "Waiting for its other parts"
    DUPLICATE = "duplicate", "Duplicate"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class MilestoneKey(_Labelled):
    """One step of the work on a passenger (stored on ``Milestone.kind``); the order per
    movement kind is in :mod:`movements.domain.milestones`."""

    # departure
    MET_AT_POINT = "met_at_point", "Met at designated point"
    CHECKED_IN = "checked_in", "Checked in"
    EXIT_FORMALITIES = "exit_formalities", "Exit formalities done"
    AT_GATE = "at_gate", "At gate"
    BOARDED = "boarded", "Boarded"
    DEPARTED = "departed", "Departed"
    # transit
    MET_AT_ARRIVAL_GATE = "met_at_arrival_gate", "Met at arrival gate"
    CONNECTION_ESCORTED = "connection_escorted", "Connection escorted"
    MEAL_OR_ACCOMMODATION = "meal_or_accommodation", "Meal or accommodation given"
    AT_ONWARD_GATE = "at_onward_gate", "At onward gate"
    BOARDED_ONWARD = "boarded_onward", "Boarded onward"
    # arrival
    MET_AT_AIRCRAFT = "met_at_aircraft", "Met at aircraft"
    PASSPORT_CONTROL = "passport_control", "Passport control"
    CUSTOMS = "customs", "Customs"
    HANDED_OVER = "handed_over", "Handed over"


#: The passenger has left with the aircraft (the medical-escort and no-show rules).
ON_BOARD_STEPS = frozenset({MilestoneKey.BOARDED, MilestoneKey.BOARDED_ONWARD,
                            MilestoneKey.DEPARTED})
#: The agency's work on the passenger is finished (retention counts from here).
FINAL_STEPS = frozenset({MilestoneKey.DEPARTED, MilestoneKey.BOARDED_ONWARD,
                         MilestoneKey.HANDED_OVER})


def flight_state_label(code: str | None) -> str:
    """The label of a flight state code as a person reads it ("SCH" -> "Scheduled"), a
    msgid of the console catalogue; a code the vocabulary does not know reads as itself
    (feeds may send new ones), an empty one as "-"."""
    if not code:
        return "-"
    return FlightState.labels().get(code, code)
