"""Administrators edit the travel-document validity table (entry_validity.py): one
country's months beyond the travel date, with the source they took it from.  Audited;
readiness uses the new figure from the next read on."""

from __future__ import annotations

from ..entry_validity import ValidityRule, checked_months, country_code, packaged
from ..errors import Problems, RuleViolation
from ..models import Role
from ..phrases import N_, Phrase
from ..planning_models import EntryValidityRule
from ..uow import Tx
from ._common import clean_text, require_role


def set_rule(tx: Tx, country: str, months: int, source: str) -> ValidityRule:
    """Set ``country`` (alpha-2, alpha-3 or name) to ask a document valid ``months``
    (0..24; 0 removes the rule) after the travel date, citing ``source`` (required, what
    the figure was taken from).  Admins only (``PermissionDenied``); a bad country, months
    or an empty source raise ``RuleViolation`` naming the field, and nothing is written."""
    require_role(tx, Role.ADMIN)
    problems = Problems()  # every field's problem in one refusal
    code = problems.check(country_code, country)
    problems.check(checked_months, months)
    cited = problems.check(clean_text, source, N_("source"), required=True)
    problems.raise_any()
    assert code is not None and cited is not None
    row = tx.session.get(EntryValidityRule, code)
    before = ({"months": row.months, "source": row.source} if row is not None else
              {"months": packaged()[code].months, "source": packaged()[code].source}
              if code in packaged() else {"months": 0})
    if row is None:
        row = EntryValidityRule(country=code, months=months, source=cited, updated_at=tx.now,
                                username=tx.actor.username)
        tx.session.add(row)
    else:
        row.months, row.source = months, cited
        row.updated_at, row.username = tx.now, tx.actor.username
    tx.audit("set_entry_validity", "entry_validity_rule", None, detail=code, before=before,
             after={"months": months, "source": cited})
    return ValidityRule(code, months, cited, tx.actor.username)


def clear_rule(tx: Tx, country: str) -> None:
    """Drop the administrators' row of ``country``: the packaged figure applies again.
    Admins only; ``RuleViolation`` when there is no such row."""
    require_role(tx, Role.ADMIN)
    code = country_code(country)
    row = tx.session.get(EntryValidityRule, code)
    if row is None:
        raise RuleViolation(Phrase.of(N_("%(code)s has no edited entry; the packaged table "
                                         "applies"),
                                      code=code),
                            field="country")
    tx.audit("clear_entry_validity", "entry_validity_rule", None, detail=code,
             before={"months": row.months, "source": row.source})
    tx.session.delete(row)
