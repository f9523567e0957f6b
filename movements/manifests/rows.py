"""The passenger table of the documents: one row per passenger, grouped by case, laid out
and broken across pages by this module instead of ReportLab's ``Table``.

Why not ``Table``: a 400-row manifest spent most of its build in the table machinery
(bench/manifest.py, cProfile): a cell style object per cell and per style command,
every row height measured again for each page split, and the ``NOSPLIT`` ranges that
keep a case together recomputed over all cells at every split.  The rows here have
fixed column widths and a height known once (measured at the first ``wrap``), so
breaking them into pages is a walk over prefix sums, and each page draws only its own
rows.

What it guarantees (tests/manifests/test_case_rows.py):

* a case of at most ``keep_together`` passengers is never split across pages (a case
  taller than a whole page, header included, is the one exception: it is broken
  between rows rather than refused);
* a larger case may be split, between rows (a row never is); its case reference is on
  every row, so each page says which case the rows belong to;
* the header row is repeated on every page, and every part of the table has at least
  one passenger row under it;
* the drawing is what the ``Table`` it replaces drew: header band, alternate shading
  per case, a hairline between rows, a heavier rule between cases, a closing rule on
  each page, the same paddings, and the cells in the same stream order (header, then
  row by row, left to right), so the text layer reads the same.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, TypeAlias

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from .lines import Text

#: Paddings of every cell (points), as the table style this replaces had them.
PAD_LEFT = PAD_RIGHT = 3.0
PAD_TOP = 2.5
PAD_BOTTOM = 3.0

Cell: TypeAlias = "str | Flowable | Sequence[Flowable]"
"""A plain string (drawn in the table's font, one line per ``\\n``) or flowable(s)
stacked from the top of the cell."""


@dataclass(frozen=True, slots=True)
class RowsLook:
    """Fonts, colours and rules of the table (points; colours as ReportLab colours)."""

    font: str
    size: float
    leading: float
    ink: Color
    band: Color
    shade: Color
    hairline: Color
    case_rule: Color


@dataclass(slots=True)
class _Grid:
    """What every part of one table shares: cells, sizes, cases, and (after the first
    ``wrap``) the row heights and the blocks that stay on one page."""

    widths: list[float]
    aligns: list[str]
    header: list[Cell]
    rows: list[list[Cell]]
    case_of: list[int]
    """index of the case (0, 1, ...) of each row"""
    keep_together: int
    look: RowsLook
    max_height: float | None
    x: list[float]
    measured: bool = False
    header_h: float = 0.0
    tops: list[float] | None = None
    """tops[i]: the height of rows [0, i) (prefix sums, len(rows) + 1)"""
    block_starts: list[int] | None = None
    """first row of each block of rows that stays on one page, ascending"""
    geoms: list[list[Any]] | None = None
    """per row and cell: None for a string, else [(flowable, w, h), ...]"""
    header_geom: list[Any] | None = None


def _cell_geom(cell: Cell, width: float, leading: float
               ) -> tuple[float, list[tuple[Flowable, float, float]] | None]:
    """Height of a cell's content (no padding) and, for flowables, each one's wrapped
    size (``Table._listCellGeom``: space before the first and after the last do not
    count)."""
    if isinstance(cell, str):
        return leading * (cell.count("\n") + 1), None
    flowables = [cell] if isinstance(cell, Flowable) else list(cell)
    if not flowables:
        return 0.0, []
    aw = width - PAD_LEFT - PAD_RIGHT
    out = []
    total = 0.0
    for f in flowables:
        w, h = f.wrap(aw, 72000)
        out.append((f, w, h))
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
    return total - flowables[0].getSpaceBefore() - flowables[-1].getSpaceAfter(), out


def _measure(g: _Grid) -> None:
    if g.measured:
        return
    pad = PAD_TOP + PAD_BOTTOM
    hh = 0.0
    hgeom = []
    for cell, w in zip(g.header, g.widths, strict=True):
        h, geom = _cell_geom(cell, w, g.look.leading)
        hh = max(hh, h + pad)
        hgeom.append(geom)
    heights = []
    geoms = []
    for row in g.rows:
        rh = 0.0
        rgeom = []
        for cell, w in zip(row, g.widths, strict=True):
            h, geom = _cell_geom(cell, w, g.look.leading)
            rh = max(rh, h + pad)
            rgeom.append(geom)
        heights.append(rh)
        geoms.append(rgeom)
    tops = [0.0, *accumulate(heights)]
    starts = []
    i = 0
    n = len(g.rows)
    room = None if g.max_height is None else g.max_height - hh
    while i < n:
        j = i
        while j < n and g.case_of[j] == g.case_of[i]:
            j += 1
        together = j - i <= g.keep_together and (room is None or tops[j] - tops[i] <= room)
        starts += [i] if together else list(range(i, j))
        i = j
    g.header_h, g.tops, g.block_starts, g.geoms, g.header_geom = hh, tops, starts, geoms, hgeom
    g.measured = True


class CaseRows(Flowable):  # type: ignore[misc]
    """Rows ``start`` to ``end`` (exclusive) of a passenger table under its header; see
    the module text.  Build it with :func:`case_rows`."""

    def __init__(self, grid: _Grid, start: int, end: int) -> None:
        super().__init__()
        self.grid, self.start, self.end = grid, start, end
        self.hAlign = "LEFT"

    def _height(self) -> float:
        g = self.grid
        _measure(g)
        assert g.tops is not None
        return g.header_h + g.tops[self.end] - g.tops[self.start]

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = self.grid.x[-1]
        self.height = self._height()
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        """The rows that fit in ``ah`` under the header, whole blocks only (a case kept
        together, or one row), and the rest; [] if not even one block fits."""
        g = self.grid
        _measure(g)
        assert g.tops is not None and g.block_starts is not None
        room = ah - g.header_h + 1e-6
        tops, starts = g.tops, g.block_starts
        base = tops[self.start]
        k = bisect_right(starts, self.start)  # the block after the one starting here
        cut = self.start
        while True:
            nxt = starts[k] if k < len(starts) and starts[k] < self.end else self.end
            if nxt == cut or tops[nxt] - base > room:
                break
            cut = nxt
            k += 1
        if cut == self.start or cut >= self.end:
            return [] if cut == self.start else [self]
        return [CaseRows(g, self.start, cut), CaseRows(g, cut, self.end)]

    def draw(self) -> None:
        g = self.grid
        _measure(g)
        assert g.tops is not None and g.geoms is not None and g.header_geom is not None
        canv = self.canv
        look = g.look
        width = g.x[-1]
        top = self.height
        base = g.tops[self.start]

        def row_top(i: int) -> float:
            assert g.tops is not None
            return top - g.header_h - (g.tops[i] - base)

        canv.saveState()
        # backgrounds: the header band, then every second case shaded
        canv.setFillColor(look.band)
        canv.rect(0, top - g.header_h, width, g.header_h, stroke=0, fill=1)
        canv.setFillColor(look.shade)
        i = self.start
        while i < self.end:
            j = i
            while j < self.end and g.case_of[j] == g.case_of[i]:
                j += 1
            if g.case_of[i] % 2 == 1:
                canv.rect(0, row_top(j), width, row_top(i) - row_top(j), stroke=0, fill=1)
            i = j

        # cells, in the order the Table drew them
        canv.setFillColor(look.ink)
        canv.setFont(look.font, look.size, look.leading)
        self._draw_row(g.header, g.header_geom, top, g.header_h)
        for r in range(self.start, self.end):
            y = row_top(r)
            self._draw_row(g.rows[r], g.geoms[r], y, g.tops[r + 1] - g.tops[r])

        # rules: hairlines between rows, the heavier rule between cases drawn over
        # them, the header's rules and the closing rule
        bottom = row_top(self.end)
        hair = [(0, row_top(r), width, row_top(r)) for r in range(self.start + 1, self.end)]
        cases = [(0, row_top(r), width, row_top(r)) for r in range(self.start + 1, self.end)
                 if g.case_of[r] != g.case_of[r - 1]]
        canv.setLineCap(1)
        canv.setLineJoin(1)
        for lines, weight, color in ((hair, 0.25, look.hairline), (cases, 0.7, look.case_rule),
                                     ([(0, top, width, top),
                                       (0, top - g.header_h, width, top - g.header_h),
                                       (0, bottom, width, bottom)], 0.9, look.ink)):
            if lines:
                canv.setStrokeColor(color)
                canv.setLineWidth(weight)
                canv.lines(lines)
        canv.restoreState()

    def _draw_row(self, cells: Sequence[Cell], geoms: Sequence[Any], row_top: float,
                  row_h: float) -> None:
        g = self.grid
        canv = self.canv
        look = g.look
        for cell, geom, x, w, align in zip(cells, geoms, g.x, g.widths, g.aligns,
                                           strict=False):
            if geom is None:
                assert isinstance(cell, str)
                y = row_top - PAD_TOP - look.size
                for line in cell.split("\n"):
                    if align == "RIGHT":
                        canv.drawRightString(x + w - PAD_RIGHT, y, line)
                    elif align == "CENTER":
                        canv.drawCentredString(x + (w + PAD_LEFT - PAD_RIGHT) / 2, y, line)
                    else:
                        canv.drawString(x + PAD_LEFT, y, line)
                    y -= look.leading
                continue
            y = row_top - PAD_TOP
            if geom:
                y += geom[0][0].getSpaceBefore()
            painted = False
            for f, fw, fh in geom:
                if align == "RIGHT":
                    fx = x + w - PAD_RIGHT - fw
                elif align == "CENTER":
                    fx = x + (w + PAD_LEFT - PAD_RIGHT - fw) / 2
                else:
                    fx = x + PAD_LEFT
                y -= f.getSpaceBefore() + fh
                if isinstance(f, Text) and not f.bullet:
                    # most cells: drawn in place, no save/translate/restore per cell
                    f.paint_at(canv, fx, y)
                    painted = True
                else:
                    f.drawOn(canv, fx, y)  # restores the canvas state after
                y -= f.getSpaceAfter()
            if painted:  # a text's colours stay set: back to the table's ink
                canv.setFillColor(look.ink)


def case_rows(header: Sequence[Cell], rows: Sequence[Sequence[Cell]],
              case_of: Sequence[int], widths: Sequence[float], aligns: Sequence[str],
              look: RowsLook, *, keep_together: int,
              max_height: float | None = None) -> CaseRows:
    """The table of ``rows`` (cells per column, ``case_of`` the case index of each row,
    rows of a case next to each other) under ``header``; columns ``widths`` (points)
    aligned "LEFT", "CENTER" or "RIGHT".  Cases of at most ``keep_together`` rows stay
    on one page unless taller than ``max_height`` (the frame's height, points) with the
    header.  Raises ValueError if the lengths disagree."""
    n = len(widths)
    if len(header) != n or len(aligns) != n or any(len(r) != n for r in rows):
        raise ValueError(f"passenger table: every row needs {n} cells")
    if len(case_of) != len(rows):
        raise ValueError("passenger table: one case index per row")
    x = [0.0, *accumulate(widths)]
    grid = _Grid(list(widths), list(aligns), list(header), [list(r) for r in rows],
                 list(case_of), keep_together, look, max_height, x)
    return CaseRows(grid, 0, len(rows))
