"""The board and the movement page: parse -> action -> render.

One URL, two renderings: the full page, or the fragment when htmx asks (HX-Request, read
by Litestar's htmx support: ``HTMXRequest.htmx``).
Writes reply with the same partial the live stream pushes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Response
from markupsafe import Markup

from movements import i18n
from movements.domain import input_rules, queries, views
from movements.domain.access import may_see_protected
from movements.domain.actions import corrections, escorts, milestones, reveal
from movements.domain.actions import movements as movement_actions
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.errors import ConflictError, DomainError, NotFound
from movements.domain.phrases import quoted
from movements.domain.planning_queries import board_readiness, movement_plan
from movements.domain.uow import Tx
from movements.realtime.fragments import Fragments
from movements.services import Services
from movements.web import gate_forms as gf
from movements.web.auth import COORDINATION, STAFF, AuthUser, current_user
from movements.web.board_cache import BoardCache, MovementBody, MovementCache
from movements.web.deps import PathId, ServicesDep
from movements.web.forms import TypedForm
from movements.web.media import HTML
from movements.web.once import checked_key, request_hash, run_once
from movements.web.render import page as render_page
from movements.web.render import partials


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


def _day(value: str | None) -> date | None:
    """The ?date= of a board (None: today at the board's airport)."""
    if not value:
        return None
    try:
        return parse_day(value)
    except NoSuchDay as bad:
        raise ValidationException(f"date={bad}") from None
    except ValueError:
        raise ValidationException(f"date={quoted(repr(value))}: expected YYYY-MM-DD") from None


class Pages(Controller):
    guards = [STAFF]

    @get("/board")
    async def board(self, request: HTMXRequest, services: ServicesDep,
                    date: FromQuery[str | None] = None,
                    airport: FromQuery[str | None] = None) -> Response[str]:
        user = _user(request)
        fragments: Fragments = request.app.state.fragments
        try:
            head = await services.uow.read(views.board_head, user.actor, airport,
                                           services.settings.airport, _day(date),
                                           services.clock.now())
        except NotFound:
            # A board address of an airport that is not (or no longer: an admin took it
            # away, the tablet reloaded) the person's: say so and offer their boards.
            yours = await services.uow.read(views.my_airport_codes, user.actor)
            if not airport or not yours or request.headers.get("hx-request"):
                raise
            return html(render_page(request, "board_elsewhere.html",
                                    **{**_page_context(request, services), "airport_name": ""},
                                    asked=airport.strip().upper()[:8], yours=yours),
                        status=404)

        async def render() -> str:
            rows = await services.uow.read(views.board_rows, head)
            ready = await services.uow.read(board_readiness, [r.id for r in rows])
            return fragments.lanes(rows, oob=False, ready=ready)

        # Rendered once per board number (and variant): the policy above has already
        # decided this person may see this board.
        cache: BoardCache = request.app.state.board_cache
        lanes_html = await cache.get((head.stream, head.seq, _lanes_variant(user)), render)
        if request.htmx:
            return html(lanes_html)
        return html(render_page(request, "board.html",
            **{**_page_context(request, services), "airport_name": head.airport.code},
            day=head.day, stream=head.stream, seq=head.seq, oob=False,
            lanes_html=Markup(lanes_html), airport=head.airport.code,  # noqa: S704 (our render)
            airports=head.airport.codes, page_timezone=head.airport.timezone))

    @get("/movements/{movement_id:int}")
    async def movement(self, request: HTMXRequest, services: ServicesDep,
                       movement_id: PathId, need: FromQuery[str | None] = None
                       ) -> Response[str]:
        """The movement page; ``?need=<badge group>`` (a board badge's link) marks the
        passengers behind that badge and lists their initials on top (audited for
        health and minors' groups: reveal.trace_need).  The body is rendered once per
        movement stream number and variant (``MovementCache``), after the access
        policy said yes for this person (``views.movement_head``)."""
        user = _user(request)
        draw = partials(request)
        traced: Any = ()
        detail: queries.MovementDetail | None = None
        if need:
            # A badge's trace is audited on every request and lists initials from the
            # rows read now: the whole page is read and drawn for it, nothing cached.
            page = await services.uow.read(views.movement_page, user.actor, movement_id)
            traced = await services.uow.run(reveal.trace_need, user.actor, movement_id, need)
            plan = await services.uow.read(movement_plan, movement_id)
            stream, seq, detail = page.stream, page.seq, page.detail
            body = _movement_body(draw, page.detail, plan)
        else:
            head = await services.uow.read(views.movement_head, user.actor, movement_id)

            async def render() -> MovementBody:
                found, plan = await services.uow.read(views.movement_body, head)
                return _movement_body(draw, found, plan)

            cache: MovementCache = request.app.state.movement_cache
            stream, seq = head.stream, head.seq
            body = await cache.get((stream, seq, _page_variant(user)), render)
        if request.htmx:
            return html(body.html)
        return html(render_page(
            request, "movement.html", **_page_context(request, services), stream=stream,
            seq=seq, need=need, traced=traced, d=detail, flight=body.flight, day=body.day,
            body_html=Markup(body.html),  # noqa: S704 (our render)
            page_timezone=body.timezone))

    # -- writes -------------------------------------------------------------------------
    @post("/bookings/{booking_id:int}/milestones")
    async def milestone(self, request: Request[Any, Any, Any], services: ServicesDep,
                        booking_id: PathId, data: gf.Milestone) -> Response[str]:
        version = _int(data.expected_version, "expected_version")
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: milestones.record_milestone(tx, booking_id, data.kind, version,
                                                   override_reason=data.override_reason
                                                   or None),
            success="Recorded")

    @post("/bookings/{booking_id:int}/no-show")
    async def no_show(self, request: Request[Any, Any, Any], services: ServicesDep,
                      booking_id: PathId, data: gf.Reason) -> Response[str]:
        version = _int(data.expected_version, "expected_version")
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: milestones.record_no_show(tx, booking_id, data.reason, version),
            success="No-show recorded")

    @post("/bookings/{booking_id:int}/escort/remove")
    async def unassign_escort(self, request: Request[Any, Any, Any], services: ServicesDep,
                              booking_id: PathId, data: gf.Escort) -> Response[str]:
        """Take an escort off the passenger (assigned by mistake, or swapped)."""
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: escorts.unassign_escort(tx, booking_id, data.kind, data.escort_name),
            success="Escort unassigned")

    @post("/bookings/{booking_id:int}/undo")
    async def undo(self, request: Request[Any, Any, Any], services: ServicesDep,
                   booking_id: PathId, data: gf.Version) -> Response[str]:
        """Who tapped takes back their last step or no-show, within two minutes."""
        version = _int(data.expected_version, "expected_version")
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: corrections.undo_last(tx, booking_id, version), success="Undone")

    @post("/bookings/{booking_id:int}/no-show/revoke")
    async def revoke_no_show(self, request: Request[Any, Any, Any], services: ServicesDep,
                             booking_id: PathId, data: gf.Reason) -> Response[str]:
        """The passenger turned up after all."""
        version = _int(data.expected_version, "expected_version")
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: corrections.revoke_no_show(tx, booking_id, data.reason, version),
            success="No-show revoked: booked again")

    @post("/bookings/{booking_id:int}/correct", guards=[COORDINATION])
    async def correct_step(self, request: Request[Any, Any, Any], services: ServicesDep,
                           booking_id: PathId, data: gf.Reason) -> Response[str]:
        """A coordinator takes back any step or the no-show, with a reason."""
        version = _int(data.expected_version, "expected_version")
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: corrections.correct_milestone(tx, booking_id, data.kind, data.reason,
                                                     version),
            success="Corrected")

    @post("/bookings/{booking_id:int}/escort")
    async def escort(self, request: Request[Any, Any, Any], services: ServicesDep,
                     booking_id: PathId, data: gf.Escort) -> Response[str]:
        return await _write_pax_row(
            request, services, booking_id, data,
            lambda tx: escorts.assign_escort_to_booking(tx, booking_id, data.kind,
                                                        data.escort_name),
            success="Escort assigned")

    @get("/bookings/{booking_id:int}/reveal")
    async def reveal(self, request: Request[Any, Any, Any], services: ServicesDep,
                     booking_id: PathId) -> Response[str]:
        """Full name and birth date, on purpose: the read is audited in its own
        transaction before anything is shown."""
        user = _user(request)
        view = await services.uow.run(reveal.reveal_passenger, user.actor, booking_id)
        return html(partials(request).pax_row(
            view, oob=False, revealed=True, show_protected=may_see_protected(user.actor)))

    @post("/movements/{movement_id:int}/notes")
    async def note(self, request: Request[Any, Any, Any], services: ServicesDep,
                   movement_id: PathId, data: gf.NoteBody) -> Response[str]:
        text = data.text
        user = _user(request)
        draw = partials(request)

        def act(tx: Tx) -> None:
            escorts.add_note(tx, movement_id, text)

        async def reply(_: None) -> str:
            notes = await services.uow.read(views.movement_notes, user.actor, movement_id)
            return draw.notes(notes, oob=False)

        async def refused(exc: DomainError) -> str:
            # The section again, with the message in place and what was typed kept.
            notes = await services.uow.read(views.movement_notes, user.actor, movement_id)
            return draw.notes(notes, oob=False, note_message=i18n.refused(exc), note_text=text)

        return await _idempotent(request, services, data, user, act, reply,
                                 on_error_async=refused)

    @post("/movements/{movement_id:int}/flight", guards=[COORDINATION])
    async def correct_flight(self, request: Request[Any, Any, Any], services: ServicesDep,
                             movement_id: PathId, data: gf.Flight) -> Response[str]:
        user = _user(request)
        version = _int(data.expected_version, "expected_version")
        draw = partials(request)

        def act(tx: Tx) -> None:
            changes: dict[str, Any] = {k: v for k, v in (
                ("gate", data.gate), ("terminal", data.terminal)) if v is not None}
            changes.update(movement_actions.times_from_local(tx, movement_id, {
                key: value for key, value in (
                    ("scheduled_at", data.scheduled_local), ("estimated_at",
                                                            data.estimated_local),
                    ("actual_at", data.actual_local)) if value is not None}))
            movement_actions.update_flight(tx, movement_id, changes, version,
                                           reason=data.reason or None)

        async def reply(_: None) -> str:
            fresh = await services.uow.read(views.movement_summary, user.actor, movement_id)
            return draw.movement_header(fresh, oob=False, message="Saved", message_kind="ok")

        # A refusal redraws the header with the panel open, what was typed kept and the
        # refused field focused, as the other refused forms do.
        typed = {"gate": data.gate, "terminal": data.terminal,
                 "estimated_local": data.estimated_local,
                 "scheduled_local": data.scheduled_local, "actual_local": data.actual_local,
                 "reason": data.reason}
        return await _idempotent(request, services, data, user, act, reply, on_error_async=(
            lambda exc: _header_error(services, user, draw, movement_id, exc, typed)))


