"""The planning operations as JSON (issue 14.6), under /api/v1/plan, described in the
OpenAPI schema at /schema.

Every write takes an optional ``Idempotency-Key`` header: a retry with the same key and
body replays the stored reply (``Idempotent-Replay: true``); the same key with another
body is refused (422).  Refusals answer ``{"error", "field", "status"}`` like the rest of
the API.  Times are ISO 8601 with a zone (UTC recommended); dates are YYYY-MM-DD.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromQuery, HeaderParameter, JSONBody

from movements.domain import planning_views as pv
from movements.domain.actions import charters as ch
from movements.domain.actions import planning as pl
from movements.domain.actions.prenotification import record_notice_sent
from movements.domain.actions.readiness import ClearanceIn, confirm_case, record_clearance
from movements.domain.errors import DomainError, FieldProblems
from movements.domain.uow import Tx
from movements.services import Services
from movements.web.auth import COORDINATION, AuthUser, current_user
from movements.web.deps import BodyCount, BodyId, PathId, ServicesDep
from movements.web.once import checked_key, request_hash, run_once

IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False,
    description="Any unique string (<= 80 chars); a retry with the same key replays the "
                "first reply instead of acting twice")]


# ----------------------------------------------------------------------------- bodies

@dataclass
class MovementIn:
    """A departure or an arrival on a scheduled flight at ``airport``."""

    airport: str
    kind: str  # departure | arrival
    flight: str  # e.g. KL1571
    operational_date: date
    scheduled_at: datetime
    origin: str
    destination: str
    terminal: str | None = None
    gate: str | None = None
    aircraft_type: str | None = None
    aircraft_registration: str | None = None


@dataclass
class TransitIn:
    inbound: MovementIn
    onward: MovementIn


@dataclass
class StopBody:
    code: str
    scheduled_at: datetime


@dataclass
class CharterIn:
    movement: MovementIn
    operator: str
    seat_capacity: BodyCount
    stops: list[StopBody]


@dataclass
class MovementEditIn:
    """Only the fields given change; ``expected_version`` guards against a lost update.
    Changing a gate, terminal or scheduled time that holds a value needs ``reason``."""

    flight: str | None = None
    operational_date: date | None = None
    scheduled_at: datetime | None = None
    origin: str | None = None
    destination: str | None = None
    terminal: str | None = None
    gate: str | None = None
    expected_version: BodyCount | None = None
    reason: str | None = None


@dataclass
class ReasonIn:
    reason: str


@dataclass
class CaseIn:
    airport: str
    reference: str
    programme: str = "voluntary_return"


@dataclass
class NeedIn:
    code: str
    text: str | None = None


@dataclass
class DocumentBody:
    doc_type: str
    number: str
    expires_on: date
    issuing_country: str


@dataclass
class PassengerIn:
    surname: str
    given_names: str
    native_name: str | None = None
    birth_date: date | None = None
    sex: str = "X"
    nationality: str | None = None
    language: str | None = None
    needs: list[NeedIn] = field(default_factory=list)
    document: DocumentBody | None = None
    medical_escort_required: bool = False
    operational_escort_required: bool = False
    victim_of_trafficking: bool = False
    chronic_condition: str | None = None
    release_to_name: str | None = None
    release_to_relation: str | None = None


@dataclass
class BookIn:
    movement_id: BodyId
    stop: str | None = None


@dataclass
class MoveIn:
    from_movement_id: BodyId
    to_movement_id: BodyId
    passenger_ids: list[BodyId] | None = None
    stop: str | None = None
    split_reason: str | None = None


@dataclass
class StopAddIn:
    """A stop to add after ``after`` (the origin or a stop; default: the end of the
    route); ``scheduled_at`` is the arrival there."""

    code: str
    scheduled_at: datetime
    after: str | None = None
    expected_version: BodyCount | None = None


@dataclass
class StopRemoveIn:
    """``code``: the stop to remove; ``move_to``: the stop where passengers booked to it
    leave instead (without it the removal is refused while anyone is booked there)."""

    code: str
    move_to: str | None = None
    expected_version: BodyCount | None = None


@dataclass
class StopAddedOut:
    position: int


@dataclass
class StopRemovedOut:
    bookings_moved: list[int]


@dataclass
class CrewIn:
    name: str
    role: str
    board_at: str | None = None
    leave_at: str | None = None
    phone: str | None = None


@dataclass
class PickupIn:
    location: str
    pickup_at: datetime
    vehicle: str
    headcount: BodyCount


@dataclass
class ClearanceBody:
    medif_valid_until: date | None = None
    medif_flights: list[str] | None = None
    declaration: bool | None = None
    consent: bool | None = None
    guardian_origin_confirmed: bool | None = None
    guardian_destination_confirmed: bool | None = None


@dataclass
class ConfirmIn:
    movement_id: BodyId
    override_reason: str | None = None


@dataclass
class NoticeSentIn:
    fingerprint: str


# ----------------------------------------------------------------------------- replies

@dataclass
class Created:
    id: int


@dataclass
class TransitOut:
    inbound_id: int
    onward_id: int
    connection_minutes: int
    min_connection_minutes: int
    short: bool


@dataclass
class BookedOut:
    booking_ids: list[int]


@dataclass
class MovedOut:
    moved: list[int]
    stayed: list[int]
    split: bool


@dataclass
class Done:
    ok: bool = True


@dataclass
class LegOut:
    frm: str
    to: str
    passengers: int
    crew: int
    on_board: int
    capacity: int
    free: int


@dataclass
class StopOut:
    """A stop's arrival: ``scheduled_at`` UTC, ``local`` the same instant at the stop
    (ISO 8601 with its offset), ``timezone`` the stop airport's IANA zone."""

    code: str
    scheduled_at: datetime | None
    local: str | None
    timezone: str


