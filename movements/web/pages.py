"""The board and the movement page: parse -> action -> render.

One URL, two renderings: the full page, or the fragment when htmx asks (HX-Request).
Writes reply with the same partial the live stream pushes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromQuery
from litestar.response import Response
from sqlalchemy.orm import Session

from movements.domain import queries
from movements.domain.actions import escorts, milestones
from movements.domain.actions import movements as movement_actions
from movements.domain.clock import local_date, local_to_utc
from movements.domain.errors import ConflictError, DomainError
from movements.domain.planning_queries import board_readiness, movement_plan
from movements.domain.uow import Tx, board_stream, movement_stream, stream_seq
from movements.realtime.fragments import Fragments
from movements.services import Services
from movements.web.auth import COORDINATION, STAFF, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.once import checked_key, request_hash, run_once

HTML = "text/html; charset=utf-8"


def html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # the auth middleware guarantees it on guarded routes
    return user


def _page_context(request: Request[Any, Any, Any], services: Services) -> dict[str, Any]:
    user = current_user(request)
    return {"user": user, "csrf_token": user.csrf_token if user else "",
            "airport_name": services.settings.airport,
            "heartbeat": services.settings.heartbeat_seconds}


def _day(value: str | None, services: Services) -> date:
    if not value:
        return local_date(services.clock.now(), "Europe/Amsterdam")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationException(f"date={value!r}: expected YYYY-MM-DD") from None


class Pages(Controller):
    guards = [STAFF]

    @get("/board")
    async def board(self, request: Request[Any, Any, Any], services: ServicesDep,
                    date: FromQuery[str | None] = None,
                    airport: FromQuery[str | None] = None) -> Response[str]:
        user = _user(request)
        day = _day(date, services)
        airport = _board_airport(user, airport, services.settings.airport)
        stream = board_stream(airport, day)
        fragments: Fragments = request.app.state.fragments

        def load(session: Session) -> tuple[int, list[queries.MovementSummary],
                                            dict[int, str]]:
            # The number first, then the rows: the rows are then at least that fresh.
            seq, rows = stream_seq(session, stream), queries.board(session, airport, day)
            return seq, rows, board_readiness(session, [r.id for r in rows])

        seq, rows, ready = await services.uow.read(load)
        lanes_html = fragments.lanes(rows, oob=False, ready=ready)
        if request.headers.get("hx-request"):
            return html(lanes_html)
        env = fragments.env
        return html(env.get_template("board.html").render(
            **{**_page_context(request, services), "airport_name": airport}, day=day,
            stream=stream, seq=seq, oob=False, lanes=_by_lane(rows), airport=airport, ready=ready,
            airports=user.airport_codes))

    @get("/movements/{movement_id:int}")
    async def movement(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId) -> Response[str]:
        stream = movement_stream(movement_id)

        def load(session: Session) -> tuple[int, queries.MovementDetail | None, Any]:
            return (stream_seq(session, stream), queries.movement_detail(session, movement_id),
                    movement_plan(session, movement_id))

        seq, detail, plan = await services.uow.read(load)
        if detail is None or not _may_see(_user(request), detail.movement.airport):
            raise NotFoundException(f"movement {movement_id} does not exist")
        env = request.app.state.fragments.env
        context = {**_page_context(request, services), "d": detail, "stream": stream,
                   "seq": seq, "oob": False, "revealed": False, "show_protected": False,
                   "message": None, "plan": plan}
        if request.headers.get("hx-request"):
            return html(env.get_template("partials/movement_body.html").render(**context))
        return html(env.get_template("movement.html").render(**context))

    # -- writes -------------------------------------------------------------------------
    @post("/bookings/{booking_id:int}/milestones")
    async def milestone(self, request: Request[Any, Any, Any], services: ServicesDep,
                        booking_id: PathId) -> Response[str]:
        form = await _form(request)
        kind = str(form.get("kind", ""))
        version = _int(form.get("expected_version"), "expected_version")
        override = str(form.get("override_reason", "")) or None
        return await _write_pax_row(
            request, services, booking_id, form,
            lambda tx: milestones.record_milestone(tx, booking_id, kind, version,
                                                   override_reason=override),
            success="Recorded")

    @post("/bookings/{booking_id:int}/no-show")
    async def no_show(self, request: Request[Any, Any, Any], services: ServicesDep,
                      booking_id: PathId) -> Response[str]:
        form = await _form(request)
        version = _int(form.get("expected_version"), "expected_version")
        reason = str(form.get("reason", ""))
        return await _write_pax_row(
            request, services, booking_id, form,
            lambda tx: milestones.record_no_show(tx, booking_id, reason, version),
            success="No-show recorded")

    @post("/bookings/{booking_id:int}/escort")
    async def escort(self, request: Request[Any, Any, Any], services: ServicesDep,
                     booking_id: PathId) -> Response[str]:
        form = await _form(request)
        name = str(form.get("escort_name", ""))
        kind = str(form.get("kind", "operational"))

        def act(tx: Tx) -> None:
            found = queries.booking_view(tx.session, booking_id)
            if found is None:
                raise NotFoundException(f"booking {booking_id} does not exist")
            movement_id, view = found
            escorts.assign_escort(tx, movement_id, view.id, kind, name)

        return await _write_pax_row(request, services, booking_id, form, act,
                                    success="Escort assigned")

    @get("/bookings/{booking_id:int}/reveal")
    async def reveal(self, request: Request[Any, Any, Any], services: ServicesDep,
                     booking_id: PathId) -> Response[str]:
        """Full name and birth date, on purpose: the read is audited in its own
        transaction before anything is shown."""
        user = _user(request)

        def read_and_audit(tx: Tx) -> queries.PassengerView:
            found = queries.booking_view(tx.session, booking_id)
            if found is None:
                raise NotFoundException(f"booking {booking_id} does not exist")
            _, view = found
            sensitive = view.unaccompanied_minor or (view.age is not None and view.age < 18) \
                or any(n.health for n in view.needs)
            tx.audit("reveal_passenger", "passenger", view.id,
                     detail="minor or health data" if sensitive else "identity")
            return view

        view = await services.uow.run(read_and_audit, user.actor)
        env = request.app.state.fragments.env
        return html(env.get_template("partials/pax_row.html").render(
            p=view, oob=False, revealed=True,
            show_protected=user.role.value in ("coordinator", "admin"), message=None))

    @post("/movements/{movement_id:int}/notes")
    async def note(self, request: Request[Any, Any, Any], services: ServicesDep,
                   movement_id: PathId) -> Response[str]:
        form = await _form(request)
        text = str(form.get("text", ""))
        user = _user(request)
        env = request.app.state.fragments.env

        def act(tx: Tx) -> str:
            escorts.add_note(tx, movement_id, text)
            detail = queries.movement_detail(tx.session, movement_id)
            assert detail is not None
            return env.get_template("partials/notes.html").render(d=detail, oob=False)

        return await _idempotent(request, services, form, user, act)

    @post("/movements/{movement_id:int}/flight", guards=[COORDINATION])
    async def correct_flight(self, request: Request[Any, Any, Any], services: ServicesDep,
                             movement_id: PathId) -> Response[str]:
        form = await _form(request)
        user = _user(request)
        version = _int(form.get("expected_version"), "expected_version")
        env = request.app.state.fragments.env

        def act(tx: Tx) -> str:
            summary = queries.movement_summary(tx.session, movement_id)
            if summary is None:
                raise NotFoundException(f"movement {movement_id} does not exist")
            changes: dict[str, Any] = {}
            for key in ("gate", "terminal"):
                if key in form:
                    changes[key] = str(form[key])
            est = str(form.get("estimated_local", "")).strip()
            if est:
                try:
                    changes["estimated_at"] = local_to_utc(summary.operational_date, est,
                                                           "Europe/Amsterdam")
                except ValueError:
                    raise ValidationException(
                        f"estimated time {est!r}: expected HH:MM") from None
            movement_actions.update_flight(tx, movement_id, changes, version)
            fresh = queries.movement_summary(tx.session, movement_id)
            return env.get_template("partials/movement_header.html").render(
                m=fresh, oob=False, message="Saved", message_kind="ok")

        return await _idempotent(request, services, form, user, act, on_error_async=(
            lambda exc: _header_error(services, env, movement_id, exc)))


async def _header_error(services: Services, env: Any, movement_id: int, exc: DomainError
                        ) -> str:
    summary = await services.uow.read(queries.movement_summary, movement_id)
    if summary is None:
        raise NotFoundException(f"movement {movement_id} does not exist")
    return str(env.get_template("partials/movement_header.html").render(
        m=summary, oob=False, message=exc.message,
        message_kind="conflict" if isinstance(exc, ConflictError) else "error"))


def _by_lane(rows: list[queries.MovementSummary]) -> dict[str, list[queries.MovementSummary]]:
    lanes: dict[str, list[queries.MovementSummary]] = {
        "departure": [], "transit": [], "arrival": []}
    for r in rows:
        if r.shown_on_board:
            lanes[r.lane].append(r)
    return lanes


def _board_airport(user: AuthUser, asked: str | None, default: str) -> str:
    """The airport whose board to show: the one asked for if the user works it, else the
    deployment's default if they work that, else their first airport."""
    if asked:
        code = asked.strip().upper()
        if not _may_see(user, code):
            raise NotFoundException(f"no board for airport {code!r} among yours")
        return code
    if _may_see(user, default) or not user.airport_codes:
        return default
    return user.airport_codes[0]


