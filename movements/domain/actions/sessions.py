"""Sign-in sessions and attempts (server-side, so a sign-out really ends a session)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import Executable, bindparam, func, select

from ..errors import not_found
from ..models import Airport, LoginAttempt, Role, User, UserAirport, UserSession
from ..uow import Tx

#: A session's ``last_seen_at`` is written at most this often (one write a minute per
#: tablet, not one per request: SQLite has one writer).
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # goes in the cookie; only its hash is stored
    csrf_token: str
    session_id: int


def record_login_attempt(tx: Tx, username: str, client: str, success: bool) -> None:
    tx.session.add(LoginAttempt(at=tx.now, username=username[:80], client_address=client[:64],
                                success=success))
    if not success:
        tx.audit("login_refused", "user", None, detail=f"username={username[:80]} from {client}")


def recent_failures(tx: Tx, *, username: str | None = None, client: str | None = None,
                    window: timedelta = timedelta(minutes=15)) -> int:
    return _failures(tx.session, tx.now, username=username, client=client, window=window)


def _failures(session: Any, now: datetime, *, username: str | None = None,
              client: str | None = None, window: timedelta = timedelta(minutes=15)) -> int:
    stmt = select(func.count(LoginAttempt.id)).where(LoginAttempt.success.is_(False),
                                                     LoginAttempt.at >= now - window)
    if username is not None:
        stmt = stmt.where(LoginAttempt.username == username)
    if client is not None:
        stmt = stmt.where(LoginAttempt.client_address == client)
    return int(session.scalar(stmt) or 0)


#: Failed sign-ins in 15 minutes after which an account, or a client address, must wait.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
#: Why a sign-in was refused: ``"too_many"`` (wait) or ``"wrong"`` (never which part).
Refused = Literal["too_many", "wrong"]


def sign_in_blocked(session: Any, username: str, client: str, now: datetime) -> bool:
    """Read-only: whether this account or this client has failed too often lately (the
    caller then skips the slow password check; ``sign_in`` checks again and records)."""
    return (_failures(session, now, username=username) >= MAX_FAILURES_PER_ACCOUNT
            or _failures(session, now, client=client) >= MAX_FAILURES_PER_CLIENT)


@dataclass(frozen=True, slots=True)
class SignedIn:
    session: NewSession
    role: Role
    must_change_password: bool  # an admin's one-time password: choose your own first


def sign_in(tx: Tx, username: str, verified_hash: str | None, client: str, user_agent: str,
            replaces_token: str | None = None) -> SignedIn | Refused:
    """Record a sign-in attempt and, when it succeeds, start a session.

    The password was checked before this transaction (argon2 is slow on purpose and must
    not hold the writer): ``verified_hash`` is the stored hash the password matched, or
    None when it did not.  The attempt succeeds only if that is still the user's hash
    (a password reset in between refuses it) and the account is active.  Returns the new
    session, or why it was refused (the edge words it).  Every attempt is recorded; a
    refusal is audited."""
    if sign_in_blocked(tx.session, username, client, tx.now):
        record_login_attempt(tx, username, client, False)
        return "too_many"
    user = tx.session.scalar(select(User).where(User.username == username))
    if user is None or verified_hash is None or user.password_hash != verified_hash \
            or not user.active:
        record_login_attempt(tx, username, client, False)
        return "wrong"
    record_login_attempt(tx, username, client, True)
    return SignedIn(start_session(tx, user.id, client, user_agent, replaces_token),
                    user.role, user.must_change_password)


def start_session(tx: Tx, user_id: int, client: str, user_agent: str,
                  replaces_token: str | None = None) -> NewSession:
    """A fresh session id at every sign-in (fixation), ending any session it replaces."""
    if replaces_token:
        end_session_by_token(tx, replaces_token)
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=token_hash(token), user_id=user_id,
                      csrf_token=secrets.token_urlsafe(32), created_at=tx.now,
                      last_seen_at=tx.now, client_address=client[:64],
                      user_agent=user_agent[:300])
    tx.session.add(row)
    tx.session.flush()
    tx.audit("login", "user", user_id, detail=f"session {row.id} from {client}")
    return NewSession(token=token, csrf_token=row.csrf_token, session_id=row.id)


def end_session_by_token(tx: Tx, token: str) -> None:
    row = tx.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = tx.now
        tx.audit("logout", "user", row.user_id, detail=f"session {row.id}")


def end_own_session(tx: Tx, user_id: int, session_id: int) -> None:
    row = tx.session.get(UserSession, session_id)
    if row is None or row.user_id != user_id:
        raise not_found("session")
    if row.ended_at is None:
        row.ended_at = tx.now
        tx.audit("end_session", "user", user_id, detail=f"session {row.id}")


def touch_session(tx: Tx, session_id: int) -> None:
    row = tx.session.get(UserSession, session_id)
    if row is not None:
        row.last_seen_at = tx.now


def user_for_token(tx: Tx, token: str, idle: timedelta, lifetime: timedelta
                   ) -> tuple[User, UserSession] | None:
    row = tx.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if tx.now - row.last_seen_at > idle or tx.now - row.created_at > lifetime:
        row.ended_at = tx.now
        tx.audit("session_expired", "user", row.user_id, detail=f"session {row.id}")
        return None
    user = tx.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def touch_for_token(tx: Tx, token: str, idle: timedelta, lifetime: timedelta
                    ) -> tuple[User, UserSession, bool] | None:
    """``user_for_token`` that also notes the request (``last_seen_at``, at most once a
    minute): (user, session, whether it was touched); None when no session stands."""
    found = user_for_token(tx, token, idle, lifetime)
    if found is None:
        return None
    user, row = found
    touched = tx.now - row.last_seen_at > TOUCH_EVERY
    if touched:
        row.last_seen_at = tx.now
    return user, row, touched


def standing_token(session: Any, token: str, now: datetime, idle: timedelta,
                   lifetime: timedelta) -> tuple[User, UserSession] | None:
    """Read-only: the signed-in user and their session while it stands (not ended, idle
    under ``idle``, younger than ``lifetime``) however long ago it was last touched; for
    a request whose touch could not be written (the writer was busy)."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


