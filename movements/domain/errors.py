"""Typed refusals.  The edges map them to status codes; the message says what and where.

A refusal's message may be a :class:`~movements.domain.phrases.Phrase` (msgid and
values): ``message`` is then its English (logs, JSON API, tests) and the edge shows
``phrase`` in the reader's language.  A plain string is its own msgid (a fixed sentence
in the catalogue translates; one composed with values shows as it is).
"""

from __future__ import annotations

from .phrases import Phrase


class DomainError(Exception):
    """Base: a request the domain refuses.  Nothing was changed."""

    status = 400

    def __init__(self, message: str | Phrase, *, field: str | None = None) -> None:
        self.phrase = message if isinstance(message, Phrase) else Phrase(message)
        self.message = str(message)
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


class PermissionDenied(DomainError):
    status = 403


class Gone(DomainError):
    """It existed, and was deleted on purpose (retention)."""

    status = 410


class Busy(DomainError):
    """The database did not let this write in within a short bound (another write holds
    it: a bulk import's chunk, a checkpoint).  Nothing was changed; the same request,
    with the same idempotency key, may be sent again after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message: str = "the database is busy with another write; "
                                      "retrying", *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
