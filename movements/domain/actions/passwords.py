"""Passwords people set (issue 13.7): an admin resets a user's password to a one-time
password that must be changed at the next sign-in; everyone changes their own.

Hashing is the platform's (``movements.platform.passwords``): these actions receive the
hash, and check the plain text only against the rule below before it is hashed.
"""

from __future__ import annotations

from sqlalchemy import select

from ..errors import RuleViolation
from ..models import Role, User, UserSession
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import get_or_404, require_role

MIN_LENGTH = 10
MAX_LENGTH = 200


def check_new_password(new: str, repeated: str | None = None, *,
                       current: str | None = None) -> None:
    """The rule for a password a person chooses: 10-200 characters, typed the same twice,
    not the current one.  Raises RuleViolation naming the field."""
    if len(new) < MIN_LENGTH:
        raise RuleViolation(Phrase.of(N_("the new password needs at least %(most)s characters"),
                                      most=MIN_LENGTH),
                            field="new_password")
    if len(new) > MAX_LENGTH:
        raise RuleViolation(Phrase.of(N_("the new password is longer than %(most)s characters"),
                                      most=MAX_LENGTH),
                            field="new_password")
    if repeated is not None and new != repeated:
        raise RuleViolation(Phrase(N_("the two new passwords differ")), field="repeat_password")
    if current is not None and new == current:
        raise RuleViolation(Phrase(N_("the new password is the current one")), field="new_password")


def reset_password(tx: Tx, user_id: int, one_time_hash: str) -> int:
    """An admin gives a user a one-time password: their open sessions end and they must
    choose their own at the next sign-in.  Returns how many sessions were ended."""
    require_role(tx, Role.ADMIN)
    user = get_or_404(tx, User, user_id, "user")
    user.password_hash = one_time_hash
    user.must_change_password = True
    ended = 0
    for row in tx.session.scalars(select(UserSession).where(
            UserSession.user_id == user.id, UserSession.ended_at.is_(None))):
        row.ended_at = tx.now
        ended += 1
    tx.audit("reset_password", "user", user.id, detail=f"{user.username}; {ended} open "
             "session(s) ended; one-time password, to be changed at next sign-in")
    return ended


def change_own_password(tx: Tx, new_hash: str) -> None:
    """The signed-in person sets their own password (the caller checked the current one
    and the rule).  Clears the one-time mark."""
    if tx.actor.user_id is None:
        raise RuleViolation(Phrase(N_("only a person has a password")))
    user = get_or_404(tx, User, tx.actor.user_id, "user")
    was_one_time = user.must_change_password
    user.password_hash = new_hash
    user.must_change_password = False
    tx.audit("change_password", "user", user.id,
             detail="replaced a one-time password" if was_one_time else None)
