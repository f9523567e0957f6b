"""Reading the audit trail (admins only).  Reading it is itself audited.

The trail is append-only: nothing here (or anywhere) updates or deletes an AuditEntry.
A search is written down as a ``read_audit`` entry with its filters, in the same
transaction as the read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Booking, Case, Handover, Movement, Passenger, Role, User
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import require_role

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """What to look for; ``None`` means any.  ``since`` is inclusive, ``until`` exclusive."""

    username: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    user_id: int | None
    username: str | None
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str | None

    @classmethod
    def of(cls, e: AuditEntry) -> AuditRow:
        return cls(id=e.id, at=e.at, user_id=e.user_id, username=e.username, action=e.action,
                   entity=e.entity, entity_id=e.entity_id, before=e.before, after=e.after,
                   detail=e.detail)


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    total: int
    #: (entity, entity id) -> how people name it: a flight, initials, a case reference,
    #: a user name (issue 13.7: texts never show internal ids).
    subjects: dict[tuple[str, int], str | Phrase] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def record_audit_read(tx: Tx, filters: AuditFilters | dict[str, Any], *,
                      purpose: str = "search") -> None:
    """Write down that the actor read the audit trail, and with which filters."""
    require_role(tx, Role.ADMIN)
    given = filters.as_dict() if isinstance(filters, AuditFilters) else dict(filters)
    tx.audit("read_audit", "audit", None, after=given, detail=purpose)


def _filtered(stmt: Select[Any], f: AuditFilters) -> Select[Any]:
    if f.username:
        stmt = stmt.where(func.lower(AuditEntry.username) == f.username.strip().lower())
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action.strip())
    if f.entity:
        stmt = stmt.where(AuditEntry.entity == f.entity.strip())
    if f.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == f.entity_id)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt


def search_page(tx: Tx, filters: AuditFilters, page: int = 1) -> AuditPage:
    """One page (newest first) of the entries that match, and the read written down."""
    page = max(1, page)
    # Counted and fetched before this read's own entry is added: the page shows what was
    # there when it was asked for.
    total = int(tx.session.scalar(_filtered(select(func.count(AuditEntry.id)), filters)) or 0)
    rows = [AuditRow.of(e) for e in tx.session.scalars(
        _filtered(select(AuditEntry), filters)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))]
    record_audit_read(tx, {**filters.as_dict(), "page": page})
    return AuditPage(rows=rows, page=page, total=total, subjects=subjects(tx.session, rows))


def subjects(session: Session, rows: list[AuditRow]
             ) -> dict[tuple[str, int], str | Phrase]:
    """How people name the entities of these rows: a movement by flight and date, a
    passenger by initials, a booking by initials and flight, a handover by flight and
    version, a case by reference, a user by user name.  Unknown or deleted: absent."""
    wanted: dict[str, set[int]] = {}
    for r in rows:
        if r.entity_id is not None:
            wanted.setdefault(r.entity, set()).add(r.entity_id)
    out: dict[tuple[str, int], str | Phrase] = {}
    for m in _load(session, Movement, wanted.get("movement")):
        out["movement", m.id] = f"{m.flight} {m.operational_date.isoformat()}"
    for p in _load(session, Passenger, wanted.get("passenger")):
        out["passenger", p.id] = p.initials
    for b in _load(session, Booking, wanted.get("booking")):
        out["booking", b.id] = Phrase.of(N_("%(initials)s on %(flight)s"),
                                         initials=b.passenger.initials, flight=b.movement.flight)
    for h in _load(session, Handover, wanted.get("handover")):
        out["handover", h.id] = Phrase.of(N_("%(flight)s version %(version)s"),
                                          flight=h.movement.flight, version=h.handover_version)
    for c in _load(session, Case, wanted.get("case")):
        out["case", c.id] = c.reference
    for u in _load(session, User, wanted.get("user")):
        out["user", u.id] = u.username
    return out


def _load(session: Session, model: Any, ids: set[int] | None) -> list[Any]:
    if not ids:
        return []
    return list(session.scalars(select(model).where(model.id.in_(sorted(ids)))))


def start_export(tx: Tx, filters: AuditFilters) -> int:
    """Write down the export and return the highest entry id it covers (the export
    streams in batches afterwards; entries added meanwhile are not part of it)."""
    bound = int(tx.session.scalar(select(func.max(AuditEntry.id))) or 0)
    record_audit_read(tx, filters, purpose="csv export")
    return bound


def export_batch(session: Session, filters: AuditFilters, bound: int,
                 after: tuple[datetime, int] | None, size: int = 1000) -> list[AuditRow]:
    """The next ``size`` entries (newest first) after the key ``(at, id)`` of the last
    row sent, among those with ``id <= bound``."""
    stmt = _filtered(select(AuditEntry), filters).where(AuditEntry.id <= bound)
    if after is not None:
        at, ident = after
        stmt = stmt.where(or_(AuditEntry.at < at, and_(AuditEntry.at == at,
                                                        AuditEntry.id < ident)))
    return [AuditRow.of(e) for e in session.scalars(
        stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(size))]
