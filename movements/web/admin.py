"""Administration: users, organisations, and the audit trail (admins only).

Plain forms: POST, then a redirect (303) on success; a refusal re-renders the page with
the reason (422) and changes nothing.  The audit trail is read-only here: no route
changes or removes an audit entry, and every read of it is itself audited.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Response, Stream

from movements import i18n
from movements.domain import account_queries, queries
from movements.domain.actions import audit as audit_actions
from movements.domain.actions import languages as language_actions
from movements.domain.actions import passwords as password_actions
from movements.domain.actions import setup
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.errors import DomainError, RuleViolation, not_found
from movements.domain.phrases import N_, Phrase
from movements.domain.vocabulary import OrganisationKind, Role
from movements.platform.passwords import hash_password
from movements.services import Services
from movements.web import account_forms as af
from movements.web.audit_labels import detail_phrase, entity_label
from movements.web.auth import ADMIN, ROLE_LABELS, AuthUser, current_user
from movements.web.deps import MAX_ROW_ID, ServicesDep
from movements.web.media import CSV, HTML, TEXT
from movements.web.render import page as render_page

MIN_PASSWORD = 10
MAX_PASSWORD = 200
KIND_LABELS = {
    OrganisationKind.AGENCY_TEAM: "agency team",
    OrganisationKind.RECEPTION_AUTHORITY: "reception authority",
    OrganisationKind.RECEIVING_MISSION: "receiving mission",
    OrganisationKind.FAMILY: "family member",
    OrganisationKind.REPATRIATION_SERVICE: "repatriation service",
}


def _html(body: str, status: int = 200) -> Response[str]:
    return Response(body, media_type=HTML, status_code=status,
                    headers={"Cache-Control": "no-store"})


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # the ADMIN guard makes sure
    return user


def _render(request: Request[Any, Any, Any], services: Services, template: str,
            status: int = 200, **context: Any) -> Response[str]:
    user = _user(request)
    return _html(render_page(request, template,
        user=user, csrf_token=user.csrf_token, airport_name=services.settings.airport,
        **context), status)


def _no_nul(values: dict[str, Any]) -> None:
    """A NUL is never text anyone typed, and PostgreSQL refuses to store or compare it
    (a 500 instead of a clear refusal)."""
    for key, value in values.items():
        if "\x00" in str(value):
            raise RuleViolation(Phrase.of(N_("%(field)s contains a NUL character"),
                                          field=key), field=key)


def _local(value: datetime | None, zone: str = "UTC") -> str:
    """A stored UTC time as the deployment's local time (``queries.deployment_timezone``)."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S") if value else ""


async def _zone(services: Services) -> str:
    return await services.uow.read(queries.deployment_timezone, services.settings.airport)


# -- users --------------------------------------------------------------------------------

def _users_view(overview: account_queries.UsersOverview, zone: str) -> dict[str, Any]:
    """The users page's rows: the domain's overview with labels and local times."""
    return {
        "users": [{"id": u.id, "username": u.username, "display_name": u.display_name,
                   "role": ROLE_LABELS[u.role], "role_value": u.role.value,
                   "organisation": u.organisation, "airports": list(u.airports),
                   "active": u.active, "created": _local(u.created_at, zone), "locale": u.locale,
                   "sessions": u.open_sessions} for u in overview.users],
        "organisations": list(overview.organisations),
        "airports": list(overview.airports),
    }


async def _users_data(services: Services) -> dict[str, Any]:
    return _users_view(await services.uow.read(account_queries.users_overview),
                       await _zone(services))


async def _users_page(request: Request[Any, Any, Any], services: Services, *,
                      message: str | None = None, kind: str = "ok",
                      form: dict[str, Any] | None = None, field: str | None = None,
                      status: int = 200) -> Response[str]:
    view = await _users_data(services)
    form = form or {"airports": []}  # a new user works at no airport until one is ticked
    return _render(request, services, "admin/users.html", status, **view,
                   roles=[(r.value, ROLE_LABELS[r]) for r in Role], form=form,
                   message=message, message_kind=kind, field=field,
                   min_password=MIN_PASSWORD)


