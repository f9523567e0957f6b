"""The console language a person reads (issue 16, item 5): each person sets their own, an
admin can set anyone's.  The names of the languages and the catalogues are the edge's
(movements/i18n.py); the domain only keeps the code and audits the change."""

from __future__ import annotations

from ..errors import RuleViolation
from ..models import Role, User
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import get_or_404, require_role

#: The console's languages (ISO 639-1): English (the source) and Dutch.
CONSOLE_LOCALES = ("en", "nl")


def check_locale(locale: str) -> str:
    """``locale`` when the console speaks it; else RuleViolation on field ``locale``."""
    if locale not in CONSOLE_LOCALES:
        raise RuleViolation(Phrase.of(N_("language %(locale)s is not one of %(languages)s"),
                                      locale=repr(locale[:20]),
                                      languages=", ".join(CONSOLE_LOCALES)), field="locale")
    return locale


def _set(tx: Tx, user: User, locale: str) -> None:
    before = user.locale
    user.locale = check_locale(locale)
    if before != user.locale:
        tx.audit("set_locale", "user", user.id, before={"locale": before},
                 after={"locale": user.locale})


def set_own_locale(tx: Tx, locale: str) -> None:
    """The signed-in person chooses the console's language for themselves."""
    if tx.actor.user_id is None:
        raise RuleViolation(Phrase(N_("only a person chooses a language")))
    _set(tx, get_or_404(tx, User, tx.actor.user_id, "user"), locale)


def set_user_locale(tx: Tx, user_id: int, locale: str) -> None:
    """An admin sets a user's console language (NotFound for an unknown user)."""
    require_role(tx, Role.ADMIN)
    _set(tx, get_or_404(tx, User, user_id, "user"), locale)
