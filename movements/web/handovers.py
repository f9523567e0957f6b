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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.response import Redirect, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements import delivery
from movements.domain import document_queries as dq
from movements.domain.actions import handovers as handover_actions
from movements.domain.clock import local_date
from movements.domain.errors import ConflictError, DomainError, NotFound, RuleViolation
from movements.domain.models import (
    BookingStatus,
    Handover,
    HandoverStatus,
    Movement,
    MovementKind,
    Organisation,
    OrganisationKind,
    Passenger,
    Role,
)
from movements.domain.ssr import SSR_CODES
from movements.domain.uow import Tx
from movements.services import Services
from movements.web.auth import COORDINATION, PERSONAL, STAFF, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.once import checked_key, request_hash, run_once
from movements.web.reception import Reception
from movements.web.verify import Verify

HTML = "text/html; charset=utf-8"
log = logging.getLogger("movements.handovers")


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # guarded routes only
    return user


def may_see_handover(user: AuthUser, view: dq.HandoverView) -> bool:
    if user.role is Role.RECEPTION:
        return user.organisation_id is not None and \
            view.receiving_organisation_id == user.organisation_id
    return user.role is Role.ADMIN or view.airport in user.airport_codes


async def scoped_handover(services: Services, user: AuthUser, handover_id: int
                          ) -> dq.HandoverView:
    view = await services.uow.read(dq.handover_view, handover_id)
    if not may_see_handover(user, view):
        raise NotFound(f"handover {handover_id} does not exist")
    return view


def _movement_airport(session: Session, movement_id: int) -> str:
    m = session.get(Movement, movement_id)
    if m is None:
        raise NotFound(f"movement {movement_id} does not exist")
    return m.airport.iata


async def _scoped_movement(services: Services, user: AuthUser, movement_id: int) -> None:
    airport = await services.uow.read(_movement_airport, movement_id)
    if user.role is not Role.ADMIN and airport not in user.airport_codes:
        raise NotFound(f"movement {movement_id} does not exist")


def pdf_response(doc: delivery.Rendered) -> Response[bytes]:
    return Response(doc.content, media_type="application/pdf",
                    headers=delivery.pdf_headers(doc))


