"""The gate and movement page's forms as typed bodies (``forms.TypedForm``).

Every field is the text the form sends (absent: ""), except the flight correction's,
where an absent field means "not changed" (None).  ``expected_version`` is parsed by the
domain's whole-number rule, which names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from movements.web.forms import FORM, TypedForm


@dataclass
class MilestoneForm(TypedForm):
    kind: str = ""
    expected_version: str = ""
    override_reason: str = ""


@dataclass
class ReasonForm(TypedForm):
    """A no-show, its revoke, and a coordinator's correction (``kind``: the step)."""

    reason: str = ""
    expected_version: str = ""
    kind: str = ""


@dataclass
class VersionForm(TypedForm):
    """Undo: only the version the tablet showed."""

    expected_version: str = ""


@dataclass
class EscortForm(TypedForm):
    escort_name: str = ""
    kind: str = "operational"


@dataclass
class NoteForm(TypedForm):
    text: str = ""


@dataclass
class FlightForm(TypedForm):
    """A coordinator's correction of a flight: only the fields sent change; times are
    local to the airport (``*_local``, as the page shows them)."""

    expected_version: str = ""
    reason: str = ""
    gate: str | None = None
    terminal: str | None = None
    scheduled_local: str | None = None
    estimated_local: str | None = None
    actual_local: str | None = None


Milestone = Annotated[MilestoneForm, FORM]
Reason = Annotated[ReasonForm, FORM]
Version = Annotated[VersionForm, FORM]
Escort = Annotated[EscortForm, FORM]
NoteBody = Annotated[NoteForm, FORM]
Flight = Annotated[FlightForm, FORM]