@dataclass
class CharterOut:
    movement_id: int
    flight: str
    operator: str
    seat_capacity: int
    legs: list[LegOut]
    stops: list[StopOut] = field(default_factory=list)


@dataclass
class CaseReadinessOut:
    case_id: int
    reference: str
    ready: bool
    missing: list[str]
    summary: str


@dataclass
class NoticeOut:
    movement_id: int
    flight: str
    telex: str
    email_subject: str
    email_body: str
    fingerprint: str
    corrected: bool
    last_sent_at: datetime | None
    last_sent_by: str | None
    deadline: datetime


# ----------------------------------------------------------------------------- helpers

def _movement(body: MovementIn, kind: pl.MovementKind | None = None) -> pl.NewMovement:
    return pl.new_movement(
        body.airport, kind or pl.movement_kind(body.kind), body.flight,
        body.operational_date, body.scheduled_at, origin=body.origin,
        destination=body.destination, terminal=body.terminal, gate=body.gate,
        aircraft_type=body.aircraft_type, aircraft_registration=body.aircraft_registration)


def _passenger(body: PassengerIn) -> tuple[pl.NewPassenger, pl.DocumentIn | None]:
    new = pl.NewPassenger(
        surname=body.surname, given_names=body.given_names, native_name=body.native_name,
        birth_date=body.birth_date, sex=body.sex, nationality=body.nationality,
        language=body.language, needs=tuple((n.code, n.text) for n in body.needs),
        medical_escort_required=body.medical_escort_required,
        operational_escort_required=body.operational_escort_required,
        victim_of_trafficking=body.victim_of_trafficking,
        chronic_condition=pl.chronic_condition(body.chronic_condition),
        release_to_name=body.release_to_name, release_to_relation=body.release_to_relation)
    doc = body.document
    return new, (pl.DocumentIn(doc.doc_type, doc.number, doc.expires_on, doc.issuing_country)
                 if doc else None)


def _reply(cls: type) -> ResponseSpec:
    """Documents the JSON a write answers (the handler returns it pre-serialised, as
    stored for idempotent replays)."""
    return ResponseSpec(data_container=cls, description=cls.__name__)


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None
    return user


#: The domain's names for fields that the JSON bodies call otherwise.
_JSON_NAMES = {"doc_type": "doc_type", "doc_number": "number", "doc_country": "issuing_country",
               "doc_expiry": "expires_on", "bookings": "move_to", "passenger_ids": "members",
               "flight_number": "flight", "carrier": "flight"}


