"""Statistical disclosure control for published count tables: primary and secondary
(complementary) cell suppression.

Primary suppression hides every count from 1 to ``threshold - 1``.  That alone is not
enough: in the row "Family reunification: 0, <5, 6, 7" the hidden cell is 7 - 0 - 6 = 1.
Secondary suppression hides further cells so that no hidden value can be worked out from
the published cells and totals by subtraction (Eurostat, *Handbook on Statistical
Disclosure Control* (Hundepool et al., ESSnet SDC, 2010), ch. 4 "Magnitude tabular data" /
4.2.2 "secondary cell suppression"; ONS, *Disclosure control guidance for tables produced
from administrative sources*, "secondary suppression").

The table is a grid of counts with *lines*: linear equations the reader knows.

* a row whose total column is published: the row's parts minus its total is 0;
* every count column: its sum over the rows is known, either as a total row in the table
  (``total_row``) or, conservatively, as published elsewhere (the report's headline
  figures and the other tables of the same people add up to the same column totals).

The rule, applied until nothing changes:

1. a line with exactly one hidden cell gives it away: hide the smallest other non-zero
   cell of that line (a total only when no part is left);
2. a hidden small count pinned by bounds (a hidden small count is 1 to
   ``threshold - 1``, a secondary one 0 or ``threshold`` and more; e.g. "<5, <5, total
   2": both are 1), propagated through all the lines, gets one more cell hidden in one of
   its lines;
3. any hidden cell the lines determine together (linear algebra over the rationals: the
   cell lies outside the null space's support) gets one more cell hidden in one of its
   lines.

What is not claimed: bounds are propagated line by line to a fixed point, not solved as a
linear programme over the whole table, so a reader may narrow a hidden value to an
interval (an interval, not one value, is what the rule guarantees for the lines above).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Cell = tuple[int, int]  # (row, column)


@dataclass(frozen=True, slots=True)
class Line:
    """A published equation: the sum of ``plus`` minus the sum of ``minus`` is known."""

    plus: tuple[Cell, ...]
    minus: tuple[Cell, ...] = ()

    @property
    def cells(self) -> tuple[Cell, ...]:
        return self.plus + self.minus


def lines_of(rows: int, count_columns: Sequence[int], *, total_column: int | None = None,
             total_row: int | None = None) -> list[Line]:
    """The equations a reader knows of a table with ``rows`` rows whose ``count_columns``
    hold counts.  ``total_column``: that column is the sum of the other count columns of
    its row; ``total_row``: that row is the sum of the other rows of each count column
    (otherwise each column's total is taken as known from elsewhere, when there are two
    rows or more)."""
    parts = [c for c in count_columns if c != total_column]
    lines: list[Line] = []
    if total_column is not None:
        lines += [Line(tuple((r, c) for c in parts), ((r, total_column),))
                  for r in range(rows) if parts]
    for c in count_columns:
        if rows < 2:  # a one-row table: a column's "total" is the cell itself
            continue
        if total_row is not None:
            lines.append(Line(tuple((r, c) for r in range(rows) if r != total_row),
                              ((total_row, c),)))
        else:
            lines.append(Line(tuple((r, c) for r in range(rows))))
    return lines


def protect(values: dict[Cell, int], lines: Sequence[Line], threshold: int
            ) -> tuple[frozenset[Cell], frozenset[Cell]]:
    """(primary, secondary) hidden cells of a table of non-negative ``values`` under
    ``lines``: primary are the counts 1 to ``threshold - 1``; secondary the cells hidden so
    that none of them can be derived (see the module docstring)."""
    primary = frozenset(k for k, v in values.items() if 0 < v < threshold)
    hidden = set(primary)
    if not hidden:
        return primary, frozenset()
    for _ in range(len(values) + 1):
        leak = _leaking_line(values, lines, hidden, primary, threshold)
        if leak is None:
            break
        extra = _next_cell(values, leak, hidden, lines)
        if extra is None:  # the whole line is hidden already: nothing more to do here
            break
        hidden.add(extra)
    return primary, frozenset(hidden - primary)


def _next_cell(values: dict[Cell, int], line: Line, hidden: set[Cell],
               lines: Sequence[Line]) -> Cell | None:
    """The visible cell of ``line`` to hide next: non-zero parts before a total before a
    zero; among those, one that also protects another line with a single hidden cell
    (closing a rectangle hides fewer cells), then the smallest."""
    visible = [c for c in line.cells if c not in hidden and c in values]
    if not visible:
        return None

    def closes(cell: Cell) -> int:
        return sum(1 for other in lines if other is not line and cell in other.cells
                   and sum(1 for c in other.cells if c in hidden) == 1)

    return min(visible, key=lambda c: (values[c] == 0, c in line.minus, -closes(c),
                                       values[c], c))


def _leaking_line(values: dict[Cell, int], lines: Sequence[Line], hidden: set[Cell],
                  primary: frozenset[Cell], threshold: int) -> Line | None:
    def open_line(cell: Cell) -> Line | None:
        return next((ln for ln in lines if cell in ln.cells
                     and any(c not in hidden for c in ln.cells)), None)

    for line in lines:
        inside = [c for c in line.cells if c in hidden]
        if len(inside) == 1 and len(line.cells) > 1:
            return line
    bounds = intervals(values, lines, hidden, primary, threshold)
    for cell in sorted(primary):
        low, high = bounds[cell]
        if low == high and (found := open_line(cell)) is not None:
            return found
    for cell in determined(lines, hidden, values):
        if (found := open_line(cell)) is not None:
            return found
    return None


def intervals(values: dict[Cell, int], lines: Sequence[Line], hidden: set[Cell],
              primary: frozenset[Cell], threshold: int) -> dict[Cell, tuple[float, float]]:
    """What a reader can narrow each hidden cell to, from the lines and what the marks say
    ("<5": 1 to 4; a secondary cell: 0 or ``threshold`` and more), by propagating bounds
    through the lines until nothing tightens (bounds consistency, not a full linear
    programme)."""
    inf = float("inf")
    bounds: dict[Cell, tuple[float, float]] = {
        c: (1, threshold - 1) if c in primary else (0 if values.get(c, 0) == 0 else threshold,
                                                    inf) for c in hidden}
    known = []
    for line in lines:
        plus = [c for c in line.plus if c in hidden]
        minus = [c for c in line.minus if c in hidden]
        if not plus and not minus:
            continue
        rest = sum(values.get(c, 0) for c in plus) - sum(values.get(c, 0) for c in minus)
        known.append((plus, minus, rest))
    for _ in range(60):
        changed = False
        for plus, minus, rest in known:
            for cell in plus + minus:
                sign = 1 if cell in plus else -1
                # cell = sign * (rest - sum(other plus) + sum(minus)) (other cells' bounds)
                lo_sum = rest - sum(bounds[c][1] for c in plus if c != cell) \
                    + sum(bounds[c][0] for c in minus if c != cell)
                hi_sum = rest - sum(bounds[c][0] for c in plus if c != cell) \
                    + sum(bounds[c][1] for c in minus if c != cell)
                low, high = (lo_sum, hi_sum) if sign == 1 else (-hi_sum, -lo_sum)
                old = bounds[cell]
                new = (max(old[0], low), min(old[1], high))
                if new != old and new[0] <= new[1]:
                    bounds[cell] = new
                    changed = True
        if not changed:
            break
    return bounds


def determined(lines: Iterable[Line], hidden: set[Cell] | frozenset[Cell],
               values: dict[Cell, int] | None = None) -> list[Cell]:
    """The hidden cells whose value the published lines fix (Gaussian elimination over
    the rationals on the hidden cells; the visible ones are constants)."""
    order = sorted(hidden)
    index = {c: i for i, c in enumerate(order)}
    rows: list[list[Fraction]] = []
    for line in lines:
        row = [Fraction(0)] * len(order)
        for c in line.plus:
            if c in index:
                row[index[c]] += 1
        for c in line.minus:
            if c in index:
                row[index[c]] -= 1
        if any(row):
            rows.append(row)
    pivots: list[int] = []
    r = 0
    for col in range(len(order)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    free = set(range(len(order))) - set(pivots)
    return [order[col] for i, col in enumerate(pivots)
            if not any(rows[i][f] != 0 for f in free)]
