"""Typed refusals.  The edges map them to status codes; the message says what and where."""

from __future__ import annotations


class DomainError(Exception):
    """Base: a request the domain refuses.  Nothing was changed."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
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