def json_field(body: Any, field: str | None) -> str | None:
    """The JSON path in ``body`` (a request dataclass) of the domain's ``field``
    ("doc_number" -> "document.number", "destination" -> "movement.destination" in a
    charter), or ``field`` unchanged when the body has no such field."""
    if field is None or body is None or not is_dataclass(body):
        return field
    wanted = (field, _JSON_NAMES.get(field, field))
    names = [f.name for f in fields(body)]
    for name in wanted:
        if name in names:
            return name
    for name in names:
        inner = getattr(body, name)
        if is_dataclass(inner) and not isinstance(inner, type):
            found = json_field(inner, field)
            if found is not None and found in {f.name for f in fields(inner)}:
                return f"{name}.{found}"
    return field


async def _once(request: Request[Any, Any, Any], services: Services, key: str | None,
                body: Any, act: Callable[[Tx], Any], status: int = 201) -> Response[str]:
    """Run ``act`` once per key; its result (a dataclass) is the JSON reply.  A refusal
    names the field by its path in the JSON ``body`` (the request's dataclass, or None)."""
    user = _user(request)
    raw = (await request.body()).decode("utf-8", "replace")
    digest = request_hash(request, [("body", raw)])

    def run(tx: Tx) -> str:
        return json.dumps(asdict(act(tx)), default=str)

    try:
        reply, code, replayed = await run_once(services, user, checked_key(key), digest, run,
                                               status)
    except DomainError as exc:
        exc.field = json_field(body, exc.field)
        for problem in exc.problems if isinstance(exc, FieldProblems) else ():
            problem.field = json_field(body, problem.field)
        raise
    headers = {"Idempotent-Replay": "true"} if replayed else {}
    return Response(reply, status_code=code, media_type="application/json", headers=headers)


# ----------------------------------------------------------------------------- writes
#: ``act(tx, data, row_id)``: the domain action for one write (``row_id`` is the path's
#: id, None on a path without one), returning the reply dataclass.
Act = Callable[[Tx, Any, Any], Any]
json_body: Any = Annotated  # Annotated[w.body, ...] with a body type known at run time
JSON_BODY = Body(media_type=RequestEncodingType.JSON)
_PATH_ID = re.compile(r"\{(\w+):int\}")


@dataclass(frozen=True)
class Write:
    """One planning write: POST ``path`` with a JSON ``body``, answered by ``reply``."""

    name: str  # the handler's name (the OpenAPI operation)
    path: str
    summary: str
    body: type
    reply: type
    act: Act
    status: int = 201


def _handler(w: Write) -> HTTPRouteHandler:
    """The route for one write: the same shape for each (typed JSON body, the path's id
    checked as ``PathId``, an optional ``Idempotency-Key``, the action run once per key)."""
    ids = _PATH_ID.findall(w.path)

    async def handler(request: Request[Any, Any, Any], services: Services, data: Any,
                      idempotency_key: str | None = None, **path: int) -> Response[str]:
        row_id = path[ids[0]] if ids else None
        return await _once(request, services, idempotency_key, data,
                           lambda tx: w.act(tx, data, row_id), w.status)

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("request", keyword, annotation=Request[Any, Any, Any]),
              inspect.Parameter("services", keyword, annotation=ServicesDep),
              inspect.Parameter("data", keyword, annotation=json_body[w.body, JSON_BODY]),
              *(inspect.Parameter(i, keyword, annotation=PathId) for i in ids),
              inspect.Parameter("idempotency_key", keyword, annotation=IdempotencyKey,
                                default=None)]
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        params, return_annotation=Response[str])
    handler.__annotations__ = {p.name: p.annotation for p in params} | {
        "return": Response[str]}
    handler.__name__ = handler.__qualname__ = w.name
    handler.__doc__ = w.summary
    return post(w.path, summary=w.summary, status_code=w.status,
                responses={w.status: _reply(w.reply)})(handler)


def _done(action: Callable[..., Any]) -> Act:
    """A write that answers ``{"ok": true}``: ``action(tx, row_id, data)``."""
    def act(tx: Tx, data: Any, row_id: Any) -> Done:
        action(tx, row_id, data)
        return Done()
    return act


