"""Read models for accounts: sign-in facts, your own sessions, and the admin's users and
organisations lists.  Plain dataclasses; queries take a sync ``Session`` (run through
``UnitOfWork.read``), one or two statements each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from .models import Airport, Organisation, User, UserSession
from .vocabulary import OrganisationKind, Role


def password_hash_of(session: Session, username: str) -> str | None:
    """The stored password hash of ``username`` (already lower-cased), or None when no
    such user exists (the caller still hashes once, so the answer takes as long)."""
    return session.scalar(select(User.password_hash).where(User.username == username))


def password_hash_for(session: Session, user_id: int) -> str | None:
    """The stored password hash of user ``user_id``; None when there is no such user."""
    return session.scalar(select(User.password_hash).where(User.id == user_id))


def must_change_password(session: Session, user_id: int) -> bool:
    """Whether the user still has an admin's one-time password (issue 13.7)."""
    return bool(session.scalar(select(User.must_change_password).where(User.id == user_id)))


def username_of(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id))


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One open sign-in session of a user (the sessions page)."""

    id: int
    created_at: datetime  # UTC
    last_seen_at: datetime  # UTC
    client_address: str | None
    user_agent: str | None


def open_sessions(session: Session, user_id: int) -> list[SessionRow]:
    """The user's sessions not ended, newest first."""
    return [SessionRow(id=r.id, created_at=r.created_at, last_seen_at=r.last_seen_at,
                       client_address=r.client_address, user_agent=r.user_agent)
            for r in session.scalars(
                select(UserSession).where(UserSession.user_id == user_id,
                                          UserSession.ended_at.is_(None))
                .order_by(UserSession.created_at.desc()))]


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as the admin's users page lists them."""

    id: int
    username: str
    display_name: str
    role: Role
    organisation: str  # "" when none
    airports: tuple[str, ...]  # IATA codes, sorted
    active: bool
    created_at: datetime  # UTC
    locale: str
    open_sessions: int


@dataclass(frozen=True, slots=True)
class UsersOverview:
    """The admin's users page: every user (active first, then by name), and the
    organisations and airports a user can be given."""

    users: tuple[UserRow, ...]
    organisations: tuple[str, ...]
    airports: tuple[str, ...]


def users_overview(session: Session) -> UsersOverview:
    """Every user with their open-session count; three statements plus two loads."""
    counts = dict(session.execute(
        select(UserSession.user_id, func.count(UserSession.id))
        .where(UserSession.ended_at.is_(None)).group_by(UserSession.user_id)).all())
    users = session.scalars(
        select(User).options(selectinload(User.organisation), selectinload(User.airports))
        .order_by(User.active.desc(), User.username))
    return UsersOverview(
        users=tuple(UserRow(
            id=u.id, username=u.username, display_name=u.display_name, role=u.role,
            organisation=u.organisation.name if u.organisation else "",
            airports=tuple(sorted(a.iata for a in u.airports)), active=u.active,
            created_at=u.created_at, locale=u.locale, open_sessions=counts.get(u.id, 0))
            for u in users),
        organisations=tuple(session.scalars(select(Organisation.name)
                                            .order_by(Organisation.name))),
        airports=tuple(session.scalars(select(Airport.iata).order_by(Airport.iata))))


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """An organisation as the admin's organisations page lists it."""

    id: int
    name: str
    kind: OrganisationKind
    users: int  # how many users belong to it (active or not)


def organisations_overview(session: Session) -> list[OrganisationRow]:
    """Every organisation by name, with its number of users."""
    counts = dict(session.execute(
        select(User.organisation_id, func.count(User.id))
        .where(User.organisation_id.is_not(None)).group_by(User.organisation_id)).all())
    return [OrganisationRow(id=o.id, name=o.name, kind=o.kind, users=counts.get(o.id, 0))
            for o in session.scalars(select(Organisation).order_by(Organisation.name))]
