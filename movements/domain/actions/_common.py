"""Small helpers shared by the actions."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm.attributes import flag_modified

from ..errors import ConflictError, PermissionDenied, not_found
from ..models import Base, Role
from ..phrases import N_, Phrase
from ..uow import Tx

T = TypeVar("T", bound=Base)


def get_or_404(tx: Tx, model: type[T], ident: int, what: str | None = None) -> T:
    obj = tx.session.get(model, ident)
    if obj is None:
        raise not_found(what or model.__name__.lower())
    return obj


class Versioned(Protocol):
    version: int


def check_version(obj: Versioned, expected: int | None, what: str) -> None:
    """Reject a change made against an old copy: never last-write-wins in silence."""
    current = obj.version
    if expected is not None and expected != current:
        raise ConflictError(Phrase.of(
            N_("%(what)s was changed by someone else (you had version %(expected)s, "
               "it is now %(current)s); the current state is shown"),
            what=Phrase(what), expected=str(expected), current=str(current)))


def touch(obj: Base, column: str) -> None:
    """Make the row's version move on when only its children changed (milestones, needs),
    so that two tablets acting on the same thing conflict instead of both succeeding."""
    flag_modified(obj, column)


def require_role(tx: Tx, *roles: Role) -> None:
    if tx.actor.role not in roles:
        # Roles by their words ("gate staff", catalogue msgids), not their stored values.
        words = [Phrase(r.value.replace("_", " ")) for r in roles]
        allowed = words[-1]
        for word in reversed(words[:-1]):  # "coordinator, admin", each word translated
            allowed = Phrase.of(N_("%(item)s, %(more)s"), item=word, more=allowed)
        raise PermissionDenied(Phrase.of(N_("only %(allowed)s may do this; you are %(role)s"),
                                         allowed=allowed,
                                         role=Phrase(tx.actor.role.value.replace("_", " "))))


def clean_text(value: str | None, field: str, *, required: bool = False,
               max_len: int = 300) -> str | None:
    from ..errors import RuleViolation

    text = (value or "").strip()
    if required and not text:
        raise RuleViolation(Phrase.of(N_("%(field)s is required"), field=Phrase(field)),
                            field=field)
    if len(text) > max_len:
        raise RuleViolation(Phrase.of(N_("%(field)s is longer than %(max)s characters"),
                                      field=Phrase(field), max=str(max_len)), field=field)
    return text or None
