"""The composition root: ``create_app(settings)`` wires every part, in one place."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from litestar import Litestar, Request, Response, Router, get
from litestar.channels import ChannelsPlugin
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions.responses import create_exception_response
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.htmx import HTMXDetails, HTMXPlugin
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from movements.delivery import pdf_pool
from movements.domain.calendar_days import no_such_day
from movements.domain.clock import Clock
from movements.domain.errors import Busy, DomainError, FieldProblems
from movements.domain.storage import StorageUnavailable
from movements.i18n import N_
from movements.platform.config import Settings
from movements.platform.lifeline import end_with
from movements.realtime.backends import make_backend
from movements.realtime.connection import SessionRules
from movements.realtime.fragments import Fragments
from movements.realtime.hub import LiveHub
from movements.scheduler import recover_bulk_writes, start_jobs
from movements.services import Services
from movements.templating import TEMPLATES, make_environment
from movements.web.account import Account, landing_page
from movements.web.admin import ADMIN_ROUTES
from movements.web.admin_validity import VALIDITY_ROUTES
from movements.web.alerts import ALERT_ROUTES
from movements.web.api import ApiV1
from movements.web.auth import (
    ANY_SIGNED_IN,
    CHANGE_PASSWORD_URL,
    PasswordChangeRequired,
    SessionAuthMiddleware,
    csrf_guard,
    current_user,
    one_time_password_gate,
)
from movements.web.board_cache import BoardCache, movement_cache
from movements.web.deps import ServicesDep
from movements.web.field_labels import labelled_refusal
from movements.web.handovers import ROUTES as DOCUMENT_ROUTES
from movements.web.headers import security_headers
from movements.web.health import healthz, readyz
from movements.web.imports import ImportsPlugin
from movements.web.input_guard import clean_request, not_utf8
from movements.web.language import browser_language
from movements.web.live import stream_socket
from movements.web.media import HTML
from movements.web.outbox import OUTBOX_ROUTES
from movements.web.pages import Pages
from movements.web.planning import Planning
from movements.web.planning_api import PlanningApi
from movements.web.refusals import (
    log_exception,
    refusal_log,
    storage_unavailable,
)
from movements.web.render import page as render_page
from movements.web.reports import REPORT_ROUTES
from movements.web.schema_page import VendoredSwagger

log = logging.getLogger("movements")
STATIC = TEMPLATES.parent / "static"


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or HTMXDetails(request)) and \
        "text/html" in request.headers.get("accept", "")


ERROR_TITLES = {400: N_("Not understood"), 403: N_("Not allowed"), 404: N_("Not found"),
                405: N_("Not allowed"), 409: N_("Changed meanwhile"), 410: N_("Deleted"),
                422: N_("Not done"), 503: N_("Busy: try again")}
# One sentence in the reader's language before the (English, technical) detail.
ERROR_LEADS = {400: N_("The address holds a value the console cannot read."),
               403: N_("Your role may not open this page."),
               404: N_("This is not here, or not yours to see.")}


def _refusal_page(request: Request[Any, Any, Any], status: int, message: str,
                  headers: dict[str, str] | None = None) -> Response[Any]:
    """A refusal as the console's error page (a person typed or followed a link): title
    and lead in the user's language, the detail, a link back to the board (or the
    role's start page). Only for ``_wants_html`` requests; API and htmx keep JSON."""
    user = current_user(request)
    body = render_page(request, "error.html",
        user=user, csrf_token=user.csrf_token if user else "", airport_name="",
        title=ERROR_TITLES.get(status, N_("Refused")), lead=ERROR_LEADS.get(status, ""),
        message=message)
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store", **(headers or {})})


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, StorageUnavailable):
        return storage_unavailable(request, exc, html=_wants_html(request))
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
    if _wants_html(request):
        # A person typed or followed a link: a page that says what and why, in the
        # console's frame (e.g. "you work no airport yet"), not a JSON body.
        return _refusal_page(request, exc.status, labelled_refusal(exc), headers)
    # "error" stays the English (machines match on it); "message" is the same refusal in
    # the reader's language, what a page's script shows the person (forms.js).
    body: dict[str, Any] = {"error": exc.message, "message": labelled_refusal(exc),
                            "field": exc.field, "status": exc.status}
    if isinstance(exc, FieldProblems):
        # Several fields refused at once: each with its field, English and localized.
        body["problems"] = [{"field": p.field, "error": p.message,
                             "message": labelled_refusal(p)} for p in exc.problems]
    return Response(body, status_code=exc.status, headers=headers)


