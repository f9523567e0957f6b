"""Small helpers shared by the actions."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm.attributes import flag_modified

from ..errors import ConflictError, PermissionDenied, not_found
from ..models import Base, Role
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
        raise ConflictError(
            f"{what} was changed by someone else (you had version {expected}, "
            f"it is now {current}); the current state is shown"
        )


def touch(obj: Base, column: str) -> None:
    """Make the row's version move on when only its children changed (milestones, needs),
    so that two tablets acting on the same thing conflict instead of both succeeding."""
    flag_modified(obj, column)


def require_role(tx: Tx, *roles: Role) -> None:
    if tx.actor.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"only {allowed} may do this; you are {tx.actor.role.value}")


def clean_text(value: str | None, field: str, *, required: bool = False,
               max_len: int = 300) -> str | None:
    from ..errors import RuleViolation

    text = (value or "").strip()
    if required and not text:
        raise RuleViolation(f"{field} is required", field=field)
    if len(text) > max_len:
        raise RuleViolation(f"{field} is longer than {max_len} characters", field=field)
    return text or None