async def _header_error(services: Services, user: AuthUser, draw: Fragments,
                        movement_id: int, exc: DomainError,
                        typed: dict[str, str | None] | None = None) -> str:
    """The movement header with the refusal; with ``typed`` (the correction form's values
    as sent) the correction panel reopens holding them, ``exc.field`` focused."""
    summary = await services.uow.read(views.movement_summary, user.actor, movement_id)
    return draw.movement_header(
        summary, oob=False, message=i18n.refused(exc),
        message_kind="conflict" if isinstance(exc, ConflictError) else "error",
        typed=typed, error_field=getattr(exc, "field", None) if typed is not None else None)


def _movement_body(draw: Fragments, detail: queries.MovementDetail, plan: Any
                   ) -> MovementBody:
    """The body partial as the page and its htmx refresh show it, drawn without the
    person (no user or CSRF token in its context: the same for everyone the access
    policy lets see the movement, so it can be kept per stream number)."""
    return MovementBody(
        draw.movement_body(detail, oob=False, plan=plan, page_timezone=detail.timezone),
        detail.movement.flight, detail.movement.operational_date, detail.timezone)


def _page_variant(user: AuthUser) -> str:
    """What a movement body's HTML may depend on besides the movement and its number:
    the language it is written in, and the role (nothing in it differs by role today;
    keyed anyway so that a role-specific part added later is never served across
    roles)."""
    return f"{user.locale}|{user.role.value}"


