"""The leader lease: exactly one process runs the timed jobs.

Each process that may run jobs calls ``renew_lease`` every few seconds.  The holder keeps
the lease by pushing its expiry forward; anyone else takes it over only once it has
expired.  The row is read with a row lock (PostgreSQL ``FOR UPDATE``; SQLite serialises
writers with ``BEGIN IMMEDIATE``, which the unit of work asks for), so two processes can
never both believe they took it in the same instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import RuleViolation
from ..models import JobLease
from ..phrases import N_, Phrase
from ..uow import Tx

#: The lease the scheduler's jobs share.
JOBS = "jobs"


@dataclass(frozen=True, slots=True)
class LeaseState:
    name: str
    holder: str
    expires_at: datetime
    held: bool  # by the caller
    taken_over_from: str | None = None  # set when the caller just took an expired lease


def renew_lease(tx: Tx, name: str, holder: str, ttl_seconds: float) -> LeaseState:
    """Take or keep the lease ``name`` for ``holder``; returns who holds it now."""
    if ttl_seconds <= 0:
        raise RuleViolation(Phrase(N_("a lease needs a positive time to live")),
                            field="ttl_seconds")
    if not holder or len(holder) > 120:
        raise RuleViolation(Phrase(N_("a lease holder is a name of 1-120 characters")),
                            field="holder")
    dialect = tx.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    expires = tx.now + timedelta(seconds=ttl_seconds)
    created = tx.session.execute(
        insert(JobLease).values(name=name, holder=holder, expires_at=expires)
        .on_conflict_do_nothing(index_elements=[JobLease.name]).returning(JobLease.name)
    ).first()
    if created is not None:
        return LeaseState(name, holder, expires, held=True)
    lease = tx.session.scalar(select(JobLease).where(JobLease.name == name)
                              .with_for_update().execution_options(populate_existing=True))
    assert lease is not None
    if lease.holder == holder:
        lease.expires_at = expires
        return LeaseState(name, holder, expires, held=True)
    if lease.expires_at <= tx.now:
        previous = lease.holder
        lease.holder = holder
        lease.expires_at = expires
        tx.audit("take_lease", "job_lease", None, before={"holder": previous},
                 after={"name": name, "holder": holder}, detail="previous holder's lease expired")
        return LeaseState(name, holder, expires, held=True, taken_over_from=previous)
    return LeaseState(name, lease.holder, lease.expires_at, held=False)


def release_lease(tx: Tx, name: str, holder: str) -> bool:
    """Give the lease up (a clean shutdown), so another process need not wait for expiry."""
    lease = tx.session.scalar(select(JobLease).where(JobLease.name == name).with_for_update())
    if lease is None or lease.holder != holder:
        return False
    lease.expires_at = tx.now
    tx.audit("release_lease", "job_lease", None, before={"holder": holder},
             after={"name": name}, detail="released on shutdown")
    return True


def lease_state(session: Session, name: str) -> JobLease | None:
    return session.scalar(select(JobLease).where(JobLease.name == name))


__all__ = ["JOBS", "LeaseState", "lease_state", "release_lease", "renew_lease"]
