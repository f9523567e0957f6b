"""Secondary (complementary) cell suppression: no hidden count can be worked out from
the published cells and the row/column totals, over several shapes of table."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from movements.domain import disclosure
from movements.domain import reports as rp

COLUMNS = ("Group", "Departures", "Transits", "Arrivals", "Total")


def _table(parts: list[list[int]], *, total_row: bool = False) -> rp.Table:
    rows = [[f"r{i}", *p, sum(p)] for i, p in enumerate(parts)]
    if total_row:
        rows.insert(0, ["All", *(sum(c) for c in zip(*parts, strict=True)),
                        sum(map(sum, parts))])
    return rp.Table("t", "t", COLUMNS, tuple(tuple(r) for r in rows), rp._DIR_COUNTS,
                    total_row=0 if total_row else None)


def _recoverable(original: rp.Table, shown: rp.Table) -> list[tuple[int, int]]:
    """Hidden cells a reader can name: from the lines the reader knows (row totals, the
    total row, column totals), by elimination, and one line at a time by the bounds of
    "<5" (1 to 4).  Returns the "<5" cells whose value is fixed."""
    counts = sorted(original.counts)
    hidden = {(r, c) for r, row in enumerate(shown.rows) for c in counts
              if isinstance(row[c], str)}
    lines = disclosure.lines_of(len(original.rows), counts, total_column=4,
                                total_row=original.total_row)
    fixed = set(disclosure.determined(lines, hidden))
    # Subtraction within one line: exactly one hidden cell.
    for line in lines:
        inside = [c for c in line.cells if c in hidden]
        if len(inside) == 1:
            fixed.add(inside[0])
    # Brute force over the small ones: "<5" cells range over 1..4, secondary cells over
    # 0..the largest count; a cell is recoverable if every assignment that fits every
    # line agrees on it.
    values = {(r, c): original.rows[r][c] for r in range(len(original.rows)) for c in counts}
    order = sorted(hidden)
    top = max(values.values(), default=0)
    ranges = [range(1, 5) if shown.rows[r][c] == "<5" else range(0, top + 1) for r, c in order]
    if order and math.prod(len(x) for x in ranges) <= 20_000:
        seen: dict[tuple[int, int], set[int]] = {c: set() for c in order}
        for guess in itertools.product(*ranges):
            trial = {**values, **dict(zip(order, guess, strict=True))}
            if all(sum(Fraction(trial[c]) for c in ln.plus)
                   - sum(Fraction(trial[c]) for c in ln.minus)
                   == sum(values[c] for c in ln.plus) - sum(values[c] for c in ln.minus)
                   for ln in lines):
                for c, v in zip(order, guess, strict=True):
                    seen[c].add(v)
        fixed |= {c for c, vs in seen.items() if len(vs) == 1}
    # What must not leak is a small count: a hidden zero in a column whose total is 0 is
    # no disclosure, as long as it names no "<5" cell.
    return sorted(c for c in fixed if shown.rows[c[0]][c[1]] == "<5")


def test_the_newcomers_row_no_longer_gives_the_hidden_cell_away() -> None:
    # "Family reunification: 0, <5, 6, 7": 7 - 6 = 1.
    original = _table([[0, 1, 6], [40, 12, 9], [20, 8, 30]])
    shown = rp.suppress(original)
    assert shown.rows[0][2] == "<5"
    assert sum(isinstance(v, str) for v in shown.rows[0][1:]) >= 2, shown.rows[0]
    assert _recoverable(original, shown) == []
    assert "worked out from the totals" in str(shown.note)


@pytest.mark.parametrize("parts,total_row", [
    ([[0, 1, 6]], False),  # one row: the row total and the column totals
    ([[3, 0, 0], [0, 0, 9]], False),  # a hidden cell equal to its row total
    ([[1, 1, 0], [7, 8, 9]], False),  # two small cells whose sum is the total: both 1
    ([[2, 2, 30], [2, 50, 60], [10, 12, 14]], False),  # small cells in one column
    ([[1, 0, 0], [0, 2, 0], [0, 0, 3]], False),  # a diagonal of small cells
    ([[4, 9, 12], [6, 3, 20]], True),  # trafficking: "All" row first, then countries
    ([[1, 0, 0], [1, 0, 0]], True),  # "All" 2 = 1 + 1
    ([[0, 0, 0], [5, 6, 7]], False),  # nothing small: nothing hidden
])
def test_no_hidden_value_can_be_recovered(parts: list[list[int]], total_row: bool) -> None:
    original = _table(parts, total_row=total_row)
    shown = rp.suppress(original)
    assert _recoverable(original, shown) == [], shown.rows
    # Primary cells read "<5"; no count of 1-4 is ever shown; visible cells are exact.
    for row, shown_row in zip(original.rows, shown.rows, strict=True):
        for c in sorted(original.counts):
            if 0 < row[c] < 5:
                assert shown_row[c] == "<5"
            elif not isinstance(shown_row[c], str):
                assert shown_row[c] == row[c]


def test_random_tables_leak_nothing() -> None:
    rng = random.Random(20161201)
    for _ in range(100):
        n = rng.randint(1, 4)
        parts = [[rng.choice((0, 0, 1, 2, 3, 5, 8, 13, 40)) for _ in range(3)] for _ in range(n)]
        original = _table(parts, total_row=rng.random() < 0.3)
        shown = rp.suppress(original)
        assert _recoverable(original, shown) == [], (parts, shown.rows)


def test_a_single_column_table_hides_a_second_cell() -> None:
    # Chronic conditions: the column total (medical cases) is published as a headline.
    original = rp.Table("c", "c", ("Condition", "People"),
                        (("a", 3), ("b", 11), ("c", 20), ("d", 0)), frozenset({1}))
    shown = rp.suppress(original)
    assert [r[1] for r in shown.rows] == ["<5", rp.SECONDARY, 20, 0]