def _http_refusal(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own refusals (bad query value, not found, method not allowed...): the
    error page for a browser page request, Litestar's JSON reply otherwise (and for 5xx)."""
    _name_missing_days(request, exc)
    if 400 <= exc.status_code < 500 and _wants_html(request):
        return _refusal_page(request, exc.status_code, _with_fields(exc), exc.headers)
    return create_exception_response(request, exc)


def _name_missing_days(request: Request[Any, Any, Any], exc: HTTPException) -> None:
    """A JSON body's date in the right shape that the calendar has not ("2026-02-31"):
    msgspec says "Invalid RFC3339 encoded date"; the entry is told why instead ("... is
    not a date: month 2 of 2026 has 28 days", calendar_days).  The body was read (and
    kept on the connection) before decoding failed."""
    extra = getattr(exc, "extra", None)
    body = getattr(request, "_body", None)
    if not isinstance(extra, list) or not isinstance(body, bytes) or not body:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return
    for entry in extra:
        if not (isinstance(entry, dict) and "date" in str(entry.get("message", ""))):
            continue
        value: Any = data
        for part in str(entry.get("key", "")).removeprefix("$.").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        why = no_such_day(value) if isinstance(value, str) else None
        if why is not None:
            entry["message"] = str(why)


def _with_fields(exc: HTTPException) -> str:
    """The refusal with the fields it is about (a typed form's field sent twice: Litestar
    names the key in ``extra``; the JSON reply carries it as is)."""
    extra = getattr(exc, "extra", None)
    named = [f"{e['key']}: {e.get('message', '')}" for e in extra
             if isinstance(e, dict) and e.get("key")] if isinstance(extra, list) else []
    return f"{exc.detail} ({'; '.join(named)})" if named else str(exc.detail)


def _not_authorized(request: Request[Any, Any, Any], exc: NotAuthorizedException
                    ) -> Response[Any]:
    if _wants_html(request):
        return Redirect(f"/login?next={quote(request.url.path)}", status_code=303)
    return Response({"error": exc.detail, "status": 401}, status_code=401)


def _forbidden(request: Request[Any, Any, Any], exc: PermissionDeniedException
               ) -> Response[Any]:
    if isinstance(exc, PasswordChangeRequired):
        # A page: straight to the password form. An htmx request: htmx follows
        # HX-Redirect with a full page load. Anything else: a 403 that says why.
        if _wants_html(request):
            return Redirect(CHANGE_PASSWORD_URL, status_code=303)
        if HTMXDetails(request):
            return Response({"error": exc.detail, "status": 403}, status_code=403,
                            headers={"HX-Redirect": CHANGE_PASSWORD_URL})
    if _wants_html(request):
        return _refusal_page(request, 403, exc.detail)
    return Response({"error": exc.detail, "status": 403}, status_code=403)


@get("/", opt={"public": True}, include_in_schema=False)
async def index(request: Request[Any, Any, Any], services: ServicesDep) -> Redirect:
    return Redirect(await landing_page(request, services), status_code=303)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    env = make_environment()
    fragments = Fragments(env)
    channels = ChannelsPlugin(backend=make_backend(settings.channels_url),
                              arbitrary_channels_allowed=True,
                              subscriber_max_backlog=settings.subscriber_backlog,
                              subscriber_backlog_strategy="dropleft")
    hub = LiveHub(channels, fragments, settings.replay_limit,
                  local_only=settings.channels_url.startswith("memory://"))
    services = Services.build(settings, clock=clock, publisher=hub)
    hub.uow = services.uow
    hub.sockets.uow = services.uow
    hub.sockets.per_session = settings.sockets_per_session
    hub.sockets.rules = SessionRules(idle=timedelta(minutes=settings.session_idle_minutes),
                                     lifetime=timedelta(hours=settings.session_max_hours),
                                     now=services.clock.now)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        refresher = asyncio.create_task(hub.run_beats(settings.heartbeat_seconds))
        session_listener = asyncio.create_task(hub.sockets.run_listener())
        jobs = start_jobs(services) if settings.run_jobs else None
        # A bulk write whose process was killed is rolled back from its journal now
        # (in the background: the server answers meanwhile; the jobs try again later).
        recovery = asyncio.create_task(recover_bulk_writes(services))
        try:
            async with pdf_pool():  # its workers end with the app
                yield
        finally:
            if jobs is not None:
                await jobs.stop()
            for task in (refresher, session_listener, recovery):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await services.close()

    def provide_services() -> Services:
        return services

    app = Litestar(
        route_handlers=[index, healthz, readyz, ApiV1, Pages, Account, stream_socket, Planning,
                        PlanningApi,
                        *ALERT_ROUTES,
                        *OUTBOX_ROUTES,
                        *ADMIN_ROUTES, *VALIDITY_ROUTES,
                        *DOCUMENT_ROUTES,
                        *REPORT_ROUTES,
                        create_static_files_router("/static", [STATIC], opt={"public": True},
                                                   include_in_schema=False)],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        middleware=[browser_language,
                    DefineMiddleware(SessionAuthMiddleware, exclude_from_auth_key="public"),
                    security_headers, refusal_log],
        guards=[csrf_guard, one_time_password_gate],
        before_request=clean_request,
        plugins=[channels, ImportsPlugin(), HTMXPlugin()],  # every request: HTMXRequest
        exception_handlers={  # type: ignore[dict-item]
            DomainError: _domain_error,
            HTTPException: _http_refusal,
            NotAuthorizedException: _not_authorized,
            PermissionDeniedException: _forbidden,
            UnicodeDecodeError: not_utf8,
        },
        lifespan=[lifespan],
        # Server errors are logged with their traceback; refusals (4xx) are expected and
        # logged as one INFO line; storage faults by StorageHealth, once a minute.
        logging_config=LoggingConfig(log_exceptions="always", configure_root_logger=False,
                                     exception_logging_handler=log_exception),
        openapi_config=OpenAPIConfig(title="movements", version="1", render_plugins=[
            VendoredSwagger(), JsonRenderPlugin(), YamlRenderPlugin()],
            # Signed in like every page (the description names every route and field).
            openapi_router=Router(path="/schema", route_handlers=[],
                                  guards=[ANY_SIGNED_IN], include_in_schema=False)),
        debug=False,
    )
    app.state.services = services
    app.state.hub = hub
    app.state.fragments = fragments
    app.state.board_cache = BoardCache()
    app.state.movement_cache = movement_cache()
    return app


def create_supervised_app() -> Litestar:
    """The app of one worker process under ``movements serve --workers N``: the worker
    ends when the supervisor that started it ends, even if that one is killed outright
    (its PDF workers then follow the worker)."""
    end_with(os.getppid())
    return create_app()
