"""The travel-document validity table (the "six-month passport rule") for administrators.

The page shows every country of the table in force (domain/entry_validity.py): its
months, its source, and whether an administrator overrode the packaged row (who, when).
An admin overrides one country with a source, or reverts it to the packaged row: the
same domain actions as ``movements validity set|clear`` (actions/entry_validity.py),
audited the same way.  Plain forms, as the other admin pages: POST, then a redirect
(303); a refusal re-renders the page with the reason in the reader's language (422)
and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pycountry
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response

from movements import i18n
from movements.domain import entry_validity
from movements.domain.actions import entry_validity as actions
from movements.domain.actions._common import clean_text
from movements.domain.entry_validity import MAX_MONTHS
from movements.domain.errors import DomainError, Problems, RuleViolation, problems_of
from movements.domain.phrases import N_, Phrase
from movements.services import Services
from movements.web import account_forms as af
from movements.web.admin import _local, _no_nul, _render, _user, _zone
from movements.web.auth import ADMIN
from movements.web.deps import ServicesDep
from movements.web.report_charts import country_name

NOT_A_NUMBER = N_("Months %(value)s: expected a whole number from 0 to %(most)d")
SET = N_("%(country)s: travel document valid %(months)d months after travel (%(source)s).")
REMOVED = N_("%(country)s: no validity rule beyond the travel date (%(source)s).")
REVERTED = N_("%(country)s: the packaged table applies again.")


def _name(code: str) -> str:
    """An alpha-2 code's country name in the reader's language."""
    found = pycountry.countries.get(alpha_2=code)
    return country_name(str(found.alpha_3)) if found is not None else code


def _months(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise RuleViolation(Phrase.of(NOT_A_NUMBER, value=repr(raw), most=MAX_MONTHS),
                            field="months") from None


async def _page(request: Request[Any, Any, Any], services: Services, *,
                message: str | None = None, kind: str = "ok",
                form: dict[str, Any] | None = None, field: str | None = None,
                status: int = 200, fields: list[str] | None = None) -> Response[str]:
    rows = await services.uow.read(entry_validity.table)
    zone = await _zone(services)
    return _render(request, services, "admin/validity.html", status,
                   rows=[{"code": r.country, "name": _name(r.country), "months": r.months,
                          "source": r.source, "overridden": r.overridden,
                          "by": r.overridden_by or "", "at": _local(r.overridden_at, zone),
                          "packaged": r.packaged_months} for r in rows],
                   form=form or {}, message=message, message_kind=kind, field=field,
                   fields=fields or ([field] if field else []),
                   most=MAX_MONTHS)


class Validity(Controller):
    path = "/admin/validity"
    guards = [ADMIN]
    include_in_schema = False

    @get("/")
    async def table(self, request: Request[Any, Any, Any], services: ServicesDep
                    ) -> Response[str]:
        # The message after a redirect names only a row that exists (never echoes input).
        message = None
        rows = {r.country: r for r in await services.uow.read(entry_validity.table)}
        raw = request.query_params.get("reverted") or ""
        if len(raw) == 2 and pycountry.countries.get(alpha_2=raw) is not None:
            message = i18n.gettext(Phrase.of(REVERTED, country=f"{_name(raw)} ({raw})"))
        rule = rows.get(request.query_params.get("set") or "")
        if rule is not None:
            message = i18n.gettext(Phrase.of(
                SET if rule.months else REMOVED, country=f"{_name(rule.country)} "
                f"({rule.country})", months=rule.months, source=rule.source))
        return await _page(request, services, message=message)

    @post("/", status_code=303)
    async def override(self, request: Request[Any, Any, Any], services: ServicesDep,
                       data: af.ValidityBody) -> Response[Any]:
        form = {"country": data.country, "months": data.months, "source": data.source}
        try:
            _no_nul(form)
            problems = Problems()  # a bad number and a bad country: both at once
            months = problems.check(_months, data.months)
            if months is None:  # the domain's other field rules, for the same reply
                problems.check(entry_validity.country_code, data.country)
                problems.check(clean_text, data.source, N_("source"), required=True)
            problems.raise_any()
            assert months is not None
            rule = await services.uow.run(actions.set_rule, _user(request).actor,
                                          data.country, months, data.source)
        except DomainError as exc:
            return await _page(request, services, message=i18n.gettext(
                "Not changed: %(reason)s") % {"reason": i18n.refused(exc)}, kind="error",
                form=form, field=exc.field, status=exc.status,
                fields=[p.field for p in problems_of(exc) if p.field])
        return Redirect(f"/admin/validity?set={rule.country}", status_code=303)

    @post("/revert", status_code=303)
    async def revert(self, request: Request[Any, Any, Any], services: ServicesDep,
                     data: af.ValidityBody) -> Response[Any]:
        try:
            _no_nul({"country": data.country})
            code = entry_validity.country_code(data.country)
            await services.uow.run(actions.clear_rule, _user(request).actor, code)
        except DomainError as exc:
            return await _page(request, services, message=i18n.gettext(
                "Not reverted: %(reason)s") % {"reason": i18n.refused(exc)}, kind="error",
                field=exc.field, status=exc.status)
        return Redirect(f"/admin/validity?reverted={code}", status_code=303)


VALIDITY_ROUTES = [Validity]
