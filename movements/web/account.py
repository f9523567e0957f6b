"""Sign in, sign out, and the user's own sessions."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Response

from movements import i18n
from movements.domain import account_queries
from movements.domain.actions import languages as language_actions
from movements.domain.actions import passwords as password_actions
from movements.domain.actions import sessions as session_actions
from movements.domain.errors import DomainError, RuleViolation, not_found
from movements.domain.phrases import N_, Phrase
from movements.domain.uow import Actor
from movements.domain.vocabulary import Role
from movements.platform.passwords import hash_password, verify_password
from movements.services import Services
from movements.web import account_forms as af
from movements.web.auth import (
    ANY_SIGNED_IN,
    COOKIE,
    ONE_TIME_OK,
    authenticate_token,
    client_address,
    current_user,
)
from movements.web.deps import PathId, ServicesDep
from movements.web.media import HTML
from movements.web.render import page as render_page

DEFAULT_NEXT = "/board"
#: How a refused sign-in is worded, and its status (domain: ``sessions.sign_in``).
REFUSALS = {"too_many": (i18n.N_("Too many failed attempts. Wait 15 minutes, or ask an "
                                 "admin."), 429),
            "wrong": (i18n.N_("Wrong user name or password."), 401)}


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
    # Nobody is signed in yet: the browser's languages choose (Accept-Language).
    locale = i18n.negotiate(request.headers.get("accept-language"))
    body = render_page(request, "login.html",
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
    async def login(self, request: Request[Any, Any, Any], services: ServicesDep,
                    data: af.SignIn) -> Response[Any]:
        username = data.username.strip().lower()[:80]
        password = data.password
        next_url = _safe_next(data.next)
        client = client_address(request, services.settings.trusted_proxies)
        agent = request.headers.get("user-agent", "")
        old_token = request.cookies.get(COOKIE)

        # argon2 is slow on purpose: checked off the event loop and outside the write
        # transaction; sign_in then accepts only if that hash is still the user's.
        blocked = await services.uow.read(session_actions.sign_in_blocked, username, client,
                                          services.clock.now())
        verified: str | None = None
        if not blocked:
            stored = await services.uow.read(account_queries.password_hash_of, username)
            if await asyncio.to_thread(verify_password, stored, password):
                verified = stored
        result = await services.uow.run(session_actions.sign_in, Actor.system("login"),
                                        username, verified, client, agent, old_token)
        if isinstance(result, str):
            text, status = REFUSALS[result]
            return _login_page(request, text, status, username, next_url)
        new_session, role, one_time = result.session, result.role, result.must_change_password
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
    async def change_password(self, request: Request[Any, Any, Any], services: ServicesDep,
                              data: af.Password) -> Response[Any]:
        user = current_user(request)
        assert user is not None
        current, new, repeated = data.current_password, data.new_password, data.repeat_password
        try:
            password_actions.check_new_password(new, repeated, current=current)
            stored = await services.uow.read(account_queries.password_hash_for, user.id)
            ok = await asyncio.to_thread(verify_password, stored, current)
            if not ok:
                raise RuleViolation(Phrase(N_("the current password is wrong")),
                                    field="current_password")
            hashed = await asyncio.to_thread(hash_password, new)
            await services.uow.run(password_actions.change_own_password, user.actor, hashed)
        except DomainError as exc:
            return await _password_page(request, services, message=i18n.refused(exc),
                                        kind="error", field=exc.field, status=exc.status)
        return await _password_page(request, services, message=i18n.gettext("Password changed."),
                                    kind="ok", done=True)

    @post("/account/language", guards=[ANY_SIGNED_IN])
    async def set_language(self, request: Request[Any, Any, Any], services: ServicesDep,
                           data: af.Locale) -> Response[Any]:
        """Choose the console's language for yourself (pages, messages, documents)."""
        user = current_user(request)
        assert user is not None
        try:
            await services.uow.run(language_actions.set_own_locale, user.actor, data.locale)
        except DomainError as exc:
            return await _sessions_page(request, services, message=i18n.refused(exc),
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
    rows = await services.uow.read(account_queries.open_sessions, user.id)
    body = render_page(request, "sessions.html",
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
    one_time = await services.uow.read(account_queries.must_change_password, user.id)
    body = render_page(request, "password.html",
        user=user, csrf_token=user.csrf_token, airport_name=services.settings.airport,
        one_time=one_time, message=message, message_kind=kind, field=field, done=done,
        home=home_for(user.role), min_length=password_actions.MIN_LENGTH)
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})