def _may_see(user: AuthUser, airport: str) -> bool:
    return user.role.value == "admin" or airport in user.airport_codes


async def _form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    data = await request.form()
    return {k: v for k, v in data.items()}


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationException(f"{name}={value!r}: expected a number") from None


async def _idempotent(request: Request[Any, Any, Any], services: Services,
                      form: dict[str, Any], user: AuthUser, act: Callable[[Tx], str],
                      on_error_async: Callable[[DomainError], Any] | None = None
                      ) -> Response[str]:
    """Run ``act`` (which renders its reply inside the transaction) once per key."""
    key = checked_key(request.headers.get("idempotency-key"))
    digest = request_hash(request, form.items())
    try:
        body, status, replayed = await run_once(services, user, key, digest, act, 200)
    except DomainError as exc:
        if on_error_async is None or exc.status not in (409, 422):
            raise
        return html(await on_error_async(exc), exc.status)
    resp = html(body, status)
    if replayed:
        resp.headers["Idempotent-Replay"] = "true"
    return resp


async def _write_pax_row(request: Request[Any, Any, Any], services: Services, booking_id: int,
                         form: dict[str, Any], act: Callable[[Tx], Any], success: str
                         ) -> Response[str]:
    user = _user(request)
    env = request.app.state.fragments.env

    def render(view: queries.PassengerView, message: str | None, kind: str) -> str:
        return str(env.get_template("partials/pax_row.html").render(
            p=view, oob=False, revealed=False, show_protected=False, message=message,
            message_kind=kind))

    def do(tx: Tx) -> str:
        act(tx)
        found = queries.booking_view(tx.session, booking_id)
        assert found is not None
        return render(found[1], success, "ok")

    async def on_error(exc: DomainError) -> str:
        found = await services.uow.read(queries.booking_view, booking_id)
        if found is None:
            raise NotFoundException(f"booking {booking_id} does not exist")
        note = exc.message
        if isinstance(exc, ConflictError):
            note = f"Not saved: {exc.message}"
        return render(found[1], note, "conflict" if isinstance(exc, ConflictError) else "error")

    return await _idempotent(request, services, form, user, do, on_error)