def page_context(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    user = current_user(request)
    return {"user": user, "csrf_token": user.csrf_token if user else "",
            "airport_name": services.settings.airport}


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------- read models
#: Where the team hands passengers to a receiving party (an onward transit leg's
#: passengers are handed over on its inbound leg).
HANDOVER_KINDS = frozenset({MovementKind.ARRIVAL, MovementKind.TRANSIT_IN,
                            MovementKind.DEPARTURE})
ID_DOCUMENTS = ("passport", "national ID card", "residence permit", "travel document",
                "driving licence")


@dataclass(frozen=True, slots=True)
class PassengerChoice:
    """A passenger as a handover form shows one: initials, case and needs, no name."""

    passenger_id: int
    initials: str
    case_reference: str
    codes: tuple[str, ...]
    unaccompanied_minor: bool
    in_draft: int | None = None  # an unsigned handover that already names this passenger


@dataclass(frozen=True, slots=True)
class HandoverLine:
    id: int
    version: int
    status: str
    receiving_organisation: str
    receiving_person: str
    handed_at: datetime
    signed_at: datetime | None
    passenger_count: int
    superseded_by: int | None
    supersedes_version: int | None

    @property
    def signed(self) -> bool:
        return self.status == HandoverStatus.SIGNED.value


@dataclass(frozen=True, slots=True)
class HandoverSection:
    """What the movement page's Handovers section shows."""

    movement_id: int
    flight: str
    operational_date: date
    kind: str
    airport: str
    timezone: str
    takes_handovers: bool
    handovers: tuple[HandoverLine, ...]
    choices: tuple[PassengerChoice, ...]
    organisations: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class StaffHandover:
    """What only staff see on the handover page: the row version the forms carry, who is
    in it (initials), and what a correction may add."""

    id: int
    row_version: int
    signed: bool
    newest: bool
    receiving_person: str
    id_checked: bool
    replaces_version: int | None
    replaces_id: int | None
    correction_reason: str | None
    passengers: tuple[PassengerChoice, ...]
    others: tuple[PassengerChoice, ...]


def _choice(p: Passenger, in_draft: int | None = None) -> PassengerChoice:
    return PassengerChoice(p.id, p.initials, p.case.reference,
                           tuple(c for c in p.codes if c in SSR_CODES),
                           p.is_unaccompanied_minor, in_draft)


def _handed_over(handovers: Iterable[Handover]) -> set[int]:
    """Passengers in a signed handover that no signed correction replaces."""
    rows = list(handovers)
    replaced = {h.supersedes_id for h in rows
                if h.status is HandoverStatus.SIGNED and h.supersedes_id is not None}
    return {p.id for h in rows if h.status is HandoverStatus.SIGNED and h.id not in replaced
            for p in h.passengers}


def _open_choices(m: Movement, handovers: list[Handover], skip: set[int]
                  ) -> list[PassengerChoice]:
    done = _handed_over(handovers) | skip
    drafts: dict[int, int] = {}
    for h in handovers:
        if h.status is HandoverStatus.DRAFT:
            for p in h.passengers:
                drafts.setdefault(p.id, h.id)
    out = [_choice(b.passenger, drafts.get(b.passenger_id)) for b in m.bookings
           if b.status is BookingStatus.BOOKED and b.passenger.purged_at is None
           and b.passenger_id not in done]
    return sorted(out, key=lambda c: (c.case_reference, c.passenger_id))


def _movement_handovers(session: Session, movement_id: int) -> list[Handover]:
    return list(session.scalars(select(Handover).where(Handover.movement_id == movement_id)
                                .order_by(Handover.id)))


def handover_section(session: Session, movement_id: int) -> HandoverSection:
    m = session.get(Movement, movement_id)
    if m is None:
        raise NotFound(f"movement {movement_id} does not exist")
    handovers = _movement_handovers(session, movement_id)
    newer = {h.supersedes_id: h.id for h in handovers if h.supersedes_id is not None}
    versions = {h.id: h.handover_version for h in handovers}
    lines = tuple(HandoverLine(
        id=h.id, version=h.handover_version, status=h.status.value,
        receiving_organisation=h.receiving_organisation.name,
        receiving_person=h.receiving_person, handed_at=h.handed_at, signed_at=h.signed_at,
        passenger_count=len(h.passengers), superseded_by=newer.get(h.id),
        supersedes_version=versions.get(h.supersedes_id) if h.supersedes_id else None)
        for h in handovers)
    organisations = tuple((o.id, o.name) for o in session.scalars(
        select(Organisation).where(Organisation.kind != OrganisationKind.AGENCY_TEAM)
        .order_by(Organisation.name)))
    return HandoverSection(
        movement_id=m.id, flight=m.flight, operational_date=m.operational_date,
        kind=m.kind.value, airport=m.airport.iata, timezone=m.airport.timezone,
        takes_handovers=m.kind in HANDOVER_KINDS, handovers=lines,
        choices=tuple(_open_choices(m, handovers, set())), organisations=organisations)


def staff_handover(session: Session, handover_id: int) -> StaffHandover:
    h = dq.handover_for(session, handover_id)
    newer = session.scalar(select(Handover.id).where(Handover.supersedes_id == h.id))
    old = h.supersedes
    reason = None
    first_line = (h.notes or "").strip().splitlines()[:1]
    if old is not None and first_line and first_line[0].startswith("Correction of version"):
        reason = first_line[0].split(":", 1)[-1].strip() or None
    mine = {p.id for p in h.passengers}
    others = _open_choices(h.movement, _movement_handovers(session, h.movement_id), mine)
    return StaffHandover(
        id=h.id, row_version=h.version, signed=h.status is HandoverStatus.SIGNED,
        newest=newer is None, receiving_person=h.receiving_person,
        id_checked=bool(h.receiver_id_checked),
        replaces_version=old.handover_version if old is not None else None,
        replaces_id=old.id if old is not None else None, correction_reason=reason,
        passengers=tuple(_choice(p) for p in sorted(
            h.passengers, key=lambda p: (p.case.reference, p.id))),
        others=tuple(c for c in others if c.in_draft != h.id))


# --------------------------------------------------------------------------- forms
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
    idem: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def parse(cls, form: FormMultiDict) -> HandoverForm:
        def text(name: str) -> str:
            return str(form.get(name) or "")

        return cls(
            passengers=[_int(v, "passenger") for v in form.getall("passenger")]
            if "passenger" in form else [],
            organisation_id=_opt_int(form.get("organisation_id"), "organisation_id"),
            receiving_person=text("receiving_person"), id_type=text("id_type").strip(),
            id_number=text("id_number").strip(), notes=text("notes"), reason=text("reason"),
            handing_signature=text("handing_signature"),
            receiving_signature=text("receiving_signature"),
            receiver_signed=bool(form.get("receiver_signed")))

    def id_checked(self) -> str | None:
        """The receiver's ID check as one line: document type and number, or nothing."""
        if not self.id_type and not self.id_number:
            return None
        if not self.id_type or not self.id_number:
            raise RuleViolation("the receiver's ID check needs both the document type and "
                                "its number", field="receiver_id_checked")
        return f"{self.id_type} {self.id_number}"


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationException(f"{name}={value!r}: expected a number") from None


def _opt_int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _int(value, name)


async def _once(request: Request[Any, Any, Any], services: Services, user: AuthUser,
                form: FormMultiDict, act: Callable[[Tx], str]) -> str:
    """Run ``act`` (which returns where to go next) once per idempotency key: a tablet's
    retry of the same submission goes where the first one went instead of writing twice.
    The key is the form's own (``_idem``, fresh with each rendered form) or htmx's."""
    key = checked_key(str(form.get("_idem") or request.headers.get("idempotency-key") or ""))
    url, _, _ = await run_once(services, user, key, request_hash(request, form.multi_items()),
                               act, 303)
    return url


def _go(request: Request[Any, Any, Any], url: str) -> Response[Any]:
    """After a write: htmx navigates on HX-Redirect; a plain form follows the 303."""
    if request.headers.get("hx-request"):
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
    view = await scoped_handover(services, user, handover_id)
    env = request.app.state.fragments.env
    context = {**page_context(request, services), "h": view,
               "is_staff": user.role is not Role.RECEPTION,
               "needs": [(code, SSR_CODES[code].receiver_action, n) for code, n in view.needs]}
    if user.role is Role.RECEPTION:
        return _html(env.get_template("documents/handover.html").render(**context), status)
    staff = await services.uow.read(staff_handover, handover_id)
    body = env.get_template("documents/handover_staff.html").render(
        **context, s=staff, form=form or HandoverForm(receiving_person=staff.receiving_person),
        posted=form is not None, message=message, message_kind=message_kind,
        signer=user.display_name, id_documents=ID_DOCUMENTS)
    return _html(body, status)


async def _section(request: Request[Any, Any, Any], services: Services, movement_id: int,
                   *, message: str | None = None, message_kind: str = "info",
                   form: HandoverForm | None = None, status: int = 200) -> Response[str]:
    user = _user(request)
    view = await services.uow.read(handover_section, movement_id)
    if user.role is not Role.ADMIN and view.airport not in user.airport_codes:
        raise NotFound(f"movement {movement_id} does not exist")
    env = request.app.state.fragments.env
    context = {**page_context(request, services), "section": view,
               "form": form or HandoverForm(), "message": message,
               "message_kind": message_kind, "id_documents": ID_DOCUMENTS,
               "open_form": form is not None}
    template = "partials/handovers_section.html" if request.headers.get("hx-request") \
        else "documents/handovers_page.html"
    return _html(env.get_template(template).render(**context), status)


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
        await scoped_handover(services, user, handover_id)
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
                     movement_id: PathId) -> Response[Any]:
        user = _user(request)
        await _scoped_movement(services, user, movement_id)
        raw = await request.form()
        form = HandoverForm.parse(raw)

        def act(tx: Tx) -> str:
            if form.organisation_id is None:
                raise RuleViolation("choose the receiving organisation",
                                    field="organisation_id")
            hid = handover_actions.create_handover(
                tx, movement_id, form.organisation_id, form.receiving_person,
                form.passengers, receiver_id_checked=form.id_checked(),
                notes=form.notes)
            return f"/handovers/{hid}"

        try:
            url = await _once(request, services, user, raw, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _section(request, services, movement_id, message=exc.message,
                                  message_kind=_message_kind(exc), form=form,
                                  status=exc.status)
        return _go(request, url)

    @post("/handovers/{handover_id:int}/sign", status_code=303,
          summary="Sign a draft handover (both sides); its manifest is issued at once")
    async def sign(self, request: Request[Any, Any, Any], services: ServicesDep,
                   handover_id: PathId) -> Response[Any]:
        user = _user(request)
        await scoped_handover(services, user, handover_id)
        raw = await request.form()
        form = HandoverForm.parse(raw)
        expected = _opt_int(raw.get("expected_version"), "expected_version")

        def act(tx: Tx) -> str:
            if not form.receiver_signed:
                raise RuleViolation("confirm that the receiving person signed (on paper or "
                                    "on this tablet) before signing", field="receiver_signed")
            handover_actions.sign_handover(tx, handover_id, form.handing_signature,
                                           form.receiving_signature, expected)
            return f"/handovers/{handover_id}"

        try:
            url = await _once(request, services, user, raw, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _handover_page(request, services, handover_id, message=exc.message,
                                        message_kind=_message_kind(exc), form=form,
                                        status=exc.status)
        await _issue_manifest(services, user, handover_id)
        return _go(request, url)

    @post("/handovers/{handover_id:int}/correct", status_code=303,
          summary="Correct a signed handover: a new draft version naming the one it replaces")
    async def correct(self, request: Request[Any, Any, Any], services: ServicesDep,
                      handover_id: PathId) -> Response[Any]:
        user = _user(request)
        await scoped_handover(services, user, handover_id)
        raw = await request.form()
        form = HandoverForm.parse(raw)
        expected = _opt_int(raw.get("expected_version"), "expected_version")

        def act(tx: Tx) -> str:
            current = dq.handover_for(tx.session, handover_id)
            if expected is not None and current.version != expected:
                raise ConflictError(
                    f"handover was changed by someone else (you had version {expected}, it "
                    f"is now {current.version}); the current state is shown")
            new_id = handover_actions.correct_handover(
                tx, handover_id, receiving_person=form.receiving_person,
                passenger_ids=form.passengers, receiver_id_checked=form.id_checked(),
                notes=form.notes.strip() or None, reason=form.reason)
            return f"/handovers/{new_id}"

        try:
            url = await _once(request, services, user, raw, act)
        except DomainError as exc:
            if exc.status not in (409, 422):
                raise
            return await _handover_page(request, services, handover_id, message=exc.message,
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
        await _scoped_movement(services, user, movement_id)
        return pdf_response(await delivery.charter_manifest(services, user.actor,
                                                            movement_id))

    @get("/movements/{movement_id:int}/briefing.pdf")
    async def briefing(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId) -> Response[bytes]:
        user = _user(request)
        await _scoped_movement(services, user, movement_id)
        return pdf_response(await delivery.escort_briefing(services, user.actor,
                                                           movement_id))

    @get("/reports/daily.pdf", guards=[COORDINATION])
    async def daily(self, request: Request[Any, Any, Any], services: ServicesDep,
                    date: FromQuery[str | None] = None,
                    airport: FromQuery[str | None] = None) -> Response[bytes]:
        user = _user(request)
        code = (airport or services.settings.airport).strip().upper()
        if user.role is not Role.ADMIN and code not in user.airport_codes:
            raise NotFound(f"airport {code} is not one of yours")
        day = _day(date, services)
        return pdf_response(await delivery.daily_report(services, user.actor, code, day))


def _day(value: str | None, services: Services) -> date:
    if not value:
        return local_date(services.clock.now(), "Europe/Amsterdam")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationException(f"date={value!r}: expected YYYY-MM-DD") from None


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
        view = await scoped_handover(services, user, handover_id)
        stored = await delivery.ensure_handover_manifest(services, user.actor, handover_id)
        base = services.settings.public_url.rstrip("/")
        newer = view.superseded_by
        return ManifestOut(
            handover_id=handover_id, document_id=stored.document_id, kind=stored.kind,
            version=stored.version, sha256=stored.sha256, issued_at=stored.issued_at,
            issued_by=stored.issued_by,
            download_url=f"{base}/handovers/{handover_id}/manifest.pdf",
            verify_url=dq.verify_url(base, stored.document_id),
            superseded_by_document_id=newer.document_id if newer else None,
            superseded_by_version=newer.version if newer else None)


ROUTES = [HandoverPages, HandoverDesk, MovementDocuments, DocumentApi, Verify, Reception]