def peek_token(session: Any, token: str, now: datetime, lifetime: timedelta
               ) -> tuple[User, UserSession] | str | None:
    """Read-only, once per request: the signed-in user and their session while it is
    fresh; "touch" when it must be written (last seen over ``TOUCH_EVERY`` ago, or past
    its lifetime: ``touch_for_token`` then); None when there is none."""
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > TOUCH_EVERY or now - row.created_at > lifetime:
        return "touch"
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return user, row


@dataclass(frozen=True, slots=True)
class StandingSession:
    """A standing session and its user as plain values (``peek_signed_in``): what every
    request carries, read without loading ORM objects."""

    session_id: int
    csrf_token: str
    user_id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int | None
    locale: str
    must_change_password: bool
    #: The user's airports as (id, IATA code), by code.
    airports: tuple[tuple[int, str], ...]


@cache
def _signed_in_statement() -> Executable:
    """Session, user and the user's airports in one statement (one row per airport, one
    with NULL airport for a user without any), keyed by the bound ``token_hash``; built
    once (building it cost more than running it)."""
    return (select(UserSession.id, UserSession.csrf_token, UserSession.created_at,
                   UserSession.last_seen_at, UserSession.ended_at, User.id, User.username,
                   User.display_name, User.role, User.organisation_id, User.active,
                   User.locale, User.must_change_password, Airport.id, Airport.iata)
            .join(User, User.id == UserSession.user_id)
            .outerjoin(UserAirport, UserAirport.user_id == User.id)
            .outerjoin(Airport, Airport.id == UserAirport.airport_id)
            .where(UserSession.token_hash == bindparam("token_hash")))


