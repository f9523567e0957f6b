"""Handover pages and document downloads: parse -> deliver -> respond.

Who may see a handover: staff of its airport, and a reception user only if the handover
is addressed to the user's own organisation (any other id is "does not exist": 404, so
an id tells nothing about another organisation's handovers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery
from litestar.response import Response
from sqlalchemy.orm import Session

from movements import delivery
from movements.domain import document_queries as dq
from movements.domain.clock import local_date
from movements.domain.errors import NotFound
from movements.domain.models import Movement, Role
from movements.domain.ssr import SSR_CODES
from movements.services import Services
from movements.web.auth import ANY_SIGNED_IN, COORDINATION, STAFF, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.reception import Reception
from movements.web.verify import Verify

HTML = "text/html; charset=utf-8"


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


class HandoverPages(Controller):
    guards = [ANY_SIGNED_IN]

    @get("/handovers/{handover_id:int}")
    async def handover(self, request: Request[Any, Any, Any], services: ServicesDep,
                       handover_id: FromPath[int]) -> Response[str]:
        user = _user(request)
        view = await scoped_handover(services, user, handover_id)
        env = request.app.state.fragments.env
        body = env.get_template("documents/handover.html").render(
            **page_context(request, services), h=view,
            is_staff=user.role is not Role.RECEPTION,
            needs=[(code, SSR_CODES[code].receiver_action, n) for code, n in view.needs])
        return Response(body, media_type=HTML, headers={"Cache-Control": "no-store"})

    @get("/handovers/{handover_id:int}/manifest.pdf")
    async def manifest(self, request: Request[Any, Any, Any], services: ServicesDep,
                       handover_id: FromPath[int]) -> Response[bytes]:
        user = _user(request)
        await scoped_handover(services, user, handover_id)
        doc = await delivery.handover_manifest(services, user.actor, handover_id)
        return pdf_response(doc)


class MovementDocuments(Controller):
    guards = [STAFF]

    @get("/movements/{movement_id:int}/charter-manifest.pdf")
    async def charter(self, request: Request[Any, Any, Any], services: ServicesDep,
                      movement_id: FromPath[int]) -> Response[bytes]:
        user = _user(request)
        await _scoped_movement(services, user, movement_id)
        return pdf_response(await delivery.charter_manifest(services, user.actor,
                                                            movement_id))

    @get("/movements/{movement_id:int}/briefing.pdf")
    async def briefing(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: FromPath[int]) -> Response[bytes]:
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
    guards = [ANY_SIGNED_IN]

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


ROUTES = [HandoverPages, MovementDocuments, DocumentApi, Verify, Reception]
