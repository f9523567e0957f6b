"""Administrators edit the travel-document validity table (entry_validity.py): one
country's months beyond the travel date, with the source they took it from.  Audited;
readiness uses the new figure from the next read on, and every movement still to leave
for that country is told (``MovementUpdated``), so the boards and movement pages that
keep a rendered copy per stream number redraw its readiness instead of showing the old
rule until the next tap."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..entry_validity import ValidityRule, checked_months, country_code, packaged
from ..errors import Problems, RuleViolation
from ..events import MovementUpdated
from ..models import CharterStop, Movement, MovementKind, Role
from ..phrases import N_, Phrase
from ..planning_models import EntryValidityRule
from ..readiness import country_of
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
    _tell_movements_to(tx, code)
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
    _tell_movements_to(tx, code)


#: Movements that left this long ago are history: their readiness is not redrawn.
_STILL_SHOWN = timedelta(days=1)


def _tell_movements_to(tx: Tx, country: str) -> None:
    """A ``MovementUpdated`` (changes ``{"entry_validity": country}``) for every movement
    not arriving, scheduled from a day ago on, whose destination or a charter stop lies
    in ``country`` (alpha-2): readiness depends on the rule there."""
    rows = tx.session.execute(
        select(Movement.id, Movement.destination)
        .where(Movement.kind != MovementKind.ARRIVAL,
               Movement.scheduled_at >= tx.now - _STILL_SHOWN)).all()
    stop_codes: dict[int, set[str]] = {}
    for movement_id, code in tx.session.execute(
            select(CharterStop.movement_id, CharterStop.airport_code)
            .join(Movement, Movement.id == CharterStop.movement_id)
            .where(Movement.scheduled_at >= tx.now - _STILL_SHOWN)):
        stop_codes.setdefault(movement_id, set()).add(code)
    for movement_id, destination in rows:
        codes = {destination, *stop_codes.get(movement_id, ())}
        if any(country_of(c) == country for c in codes if c):
            movement = tx.session.get(Movement, movement_id)
            assert movement is not None
            tx.record(MovementUpdated, movement, changes={"entry_validity": country})
