"""Reports over several months, added up from one part per month.

A write changes the figures of its own airport's month(s) only (``Tx.stamp_reports``
bumps their counters; ``reports.month_stamps`` reads them), so a caller that keeps each
month's part keyed by that month's stamp recomputes just the months a write touched and
adds the rest up from what it kept: the year view after a write costs one month's
queries, not twelve.  Every figure adds up because the counting unit is a booking
(``reports._people``) and every row belongs to one month (a movement has one operational
date); the "top N countries" cut and the averages are made after adding, from parts
that keep every country (``annual(..., top=None)``) and the sums of minutes
(``ServicePart``).  ``tests/domain/test_report_months.py`` checks, on both backends and
after every kind of write, that the sum equals a recompute of the whole range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from .reports import (
    DIRECTIONS,
    Cell,
    Report,
    ReportFilter,
    ServicePart,
    Table,
    WorstCase,
    _direction_rows,
    _top,
    finish_service,
)

#: The annual tables whose rows are added up by their first cell, in first-seen order.
_SUMMED = ("medical", "chronic_conditions", "minors")
#: ... then sorted by that cell.
_SUMMED_SORTED = ("by_programme",)
#: ... then cut to the top N, the rest as "other".
_RANKED = ("by_country", "medical_by_country")
#: Rows of one month each, kept in month order.
_CONCATENATED = ("by_month", "charters")


def month_filters(f: ReportFilter) -> list[ReportFilter]:
    """``f`` cut at month ends: one filter per calendar month it touches, in order, the
    first and last clipped to ``f``'s dates."""
    out = []
    start = f.date_from
    while start <= f.date_to:
        nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append(replace(f, date_from=start, date_to=min(f.date_to, nxt - timedelta(days=1))))
        start = nxt
    return out


def month_of(f: ReportFilter) -> tuple[int, int]:
    """The (year, month) of a filter from ``month_filters``."""
    return f.date_from.year, f.date_from.month


def _summed(tables: Sequence[Table]) -> dict[Cell, list[int]]:
    out: dict[Cell, list[int]] = {}
    for t in tables:
        for row in t.rows:
            acc = out.setdefault(row[0], [0] * (len(row) - 1))
            for i, v in enumerate(row[1:]):
                acc[i] += int(v or 0)
    return out


def _row(key: Cell, cells: list[int]) -> tuple[Cell, ...]:
    return (key, *cells)


def add_annual(parts: Sequence[Report], *, top: int | None = 10) -> Report:
    """The annual report of consecutive months from their parts (``annual(session,
    month_filter, top=None)`` each, in month order); equal to ``annual`` over the whole
    range with the same ``top``.  Raises ValueError for no parts."""
    if not parts:
        raise ValueError("no months to add up")
    tables: list[Table] = []
    for first in parts[0].tables:
        same = [p.table(first.key) for p in parts]
        if first.key in _CONCATENATED:
            rows = tuple(r for t in same for r in t.rows)
        elif first.key in _SUMMED or first.key in _SUMMED_SORTED:
            summed = _summed(same)
            keys = sorted(summed, key=_sort_key) if first.key in _SUMMED_SORTED else list(summed)
            rows = tuple(_row(k, summed[k]) for k in keys)
        elif first.key in _RANKED:
            summed = _summed(same)
            ranked = _top([(str(k), dict(zip(DIRECTIONS, v, strict=False)))
                           for k, v in summed.items()], top)
            rows = _direction_rows({(n,): c for n, c in ranked}, [(n,) for n, _ in ranked])
        elif first.key == "trafficking":  # "All" first, then countries in order
            summed = _summed(same)
            everyone, *countries = summed
            rows = (_row(everyone, summed[everyone]),
                    *(_row(k, summed[k]) for k in sorted(countries, key=_sort_key)))
        else:
            raise ValueError(f"table {first.key!r}: no rule to add it up")
        tables.append(replace(first, rows=rows))
    report = Report(tuple(tables))
    by_month = report.table("by_month")
    totals = {d: sum(int(r[1 + i] or 0) for r in by_month.rows)
              for i, d in enumerate(DIRECTIONS)}
    peak = max(((str(r[0]), int(r[2] or 0)) for r in by_month.rows), key=lambda kv: kv[1],
               default=None)
    facts: list[tuple[str, Cell]] = [
        ("people", sum(int(p.fact("people") or 0) for p in parts)), *totals.items(),
        ("peak_transit_month", peak[0] if peak and peak[1] else None),
        ("peak_transits", peak[1] if peak else 0),
        ("medical_cases", sum(int(r[4] or 0) for r in report.table("medical").rows)),
        ("charter_flights", len(report.table("charters").rows)),
    ]
    return replace(report, facts=tuple(facts))


def _sort_key(value: Cell) -> Any:
    return str(value)


def add_service(parts: Sequence[ServicePart], *, worst: int = 10
                ) -> tuple[Report, list[WorstCase]]:
    """The service-level report of consecutive months from their parts
    (``service_part`` each, in month order, with the same ``per`` and ``worst``); equal
    to ``service_levels`` over the whole range.  Raises ValueError for no parts."""
    if not parts:
        raise ValueError("no months to add up")
    ecac = tuple(replace(t, rows=tuple(r for p in parts for r in p.ecac[i].rows))
                 for i, t in enumerate(parts[0].ecac))
    spans = []
    for i, (label, *_) in enumerate(parts[0].spans):
        rows = [p.spans[i] for p in parts]
        totals = [r[2] for r in rows if r[2] is not None]
        longest = [r[3] for r in rows if r[3] is not None]
        spans.append((label, sum(r[1] for r in rows), sum(totals) if totals else None,
                      max(longest) if longest else None))
    no_shows = replace(parts[0].no_shows, rows=tuple(r for p in parts for r in p.no_shows.rows))
    merged = ServicePart(ecac, tuple(spans), no_shows,
                         tuple(w for p in parts for w in p.worst))
    return finish_service(merged, worst=worst)