def _user_id(raw: str) -> int:
    try:
        user_id = int(raw)
    except ValueError:
        raise RuleViolation(Phrase(N_("choose a user (user_id is missing or not a number)")),
                            field="user_id") from None
    if not 1 <= user_id <= MAX_ROW_ID:
        raise not_found("user")
    return user_id


class Admin(Controller):
    path = "/admin"
    guards = [ADMIN]
    include_in_schema = False

    @get("/users")
    async def users(self, request: Request[Any, Any, Any], services: ServicesDep
                    ) -> Response[str]:
        # The message after a redirect names only what exists (never echoes the URL).
        view = await _users_data(services)
        message = None
        _ = i18n.gettext
        for key, text in (("added", i18n.N_("Added %(username)s (%(role)s).")),
                          ("changed", i18n.N_("%(username)s: %(state)s.")),
                          ("access", i18n.N_("%(username)s is now %(role)s at %(places)s.")),
                          ("language", i18n.N_("%(username)s now reads the console in "
                                               "%(language)s."))):
            raw = request.query_params.get(key)
            for u in view["users"]:
                if raw and str(u["id"]) == raw:
                    message = _(text) % {
                        "username": u["username"], "role": _(u["role"]),
                        "state": _("active") if u["active"] else
                        _("deactivated; their sessions were ended"),
                        "places": ", ".join(u["airports"]) or _("no airport"),
                        "language": i18n.LANGUAGES.get(u["locale"], u["locale"])}
        return await _users_page(request, services, message=message)

    @post("/users", status_code=303)
    async def add_user(self, request: Request[Any, Any, Any], services: ServicesDep,
                       data: af.UserBody) -> Response[Any]:
        kept = data.kept()
        password = data.password
        try:
            _no_nul(kept)
            if len(password) < MIN_PASSWORD:
                raise RuleViolation(Phrase.of(N_("the password needs at least %(most)s characters"),
                                              most=MIN_PASSWORD),
                                    field="password")
            if len(password) > MAX_PASSWORD:
                raise RuleViolation(Phrase.of(N_("the password is longer than %(most)s characters"),
                                              most=MAX_PASSWORD),
                                    field="password")
            # argon2 is slow on purpose: off the event loop.
            hashed = await asyncio.to_thread(hash_password, password)
            user_id = await services.uow.run(
                setup.add_user, _user(request).actor, data.username, data.display_name,
                data.role, hashed, organisation=data.organisation.strip() or None,
                airports=data.airport_codes(), locale=data.locale)
        except DomainError as exc:
            return await _users_page(request, services,
                                     message=i18n.gettext("Not added: %(reason)s") % {
                                         "reason": i18n.refused(exc)},
                                     kind="error", form=kept, field=exc.field,
                                     status=exc.status)
        return Redirect(f"/admin/users?added={user_id}", status_code=303)

    @post("/users/reset-password", status_code=200)
    async def reset_password(self, request: Request[Any, Any, Any], services: ServicesDep,
                             data: af.UserId) -> Response[Any]:
        """A one-time password, shown once to the admin; the user's sessions end and they
        choose their own at the next sign-in."""
        try:
            user_id = _user_id(data.user_id)
            one_time = secrets.token_urlsafe(9)  # 12 characters, about 72 bits
            hashed = await asyncio.to_thread(hash_password, one_time)
            await services.uow.run(password_actions.reset_password, _user(request).actor,
                                   user_id, hashed)
            await request.app.state.hub.sockets.sessions_changed(user_id)  # sockets end
            username = await services.uow.read(account_queries.username_of, user_id)
        except DomainError as exc:
            return await _users_page(request, services,
                                     message=i18n.gettext("Not reset: %(reason)s") % {
                                         "reason": i18n.refused(exc)},
                                     kind="error", status=exc.status)
        return await _users_page(
            request, services, message=i18n.gettext(
                "One-time password for %(username)s: %(password)s (shown once; they choose "
                "their own at the next sign-in).") % {"username": username,
                                                      "password": one_time}, kind="ok")

    @post("/users/language", status_code=303)
    async def set_language(self, request: Request[Any, Any, Any], services: ServicesDep,
                           data: af.Locale) -> Response[Any]:
        """Set a user's console language (they see it from their next page on)."""
        try:
            user_id = _user_id(data.user_id)
            await services.uow.run(language_actions.set_user_locale, _user(request).actor,
                                   user_id, data.locale)
        except DomainError as exc:
            return await _users_page(request, services,
                                     message=i18n.gettext("Not changed: %(reason)s") % {
                                         "reason": i18n.refused(exc)},
                                     kind="error", field=exc.field, status=exc.status)
        # Confirm what changed (the language), not the account state ("gate: active").
        return Redirect(f"/admin/users?language={user_id}", status_code=303)

    @post("/users/access", status_code=303)
    async def change_access(self, request: Request[Any, Any, Any], services: ServicesDep,
                            data: af.UserBody) -> Response[Any]:
        """Role, organisation and airports of a user; in force at once, on their open
        sockets too (the hub re-checks them and closes those no longer allowed)."""
        try:
            _no_nul({k: v for k, v in data.kept().items() if k != "airports"})
            user_id = _user_id(data.user_id)
            await services.uow.run(
                setup.change_user_access, _user(request).actor, user_id, data.role,
                organisation=data.organisation.strip() or None,
                airports=data.airport_codes())
            await request.app.state.hub.sockets.sessions_changed(user_id)  # sockets too
        except DomainError as exc:
            return await _users_page(
                request, services, message=i18n.gettext("Not changed: %(reason)s") % {
                    "reason": i18n.refused(exc)},
                kind="error", field=exc.field, status=exc.status)
        return Redirect(f"/admin/users?access={user_id}", status_code=303)

    @post("/users/deactivate", status_code=303)
    async def deactivate(self, request: Request[Any, Any, Any], services: ServicesDep,
                         data: af.UserId) -> Response[Any]:
        return await self._set_active(request, services, data, False)

    @post("/users/reactivate", status_code=303)
    async def reactivate(self, request: Request[Any, Any, Any], services: ServicesDep,
                         data: af.UserId) -> Response[Any]:
        return await self._set_active(request, services, data, True)

    async def _set_active(self, request: Request[Any, Any, Any], services: Services,
                          data: af.UserIdForm, active: bool) -> Response[Any]:
        try:
            user_id = _user_id(data.user_id)
            await services.uow.run(setup.set_user_active, _user(request).actor, user_id,
                                   active)
            await request.app.state.hub.sockets.sessions_changed(user_id)  # sockets end
        except DomainError as exc:
            said = i18n.gettext("Not changed: %(reason)s") % {"reason": i18n.refused(exc)}
            return await _users_page(request, services, message=said,
                                     kind="error", status=exc.status)
        return Redirect(f"/admin/users?changed={user_id}", status_code=303)

    # -- organisations ------------------------------------------------------------------
    @get("/organisations")
    async def organisations(self, request: Request[Any, Any, Any], services: ServicesDep
                            ) -> Response[str]:
        return await _organisations_page(request, services)

    @post("/organisations", status_code=303)
    async def add_organisation(self, request: Request[Any, Any, Any], services: ServicesDep,
                               data: af.OrganisationBody) -> Response[Any]:
        name, kind = data.name, data.kind

        try:
            _no_nul({"name": name, "kind": kind})
            org_id = await services.uow.run(setup.create_organisation, _user(request).actor,
                                            name, kind)
        except DomainError as exc:
            return await _organisations_page(
                request, services, message=i18n.gettext("Not added: %(reason)s") % {
                    "reason": i18n.refused(exc)}, kind="error",
                field=exc.field,
                form={"name": name, "kind": kind}, status=exc.status)
        return Redirect(f"/admin/organisations?added={org_id}", status_code=303)

    # -- audit --------------------------------------------------------------------------
    @get("/audit")
    async def audit(self, request: Request[Any, Any, Any], services: ServicesDep,
                    username: FromQuery[str | None] = None, action: FromQuery[str | None] = None,
                    entity: FromQuery[str | None] = None,
                    entity_id: FromQuery[str | None] = None,
                    since: FromQuery[str | None] = None, until: FromQuery[str | None] = None,
                    page: FromQuery[str | None] = None) -> Response[str]:
        raw = {"username": username or "", "action": action or "", "entity": entity or "",
               "entity_id": entity_id or "", "since": since or "", "until": until or ""}
        try:
            zone = await _zone(services)
            filters = parse_filters(raw, zone)
            number = _page_number(page)
        except RuleViolation as exc:
            return _render(request, services, "admin/audit.html", 422, form=raw,
                           message=i18n.refused(exc), field=exc.field, result=None,
                           query="", fmt=partial(_local, zone=zone), dumps=_dumps,
                           entity_label=entity_label, detail_phrase=detail_phrase)
        result = await services.uow.run(audit_actions.search_page, _user(request).actor,
                                        filters, number)
        query = {k: v for k, v in raw.items() if v}
        return _render(request, services, "admin/audit.html", form=raw, message=None,
                       field=None, result=result, query=urlencode(query),
                       fmt=partial(_local, zone=zone),
                       dumps=_dumps, entity_label=entity_label, detail_phrase=detail_phrase,
                       page_url=lambda n: "/admin/audit?" + urlencode(
                           {**query, "page": n}))

    @get("/audit.csv")
    async def audit_csv(self, request: Request[Any, Any, Any], services: ServicesDep,
                        username: FromQuery[str | None] = None,
                        action: FromQuery[str | None] = None,
                        entity: FromQuery[str | None] = None,
                        entity_id: FromQuery[str | None] = None,
                        since: FromQuery[str | None] = None,
                        until: FromQuery[str | None] = None) -> Response[Any]:
        raw = {"username": username or "", "action": action or "", "entity": entity or "",
               "entity_id": entity_id or "", "since": since or "", "until": until or ""}
        try:
            zone = await _zone(services)
            filters = parse_filters(raw, zone)
        except RuleViolation as exc:
            return Response(exc.message + "\n", media_type=TEXT,
                            status_code=422)
        bound = await services.uow.run(audit_actions.start_export, _user(request).actor,
                                       filters)
        stamp = services.clock.now().strftime("%Y%m%dT%H%M%SZ")
        return Stream(_csv_chunks(services, filters, bound),
                      media_type=CSV,
                      headers={"Cache-Control": "no-store", "Content-Disposition":
                               f'attachment; filename="audit-{stamp}.csv"'})


