"""Read-only JSON API under /api/v1 (described at /schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import FromQuery

from movements.domain import queries, views
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.phrases import quoted
from movements.web.auth import STAFF, current_user
from movements.web.deps import PathId, ServicesDep


class MovementOut(msgspec.Struct, frozen=True):
    """One movement as the API serves it: the board's read model
    (``queries.MovementSummary``) cut to these fields by msgspec (``of``), not copied
    by hand."""

    id: int
    airport: str
    kind: str
    lane: str
    is_charter: bool
    flight: str
    operational_date: date
    origin: str
    destination: str
    scheduled_at: datetime
    estimated_at: datetime | None
    actual_at: datetime | None
    terminal: str | None
    pier: str | None
    gate: str | None
    flight_state: str
    stops: list[str]
    passenger_count: int
    no_show_count: int
    badges: dict[str, int]
    open_alerts: int
    version: int
    inbound_id: int | None
    onward_id: int | None

    @classmethod
    def of(cls, s: queries.MovementSummary) -> MovementOut:
        return msgspec.convert(s, cls, from_attributes=True)


class PassengerOut(msgspec.Struct, frozen=True):
    """Initials and needs only: full names and health notes are not served in bulk (a
    projection of ``queries.PassengerView``: need codes, milestone kinds)."""

    id: int
    booking_id: int
    case_reference: str
    initials: str
    needs: list[str]
    status: str
    milestones: list[str]
    next_step: str | None
    seat: str | None
    stop: str | None

    @classmethod
    def of(cls, p: queries.PassengerView) -> PassengerOut:
        return cls(id=p.id, booking_id=p.booking_id, case_reference=p.case_reference,
                   initials=p.initials, needs=[n.code for n in p.needs], status=p.status,
                   milestones=[m.kind for m in p.milestones], next_step=p.next_step,
                   seat=p.seat, stop=p.stop)


class MovementDetailOut(msgspec.Struct, frozen=True):
    movement: MovementOut
    passengers: list[PassengerOut]
    connection_minutes: int | None


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None  # today at the airport
    try:
        return parse_day(value)
    except NoSuchDay as bad:
        raise ValidationException(f"date={bad}") from None
    except ValueError:
        raise ValidationException(f"date={quoted(repr(value))}: expected YYYY-MM-DD") from None


class ApiV1(Controller):
    path = "/api/v1"
    tags = ["movements"]
    guards = [STAFF]

    @get("/movements", summary="Movements of one airport's day")
    async def list_movements(self, request: Request[Any, Any, Any], services: ServicesDep,
                             date: FromQuery[str | None] = None,
                             airport: FromQuery[str | None] = None) -> list[MovementOut]:
        day = _parse_date(date)
        if airport is not None and not (len(airport) == 3 and airport.isascii()
                                        and airport.isalpha()):
            # Checked here: a NUL or other junk reached PostgreSQL as a 500 (fuzz).
            raise ValidationException(f"airport={quoted(repr(airport))}: "
                                      f"expected an IATA code like AMS")
        user = current_user(request)
        assert user is not None  # guarded
        page = await services.uow.read(views.board_page, user.actor, airport,
                                       services.settings.airport, day, services.clock.now())
        return [MovementOut.of(r) for r in page.rows]

    @get("/movements/{movement_id:int}", summary="One movement with its passengers")
    async def get_movement(self, request: Request[Any, Any, Any], services: ServicesDep,
                           movement_id: PathId) -> MovementDetailOut:
        user = current_user(request)
        assert user is not None  # guarded
        detail = await services.uow.read(views.movement_detail, user.actor, movement_id)
        return MovementDetailOut(movement=MovementOut.of(detail.movement),
                                 passengers=[PassengerOut.of(p) for p in detail.passengers],
                                 connection_minutes=detail.connection_minutes)
