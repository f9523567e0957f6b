"""How long beyond the travel date a destination asks a travel document to stay valid
(the "six-month passport rule"), as data with a stated source, not code.

Two layers, keyed by ISO 3166-1 alpha-2 country code (checked with pycountry):

* the packaged table ``data/entry_validity.csv`` (country, months, source), shipped with
  the console: the agency travel desk's list of destinations that ask for six months;
* an administrator's rows (``EntryValidityRule``, set through ``movements validity set``
  and audited), which override the packaged row of their country; 0 months removes it.

``rules(session)`` is the merged table that readiness (readiness.py) applies to the
destination airport's country.  Pure reads.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import RuleViolation
from .phrases import N_, Phrase
from .planning_models import EntryValidityRule

#: Longest validity a rule may ask (months): beyond it a typo is likelier than a rule.
MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class ValidityRule:
    """``country`` (alpha-2) asks a document valid ``months`` after the travel date."""

    country: str
    months: int
    source: str
    edited_by: str | None = None  # None: the packaged table


def country_code(value: str, *, field: str = "country") -> str:
    """ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code or a country's name (any case).

    Raises ``RuleViolation`` (on ``field``) naming the value when it is no country."""
    text = value.strip()
    found = None
    if len(text) == 2:
        found = pycountry.countries.get(alpha_2=text.upper())
    elif len(text) == 3:
        found = pycountry.countries.get(alpha_3=text.upper())
    if found is None and len(text) > 3:
        try:
            found = pycountry.countries.lookup(text)
        except LookupError:
            found = None
    if found is None:
        raise RuleViolation(Phrase.of(N_("country %(value)s is not an ISO 3166 country (use a "
                                         "code such as IQ or IRQ, or its English name)"),
                                      value=repr(value)), field=field)
    return str(found.alpha_2)


def checked_months(value: int, *, field: str = "months") -> int:
    """``value`` if it is 0..MAX_MONTHS, else ``RuleViolation`` saying the range."""
    if not 0 <= value <= MAX_MONTHS:
        raise RuleViolation(Phrase.of(N_("months %(value)s: expected 0 to %(most)s (0 removes "
                                         "the rule)"),
                                      value=value, most=MAX_MONTHS),
                            field=field)
    return value


@lru_cache(maxsize=1)
def packaged() -> dict[str, ValidityRule]:
    """The packaged table (``data/entry_validity.csv``), country -> rule.  Raises
    ValueError naming the line when a row is malformed (a broken file must not ship)."""
    text = resources.files("movements.domain").joinpath("data/entry_validity.csv").read_text(
        encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    out: dict[str, ValidityRule] = {}
    for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(rows))), start=2):
        try:
            code = country_code(row["country"])
            months = checked_months(int(row["months"]))
        except (RuleViolation, ValueError, TypeError) as exc:
            raise ValueError(f"entry_validity.csv row {n}: {exc}") from exc
        out[code] = ValidityRule(code, months, row["source"].strip())
    return out


def rules(session: Session) -> dict[str, ValidityRule]:
    """The table in force: packaged rows, overridden by administrators' rows; countries
    with 0 months left out."""
    merged = dict(packaged())
    for row in session.scalars(select(EntryValidityRule)):
        merged[row.country] = ValidityRule(row.country, row.months, row.source, row.username)
    return {code: rule for code, rule in merged.items() if rule.months > 0}


@dataclass(frozen=True, slots=True)
class ValidityRow:
    """One country of the table as an administrator sees it: the packaged figure (None:
    not in the packaged table) and the administrator's override, if any (who, when in
    UTC); ``months`` is the figure in force (0: no rule)."""

    country: str
    months: int
    source: str
    packaged_months: int | None
    packaged_source: str | None
    overridden_by: str | None = None
    overridden_at: datetime | None = None

    @property
    def overridden(self) -> bool:
        return self.overridden_at is not None


def table(session: Session) -> list[ValidityRow]:
    """Every country of the packaged table or of an administrator's row, by code, with
    both layers (``ValidityRow``); overrides to 0 months are listed (they remove a
    packaged rule)."""
    shipped = packaged()
    edits = {r.country: r for r in session.scalars(select(EntryValidityRule))}
    out = []
    for code in sorted({*shipped, *edits}):
        base, edit = shipped.get(code), edits.get(code)
        out.append(ValidityRow(
            code, edit.months if edit else base.months if base else 0,
            edit.source if edit else base.source if base else "",
            base.months if base else None, base.source if base else None,
            edit.username if edit else None, edit.updated_at if edit else None))
    return out


__all__ = ["MAX_MONTHS", "ValidityRow", "ValidityRule", "checked_months", "country_code",
           "packaged", "rules", "table"]