def peek_signed_in(session: Any, token: str, now: datetime, lifetime: timedelta
                   ) -> StandingSession | str | None:
    """``peek_token`` in ONE statement with plain columns (the per-request check of every
    page, fragment and API call): the signed-in user while the session is fresh;
    "touch" when it must be written (last seen over ``TOUCH_EVERY`` ago, or past its
    lifetime: ``touch_for_token`` then); None when there is none, it has ended or the
    user is deactivated.  The session row is read on every request, so a session ended
    (signed out, revoked by an admin) is refused on its very next request."""
    rows = session.execute(_signed_in_statement(), {"token_hash": token_hash(token)}).all()
    if not rows:
        return None
    (sid, csrf, created, last_seen, ended, uid, username, display, role, org, active,
     locale, must_change, _aid, _iata) = rows[0]
    if ended is not None:
        return None
    if now - last_seen > TOUCH_EVERY or now - created > lifetime:
        return "touch"
    if not active:
        return None
    airports = tuple(sorted(((r[13], r[14]) for r in rows if r[13] is not None),
                            key=lambda a: a[1]))
    return StandingSession(sid, csrf, uid, username, display, role, org, locale,
                    bool(must_change), airports)


def session_verdict(session: Any, session_id: int, user_id: int, role: Role,
                    airport_ids: frozenset[int], now: datetime, idle: timedelta,
                    lifetime: timedelta) -> str | None:
    """Read-only: None while ``session_id`` still stands for ``user_id`` with the same
    role and airports it had when a live socket opened; otherwise why it no longer does
    ("signed out", "session expired", "account deactivated", "role changed", "airports
    changed").  A live socket holds the session's rights, so any of these ends it
    (issue 12).  Idle time counts from the last HTTP request: an open socket alone does
    not keep a session alive."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return "signed out"
    if now - row.last_seen_at > idle or now - row.created_at > lifetime:
        return "session expired"
    user = session.get(User, user_id)
    if user is None or not user.active:
        return "account deactivated"
    if user.role is not role:
        return "role changed"
    if frozenset(a.id for a in user.airports) != airport_ids:
        return "airports changed"
    return None


@dataclass(frozen=True, slots=True)
class HeldRights:
    """What a live socket holds: the session it opened under and the user's role and
    airports then (``session_verdicts`` compares these with the rows now)."""

    session_id: int
    user_id: int
    role: Role
    airport_ids: frozenset[int]


def session_verdicts(session: Any, held: list[HeldRights], now: datetime, idle: timedelta,
                     lifetime: timedelta) -> dict[HeldRights, str | None]:
    """``session_verdict`` for many sockets' rights in two statements whatever their
    number (sessions joined to their users; the users' airports): the heartbeat of a
    process checks every socket it holds at once.  Same rules, same reasons."""
    if not held:
        return {}
    rows = {r.id: r for r in session.execute(
        select(UserSession.id, UserSession.user_id, UserSession.ended_at,
               UserSession.last_seen_at, UserSession.created_at, User.active, User.role)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id.in_({h.session_id for h in held})))}
    airports: dict[int, set[int]] = {}
    for user_id, airport_id in session.execute(
            select(UserAirport.user_id, UserAirport.airport_id)
            .where(UserAirport.user_id.in_({h.user_id for h in held}))):
        airports.setdefault(user_id, set()).add(airport_id)
    out: dict[HeldRights, str | None] = {}
    for h in held:
        row = rows.get(h.session_id)
        if row is None or row.user_id != h.user_id or row.ended_at is not None:
            out[h] = "signed out"
        elif now - row.last_seen_at > idle or now - row.created_at > lifetime:
            out[h] = "session expired"
        elif not row.active:
            out[h] = "account deactivated"
        elif row.role is not h.role:
            out[h] = "role changed"
        elif frozenset(airports.get(h.user_id, ())) != h.airport_ids:
            out[h] = "airports changed"
        else:
            out[h] = None
    return out
