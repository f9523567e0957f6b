"""Sign in, sign out, and the user's own sessions."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Response
from sqlalchemy import select

from movements import i18n
from movements.domain.actions import languages as language_actions
from movements.domain.actions import passwords as password_actions
from movements.domain.actions import sessions as session_actions
from movements.domain.errors import DomainError, RuleViolation, not_found
from movements.domain.models import Role, User, UserSession
from movements.domain.uow import Actor, Tx
from movements.platform.passwords import hash_password, verify_password
from movements.services import Services
from movements.web.auth import (
    ANY_SIGNED_IN,
    COOKIE,
    ONE_TIME_OK,
    authenticate_token,
    client_address,
    current_user,
)
from movements.web.deps import PathId, ServicesDep
from movements.web.forms import read_form
from movements.web.media import HTML

MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_CLIENT = 20
DEFAULT_NEXT = "/board"


def home_for(role: Role | None) -> str:
    """Where a role starts: reception authorities never see the board, managers see
    aggregates only."""
    if role is Role.MANAGER:
        return "/reports"
    return "/reception" if role is Role.RECEPTION else DEFAULT_NEXT


async def landing_page(request: Request[Any, Any, Any], services: Services) -> str:
    """``/`` is public: it reads the session cookie itself to send each role home (no
    cookie or an ended session: the board, which asks to sign in)."""
    token = request.cookies.get(COOKIE)
    user = await authenticate_token(services, token) if token else None
    return home_for(user.role if user is not None else None)


def _login_page(request: Request[Any, Any, Any], message: str | None, status: int,
                username: str = "", next_url: str = "/board") -> Response[str]:
    env = request.app.state.fragments.env
    # Nobody is signed in yet: the browser's languages choose (Accept-Language).
    locale = i18n.negotiate(request.headers.get("accept-language"))
    body = env.get_template("login.html").render(
        user=None, csrf_token="", airport_name="", locale=locale,
        message=i18n.gettext(message, locale) if message else None, username=username,
        next_url=next_url)
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


def _safe_next(value: str | None) -> str:
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return DEFAULT_NEXT


class Account(Controller):
    @get("/login", opt={"public": True})
    async def login_form(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
                         ) -> Response[str]:
        return _login_page(request, None, 200, next_url=_safe_next(next))

    @post("/login", opt={"public": True})
    async def login(self, request: Request[Any, Any, Any], services: ServicesDep) -> Response[Any]:
        form = await read_form(request)
        username = str(form.get("username", "")).strip().lower()[:80]
        password = str(form.get("password", ""))
        next_url = _safe_next(str(form.get("next", "")))
        client = client_address(request, services.settings.trusted_proxies)
        agent = request.headers.get("user-agent", "")
        old_token = request.cookies.get(COOKIE)

        def attempt(tx: Tx) -> tuple[session_actions.NewSession, Role, bool] | str:
            if session_actions.recent_failures(tx, username=username) >= \
                    MAX_FAILURES_PER_ACCOUNT or session_actions.recent_failures(
                        tx, client=client) >= MAX_FAILURES_PER_CLIENT:
                session_actions.record_login_attempt(tx, username, client, False)
                return i18n.N_("Too many failed attempts. Wait 15 minutes, or ask an admin.")
            user = tx.session.scalar(select(User).where(User.username == username))
            ok = verify_password(user.password_hash if user else None, password)
            if user is None or not ok or not user.active:
                session_actions.record_login_attempt(tx, username, client, False)
                return i18n.N_("Wrong user name or password.")
            session_actions.record_login_attempt(tx, username, client, True)
            return (session_actions.start_session(tx, user.id, client, agent, old_token),
                    user.role, user.must_change_password)

        result = await services.uow.run(attempt, Actor.system("login"))
        if isinstance(result, str):
            status = 429 if result.startswith("Too many") else 401
            return _login_page(request, result, status, username, next_url)
        new_session, role, one_time = result
        if next_url == DEFAULT_NEXT:  # nowhere asked for: the role's own start page
            next_url = home_for(role)
        if one_time:  # an admin's one-time password: choose your own first
            next_url = "/account/password"
        response: Response[Any] = Redirect(next_url, status_code=303)
        response.set_cookie(COOKIE, new_session.token, httponly=True,
                            secure=services.settings.secure_cookies, samesite="lax", path="/",
                            max_age=services.settings.session_max_hours * 3600)
        return response

    @post("/logout", guards=[ANY_SIGNED_IN], opt={ONE_TIME_OK: True})
    async def logout(self, request: Request[Any, Any, Any], services: ServicesDep
                     ) -> Response[Any]:
        token = request.cookies.get(COOKIE, "")
        user = current_user(request)
        assert user is not None
        await services.uow.run(session_actions.end_session_by_token, user.actor, token)
        await request.app.state.hub.sockets.sessions_changed(user.id)  # its live sockets end
        response: Response[Any] = Redirect("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @get("/account/password", guards=[ANY_SIGNED_IN], opt={ONE_TIME_OK: True})
    async def password_form(self, request: Request[Any, Any, Any], services: ServicesDep
                            ) -> Response[str]:
        """Change your own password (after an admin's reset: first thing)."""
        return await _password_page(request, services)

    @post("/account/password", guards=[ANY_SIGNED_IN], opt={ONE_TIME_OK: True})
    async def change_password(self, request: Request[Any, Any, Any], services: ServicesDep
                              ) -> Response[Any]:
        user = current_user(request)
        assert user is not None
        form = await request.form()
        current = str(form.get("current_password", ""))
        new = str(form.get("new_password", ""))
        repeated = str(form.get("repeat_password", ""))
        try:
            password_actions.check_new_password(new, repeated, current=current)
            stored = await services.uow.read(
                lambda s: s.scalar(select(User.password_hash).where(User.id == user.id)))
            ok = await asyncio.to_thread(verify_password, stored, current)
            if not ok:
                raise RuleViolation("the current password is wrong",
                                    field="current_password")
            hashed = await asyncio.to_thread(hash_password, new)
            await services.uow.run(password_actions.change_own_password, user.actor, hashed)
        except DomainError as exc:
            return await _password_page(request, services, message=i18n.gettext(exc.message),
                                        kind="error", field=exc.field, status=exc.status)
        return await _password_page(request, services, message=i18n.gettext("Password changed."),
                                    kind="ok", done=True)

    @post("/account/language", guards=[ANY_SIGNED_IN])
    async def set_language(self, request: Request[Any, Any, Any], services: ServicesDep
                           ) -> Response[Any]:
        """Choose the console's language for yourself (pages, messages, documents)."""
        user = current_user(request)
        assert user is not None
        form = await read_form(request)
        try:
            await services.uow.run(language_actions.set_own_locale, user.actor,
                                   str(form.get("locale", "")))
        except DomainError as exc:
            return await _sessions_page(request, services, message=exc.message,
                                        status=exc.status)
        return Redirect("/account/sessions?language=1", status_code=303)

    @get("/account/sessions", guards=[ANY_SIGNED_IN])
    async def sessions(self, request: Request[Any, Any, Any], services: ServicesDep
                       ) -> Response[str]:
        changed = request.query_params.get("language") == "1"
        return await _sessions_page(request, services,
                                    message=i18n.gettext("Language saved.") if changed
                                    else None, kind="ok")

    @post("/account/sessions/{session_id:int}/end", guards=[ANY_SIGNED_IN])
    async def end_session(self, request: Request[Any, Any, Any], services: ServicesDep,
                          session_id: PathId) -> Response[Any]:
        user = current_user(request)
        assert user is not None
        try:
            await services.uow.run(session_actions.end_own_session, user.actor, user.id,
                                   session_id)
            await request.app.state.hub.sockets.sessions_changed(user.id)
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                raise not_found("session") from exc
            raise
        return Redirect("/account/sessions", status_code=303)


async def _sessions_page(request: Request[Any, Any, Any], services: Services, *,
                         message: str | None = None, kind: str = "error",
                         status: int = 200) -> Response[str]:
    """Your account: the language you read, and your open sessions."""
    user = current_user(request)
    assert user is not None
    rows = await services.uow.read(lambda s: list(s.scalars(
        select(UserSession).where(UserSession.user_id == user.id,
                                  UserSession.ended_at.is_(None))
        .order_by(UserSession.created_at.desc()))))
    env = request.app.state.fragments.env
    body = env.get_template("sessions.html").render(
        user=user, csrf_token=user.csrf_token, airport_name=services.settings.airport,
        rows=rows, current=user.session_id, message=message, message_kind=kind)
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


async def _password_page(request: Request[Any, Any, Any], services: Services, *,
                         message: str | None = None, kind: str = "info",
                         field: str | None = None, status: int = 200,
                         done: bool = False) -> Response[str]:
    user = current_user(request)
    assert user is not None
    one_time = await services.uow.read(
        lambda s: bool(s.scalar(select(User.must_change_password).where(User.id == user.id))))
    body = request.app.state.fragments.env.get_template("password.html").render(
        user=user, csrf_token=user.csrf_token, airport_name=services.settings.airport,
        one_time=one_time, message=message, message_kind=kind, field=field, done=done,
        home=home_for(user.role), min_length=password_actions.MIN_LENGTH)
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})
