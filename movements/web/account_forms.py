"""The sign-in, own-account and admin forms as typed bodies (``forms.TypedForm``).

Text fields only (absent: ""): the domain's rules parse and refuse, naming the field as
the form labels it.  Password fields stay byte for byte as typed (no NFC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from movements.web.forms import FORM, TypedForm


@dataclass
class SignInForm(TypedForm):
    username: str = ""
    password: str = ""
    next: str = ""


@dataclass
class PasswordForm(TypedForm):
    current_password: str = ""
    new_password: str = ""
    repeat_password: str = ""


@dataclass
class LocaleForm(TypedForm):
    """Your own language, or (with ``user_id``) a user's, set by an admin."""

    locale: str = ""
    user_id: str = ""


@dataclass
class UserIdForm(TypedForm):
    """Reset a password, deactivate or reactivate: which user."""

    user_id: str = ""


@dataclass
class OrganisationForm(TypedForm):
    name: str = ""
    kind: str = ""


@dataclass
class UserForm(TypedForm):
    """A new user (``password`` set) or a user's access (``user_id`` set).  ``airports``
    is every ticked box: one box arrives as a string, several as a list."""

    username: str = ""
    display_name: str = ""
    role: str = ""
    organisation: str = ""
    locale: str = "en"
    password: str = ""
    user_id: str = ""
    airports: list[str] | str = field(default_factory=list)

    def airport_codes(self) -> list[str]:
        return [self.airports] if isinstance(self.airports, str) else list(self.airports)

    def kept(self) -> dict[str, object]:
        """What the form shows again after a refusal (never the password)."""
        return {"username": self.username, "display_name": self.display_name,
                "role": self.role, "organisation": self.organisation, "locale": self.locale,
                "airports": self.airport_codes()}


@dataclass
class ValidityForm(TypedForm):
    """The admin page's override of one country's validity rule (entry_validity.py)."""

    country: str = ""
    months: str = ""
    source: str = ""


SignIn = Annotated[SignInForm, FORM]
Password = Annotated[PasswordForm, FORM]
Locale = Annotated[LocaleForm, FORM]
UserId = Annotated[UserIdForm, FORM]
OrganisationBody = Annotated[OrganisationForm, FORM]
UserBody = Annotated[UserForm, FORM]
ValidityBody = Annotated[ValidityForm, FORM]