def _lanes_variant(user: AuthUser) -> str:
    """What the lanes' HTML depends on besides the board and its number: nothing about
    the person today (no names, no role-specific controls); the language once pages are
    translated per user (issue 16.5), read here if the signed-in user carries one."""
    return str(getattr(user, "language", None) or getattr(user, "locale", None) or "")


def _int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else input_rules.whole_number(name, value)


async def _idempotent(request: Request[Any, Any, Any], services: Services,
                      form: TypedForm, user: AuthUser, act: Callable[[Tx], Any],
                      render: Callable[[Any], Awaitable[str]],
                      on_error_async: Callable[[DomainError], Any] | None = None
                      ) -> Response[str]:
    """Run ``act`` once per key; ``render`` draws the reply from its result after COMMIT
    (only the part that changed, never inside the write transaction)."""
    key = checked_key(request.headers.get("idempotency-key"))
    digest = request_hash(request, form.items())  # the typed form's fields
    try:
        body, status, replayed = await run_once(services, user, key, digest, act, 200,
                                                render=render)
    except DomainError as exc:
        if on_error_async is None or exc.status not in (409, 422):
            raise
        return html(await on_error_async(exc), exc.status)
    resp = html(body, status)
    if replayed:
        resp.headers["Idempotent-Replay"] = "true"
    return resp


async def _write_pax_row(request: Request[Any, Any, Any], services: Services, booking_id: int,
                         form: TypedForm, act: Callable[[Tx], Any], success: str
                         ) -> Response[str]:
    user = _user(request)
    draw = partials(request)

    def render(view: queries.PassengerView, message: str | None, kind: str) -> str:
        return draw.pax_row(view, oob=False, message=message, message_kind=kind)

    async def reply(_: Any) -> str:
        view = await services.uow.read(views.booking_row, user.actor, booking_id)
        return render(view, success, "ok")

    async def on_error(exc: DomainError) -> str:
        view = await services.uow.read(views.booking_row, user.actor, booking_id)
        note = i18n.refused(exc)
        if isinstance(exc, ConflictError):
            note = i18n.gettext("Not saved: %(reason)s") % {"reason": i18n.refused(exc)}
        return render(view, note, "conflict" if isinstance(exc, ConflictError) else "error")

    return await _idempotent(request, services, form, user, act, reply, on_error)
