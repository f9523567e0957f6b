"""Read-only JSON API under /api/v1 (described at /schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import FromQuery

from movements.domain import queries, views
from movements.web.auth import STAFF, current_user
from movements.web.deps import PathId, ServicesDep


@dataclass(frozen=True)
class MovementOut:
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
        return cls(
            id=s.id, airport=s.airport, kind=s.kind, lane=s.lane, is_charter=s.is_charter,
            flight=s.flight, operational_date=s.operational_date, origin=s.origin,
            destination=s.destination, scheduled_at=s.scheduled_at,
            estimated_at=s.estimated_at, actual_at=s.actual_at, terminal=s.terminal,
            pier=s.pier, gate=s.gate, flight_state=s.flight_state, stops=list(s.stops),
            passenger_count=s.passenger_count, no_show_count=s.no_show_count,
            badges=dict(s.badges), open_alerts=s.open_alerts, version=s.version,
            inbound_id=s.inbound_id, onward_id=s.onward_id,
        )


@dataclass(frozen=True)
class PassengerOut:
    """Initials and needs only: full names and health notes are not served in bulk."""

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


@dataclass(frozen=True)
class MovementDetailOut:
    movement: MovementOut
    passengers: list[PassengerOut]
    connection_minutes: int | None


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None  # today at the airport
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationException(f"date={value!r}: expected YYYY-MM-DD") from None


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
            raise ValidationException(f"airport={airport!r}: expected an IATA code like AMS")
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
        return MovementDetailOut(
            movement=MovementOut.of(detail.movement),
            passengers=[PassengerOut(
                id=p.id, booking_id=p.booking_id, case_reference=p.case_reference,
                initials=p.initials, needs=[n.code for n in p.needs], status=p.status,
                milestones=[m.kind for m in p.milestones], next_step=p.next_step,
                seat=p.seat, stop=p.stop) for p in detail.passengers],
            connection_minutes=detail.connection_minutes,
        )
