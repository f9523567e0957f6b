"""Typed refusals.  The edges map them to status codes; the message says what and where.

A refusal's message may be a :class:`~movements.domain.phrases.Phrase` (msgid and
values): ``message`` is then its English (logs, JSON API, tests) and the edge shows
``phrase`` in the reader's language.  A plain string is its own msgid (a fixed sentence
in the catalogue translates; one composed with values shows as it is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .phrases import N_, Phrase, joined

T = TypeVar("T")


class DomainError(Exception):
    """Base: a request the domain refuses.  Nothing was changed."""

    status = 400

    def __init__(self, message: str | Phrase, *, field: str | None = None) -> None:
        # A value quoted in a refusal is cut short (phrases.quoted): a pasted page of
        # text is not echoed back in full, on a page or in the JSON API.
        self.phrase = message.shortened() if isinstance(message, Phrase) else Phrase(message)
        self.message = str(self.phrase) if isinstance(message, Phrase) else message
        super().__init__(self.message)
        self.field = field


class RuleViolation(DomainError):
    """The change breaks a rule of the work (e.g. boarding a stretcher case without escort)."""

    status = 422


class ConflictError(DomainError):
    """Someone else changed the thing first; the caller must look at the current state."""

    status = 409


class NotFound(DomainError):
    status = 404


#: "Not found" in people's terms, per kind of row (issue 13.7).  The id from the address
#: is never echoed: it means nothing to a person, and a row outside the person's scope
#: must read exactly like one that does not exist.
_NOT_FOUND = {
    "movement": N_("No such flight among yours."),
    "charter": N_("No such charter flight among yours."),
    "booking": N_("No such passenger on a flight of yours."),
    "passenger": N_("No such passenger among yours."),
    "case": N_("No such case among yours."),
    "handover": N_("No such handover among yours."),
    "document": N_("No such manifest among yours."),
    "alert": N_("No such alert among yours."),
    "note": N_("No such note among yours."),
    "escort assignment": N_("No such escort assignment among yours."),
    "telex": N_("No such telex among yours."),
    "message": N_("No such message in your outbox."),
    "stream": N_("No such live view among yours."),
    "user": N_("No such user."),
    "session": N_("No such session: it may have ended already."),
    "organisation": N_("No such organisation."),
    "crew member": N_("No such crew member on this charter."),
    "pickup": N_("No such pickup on this charter."),
}


def not_found(what: str) -> NotFound:
    """The refusal for a ``what`` (a key of ``_NOT_FOUND``, e.g. "movement") that does
    not exist or lies outside the person's scope, in people's terms and without its id."""
    return NotFound(_NOT_FOUND.get(what, N_("Not found among yours.")))


class PermissionDenied(DomainError):
    status = 403


class Gone(DomainError):
    """It existed, and was deleted on purpose (retention)."""

    status = 410


BUSY = N_("the database is busy with another write; retrying")


class Busy(DomainError):
    """The database did not let this write in within a short bound (another write holds
    it: a bulk import's chunk, a checkpoint).  Nothing was changed; the same request,
    with the same idempotency key, may be sent again after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message: str | Phrase = BUSY, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FieldProblems(RuleViolation):
    """Several fields of one form or body break their rules: every one is reported in
    one reply (``problems``, each a RuleViolation naming its field), and nothing was
    written.  ``field`` is the first problem's field, ``message`` their messages joined
    with "; " (logs and callers that show one sentence)."""

    def __init__(self, problems: list[RuleViolation]) -> None:
        super().__init__(joined(*(p.phrase for p in problems)), field=problems[0].field)
        self.problems = tuple(problems)


class Problems:
    """Collects the field refusals of one form before anything runs, so a person who
    sent three bad fields reads all three at once::

        problems = Problems()
        day = problems.check(parse_day, form["date"])     # None when refused
        code = problems.check(check_airport, "destination", form["destination"],
                              field="destination")
        problems.raise_any()                               # RuleViolation/FieldProblems

    Only RuleViolation is collected (other refusals, e.g. not found, stop at once); a
    field refused twice keeps its first reason.
    """

    def __init__(self) -> None:
        self.found: list[RuleViolation] = []

    def add(self, problem: RuleViolation) -> None:
        if problem.field is None or all(p.field != problem.field for p in self.found):
            self.found.append(problem)

    def check(self, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``rule(*args, **kwargs)``, or None after recording its RuleViolation."""
        try:
            return rule(*args, **kwargs)
        except FieldProblems as several:
            for p in several.problems:
                self.add(p)
        except RuleViolation as refused:
            self.add(refused)
        return None

    def refused(self, field: str) -> bool:
        return any(p.field == field for p in self.found)

    def raise_any(self) -> None:
        """Raise the one problem as it is, several as FieldProblems; nothing if none."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise FieldProblems(self.found)


def problems_of(exc: DomainError) -> tuple[RuleViolation, ...]:
    """The field refusals ``exc`` carries: its ``problems``, or itself when it names a
    field (for edges that mark each refused field)."""
    if isinstance(exc, FieldProblems):
        return exc.problems
    if isinstance(exc, RuleViolation) and exc.field:
        return (exc,)
    return ()
