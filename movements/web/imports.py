"""Imports: paste or upload telexes and passenger lists; telex reconciliation on the
movement page; the telex JSON API.

* ``/imports`` (coordinators): paste a telex or upload telex files, upload a
  case-management CSV, see the recent telexes with their outcomes.
* ``/movements/{id}/reconciliation``: the coordinator section of the movement page
  (what the latest telexes say vs the manifest), each difference applied or dismissed
  with one POST.  The movement page loads it with htmx (``partials/reconciliation.html``,
  included by ``movement_body.html``), so it appears on both the page and every live
  re-render of it without the page handler knowing about telexes.
* ``/api/v1/telexes``: POST a raw telex (``text/plain``) -> its outcome; GET the list.

``ImportsPlugin`` registers all of it and puts the ``reconciliation`` helper in the
shared template environment at startup (one line in ``app.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Litestar, Request, get, post
from litestar.config.app import AppConfig
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import Body, FromQuery
from litestar.plugins import InitPlugin
from litestar.plugins.htmx import HTMXDetails, HTMXRequest
from litestar.response import Redirect, Response

from movements import i18n
from movements.domain import input_rules, telex_log, views
from movements.domain import reconciliation as rc_model
from movements.domain.access import Need, role_may
from movements.domain.actions import bulk
from movements.domain.actions import reconciliation as rc
from movements.domain.clock import local_date
from movements.domain.errors import ConflictError, DomainError
from movements.domain.phrases import N_, Phrase, quoted
from movements.ingest import passengers_csv
from movements.ingest.apply import MAX_TELEX_CHARS, TelexOutcome, submit
from movements.ingest.samples import demo_ptm
from movements.services import Services
from movements.web.auth import COORDINATION, STAFF, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.forms import FORM, TypedForm
from movements.web.media import HTML
from movements.web.render import page as render_page

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # guarded routes only
    return user


def _context(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    user = current_user(request)
    return {"user": user, "csrf_token": user.csrf_token if user else "",
            "airport_name": services.settings.airport,
            "heartbeat": services.settings.heartbeat_seconds}


async def _airport(services: Services, user: AuthUser, asked: str | None
                   ) -> views.AirportChoice:
    """The airport the telexes and lists are for (the access policy chooses): the one
    asked for if the user coordinates it, else the deployment's default if theirs, else
    their first."""
    return await services.uow.read(views.airport_choice, user.actor, asked or None,
                                   services.settings.airport, Need.COORDINATE)


@dataclass(frozen=True, slots=True)
class ReconciliationPanel:
    """What ``partials/reconciliation.html`` needs from the environment."""

    def url(self, movement_id: int) -> str:
        return f"/movements/{movement_id}/reconciliation"


# -- /imports ---------------------------------------------------------------------------

#: The import forms upload files: Litestar's multipart body (it also reads a
#: URL-encoded form, which the input guard parsed before the handler).
UPLOAD = Body(media_type=RequestEncodingType.MULTI_PART)


@dataclass
class TelexForm(TypedForm):
    """Pasted telex text and/or telex files.  ``files`` is every part of the file
    field: an ``UploadFile`` each, or "" when the browser sent the field with no file
    chosen (skipped, as before)."""

    text: str = ""
    airport: str = ""
    files: list[Any] = field(default_factory=list)


@dataclass
class PassengerListForm(TypedForm):
    """A case-management CSV or XLSX; a file field with no file chosen is None."""

    file: UploadFile | None = None
    keep_good_rows: str = ""
    airport: str = ""


@dataclass
class DecisionForm(TypedForm):
    """Apply or dismiss one reconciliation difference."""

    key: str = ""
    decision: str = ""



@dataclass
class _Results:
    telexes: list[tuple[str, TelexOutcome]] = field(default_factory=list)
    passengers: passengers_csv.pi.ImportReport | None = None
    passengers_file: str | None = None
    error: str | None = None
    #: The pasted text, given back in the paste box when it was refused (so one line can
    #: be fixed), and the line the refusal names (1-based), for the caret.
    pasted: str = ""
    error_line: int | None = None


class Imports(Controller):
    guards = [COORDINATION]

    @get("/imports", summary="Paste or upload telexes and passenger lists")
    async def page(self, request: Request[Any, Any, Any], services: ServicesDep
                   ) -> Response[str]:
        return await _imports_page(request, services, _Results())

    @post("/imports/telex", summary="Receive pasted or uploaded telexes", status_code=200,
          opt={"telex_text": True, "text_files": True})
    async def telex(self, request: Request[Any, Any, Any], services: ServicesDep,
                    data: Annotated[TelexForm, UPLOAD]) -> Response[str]:
        texts: list[tuple[str, str]] = []
        pasted = data.text
        if pasted.strip():
            texts.append((i18n.N_("pasted"), pasted))  # shown translated, a file by its name
        results = _Results()
        for upload in data.files:
            if not isinstance(upload, UploadFile) or not upload.filename:
                continue
            content = await upload.read()
            try:
                texts.append((upload.filename, content.decode("utf-8-sig")))
            except UnicodeDecodeError:
                results.error = f"{upload.filename}: not UTF-8 text; nothing read from it"
        if not texts and results.error is None:
            results.error = "Paste a telex or choose telex files first."
        user = _user(request)
        airport = (await _airport(services, user, data.airport)).code
        for name, text in texts:
            outcome = await submit(services.uow, user.actor, text, airport=airport)
            results.telexes.append((name, outcome))
            if text is pasted and not outcome.ok:
                results.pasted = pasted
                results.error_line = _refused_line(outcome.detail)
        if results.error is not None and pasted.strip() and not results.telexes:
            results.pasted = pasted
        return await _imports_page(request, services, results, airport=airport)

    # Not opt text_files: a list may be XLSX, UTF-16 or Windows-1252 (the importer detects
    # the encoding and checks every cell; ingest/passengers_csv.py).
    @post("/imports/passengers", summary="Import a case-management CSV or XLSX",
          status_code=200)
    async def passengers(self, request: Request[Any, Any, Any], services: ServicesDep,
                         data: Annotated[PassengerListForm, UPLOAD]) -> Response[str]:
        upload = data.file
        results = _Results()
        if upload is None or not upload.filename:
            results.error = "Choose a CSV or Excel file first."
            return await _imports_page(request, services, results, status=422)
        content = await upload.read()
        if len(content) > MAX_UPLOAD_BYTES:
            results.error = f"{upload.filename} is larger than {MAX_UPLOAD_BYTES // 2**20} MB"
            return await _imports_page(request, services, results, status=422)
        keep_good = data.keep_good_rows in ("1", "on", "yes", "true")
        user = _user(request)
        airport = (await _airport(services, user, data.airport)).code
        results.passengers = await passengers_csv.import_file(
            services.uow, user.actor, content, airport=airport, all_or_nothing=not keep_good,
            label=upload.filename)
        results.passengers_file = upload.filename
        status = 200 if results.passengers.kept else 422
        return await _imports_page(request, services, results, status=status, airport=airport)


def _refused_line(detail: str) -> int | None:
    """The line a refusal names ("line 5: ..."; telex.TelexRefused), or None."""
    found = re.match(r"line (\d+):", detail)
    return int(found.group(1)) if found else None


async def _imports_page(request: Request[Any, Any, Any], services: Services,
                        results: _Results, status: int = 200, airport: str | None = None
                        ) -> Response[str]:
    user = _user(request)
    choice = await _airport(services, user, airport or request.query_params.get("airport"))
    rows = await services.uow.read(telex_log.recent, user.actor, 50, None, choice.code)
    batches = await services.uow.read(bulk.recent, choice.code)
    today = local_date(services.clock.now(), choice.timezone)
    return _html(render_page(request, "imports.html",
        **_context(request, services), results=results, telexes=rows, airport=choice.code,
        batches=batches,
        page_timezone=choice.timezone,
        airports=choice.codes,
        sample=demo_ptm(today), today=today, columns=passengers_csv.COLUMNS,
        required=passengers_csv.REQUIRED, max_chars=MAX_TELEX_CHARS), status)


# -- reconciliation on the movement page ------------------------------------------------

class ReconciliationPages(Controller):
    guards = [STAFF]

    @get("/movements/{movement_id:int}/reconciliation",
         summary="Telexes vs manifest for one movement")
    async def section(self, request: Request[Any, Any, Any], services: ServicesDep,
                      movement_id: PathId) -> Response[str]:
        return await _section(request, services, movement_id)

    @post("/movements/{movement_id:int}/reconciliation", guards=[COORDINATION],
          summary="Apply or dismiss one difference", status_code=200)
    async def decide(self, request: HTMXRequest, services: ServicesDep,
                     movement_id: PathId, data: Annotated[DecisionForm, FORM]
                     ) -> Response[Any]:
        key, decision = data.key, data.decision
        if not key or decision not in (rc.APPLY, rc.DISMISS):
            raise ValidationException("send key and decision=apply or decision=dismiss")
        user = _user(request)
        try:
            # The action checks scope before it writes: out of scope is 404, nothing kept.
            done = await services.uow.run(rc.decide, user.actor, movement_id, key, decision)
            message, kind, status = done[:1].upper() + done[1:], "ok", 200
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            message = i18n.refused(exc)
            kind = "conflict" if isinstance(exc, ConflictError) else "error"
            status = exc.status
        if not request.htmx:
            if status != 200:
                return await _section(request, services, movement_id, message, kind, status)
            return Redirect(f"/movements/{movement_id}", status_code=303)
        return await _section(request, services, movement_id, message, kind, status)


async def _section(request: Request[Any, Any, Any], services: Services, movement_id: int,
                   message: str | None = None, kind: str = "ok", status: int = 200
                   ) -> Response[str]:
    user = _user(request)
    coordinator = role_may(user.actor, Need.COORDINATE)
    found = await services.uow.read(rc_model.reconcile_for, user.actor, movement_id,
                                    coordinator)
    context = {**_context(request, services), "r": found, "movement_id": movement_id,
               "coordinator": coordinator, "message": message, "message_kind": kind}
    if HTMXDetails(request):
        return _html(render_page(request, "partials/reconciliation_section.html", **context),
                     status)
    return _html(render_page(request, "reconciliation.html", **context), status)


# -- JSON API ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TelexOut:
    id: int
    received_at: datetime | None
    outcome: str
    message_type: str | None
    flight: str | None
    flight_date: date | None
    part: int | None
    detail: str
    movement_id: int | None
    raw: str | None = None

    @classmethod
    def of_row(cls, row: telex_log.TelexRow) -> TelexOut:
        return cls(row.id, row.received_at, row.outcome, row.kind, row.flight,
                   row.flight_date, row.part, row.detail, row.movement_id, row.raw)

    @classmethod
    def of_outcome(cls, o: TelexOutcome) -> TelexOut:
        return cls(o.id, None, o.outcome, o.kind, o.flight, o.flight_date, o.part, o.detail,
                   o.movement_id)


@dataclass
class _RawTextBody(Operation):
    """The POST takes the telex as it is, ``text/plain``; Litestar documents JSON
    bodies only, so the schema says so here."""

    def __post_init__(self) -> None:
        if self.request_body is None:
            self.request_body = RequestBody(
                required=True, description="One IATA Type B telex (MVT, PTM, PNL, ADL, PSM)",
                content={"text/plain": OpenAPIMediaType(schema=Schema(
                    type=OpenAPIType.STRING, max_length=MAX_TELEX_CHARS))})


class TelexApi(Controller):
    path = "/api/v1/telexes"
    tags = ["telexes"]
    guards = [COORDINATION]

    @post("/", summary="Receive one raw telex; returns what became of it",
          description="The body is the telex text (text/plain, UTF-8), for the airport "
                      "given as ?airport= (default: the deployment's, if yours).  The telex is "
                      "applied whole or rejected (then stored with the line and reason); "
                      "the reply is its outcome: applied, pending (a part of a multi-part "
                      "message), duplicate or rejected.",
          operation_class=_RawTextBody, status_code=201)
    async def receive(self, request: Request[Any, Any, Any], services: ServicesDep,
                      airport: FromQuery[str | None] = None) -> TelexOut:
        if airport is not None and not (len(airport) == 3 and airport.isascii()
                                        and airport.isalpha()):
            raise ValidationException(f"airport={quoted(repr(airport))}: "
                                      f"expected an IATA code like AMS")
        body = await request.body()
        if len(body) > MAX_TELEX_CHARS * 4:
            raise ValidationException(f"a telex is at most {MAX_TELEX_CHARS} characters")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationException("the telex must be UTF-8 text") from None
        input_rules.check(Phrase(N_("the telex")), text, allowed=input_rules.TELEX_CONTROLS)
        if not text.strip():
            raise ValidationException("the body is empty: send the telex as text/plain")
        user = _user(request)
        outcome = await submit(services.uow, user.actor, text,
                               airport=(await _airport(services, user, airport)).code)
        return TelexOut.of_outcome(outcome)

    @get("/", summary="Recent telexes of your airports, newest first",
         description="Without their raw text; ?airport= narrows to one of your airports.")
    async def list_telexes(self, request: Request[Any, Any, Any], services: ServicesDep,
                           limit: FromQuery[int] = 50, outcome: FromQuery[str | None] = None,
                           airport: FromQuery[str | None] = None) -> list[TelexOut]:
        if outcome is not None and outcome not in telex_log.OUTCOMES:
            raise ValidationException(f"outcome must be one of {', '.join(telex_log.OUTCOMES)}")
        if airport is not None and not (len(airport) == 3 and airport.isascii()
                                        and airport.isalpha()):
            raise ValidationException(f"airport={quoted(repr(airport))}: "
                                      f"expected an IATA code like AMS")
        rows = await services.uow.read(telex_log.recent, _user(request).actor, limit,
                                       outcome, airport)
        return [TelexOut.of_row(r) for r in rows]

    @get("/{telex_id:int}", summary="One telex with its raw text (the read is audited)")
    async def get_telex(self, request: Request[Any, Any, Any], services: ServicesDep,
                        telex_id: PathId) -> TelexOut:
        row = await services.uow.run(telex_log.read_telex, _user(request).actor, telex_id)
        return TelexOut.of_row(row)


# -- wiring -----------------------------------------------------------------------------

def _install_panel(app: Litestar) -> None:
    app.state.fragments.env.globals["reconciliation"] = ReconciliationPanel()


class ImportsPlugin(InitPlugin):
    """Adds the imports pages, the reconciliation section and the telex API."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend([Imports, ReconciliationPages, TelexApi])
        app_config.on_startup.append(_install_panel)
        return app_config
