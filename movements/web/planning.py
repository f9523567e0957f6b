"""The coordinators' planning pages (issue 14): parse the form, run the domain action
once per idempotency key, answer 303 to the page that shows the result, or re-render
the form's page with the refusal (422/409) saying what and where.

Plain HTML forms (they work without JavaScript on a tablet): each carries ``_csrf`` and
``_idem`` (a key drawn when the form was rendered, so a double submit or a retry runs
the action once).  Times typed into forms are the airport's local wall clock; a charter
stop's time is the wall clock at that stop (its zone from the IATA table), stored UTC.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Response
from markupsafe import escape

from movements import i18n
from movements.domain import planning_queries as pq
from movements.domain import planning_views as pv
from movements.domain.actions import charters as ch
from movements.domain.actions import outbox as outbox_actions
from movements.domain.actions import planning as pl
from movements.domain.actions.prenotification import record_notice_sent
from movements.domain.actions.readiness import ClearanceIn, confirm_case, record_clearance
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.clock import local_to_utc
from movements.domain.errors import DomainError, Problems, RuleViolation, problems_of
from movements.domain.input_rules import check_airport
from movements.domain.phrases import Phrase
from movements.domain.uow import Tx
from movements.i18n import N_
from movements.services import Services
from movements.web import planning_forms as pf
from movements.web.auth import COORDINATION, AuthUser, current_user
from movements.web.deps import PathId, ServicesDep
from movements.web.field_labels import field_label, labelled_refusal
from movements.web.media import HTML
from movements.web.once import checked_key, request_hash, run_once
from movements.web.planning_forms import AGENCY_SSR, STOP_FIELDS
from movements.web.planning_telex import NOT_PLANNED, WINDOW
from movements.web.planning_telex import offers as telex_offers
from movements.web.render import page as render_page

# ----------------------------------------------------------------------------- parsing

#: Stands for the field's label in a refusal until the page it is shown on is rendered.
_LABEL_SLOT = "[[field-label]]"


def _visible_label(page: str, name: str, action: str) -> str | None:
    """The text of the ``<label>`` around the input, select or textarea called ``name`` on
    the rendered ``page`` (HTML, already escaped), looked for first in the forms that post
    to ``action`` (the one submitted), then anywhere; None when it has none there."""
    forms = re.findall(r'<form method="post" action="' + re.escape(action) + r'".*?</form>',
                       page, re.S)
    for part in (*forms, page):
        # Inside a fieldset the legend says which (the inbound or the onward leg's date).
        for legend, inside in re.findall(r"<fieldset[^>]*>\s*<legend>([^<]*)</legend>"
                                         r"(.*?)</fieldset>", part, re.S):
            label = _label_in(inside, name)
            if label:
                return f"{legend.strip()}, {label}"
        label = _label_in(part, name)
        if label:
            return label
    return None


def _label_in(page: str, name: str) -> str | None:
    found = re.search(r"<label[^>]*>\s*([^<]*?)\s*(?:<span>)?\s*<(?:input|select|textarea)\b"
                      r"[^>]*\bname=\"" + re.escape(name) + r"\"", page)
    return found.group(1) if found and found.group(1) else None


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key, "")).strip()


def _opt(form: dict[str, Any], key: str) -> str | None:
    return _text(form, key) or None


def _date(form: dict[str, Any], key: str, *, required: bool = True) -> date | None:
    value = _text(form, key)
    if not value:
        if required:
            raise RuleViolation(Phrase(N_("required (YYYY-MM-DD)")), field=key)
        return None
    try:
        return parse_day(value)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise RuleViolation(bad.phrase, field=key) from None
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(value)s: expected YYYY-MM-DD"),
                                      value=repr(value)), field=key) from None


def _local_time(form: dict[str, Any], key: str, day: date, tz: str) -> datetime:
    value = _text(form, key)
    try:
        hh, mm = value.split(":")
        if not (len(hh) == 2 and len(mm) == 2 and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            raise ValueError(value)
        return local_to_utc(day, value, tz)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(value)s: expected HH:MM (local time)"),
                                      value=repr(value)),
                            field=key) from None


def _stop_datetime(form: dict[str, Any], key: str) -> datetime:
    """A charter stop's arrival as typed: the wall clock at the stop's airport (naive;
    ``charters.stop_time`` reads it in the stop's zone and stores UTC)."""
    value = _text(form, key)
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(value)s: expected YYYY-MM-DDTHH:MM (local time "
                                         "at the stop)"),
                                      value=repr(value)),
                            field=key) from None


