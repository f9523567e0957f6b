"""Who is asking: server-side sessions, role guards, CSRF and Origin checks.

Deny by default: the authentication middleware refuses every route that is not marked
``opt={"public": True}``; role guards narrow it further (tests/web/test_routes.py walks
every route to keep it so).
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from movements import i18n
from movements.domain.actions import sessions as session_actions
from movements.domain.errors import Busy
from movements.domain.uow import Actor, Tx
from movements.domain.vocabulary import Role
from movements.services import Services

COOKIE = "mv_session"
N_ = i18n.N_
ROLE_LABELS = {Role.GATE_STAFF: N_("gate staff"), Role.COORDINATOR: N_("coordinator"),
               Role.RECEPTION: N_("reception"), Role.ADMIN: N_("admin"),
               Role.MANAGER: N_("manager")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: int
    username: str
    display_name: str
    role: Role
    organisation_id: int | None
    airport_ids: frozenset[int]
    airport_codes: tuple[str, ...]
    session_id: int
    csrf_token: str
    locale: str = "en"
    #: Signed in with an admin's one-time password: every route but choosing one's own
    #: password (and signing out) is refused until it is changed (issue 13.7).
    must_change_password: bool = False

    @property
    def role_label(self) -> str:
        return i18n.gettext(ROLE_LABELS[self.role], self.locale)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.id, username=self.username, role=self.role,
                     organisation_id=self.organisation_id, airport_ids=self.airport_ids)


def _lookup(tx: Tx, token: str, idle: timedelta, lifetime: timedelta
            ) -> tuple[AuthUser, bool] | None:
    found = session_actions.touch_for_token(tx, token, idle, lifetime)
    if found is None:
        return None
    user, row, touched = found
    return _auth_user(user, row), touched


def _auth_user(user: Any, row: Any) -> AuthUser:
    """The request's user from the domain's user and session rows (read, not queried)."""
    return AuthUser(id=user.id, username=user.username, display_name=user.display_name,
                    role=user.role, organisation_id=user.organisation_id,
                    airport_ids=frozenset(a.id for a in user.airports),
                    airport_codes=tuple(sorted(a.iata for a in user.airports)),
                    session_id=row.id, csrf_token=row.csrf_token, locale=user.locale,
                    must_change_password=user.must_change_password)


async def authenticate_token(services: Services, token: str) -> AuthUser | None:
    settings = services.settings
    idle = timedelta(minutes=settings.session_idle_minutes)
    lifetime = timedelta(hours=settings.session_max_hours)
    # One read for most requests; a write transaction only when the session must be
    # touched or ended (SQLite has one writer; tablets poll a lot; an unknown or ended
    # cookie never costs a write).
    found = await services.uow.read(_peek, token, services.clock.now(), lifetime)
    if found is None or isinstance(found, AuthUser):
        return found
    try:
        result = await services.uow.run(_lookup, Actor.system("auth"), token, idle, lifetime)
    except Busy:
        # The touch is bookkeeping (once a minute per session): when SQLite's one writer
        # is taken for longer than the wait (50 tablets at once, issue 18), a session
        # that still stands serves this request as read, and a later request touches it.
        standing = await services.uow.read(_standing, token, services.clock.now(), idle,
                                           lifetime)
        if standing is None:
            raise
        return standing
    return result[0] if result else None


def _standing(session: Any, token: str, now: Any, idle: timedelta, lifetime: timedelta
              ) -> AuthUser | None:
    found = session_actions.standing_token(session, token, now, idle, lifetime)
    return _auth_user(*found) if found is not None else None


def _peek(session: Any, token: str, now: Any, lifetime: timedelta) -> AuthUser | str | None:
    """The signed-in user when the session is fresh; "touch" when it must be written;
    None when there is none (``session_actions.peek_signed_in``: one statement)."""
    found = session_actions.peek_signed_in(session, token, now, lifetime)
    if not isinstance(found, session_actions.StandingSession):
        return found
    return AuthUser(id=found.user_id, username=found.username,
                    display_name=found.display_name, role=found.role,
                    organisation_id=found.organisation_id,
                    airport_ids=frozenset(a for a, _ in found.airports),
                    airport_codes=tuple(code for _, code in found.airports),
                    session_id=found.session_id, csrf_token=found.csrf_token,
                    locale=found.locale, must_change_password=found.must_change_password)


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]
                                   ) -> AuthenticationResult:
        services: Services = connection.app.state.services
        token = connection.cookies.get(COOKIE)
        if not token:
            raise NotAuthorizedException("sign in first")
        user = await authenticate_token(services, token)
        if user is None:
            raise NotAuthorizedException("your session has ended; sign in again")
        i18n.set_current(user.locale)  # this request's messages, pages and documents
        return AuthenticationResult(user=user, auth=token)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, AuthUser) else None


def requires(*roles: Role) -> Any:
    allowed = frozenset(roles)

    # async: Litestar runs a sync guard in a worker thread (AsyncCallable), two thread
    # hops per request that queue behind the database reads under load (issue 18).
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
                    ) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException("sign in first")
        if user.role not in allowed:
            raise PermissionDeniedException(f"not allowed for {user.role_label}")

    guard.roles = allowed  # type: ignore[attr-defined]  # read by the route walk test
    return guard


STAFF = requires(Role.GATE_STAFF, Role.COORDINATOR, Role.ADMIN)
COORDINATION = requires(Role.COORDINATOR, Role.ADMIN)
ADMIN = requires(Role.ADMIN)
RECEPTION = requires(Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
ANY_SIGNED_IN = requires(*Role)
#: Routes that may show a personal detail (a handover, a manifest): every role but the
#: manager, who sees aggregates only.
PERSONAL = requires(*(r for r in Role if r is not Role.MANAGER))
#: The reports page and its API: aggregates, no personal data.
REPORTS = requires(Role.COORDINATOR, Role.MANAGER, Role.ADMIN)


def same_origin(connection: ASGIConnection[Any, Any, Any, Any], public_url: str) -> bool:
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # not a browser cross-site request (browsers send Origin on POST/ws)
    host = connection.headers.get("host", "")
    allowed = {f"http://{host}", f"https://{host}", public_url.rstrip("/")}
    return origin.rstrip("/") in allowed


async def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any],
                     handler: BaseRouteHandler) -> None:
    """Every unsafe request from a signed-in session carries that session's token
    (header for htmx, form field for plain forms) and comes from our own origin."""
    if connection.scope.get("method") not in UNSAFE:
        return
    services: Services = connection.app.state.services
    if not same_origin(connection, services.settings.public_url):
        raise PermissionDeniedException("request from another site refused")
    user = current_user(connection)
    if user is None:
        return  # public routes (sign-in) rely on the Origin check and SameSite cookies
    sent = connection.headers.get("x-csrf-token")
    if not sent and isinstance(connection, Request):
        form = await connection.form()  # cached: the handler can still read it
        sent = form.get("_csrf")
    if not sent or not hmac.compare_digest(str(sent), user.csrf_token):
        raise PermissionDeniedException("missing or wrong CSRF token; reload the page")


#: Route option of the few routes a user with a one-time password may still use.
ONE_TIME_OK = "one_time_ok"
CHANGE_PASSWORD_URL = "/account/password"


class PasswordChangeRequired(PermissionDeniedException):
    """A signed-in user still on an admin's one-time password asked for another route."""


async def one_time_password_gate(connection: ASGIConnection[Any, Any, Any, Any],
                                 handler: BaseRouteHandler) -> None:
    """Refuses every route to a user who signed in with a one-time password until they
    chose their own (on every page, every fragment, the API and the sockets), except
    the routes marked ``opt={ONE_TIME_OK: True}``: the password form and signing out."""
    user = current_user(connection)
    if user is None or not user.must_change_password or handler.opt.get(ONE_TIME_OK):
        return
    raise PasswordChangeRequired(
        "you signed in with a one-time password: choose your own password first "
        f"at {CHANGE_PASSWORD_URL}")


def client_address(connection: ASGIConnection[Any, Any, Any, Any],
                   trusted_proxies: tuple[str, ...]) -> str:
    """The peer address; X-Forwarded-For only when the peer is a configured proxy."""
    peer = connection.client.host if connection.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    # Walk from the nearest hop back past our own proxies.
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return peer


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