def _transit(tx: Tx, data: TransitIn, _: None) -> TransitOut:
    t = pl.plan_transit(tx, _movement(data.inbound, pl.MovementKind.TRANSIT_IN),
                        _movement(data.onward, pl.MovementKind.TRANSIT_OUT))
    return TransitOut(t.inbound_id, t.onward_id, t.connection_minutes,
                      t.min_connection_minutes, t.short)


def _edit_movement(tx: Tx, data: MovementEditIn, movement_id: int) -> Done:
    changes = {k: v for k, v in asdict(data).items()
               if k not in ("expected_version", "reason") and v is not None}
    return Done(pl.edit_movement(tx, movement_id, changes, data.expected_version,
                                 reason=data.reason))


def _charter(tx: Tx, data: CharterIn, _: None) -> Created:
    stops = tuple(ch.StopIn(s.code, s.scheduled_at) for s in data.stops)
    return Created(ch.plan_charter(tx, _movement(data.movement, pl.MovementKind.DEPARTURE),
                                   data.operator, data.seat_capacity, stops))


def _clearance(tx: Tx, passenger_id: int, data: ClearanceBody) -> None:
    record_clearance(tx, passenger_id, ClearanceIn(
        data.medif_valid_until,
        tuple(data.medif_flights) if data.medif_flights is not None else None,
        data.declaration, data.consent, data.guardian_origin_confirmed,
        data.guardian_destination_confirmed))


def _move(tx: Tx, data: MoveIn, case_id: int) -> MovedOut:
    plan = pl.move_case(tx, case_id, data.from_movement_id, data.to_movement_id,
                        passenger_ids=tuple(data.passenger_ids) if data.passenger_ids
                        else None, stop=data.stop, split_reason=data.split_reason)
    return MovedOut(list(plan.moving), list(plan.staying), plan.splits)


WRITES = (
    Write("plan_movement", "/movements", "Plan a departure or an arrival", MovementIn,
          Created, lambda tx, d, _: Created(pl.plan_movement(tx, _movement(d)))),
    Write("plan_transit", "/transits",
          "Plan both legs of a transit; answers the connection time", TransitIn,
          TransitOut, _transit),
    Write("edit_movement", "/movements/{movement_id:int}", "Edit a planned movement",
          MovementEditIn, Done, _edit_movement, 200),
    Write("cancel_movement", "/movements/{movement_id:int}/cancel",
          "Cancel a movement (refused while passengers are booked)", ReasonIn, Done,
          _done(lambda tx, i, d: pl.cancel_movement(tx, i, d.reason)), 200),
    Write("plan_charter", "/charters", "Plan a charter with its stops, operator and seats",
          CharterIn, Created, _charter),
    Write("add_stop", "/charters/{movement_id:int}/stops", "Add a stop to a charter's route",
          StopAddIn, StopAddedOut, lambda tx, d, i: StopAddedOut(ch.add_stop(
              tx, i, d.code, d.scheduled_at, after=d.after,
              expected_version=d.expected_version))),
    Write("remove_stop", "/charters/{movement_id:int}/stops/remove",
          "Remove a stop (refused while passengers leave there, unless move_to)",
          StopRemoveIn, StopRemovedOut, lambda tx, d, i: StopRemovedOut(ch.remove_stop(
              tx, i, d.code, move_to=d.move_to, expected_version=d.expected_version)), 200),
    Write("add_crew", "/charters/{movement_id:int}/crew", "Plan an escort or medical staff",
          CrewIn, Created, lambda tx, d, i: Created(ch.add_crew(
              tx, i, d.name, d.role, board_at=d.board_at, leave_at=d.leave_at,
              phone=d.phone))),
    Write("add_pickup", "/movements/{movement_id:int}/pickups",
          "Plan a ground-transport pickup", PickupIn, Created,
          lambda tx, d, i: Created(ch.add_pickup(tx, i, d.location, d.pickup_at, d.vehicle,
                                                 d.headcount))),
    Write("create_case", "/cases", "Create a case", CaseIn, Created,
          lambda tx, d, _: Created(pl.create_case(tx, d.airport, d.reference, d.programme))),
    Write("add_passenger", "/cases/{case_id:int}/passengers", "Add a passenger to a case",
          PassengerIn, Created,
          lambda tx, d, i: Created(pl.create_passenger(tx, i, *_passenger(d)))),
    Write("clearance", "/passengers/{passenger_id:int}/clearance",
          "Record MEDIF, declaration, consent, UMNR guardians", ClearanceBody, Done,
          _done(_clearance), 200),
    Write("book_case", "/cases/{case_id:int}/bookings", "Book a whole case on a movement",
          BookIn, BookedOut,
          lambda tx, d, i: BookedOut(pl.book_case(tx, i, d.movement_id, stop=d.stop))),
    Write("move_case", "/cases/{case_id:int}/move",
          "Move a case to another movement (a split needs split_reason)", MoveIn, MovedOut,
          _move, 200),
    Write("confirm", "/cases/{case_id:int}/confirm",
          "Confirm a case ready (override_reason when something is missing)", ConfirmIn,
          Created, lambda tx, d, i: Created(confirm_case(tx, i, d.movement_id,
                                                         d.override_reason))),
    Write("cancel_booking", "/bookings/{booking_id:int}/cancel",
          "Cancel a booking with a reason", ReasonIn, Done,
          _done(lambda tx, i, d: pl.cancel_booking(tx, i, d.reason)), 200),
    Write("notice_sent", "/movements/{movement_id:int}/notice",
          "Record the notification (by its fingerprint) as sent now", NoticeSentIn, Created,
          lambda tx, d, i: Created(record_notice_sent(tx, i, d.fingerprint))),
)