def _int(form: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = _text(form, key)
    if not value:
        if required:
            raise RuleViolation(Phrase(N_("required")), field=key)
        return None
    try:
        return int(value)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(value)s: expected a whole number"),
                                      value=repr(value)), field=key) from None


def _flag(form: dict[str, Any], key: str) -> bool:
    return _text(form, key).lower() in ("on", "true", "1", "yes")


#: A day to read a time against when the form's date is itself refused (the time's
#: shape is still checked, so both are reported at once).
_ANY_DAY = date(2000, 1, 3)


def _new_movement(form: dict[str, Any], airport: str, tz: str, kind: pl.MovementKind,
                  prefix: str = "", problems: Problems | None = None) -> pl.NewMovement | None:
    """The leg the form describes, reading every field before refusing: each bad field
    goes into ``problems`` (date, time, flight, the route's airports, terminal, gate, by
    the domain's rules ``pl.check_leg``) and None is returned; without ``problems`` they
    are raised together at once."""
    found = problems if problems is not None else Problems()
    day = found.check(_date, form, f"{prefix}date")
    at = found.check(_local_time, form, f"{prefix}time", day or _ANY_DAY, tz)
    flight = _text(form, f"{prefix}flight")
    found.check(pl.flight_designator, flight, f"{prefix}flight")
    here = airport.strip().upper()
    leaves_here = kind in (pl.MovementKind.DEPARTURE, pl.MovementKind.TRANSIT_OUT)
    origin = (_opt(form, f"{prefix}origin") or (here if leaves_here else "")).upper()
    destination = (_opt(form, f"{prefix}destination") or ("" if leaves_here else here)).upper()
    pl.check_leg(here, kind, origin, destination,
                 {"terminal": _opt(form, f"{prefix}terminal"),
                  "gate": _opt(form, f"{prefix}gate")}, found, prefix)
    if problems is None:
        found.raise_any()
    if day is None or at is None or found.found:
        return None
    return pl.new_movement(
        airport, kind, flight, day, at, origin=origin, destination=destination,
        field=f"{prefix}flight",
        terminal=_opt(form, f"{prefix}terminal"), gate=_opt(form, f"{prefix}gate"),
        aircraft_type=_opt(form, "aircraft_type"),
        aircraft_registration=_opt(form, "aircraft_registration"))


