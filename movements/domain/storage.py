"""Storage faults as an operating state: a read-only or full database is not a crash.

The unit of work turns the driver's errors for these faults into ``StorageUnavailable``
(a 503 refusal with a plain message, one line for the CLI); ``StorageHealth`` remembers
that writes fail (``/readyz`` answers 503 meanwhile), logs the fault once per minute
instead of a traceback per request, and notices recovery on the next write that works.

Which errors count (SQLite result codes and PostgreSQL SQLSTATEs):
* read-only: SQLITE_READONLY ("attempt to write a readonly database"), PostgreSQL 25006
  (read_only_sql_transaction, e.g. a standby or ``default_transaction_read_only``);
* full: SQLITE_FULL ("database or disk is full"), PostgreSQL class 53 (53100 disk_full,
  53200 out_of_memory, 53300 too_many_connections ... insufficient resources);
* SQLITE_IOERR ("disk I/O error") and SQLITE_CANTOPEN on a write (the journal cannot be
  created, e.g. a read-only directory).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from .errors import DomainError
from .phrases import N_, Phrase

log = logging.getLogger("movements.storage")

READ_ONLY = N_("the database is read-only")
FULL = N_("the database disk is full")
IO = N_("the database storage fails (input/output error)")
PLAIN = ("Changes cannot be saved right now: {reason}. Nothing was changed. "
         "Try again in a few minutes; an administrator has been alerted in the log.")
#: ``PLAIN`` as a msgid (the refusal shown in the reader's language).
PLAIN_KEY = N_("Changes cannot be saved right now: %(reason)s. Nothing was changed. Try "
               "again in a few minutes; an administrator has been alerted in the log.")


class StorageUnavailable(DomainError):
    """Writes fail because of the storage (read-only, full, failing); nothing changed."""

    status = 503

    def __init__(self, reason: str) -> None:
        super().__init__(Phrase.of(PLAIN_KEY, reason=Phrase(reason)))
        self.reason = reason


def classify(exc: BaseException, database_file: Path | None = None) -> str | None:
    """The storage fault behind a database error (READ_ONLY, FULL, IO), or None when the
    error is something else (a bug, a constraint, a lost connection).  With the SQLite
    ``database_file``, "unable to open" counts as read-only when its directory is on a
    read-only filesystem (a WAL database cannot even be read there)."""
    if database_file is not None and "unable to open database file" in str(exc) \
            and _read_only_filesystem(database_file.parent):
        return READ_ONLY
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _one(current)
        if reason is not None:
            if reason == IO and database_file is not None \
                    and _nearly_full(database_file.parent):
                return FULL  # SQLite reports ENOSPC on its journal as an I/O error
            return reason
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def _nearly_full(directory: Path) -> bool:
    try:
        found = os.statvfs(directory)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < 1024 * 1024


def _read_only_filesystem(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _one(exc: BaseException) -> str | None:
    sqlstate = str(getattr(exc, "sqlstate", "") or getattr(exc, "pgcode", "") or "")
    if sqlstate == "25006":
        return READ_ONLY
    if sqlstate.startswith("53"):
        return FULL
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc).lower()
    if name.startswith("SQLITE_READONLY") or "readonly database" in text \
            or "read-only file system" in text:
        return READ_ONLY
    if name.startswith("SQLITE_FULL") or "database or disk is full" in text \
            or "no space left on device" in text:
        return FULL
    if name.startswith("SQLITE_IOERR") or "disk i/o error" in text:
        return IO
    return None


class StorageHealth:
    """Whether writes work, as the last writes found; shared by the web, jobs and CLI.

    ``failed(reason)`` logs at most once per ``log_every`` seconds (with how many writes
    failed meanwhile); ``succeeded()`` logs the recovery once."""

    def __init__(self, *, log_every: float = 60.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.log_every = log_every
        self.monotonic = monotonic
        self.reason: str | None = None
        self.since: float | None = None
        self._logged_at: float | None = None
        self._unlogged = 0
        self._probed_at: float | None = None

    @property
    def failing(self) -> bool:
        return self.reason is not None

    def probe_due(self, every: float = 10.0) -> bool:
        """True when a readiness check should try a write: while failing (to notice the
        recovery), else at most every ``every`` seconds."""
        now = self.monotonic()
        if self.failing or self._probed_at is None or now - self._probed_at >= every:
            self._probed_at = now
            return True
        return False

    def failed(self, reason: str) -> None:
        now = self.monotonic()
        if self.reason is None:
            self.since = now
        self.reason = reason
        self._unlogged += 1
        if self._logged_at is None or now - self._logged_at >= self.log_every:
            log.error("storage: %s; writes are refused with 503 (%d failed write(s) since "
                      "the last report)", reason, self._unlogged)
            self._logged_at = now
            self._unlogged = 0

    def succeeded(self) -> None:
        if self.reason is None:
            return
        log.warning("storage: writes work again (%s before)", self.reason)
        self.reason = None
        self.since = None
        self._logged_at = None
        self._unlogged = 0


__all__ = ["FULL", "IO", "READ_ONLY", "StorageHealth", "StorageUnavailable", "classify"]