async def _organisations_page(request: Request[Any, Any, Any], services: Services, *,
                              message: str | None = None, kind: str = "ok",
                              field: str | None = None, form: dict[str, Any] | None = None,
                              status: int = 200) -> Response[str]:
    rows: list[dict[str, Any]] = [
        {"id": o.id, "name": o.name, "kind": KIND_LABELS.get(o.kind, o.kind.value),
         "users": o.users}
            for o in await services.uow.read(account_queries.organisations_overview)]
    if message is None:
        raw = request.query_params.get("added")
        for o in rows:
            if raw and str(o["id"]) == raw:
                message = i18n.gettext("Added %(username)s (%(role)s).") % {
                    "username": o["name"], "role": i18n.gettext(str(o["kind"]))}
    return _render(request, services, "admin/organisations.html", status, rows=rows,
                   kinds=list(KIND_LABELS.items()), message=message, message_kind=kind,
                   field=field, form=form or {"name": "",
                                              "kind": OrganisationKind.RECEPTION_AUTHORITY})


# -- audit helpers ------------------------------------------------------------------------

def _when(value: str, name: str, zone: str, *, end: bool) -> datetime | None:
    """A local date (YYYY-MM-DD: the whole day) or date and time (YYYY-MM-DDTHH:MM), in
    ``zone`` (the deployment's) unless it carries an offset; returned in UTC."""
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = parse_day(text)
            if end:
                day += timedelta(days=1)
            return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        when = datetime.fromisoformat(text)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise RuleViolation(Phrase.of(N_("%(name)s %(why)s"), name=name, why=bad.phrase),
                            field=name) from None
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(name)s %(text)s: expected YYYY-MM-DD or "
                                         "YYYY-MM-DDTHH:MM"),
                                      name=name, text=repr(text)),
                            field=name) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    return when.astimezone(UTC)