# ----------------------------------------------------------------------------- reads and
# the one write with a query parameter

@get("/charters/{movement_id:int}", summary="A charter's headcount per leg")
async def charter(request: Request[Any, Any, Any], services: ServicesDep,
                  movement_id: PathId) -> CharterOut:
    view, _ = await services.uow.read(pv.charter_page, _user(request).actor, movement_id)
    return CharterOut(view.movement_id, view.flight, view.operator, view.seat_capacity,
                      [LegOut(lg.frm, lg.to, lg.passengers, lg.crew, lg.on_board,
                              lg.capacity, lg.free) for lg in view.legs],
                      [StopOut(s.code, s.scheduled_at,
                               s.scheduled_at.astimezone(ZoneInfo(s.timezone)).isoformat()
                               if s.scheduled_at else None, s.timezone) for s in view.stops])


@get("/movements/{movement_id:int}/readiness", summary="Readiness of every case on a movement")
async def readiness(request: Request[Any, Any, Any], services: ServicesDep,
                    movement_id: PathId) -> list[CaseReadinessOut]:
    return [CaseReadinessOut(r.case_id, r.reference, r.ready, list(r.missing), r.summary)
            for r in await services.uow.read(pv.readiness_for, _user(request).actor,
                                             movement_id)]


@get("/movements/{movement_id:int}/notice",
     summary="The carrier pre-notification (PSM text and email body)")
async def notice(request: Request[Any, Any, Any], services: ServicesDep,
                 movement_id: PathId) -> NoticeOut:
    n = await services.uow.read(pv.notice_for, _user(request).actor, movement_id)
    return NoticeOut(n.movement_id, n.flight, n.telex, n.email_subject, n.email_body,
                     n.fingerprint, n.corrected, n.last_sent_at, n.last_sent_by, n.deadline)


@post("/passengers/{passenger_id:int}", summary="Replace a passenger's details",
      status_code=200, responses={200: _reply(Done)})
async def edit_passenger(request: Request[Any, Any, Any], services: ServicesDep,
                         passenger_id: PathId, data: JSONBody[PassengerIn],
                         idempotency_key: IdempotencyKey = None,
                         expected_version: FromQuery[int | None] = None) -> Response[str]:
    def act(tx: Tx) -> Done:
        new, doc = _passenger(data)
        return Done(pl.edit_passenger(tx, passenger_id, new, doc, expected_version))
    return await _once(request, services, idempotency_key, data, act, 200)


#: Coordinators' planning: movements, transits, charters, cases, bookings, readiness and
#: carrier notifications.
PlanningApi = Router(path="/api/v1/plan", tags=["planning"], guards=[COORDINATION],
                     route_handlers=[*(_handler(w) for w in WRITES), charter, readiness,
                                     notice, edit_passenger])


__all__ = ["PlanningApi"]
