"""Handover pages and document downloads: parse -> deliver -> respond.

Who may see a handover: staff of its airport, and a reception user only if the handover
is addressed to the user's own organisation (any other id is "does not exist": 404, so
an id tells nothing about another organisation's handovers).

Gate staff record handovers from the movement page: the "Handovers" section
(``partials/handovers_section.html``, loaded on its own with htmx like the
reconciliation section, so the page and every live re-render of it show it) lists the
movement's handovers and starts a draft; the handover page signs a draft (and issues
its manifest at once) or corrects a signed one (a new draft version naming the one it
replaces).  Every write is one domain action in one transaction: a refused write
changes nothing and the form comes back with the rule's words (422) or, for a stale
copy, the current state (409).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXDetails
from litestar.response import Redirect, Response

from movements import delivery, i18n
from movements.domain import document_queries as dq
from movements.domain import handover_queries as hq
from movements.domain import input_rules
from movements.domain.actions import handovers as handover_actions
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.errors import ConflictError, DomainError, RuleViolation
from movements.domain.phrases import N_, Phrase, quoted
from movements.domain.ssr import SSR_CODES
from movements.domain.uow import Tx
from movements.domain.vocabulary import Role
from movements.services import Services
from movements.web.auth import COORDINATION, PERSONAL, STAFF, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.forms import FORM, TypedForm
from movements.web.media import HTML, PDF
from movements.web.once import checked_key, request_hash, run_once
from movements.web.reception import Reception
from movements.web.render import page as render_page
from movements.web.verify import Verify

log = logging.getLogger("movements.handovers")


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # guarded routes only
    return user


def pdf_response(doc: delivery.Rendered) -> Response[bytes]:
    return Response(doc.content, media_type=PDF,
                    headers=delivery.pdf_headers(doc))


def page_context(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    user = current_user(request)
    return {"user": user, "csrf_token": user.csrf_token if user else "",
            "airport_name": services.settings.airport}


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------- forms
@dataclass
class HandoverBody(TypedForm):
    """What the handover forms post, as text (absent: ""): the draft, signing,
    discarding and correcting forms share it.  ``passenger`` is every ticked box (one box
    arrives as a string, several as a list); ``_idem`` is the key drawn when the form was
    rendered (not part of the idempotency hash)."""

    passenger: list[str] | str = field(default_factory=list)
    organisation_id: str = ""
    receiving_person: str = ""
    id_type: str = ""
    id_number: str = ""
    notes: str = ""
    reason: str = ""
    handing_signature: str = ""
    receiving_signature: str = ""
    receiver_signed: str = ""
    override_reason: str = ""
    handing_strokes: str = ""
    receiving_strokes: str = ""
    expected_version: str = ""
    _idem: str = ""

    def passenger_ids(self) -> list[str]:
        return [self.passenger] if isinstance(self.passenger, str) else list(self.passenger)

    def version(self) -> int | None:
        """The version the page showed (a whole number, the rule names the field)."""
        return _opt_int(self.expected_version, "expected_version")


Handover = Annotated[HandoverBody, FORM]


@dataclass
class HandoverForm:
    """What a handover form posted, to show it again after a refusal."""

    passengers: list[int] = field(default_factory=list)
    organisation_id: int | None = None
    receiving_person: str = ""
    id_type: str = ""
    id_number: str = ""
    notes: str = ""
    reason: str = ""
    handing_signature: str = ""
    receiving_signature: str = ""
    receiver_signed: bool = False
    override_reason: str = ""
    handing_strokes: str = ""
    receiving_strokes: str = ""
    idem: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def parse(cls, body: HandoverBody) -> HandoverForm:
        return cls(
            passengers=[_int(v, "passenger") for v in body.passenger_ids()],
            organisation_id=_opt_int(body.organisation_id, "organisation_id"),
            receiving_person=body.receiving_person, id_type=body.id_type.strip(),
            id_number=body.id_number.strip(), notes=body.notes, reason=body.reason,
            handing_signature=body.handing_signature,
            receiving_signature=body.receiving_signature,
            receiver_signed=bool(body.receiver_signed),
            override_reason=body.override_reason,
            handing_strokes=body.handing_strokes, receiving_strokes=body.receiving_strokes)

    def id_checked(self) -> str | None:
        """The receiver's ID check as one line: document type and number, or nothing."""
        if not self.id_type and not self.id_number:
            return None
        if not self.id_type or not self.id_number:
            raise RuleViolation(Phrase(N_("the receiver's ID check needs both the document type "
                                          "and its number")), field="receiver_id_checked")
        return f"{self.id_type} {self.id_number}"