def parse_filters(raw: dict[str, str], zone: str = "UTC") -> audit_actions.AuditFilters:
    """The audit search form as filters; ``zone``: where its dates are local."""
    _no_nul(raw)
    entity_id: int | None = None
    if raw.get("entity_id", "").strip():
        try:
            entity_id = int(raw["entity_id"].strip())
        except ValueError:
            raise RuleViolation(Phrase.of(N_("entity id %(value)s: expected a whole number"),
                                          value=repr(raw["entity_id"])),
                                field="entity_id") from None
        if not -MAX_ROW_ID - 1 <= entity_id <= MAX_ROW_ID:
            raise RuleViolation(Phrase.of(N_("entity id %(entity_id)s is out of range"),
                                          entity_id=entity_id), field="entity_id")
    for key in ("username", "action", "entity"):
        if len(raw.get(key, "")) > 80:
            raise RuleViolation(Phrase.of(N_("%(field)s is longer than 80 characters"),
                                          field=key), field=key)
    since = _when(raw.get("since", ""), "since", zone, end=False)
    until = _when(raw.get("until", ""), "until", zone, end=True)
    if since is not None and until is not None and until <= since:
        raise RuleViolation(Phrase(N_("'until' must be after 'since'")), field="until")
    return audit_actions.AuditFilters(
        username=raw.get("username", "").strip() or None,
        action=raw.get("action", "").strip() or None,
        entity=raw.get("entity", "").strip() or None,
        entity_id=entity_id, since=since, until=until)