def _needs(form: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for code in AGENCY_SSR:
        if _flag(form, f"ssr_{code}"):
            out.append((code, _opt(form, f"ssr_{code}_text")))
    return tuple(out)


def _passenger(form: dict[str, Any]) -> tuple[pl.NewPassenger, pl.DocumentIn | None]:
    """The passenger and travel document the form describes.  A field that does not
    parse (a date, the chronic condition) is reported together with the passenger's
    other field problems (``pl.check_passenger``), in one refusal."""
    problems = Problems()
    birth = problems.check(_date, form, "birth_date", required=False)
    chronic = problems.check(pl.chronic_condition, _opt(form, "chronic_condition"))
    new = pl.NewPassenger(
        surname=_text(form, "surname"), given_names=_text(form, "given_names"),
        native_name=_opt(form, "native_name"), birth_date=birth,
        sex=_text(form, "sex") or "X", nationality=_opt(form, "nationality"),
        language=_opt(form, "language"), needs=_needs(form),
        medical_escort_required=_flag(form, "medical_escort_required"),
        operational_escort_required=_flag(form, "operational_escort_required"),
        victim_of_trafficking=_flag(form, "victim_of_trafficking"),
        chronic_condition=chronic,
        release_to_name=_opt(form, "release_to_name"),
        release_to_relation=_opt(form, "release_to_relation"))
    document = None
    if _text(form, "doc_number"):
        expiry = problems.check(_date, form, "doc_expiry")
        if expiry is not None:
            document = pl.DocumentIn(_text(form, "doc_type") or "passport",
                                     _text(form, "doc_number"), expiry,
                                     _text(form, "doc_country"))
    if problems.found:  # the rest of the passenger's fields, for the same reply
        pl.check_passenger(new, None, problems)
    problems.raise_any()
    return new, document


# ----------------------------------------------------------------------------- running

def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None
    return user


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


Page = Callable[[str, dict[str, Any]], Awaitable[str]]


async def _act(request: Request[Any, Any, Any], services: Services, data: pf.PlanForm,
               act: Callable[[Tx], str], page: Page) -> Response[Any]:
    """Run ``act`` (returns the URL to go to) once per key (the form's ``_idem``, or the
    ``Idempotency-Key`` header); refusals re-render ``page`` with what was sent."""
    user = _user(request)
    key = checked_key(request.headers.get("idempotency-key") or (data._idem or "").strip())
    form = data.values()
    digest = request_hash(request, data.items())
    try:
        location, _, _ = await run_once(services, user, key, digest, act, 303)
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return _html(await _refused(page, form, exc, user.locale, request.url.path),
                     exc.status)
    return Redirect(location, status_code=303)


async def _refused(page: Page, form: dict[str, Any], exc: DomainError, locale: str,
                   action: str) -> str:
    """``page`` again with the refusal, naming the field by the label the person sees on
    that page (in their language), else by ``field_label``: never its internal name.
    Several field problems (``FieldProblems``) are all listed, and every refused field of
    the submitted form is marked (``aria-invalid``, its reason beside it)."""
    if not exc.field:
        return await page(i18n.gettext("Not saved: %(reason)s", locale)
                          % {"reason": labelled_refusal(exc, locale)}, form)
    problems = problems_of(exc)
    if len(problems) > 1:
        header = i18n.ngettext("Not saved: %(num)d problem", "Not saved: %(num)d problems",
                               len(problems), locale) % {"num": len(problems)}
        shown = await page(f"{header} {_PROBLEMS_SLOT}", form)
        lines = []
        for p in problems:
            assert p.field is not None
            label = _visible_label(shown, p.field, action) or \
                escape(field_label(p.field, locale))
            lines.append(f"<br>{label}: {escape(labelled_refusal(p, locale))}")
        shown = shown.replace(_PROBLEMS_SLOT, "".join(lines), 1)
    else:
        shown = await page(i18n.gettext("Not saved (%(field)s): %(reason)s", locale)
                           % {"field": _LABEL_SLOT, "reason": labelled_refusal(exc, locale)},
                           form)
        label = _visible_label(shown, exc.field, action) or \
            escape(field_label(exc.field, locale))
        shown = shown.replace(_LABEL_SLOT, label, 1)  # the alert precedes echoed values
    return _mark_fields(shown, action, [(p.field or "", labelled_refusal(p, locale))
                                        for p in problems])


#: Stands for the list of problems until the page is rendered.
_PROBLEMS_SLOT = "[[field-problems]]"


def _mark_fields(page: str, action: str, problems: list[tuple[str, str]]) -> str:
    """``page`` with each refused field of the form that posts to ``action`` marked: the
    input gets ``aria-invalid`` (the first also ``autofocus``) and ``aria-describedby``
    naming a line under it that says what is wrong.  Fields the form has not (a refusal
    of the whole body) are left to the message at the top.  Of several forms posting to
    ``action`` (the movement and the transit form), the one holding the most of the
    refused fields is the one that was sent."""
    def tag_in(form: str, name: str) -> re.Match[str] | None:
        return re.search(r"<(?:input|select|textarea)\b[^>]*\bname=\"" + re.escape(name)
                         + r"\"", form)

    forms = list(re.finditer(r'<form method="post" action="' + re.escape(action)
                             + r'".*?</form>', page, re.S))
    if not forms:
        return page
    found = max(forms, key=lambda f: sum(tag_in(f.group(0), n) is not None
                                         for n, _ in problems))
    form = found.group(0)
    first = True
    for name, reason in problems:
        tag = tag_in(form, name)
        if tag is None:
            continue
        ident = f"problem-{name}"
        marks = f' aria-invalid="true" aria-describedby="{ident}"' + \
            (" autofocus" if first else "")
        first = False
        end = form.find("</label>", tag.end())
        note = f'<small class="field-problem" id="{ident}">{escape(reason)}</small>'
        if end < 0:
            form = form[:tag.end()] + marks + form[tag.end():]
            continue
        form = (form[:tag.end()] + marks + form[tag.end():end] + note + form[end:])
    return page[:found.start()] + form + page[found.end():]


def _render(request: Request[Any, Any, Any], services: Services, template: str,
            **context: Any) -> str:
    user = _user(request)
    return str(render_page(request, template,
        user=user, csrf_token=user.csrf_token, airport_name=services.settings.airport,
        heartbeat=services.settings.heartbeat_seconds, idem=secrets.token_hex(16),
        chronic=[c.value for c in pl.ChronicCondition], doc_types=pl.DOCUMENT_TYPES,
        agency_ssr=AGENCY_SSR, crew_roles=pq.CREW_ROLES, stop_fields=STOP_FIELDS,
        **context))


def _airport(tx: Tx, user: AuthUser, code: str | None, default: str) -> pv.AirportRef:
    """The airport a planning form is for (the access policy's choice); else not found."""
    return pv.airport_for(tx.session, user.actor, code, default)


async def _published(services: Services, airport: str, day: date, tz: str
                     ) -> tuple[list[Any], str | None]:
    """The airport's published flights of the day from its flight feed, or why not."""
    feed = services.settings.feed_for(airport)
    if feed is None:
        return [], i18n.gettext("no flight feed is configured for %(airport)s: enter the "
                                "flight by hand") % {"airport": airport}
    from movements.feed.client import FeedClient, FeedError

    client = FeedClient(feed.url, feed.app_id, feed.app_key,
                        timeout=min(5.0, feed.timeout_seconds))
    try:
        progress = client.start(day)
        await client.read_day(progress, tz, services.clock.now())
        flights = progress.flights
    except FeedError as exc:
        return [], i18n.gettext("the flight feed did not answer (%(error)s): enter the "
                                "flight by hand") % {"error": exc}
    finally:
        await client.close()
    return [f for f in flights if not f.is_codeshare], None


class Planning(Controller):
    path = "/plan"
    guards = [COORDINATION]
    include_in_schema = False

    # -- the planning home: the day's movements, the feed, the forms -------------------
    async def _home(self, request: Request[Any, Any, Any], services: Services,
                    day: date | None, airport_code: str | None, message: str | None,
                    values: dict[str, Any]) -> str:
        user = _user(request)

        now = services.clock.now()
        home = await services.uow.read(pv.home_view, user.actor, airport_code,
                                       services.settings.airport, day, now, WINDOW,
                                       NOT_PLANNED)
        airport, movements, cases, the_day = home.airport, home.movements, home.cases, home.day
        offers = await services.uow.read(telex_offers, home, now)
        published, feed_note = await _published(services, airport.iata, the_day,
                                                 airport.timezone)
        flights = home.not_planned(published)
        return _render(request, services, "planning/home.html", day=the_day,
                       airport=airport, movements=movements, cases=cases, flights=flights,
                       feed_note=feed_note, message=message, v=values, offers=offers)

    @get("/")
    async def home(self, request: Request[Any, Any, Any], services: ServicesDep,
                   date: FromQuery[str | None] = None,
                   airport: FromQuery[str | None] = None) -> Response[str]:
        day = _date({"date": date}, "date", required=False) if date else None
        return _html(await self._home(request, services, day, airport, None,
                                      dict(request.query_params)))

    def _home_page(self, request: Request[Any, Any, Any], services: Services) -> Page:
        async def page(message: str, form: dict[str, Any]) -> str:
            return await self._home(request, services, None, _opt(form, "airport"), message,
                                    form)
        return page

    @post("/movements")
    async def plan_movement(self, request: Request[Any, Any, Any],
                            services: ServicesDep, data: pf.Movement) -> Response[Any]:
        form = data.values()
        user = _user(request)

        def act(tx: Tx) -> str:
            airport = _airport(tx, user, _opt(form, "airport"),
                               services.settings.airport)
            kind = pl.movement_kind(_opt(form, "kind"), transit=True)
            problems = Problems()  # both legs of a transit, every field, in one reply
            if kind is pl.MovementKind.TRANSIT_IN:
                inbound = _new_movement(form, airport.iata, airport.timezone,
                                        pl.MovementKind.TRANSIT_IN, "in_", problems)
                onward = _new_movement(form, airport.iata, airport.timezone,
                                       pl.MovementKind.TRANSIT_OUT, "out_", problems)
                problems.raise_any()
                assert inbound is not None and onward is not None
                plan = pl.plan_transit(tx, inbound, onward)
                return f"/movements/{plan.inbound_id}"
            new = _new_movement(form, airport.iata, airport.timezone, kind, "", problems)
            problems.raise_any()
            assert new is not None
            mid = pl.plan_movement(tx, new)
            return f"/movements/{mid}"

        return await _act(request, services, data, act, self._home_page(request, services))

    @post("/charters")
    async def plan_charter(self, request: Request[Any, Any, Any],
                           services: ServicesDep, data: pf.Charter) -> Response[Any]:
        form = data.values()
        user = _user(request)

        def act(tx: Tx) -> str:
            airport = _airport(tx, user, _opt(form, "airport"),
                               services.settings.airport)
            problems = Problems()  # every field of the form in one reply
            stops = []
            for i in range(1, STOP_FIELDS + 1):
                if not _text(form, f"stop_{i}"):
                    continue
                code = problems.check(check_airport, Phrase.of(N_("stop %(number)s:"),
                                                               number=i),
                                      _text(form, f"stop_{i}"), field=f"stop_{i}")
                when = problems.check(_stop_datetime, form, f"stop_{i}_at")
                if code is not None and when is not None:
                    stops.append(ch.StopIn(code, when))
            if not any(_text(form, f"stop_{i}") for i in range(1, STOP_FIELDS + 1)):
                problems.add(RuleViolation(Phrase(N_("a charter needs at least one stop")),
                                           field="stop_1"))
            # The leg's destination is its last stop: checked above, under the stop.
            leg_problems = Problems()
            new = _new_movement(dict(form, destination=stops[-1].code if stops else ""),
                                airport.iata, airport.timezone, pl.MovementKind.DEPARTURE,
                                "", leg_problems)
            for found in leg_problems.found:
                if found.field != "destination":
                    problems.add(found)
            if not _text(form, "operator"):
                problems.add(RuleViolation(Phrase(N_("required")), field="operator"))
            seats = problems.check(_int, form, "seat_capacity")
            problems.raise_any()
            assert new is not None and seats is not None
            mid = ch.plan_charter(tx, new, _text(form, "operator"), seats, tuple(stops))
            return f"/plan/charters/{mid}"

        return await _act(request, services, data, act, self._home_page(request, services))

    @post("/cases")
    async def create_case(self, request: Request[Any, Any, Any],
                          services: ServicesDep, data: pf.Case) -> Response[Any]:
        form = data.values()
        user = _user(request)

        def act(tx: Tx) -> str:
            airport = _airport(tx, user, _opt(form, "airport"),
                               services.settings.airport)
            cid = pl.create_case(tx, airport.iata, _text(form, "reference"),
                                 _text(form, "programme") or "voluntary_return")
            return f"/plan/cases/{cid}"

        return await _act(request, services, data, act, self._home_page(request, services))

    # -- a movement: edit and cancel ----------------------------------------------------
    async def _movement(self, request: Request[Any, Any, Any], services: Services,
                        movement_id: int, message: str | None, values: dict[str, Any]) -> str:
        user = _user(request)

        page = await services.uow.read(pv.movement_plan_page, user.actor, movement_id)
        m, airport, booked, plan = page.m, page.airport, page.booked, page.plan
        return _render(request, services, "planning/movement.html", m=m, airport=airport,
                       booked=booked, plan=plan, message=message, v=values)

    @get("/movements/{movement_id:int}")
    async def movement(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId) -> Response[str]:
        return _html(await self._movement(request, services, movement_id, None, {}))

    def _movement_page(self, request: Request[Any, Any, Any], services: Services,
                       movement_id: int) -> Page:
        async def page(message: str, form: dict[str, Any]) -> str:
            return await self._movement(request, services, movement_id, message, form)
        return page

    @post("/movements/{movement_id:int}/edit")
    async def edit_movement(self, request: Request[Any, Any, Any], services: ServicesDep,
                            movement_id: PathId, data: pf.EditMovement) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            m = pl.load_movement(tx, movement_id)
            problems = Problems()  # every field of the form in one reply
            day = problems.check(_date, form, "date")
            at = problems.check(_local_time, form, "time", day or _ANY_DAY,
                                m.airport.timezone)
            problems.check(pl.flight_designator, _text(form, "flight"))
            pl.check_leg(m.airport.iata, m.kind, _text(form, "origin"),
                         _text(form, "destination"),
                         {"terminal": _opt(form, "terminal"), "gate": _opt(form, "gate")},
                         problems)
            problems.raise_any()
            changes = {"flight": _text(form, "flight"), "operational_date": day,
                       "origin": _text(form, "origin"),
                       "destination": _text(form, "destination"),
                       "scheduled_at": at,
                       "terminal": _text(form, "terminal"), "gate": _text(form, "gate")}
            pl.edit_movement(tx, movement_id, changes,
                             _int(form, "expected_version", required=False),
                             reason=_opt(form, "reason"))
            return f"/plan/movements/{movement_id}"

        return await _act(request, services, data, act,
                          self._movement_page(request, services, movement_id))

    @post("/movements/{movement_id:int}/cancel")
    async def cancel_movement(self, request: Request[Any, Any, Any], services: ServicesDep,
                              movement_id: PathId, data: pf.Reason) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            pl.cancel_movement(tx, movement_id, _text(form, "reason"))
            return f"/plan/movements/{movement_id}"

        return await _act(request, services, data, act,
                          self._movement_page(request, services, movement_id))

    @post("/bookings/{booking_id:int}/cancel")
    async def cancel_booking(self, request: Request[Any, Any, Any], services: ServicesDep,
                             booking_id: PathId, data: pf.Reason) -> Response[Any]:
        form = data.values()
        back = _text(form, "back")
        if not back.startswith("/plan/"):
            back = "/plan/"

        def act(tx: Tx) -> str:
            pl.cancel_booking(tx, booking_id, _text(form, "reason"))
            return back

        async def page(message: str, values: dict[str, Any]) -> str:
            return await self._back_page(request, services, back, message, values)

        return await _act(request, services, data, act, page)

    async def _back_page(self, request: Request[Any, Any, Any], services: Services,
                         back: str, message: str, values: dict[str, Any]) -> str:
        parts = back.strip("/").split("/")
        if len(parts) == 3 and parts[2].isdigit():
            if parts[1] == "cases":
                return await self._case(request, services, int(parts[2]), message, values)
            if parts[1] == "movements":
                return await self._movement(request, services, int(parts[2]), message, values)
        return await self._home(request, services, None, None, message, values)

    # -- a case: members, bookings, readiness -------------------------------------------
    async def _case(self, request: Request[Any, Any, Any], services: Services, case_id: int,
                    message: str | None, values: dict[str, Any],
                    edit: dict[str, Any] | None = None) -> str:
        user = _user(request)

        page = await services.uow.read(pv.case_page, user.actor, case_id,
                                       services.clock.now())
        view, options, ready, clearances = (page.case, page.options, page.readiness,
                                            page.clearances)
        return _render(request, services, "planning/case.html", c=view, options=options,
                       readiness=ready, clearances=clearances, message=message, v=values,
                       edit=edit, contacts=page.contacts)

    @get("/cases/{case_id:int}")
    async def case(self, request: Request[Any, Any, Any], services: ServicesDep,
                   case_id: PathId, edit: FromQuery[int | None] = None) -> Response[str]:
        values: dict[str, Any] | None = None
        if edit is not None:
            values = await self._passenger_values(request, services, case_id, edit)
        return _html(await self._case(request, services, case_id, None, {}, values))

    async def _passenger_values(self, request: Request[Any, Any, Any], services: Services,
                                case_id: int, passenger_id: int) -> dict[str, Any]:
        """A member's full record for the edit form: the read is audited (it shows health
        flags and the trafficking flag) in the same transaction."""
        user = _user(request)

        return await services.uow.run(pv.passenger_form, user.actor, case_id, passenger_id)

    def _case_page(self, request: Request[Any, Any, Any], services: Services,
                   case_id: int) -> Page:
        async def page(message: str, form: dict[str, Any]) -> str:
            return await self._case(request, services, case_id, message, form)
        return page

    @post("/cases/{case_id:int}")
    async def edit_case(self, request: Request[Any, Any, Any], services: ServicesDep,
                        case_id: PathId, data: pf.Case) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            pl.load_case(tx, case_id)
            pl.edit_case(tx, case_id, reference=_text(form, "reference"),
                         programme=_opt(form, "programme"))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/cases/{case_id:int}/passengers")
    async def add_passenger(self, request: Request[Any, Any, Any], services: ServicesDep,
                            case_id: PathId, data: pf.Passenger) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            pl.load_case(tx, case_id)
            new, doc = _passenger(form)
            pl.create_passenger(tx, case_id, new, doc)
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/passengers/{passenger_id:int}")
    async def edit_passenger(self, request: Request[Any, Any, Any], services: ServicesDep,
                             passenger_id: PathId, data: pf.Passenger) -> Response[Any]:
        form = data.values()
        case_id = await services.uow.read(pv.case_of_passenger, _user(request).actor,
                                          passenger_id)

        def act(tx: Tx) -> str:
            new, doc = _passenger(form)
            pl.edit_passenger(tx, passenger_id, new, doc,
                              _int(form, "expected_version", required=False))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/passengers/{passenger_id:int}/clearance")
    async def clearance(self, request: Request[Any, Any, Any], services: ServicesDep,
                        passenger_id: PathId, data: pf.Clearance) -> Response[Any]:
        form = data.values()
        case_id = await services.uow.read(pv.case_of_passenger, _user(request).actor,
                                          passenger_id)

        def act(tx: Tx) -> str:
            flights = tuple(_text(form, "medif_flights").replace(",", " ").split())
            record_clearance(tx, passenger_id, ClearanceIn(
                medif_valid_until=_date(form, "medif_valid_until", required=False),
                medif_flights=flights or None,
                declaration=_flag(form, "declaration"), consent=_flag(form, "consent"),
                guardian_origin_confirmed=_flag(form, "guardian_origin"),
                guardian_destination_confirmed=_flag(form, "guardian_destination")))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/passengers/{passenger_id:int}/contact")
    async def contact(self, request: Request[Any, Any, Any], services: ServicesDep,
                      passenger_id: PathId, data: pf.Contact) -> Response[Any]:
        """The member's mobile number, a minor's guardian's number, and consent to
        messages (issue 16): numbers are checked and stored in E.164."""
        form = data.values()
        case_id = await services.uow.read(pv.case_of_passenger, _user(request).actor,
                                          passenger_id)

        def act(tx: Tx) -> str:
            outbox_actions.set_passenger_contact(
                tx, passenger_id, phone=_opt(form, "phone"),
                guardian_phone=_opt(form, "guardian_phone"),
                opted_out=_flag(form, "opted_out"),
                guardian_language=_opt(form, "guardian_language"))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/cases/{case_id:int}/book")
    async def book(self, request: Request[Any, Any, Any], services: ServicesDep,
                   case_id: PathId, data: pf.Book) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            movement_id = _int(form, "movement_id")
            assert movement_id is not None
            pl.book_case(tx, case_id, movement_id, stop=_opt(form, "stop"))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/cases/{case_id:int}/move")
    async def move(self, request: Request[Any, Any, Any], services: ServicesDep,
                   case_id: PathId, data: pf.Move) -> Response[Any]:
        form = data.values()
        # None ticked: the whole case moves.
        chosen = tuple(int(v) for v in data.members() if v.isdigit())

        def act(tx: Tx) -> str:
            source, target = _int(form, "from_movement_id"), _int(form, "to_movement_id")
            assert source is not None and target is not None
            pl.move_case(tx, case_id, source, target, passenger_ids=chosen or None,
                         stop=_opt(form, "stop"), split_reason=_opt(form, "split_reason"))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    @post("/cases/{case_id:int}/confirm")
    async def confirm(self, request: Request[Any, Any, Any], services: ServicesDep,
                      case_id: PathId, data: pf.Book) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            movement_id = _int(form, "movement_id")
            assert movement_id is not None
            confirm_case(tx, case_id, movement_id, _opt(form, "override_reason"))
            return f"/plan/cases/{case_id}"

        return await _act(request, services, data, act,
                          self._case_page(request, services, case_id))

    # -- a charter: legs, crew, pickups --------------------------------------------------
    async def _charter(self, request: Request[Any, Any, Any], services: Services,
                       movement_id: int, message: str | None, values: dict[str, Any],
                       template: str = "planning/charter.html") -> str:
        user = _user(request)

        view, tz = await services.uow.read(pv.charter_page, user.actor, movement_id)
        return _render(request, services, template, ch=view, tz=tz, message=message,
                       v=values)

    @get("/charters/{movement_id:int}")
    async def charter(self, request: Request[Any, Any, Any], services: ServicesDep,
                      movement_id: PathId) -> Response[str]:
        return _html(await self._charter(request, services, movement_id, None, {}))

    @get("/charters/{movement_id:int}/pickups")
    async def pickup_list(self, request: Request[Any, Any, Any], services: ServicesDep,
                          movement_id: PathId) -> Response[str]:
        """The printable pickup list (print styles; one page per charter)."""
        return _html(await self._charter(request, services, movement_id, None, {},
                                         "planning/pickups_print.html"))

    def _charter_page(self, request: Request[Any, Any, Any], services: Services,
                      movement_id: int) -> Page:
        async def page(message: str, form: dict[str, Any]) -> str:
            return await self._charter(request, services, movement_id, message, form)
        return page

    @post("/charters/{movement_id:int}/crew")
    async def add_crew(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId, data: pf.Crew) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            ch.add_crew(tx, movement_id, _text(form, "name"), _text(form, "role"),
                        board_at=_opt(form, "board_at"), leave_at=_opt(form, "leave_at"),
                        phone=_opt(form, "phone"))
            return f"/plan/charters/{movement_id}"

        return await _act(request, services, data, act,
                          self._charter_page(request, services, movement_id))

    @post("/charters/{movement_id:int}/pickups")
    async def add_pickup(self, request: Request[Any, Any, Any], services: ServicesDep,
                         movement_id: PathId, data: pf.Pickup) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            m = pl.load_movement(tx, movement_id)
            day = _date(form, "date", required=False) or m.operational_date
            headcount = _int(form, "headcount")
            assert headcount is not None
            ch.add_pickup(tx, movement_id, _text(form, "location"),
                          _local_time(form, "time", day, m.airport.timezone),
                          _text(form, "vehicle"), headcount)
            return f"/plan/charters/{movement_id}"

        return await _act(request, services, data, act,
                          self._charter_page(request, services, movement_id))

    @post("/charters/{movement_id:int}")
    async def edit_charter(self, request: Request[Any, Any, Any], services: ServicesDep,
                           movement_id: PathId, data: pf.CharterEdit) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            ch.edit_charter(tx, movement_id, operator=_opt(form, "operator"),
                            seat_capacity=_int(form, "seat_capacity", required=False),
                            aircraft_type=_opt(form, "aircraft_type"),
                            aircraft_registration=_opt(form, "aircraft_registration"),
                            expected_version=_int(form, "expected_version", required=False))
            return f"/plan/charters/{movement_id}"

        return await _act(request, services, data, act,
                          self._charter_page(request, services, movement_id))

    @post("/charters/{movement_id:int}/stops")
    async def add_stop(self, request: Request[Any, Any, Any], services: ServicesDep,
                       movement_id: PathId, data: pf.Stop) -> Response[Any]:
        """Add a stop after the point chosen (its time is local at the stop)."""
        form = data.values()

        def act(tx: Tx) -> str:
            ch.add_stop(tx, movement_id, _text(form, "code"), _stop_datetime(form, "at"),
                        after=_opt(form, "after"),
                        expected_version=_int(form, "expected_version", required=False))
            return f"/plan/charters/{movement_id}"

        return await _act(request, services, data, act,
                          self._charter_page(request, services, movement_id))

    @post("/charters/{movement_id:int}/stops/remove")
    async def remove_stop(self, request: Request[Any, Any, Any], services: ServicesDep,
                          movement_id: PathId, data: pf.Stop) -> Response[Any]:
        """Remove a stop; its passengers go to ``move_to`` only when one is chosen."""
        form = data.values()

        def act(tx: Tx) -> str:
            ch.remove_stop(tx, movement_id, _text(form, "stop"),
                           move_to=_opt(form, "move_to"),
                           expected_version=_int(form, "expected_version", required=False))
            return f"/plan/charters/{movement_id}"

        return await _act(request, services, data, act,
                          self._charter_page(request, services, movement_id))

    # -- carrier pre-notification -------------------------------------------------------
    async def _notice(self, request: Request[Any, Any, Any], services: Services,
                      movement_id: int, message: str | None, values: dict[str, Any]) -> str:
        user = _user(request)

        try:
            notice = await services.uow.read(pv.notice_for, user.actor, movement_id)
        except RuleViolation as exc:
            notice, message = None, message or i18n.refused(exc)
        return _render(request, services, "planning/notice.html", n=notice,
                       movement_id=movement_id, message=message, v=values)

    @get("/movements/{movement_id:int}/notice")
    async def notice(self, request: Request[Any, Any, Any], services: ServicesDep,
                     movement_id: PathId) -> Response[str]:
        return _html(await self._notice(request, services, movement_id, None, {}))

    @post("/movements/{movement_id:int}/notice")
    async def notice_sent(self, request: Request[Any, Any, Any], services: ServicesDep,
                          movement_id: PathId, data: pf.Notice) -> Response[Any]:
        form = data.values()

        def act(tx: Tx) -> str:
            record_notice_sent(tx, movement_id, _text(form, "fingerprint"))
            return f"/plan/movements/{movement_id}/notice"

        async def page(message: str, values: dict[str, Any]) -> str:
            return await self._notice(request, services, movement_id, message, values)

        return await _act(request, services, data, act, page)


__all__ = ["Planning"]