def _int(value: Any, name: str) -> int:
    return input_rules.whole_number(name, value)


def _opt_int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _int(value, name)


async def _once(request: Request[Any, Any, Any], services: Services, user: AuthUser,
                form: HandoverBody, act: Callable[[Tx], str]) -> str:
    """Run ``act`` (which returns where to go next) once per idempotency key: a tablet's
    retry of the same submission goes where the first one went instead of writing twice.
    The key is the form's own (``_idem``, fresh with each rendered form) or htmx's."""
    key = checked_key(form._idem or request.headers.get("idempotency-key") or "")
    url, _, _ = await run_once(services, user, key, request_hash(request, form.items()),
                               act, 303)
    return url


def _go(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """After a write: htmx navigates on HX-Redirect; a plain form follows the 303."""
    if HTMXDetails(request):
        # 200, not 303: the browser would follow a redirect before htmx saw the header.
        return Response("", media_type=HTML, status_code=200,
                        headers={"HX-Redirect": url, "Cache-Control": "no-store"})
    return Redirect(url, status_code=303)


def _message_kind(exc: DomainError) -> str:
    return "conflict" if isinstance(exc, ConflictError) else "error"


# --------------------------------------------------------------------------- pages
async def _handover_page(request: Request[Any, Any, Any], services: Services,
                         handover_id: int, *, message: str | None = None,
                         message_kind: str = "info", form: HandoverForm | None = None,
                         status: int = 200) -> Response[str]:
    user = _user(request)
    view = await services.uow.read(hq.handover_view, user.actor, handover_id)
    context = {**page_context(request, services), "h": view,
               "is_staff": user.role is not Role.RECEPTION,
               "needs": [(code, SSR_CODES[code].receiver_action, n) for code, n in view.needs]}
    if user.role is Role.RECEPTION:
        return _html(render_page(request, "documents/handover.html", **context), status)
    staff = await services.uow.read(hq.staff_handover, user.actor, handover_id)
    body = render_page(request, "documents/handover_staff.html",
        **context, s=staff, form=form or HandoverForm(receiving_person=staff.receiving_person),
        posted=form is not None, message=message, message_kind=message_kind,
        signer=user.display_name, id_documents=hq.ID_DOCUMENTS)
    return _html(body, status)


async def _section(request: Request[Any, Any, Any], services: Services, movement_id: int,
                   *, message: str | None = None, message_kind: str = "info",
                   form: HandoverForm | None = None, status: int = 200) -> Response[str]:
    user = _user(request)
    view = await services.uow.read(hq.handover_section, user.actor, movement_id)
    context = {**page_context(request, services), "section": view,
               "form": form or HandoverForm(), "message": message,
               "message_kind": message_kind, "id_documents": hq.ID_DOCUMENTS,
               "open_form": form is not None}
    template = "partials/handovers_section.html" if HTMXDetails(request) \
        else "documents/handovers_page.html"
    return _html(render_page(request, template, **context), status)


class HandoverPages(Controller):
    guards = [PERSONAL]

    @get("/handovers/{handover_id:int}")
    async def handover(self, request: Request[Any, Any, Any], services: ServicesDep,
                       handover_id: PathId) -> Response[str]:
        return await _handover_page(request, services, handover_id)

    @get("/handovers/{handover_id:int}/manifest.pdf")
    async def manifest(self, request: Request[Any, Any, Any], services: ServicesDep,
                       handover_id: PathId) -> Response[bytes]:
        user = _user(request)
        doc = await delivery.handover_manifest(services, user.actor, handover_id)
        return pdf_response(doc)


class HandoverDesk(Controller):
    """Gate staff record handovers: start a draft, sign it, correct a signed one."""

    guards = [STAFF]

    @get("/movements/{movement_id:int}/handovers",
         summary="The movement page's Handovers section (a fragment for htmx)")
    async def section(self, request: Request[Any, Any, Any], services: ServicesDep,
                      movement_id: PathId) -> Response[str]:
        return await _section(request, services, movement_id)

    @post("/movements/{movement_id:int}/handovers", status_code=303,
          summary="Start a handover: a draft naming the receiving party and passengers")
    async def create(self, request: Request[Any, Any, Any], services: ServicesDep,
                     movement_id: PathId, data: Handover) -> Response[Any]:
        user = _user(request)
        form = HandoverForm.parse(data)

        def act(tx: Tx) -> str:
            if form.organisation_id is None:
                raise RuleViolation(Phrase(N_("choose the receiving organisation")),
                                    field="organisation_id")
            hid = handover_actions.create_handover(
                tx, movement_id, form.organisation_id, form.receiving_person,
                form.passengers, receiver_id_checked=form.id_checked(),
                notes=form.notes)
            return f"/handovers/{hid}"

        try:
            url = await _once(request, services, user, data, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _section(request, services, movement_id, message=i18n.refused(exc),
                                  message_kind=_message_kind(exc), form=form,
                                  status=exc.status)
        return _go(request, url)

    @post("/handovers/{handover_id:int}/sign", status_code=303,
          summary="Sign a draft handover (both sides); its manifest is issued at once")
    async def sign(self, request: Request[Any, Any, Any], services: ServicesDep,
                   handover_id: PathId, data: Handover) -> Response[Any]:
        user = _user(request)
        form = HandoverForm.parse(data)
        expected = data.version()

        def act(tx: Tx) -> str:
            # Both sign with a finger on the tablet (the strokes go into the manifest).
            for strokes, who in ((form.handing_strokes, "handing signature"),
                                 (form.receiving_strokes, "receiving signature")):
                if not strokes.strip():
                    raise RuleViolation(Phrase.of(N_("the %(who)s is empty: sign with a finger "
                                                     "in the box"),
                                                  who=Phrase(who)),
                                        field=who)
            handover_actions.sign_handover(tx, handover_id, form.handing_signature,
                                           form.receiving_signature, expected,
                                           override_reason=form.override_reason or None,
                                           handing_strokes=form.handing_strokes,
                                           receiving_strokes=form.receiving_strokes)
            return f"/handovers/{handover_id}"

        try:
            url = await _once(request, services, user, data, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _handover_page(request, services, handover_id, message=i18n.refused(exc),
                                        message_kind=_message_kind(exc), form=form,
                                        status=exc.status)
        await _issue_manifest(services, user, handover_id)
        return _go(request, url)

    @post("/handovers/{handover_id:int}/discard", status_code=303,
          summary="Discard a draft handover: its passengers can be handed over again")
    async def discard(self, request: Request[Any, Any, Any], services: ServicesDep,
                      handover_id: PathId, data: Handover) -> Response[Any]:
        user = _user(request)
        expected = data.version()

        def act(tx: Tx) -> str:
            movement_id = handover_actions.discard_handover(tx, handover_id, expected)
            return f"/movements/{movement_id}/handovers"

        try:
            url = await _once(request, services, user, data, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _handover_page(request, services, handover_id, message=i18n.refused(exc),
                                        message_kind=_message_kind(exc),
                                        status=exc.status)
        return _go(request, url)

    @post("/handovers/{handover_id:int}/correct", status_code=303,
          summary="Correct a signed handover: a new draft version naming the one it replaces")
    async def correct(self, request: Request[Any, Any, Any], services: ServicesDep,
                      handover_id: PathId, data: Handover) -> Response[Any]:
        user = _user(request)
        form = HandoverForm.parse(data)
        expected = data.version()

        def act(tx: Tx) -> str:
            new_id = handover_actions.correct_handover(
                tx, handover_id, expected_version=expected,
                receiving_person=form.receiving_person,
                passenger_ids=form.passengers, receiver_id_checked=form.id_checked(),
                notes=form.notes.strip() or None, reason=form.reason)
            return f"/handovers/{new_id}"

        try:
            url = await _once(request, services, user, data, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _handover_page(request, services, handover_id, message=i18n.refused(exc),
                                        message_kind=_message_kind(exc), form=form,
                                        status=exc.status)
        return _go(request, url)


async def _issue_manifest(services: Services, user: AuthUser, handover_id: int) -> None:
    """Issue the manifest right after signing, so the stored file is the one of the
    signing moment.  The signature is committed already: if the PDF cannot be built now,
    the first download issues it (the document is dated by the signature either way)."""
    try:
        await delivery.ensure_handover_manifest(services, user.actor, handover_id)
    except Exception:
        log.exception("manifest of handover %s not issued at signing; the first download "
                      "will issue it", handover_id)


class MovementDocuments(Controller):
    guards = [STAFF]

    @get("/movements/{movement_id:int}/charter-manifest.pdf")
    async def charter(self, request: Request[Any, Any, Any], services: ServicesDep,
                      movement_id: PathId) -> Response[bytes]:
        user = _user(request)
        return pdf_response(await delivery.charter_manifest(services, user.actor,
                                                            movement_id))

    @get("/movements/{movement_id:int}/briefing.pdf")
    async def briefing(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId) -> Response[bytes]:
        user = _user(request)
        return pdf_response(await delivery.escort_briefing(services, user.actor,
                                                           movement_id))

    @get("/reports/daily.pdf", guards=[COORDINATION])
    async def daily(self, request: Request[Any, Any, Any], services: ServicesDep,
                    date: FromQuery[str | None] = None,
                    airport: FromQuery[str | None] = None) -> Response[bytes]:
        user = _user(request)
        return pdf_response(await delivery.daily_report(
            services, user.actor, airport, services.settings.airport, _day(date)))


def _day(value: str | None) -> date | None:
    if not value:
        return None  # today at the airport
    try:
        return parse_day(value)
    except NoSuchDay as bad:
        raise ValidationException(f"date={bad}") from None
    except ValueError:
        raise ValidationException(f"date={quoted(repr(value))}: expected YYYY-MM-DD") from None


@dataclass(frozen=True)
class ManifestOut:
    """The issued handover manifest: its identity, for a system that files it."""

    handover_id: int
    document_id: str
    kind: str
    version: int
    sha256: str
    issued_at: datetime
    issued_by: str
    download_url: str
    verify_url: str
    superseded_by_document_id: str | None
    superseded_by_version: int | None


class DocumentApi(Controller):
    path = "/api/v1"
    tags = ["documents"]
    guards = [PERSONAL]

    @get("/handovers/{handover_id:int}/manifest",
         summary="The signed handover's manifest: document id, version, hash, download URL",
         description="Issues the manifest on first use (the stored file never changes "
                     "afterwards). 422 if the handover is not signed yet; 404 if it does "
                     "not exist or is not addressed to the caller's organisation.")
    async def handover_manifest(self, request: Request[Any, Any, Any],
                                services: ServicesDep, handover_id: PathId
                                ) -> ManifestOut:
        user = _user(request)
        view = await services.uow.read(hq.handover_view, user.actor, handover_id)
        stored = await delivery.ensure_handover_manifest(services, user.actor, handover_id)
        base = services.settings.public_url.rstrip("/")
        newer = view.superseded_by
        return ManifestOut(
            handover_id=handover_id, document_id=stored.document_id, kind=stored.kind,
            version=stored.version, sha256=stored.sha256, issued_at=stored.issued_at,
            issued_by=i18n.gettext(stored.issued_by),
            download_url=f"{base}/handovers/{handover_id}/manifest.pdf",
            verify_url=dq.verify_url(base, stored.document_id),
            superseded_by_document_id=newer.document_id if newer else None,
            superseded_by_version=newer.version if newer else None)


ROUTES = [HandoverPages, HandoverDesk, MovementDocuments, DocumentApi, Verify, Reception]