def _page_number(value: str | None) -> int:
    if not value:
        return 1
    try:
        number = int(value)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("page %(value)s: expected a number"),
                                      value=repr(value)), field="page") from None
    if not 1 <= number <= 1_000_000:
        raise RuleViolation(Phrase.of(N_("page %(number)s: out of range"),
                                      number=number), field="page")
    return number


def _dumps(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


CSV_HEADER = ["id", "at_utc", "user_id", "username", "action", "entity", "entity_id",
              "before", "after", "detail"]


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula starts with a quote instead (user
    names typed at the sign-in page end up in the trail)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buffer.getvalue()


async def _csv_chunks(services: Services, filters: audit_actions.AuditFilters,
                      bound: int) -> AsyncIterator[str]:
    yield _csv_line(CSV_HEADER)
    after: tuple[datetime, int] | None = None
    while True:
        rows = await services.uow.read(audit_actions.export_batch, filters, bound, after)
        if not rows:
            return
        yield "".join(_csv_line([
            r.id, r.at.astimezone(UTC).isoformat(), r.user_id, r.username, r.action,
            r.entity, r.entity_id, _dumps(r.before), _dumps(r.after), r.detail])
            for r in rows)
        after = (rows[-1].at, rows[-1].id)


ADMIN_ROUTES = [Admin]
