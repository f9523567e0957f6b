"""The passenger table breaks across pages by case (``rows.CaseRows``): a case of at most
``KEEP_CASE_TOGETHER`` passengers never spans two pages, a larger case is split between
rows, the header repeats, nothing is lost or repeated.  Read from the PDF's text (pypdf)
and, for the splitting rules, from the flowable itself.  Also: the table's birth dates
(formatted without Babel's pattern engine) read as Babel formats them."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from reportlab.platypus import Spacer

from movements import i18n
from movements.manifests import build_charter_manifest
from movements.manifests.layout import KEEP_CASE_TOGETHER, ROWS_LOOK, fmt_date
from movements.manifests.rows import CaseRows, case_rows
from movements.manifests.samples import sample_charter

from .conftest import Rendered, render

CASE = re.compile(r"C-2016-\d{4}")


def _pages_of_cases(r: Rendered) -> dict[str, list[int]]:
    """Case reference -> the page of each of its rows (one entry per row printed)."""
    pages: dict[str, list[int]] = defaultdict(list)
    for n, page in enumerate(r.pages, 1):
        for case in CASE.findall(page):
            pages[case].append(n)
    return pages


def test_no_case_of_ten_or_fewer_spans_two_pages(charter: Rendered) -> None:
    doc = sample_charter(400)
    size: dict[str, int] = defaultdict(int)
    for p in doc.passengers:
        size[p.case_ref] += 1
    pages = _pages_of_cases(charter)
    assert sum(len(v) for v in pages.values()) == 400  # every row once
    assert {c: len(v) for c, v in pages.items()} == size
    # the sample's page breaks do fall where a row-by-row break would cut a case: the
    # rule is exercised, not vacuous (cases of 2 to 6 over 13 pages)
    assert len(charter.pages) > 10 and max(size.values()) > 1
    for case, on in pages.items():
        assert len(set(on)) == 1, (case, on)


def test_a_case_larger_than_ten_is_split_between_rows_in_order() -> None:
    doc = sample_charter(60)
    first = doc.passengers[0].case_ref
    big = KEEP_CASE_TOGETHER * 6  # 60 rows: more than a page
    doc = replace(doc, passengers=tuple(replace(p, case_ref=first) for p in doc.passengers),
                  declared_total=len(doc.passengers))
    assert len(doc.passengers) == big
    r = render(build_charter_manifest, doc)
    pages = _pages_of_cases(r)
    assert list(pages) == [first] and len(pages[first]) == big
    assert len(set(pages[first])) >= 2  # split across pages
    # numbered 1..60 in page order, none lost or repeated at the break
    numbers = [int(x) for x in re.findall(r"^(\d{1,3})$", r.text, re.M)]
    assert [n for n in numbers if 1 <= n <= big] == list(range(1, big + 1))
    for page in r.pages:
        if CASE.search(page):
            assert "Name as in travel document" in page  # header repeated


def _rows(cases: list[int], height: float = 10.0) -> CaseRows:
    """A table whose rows are ``height`` points tall (one empty cell of that height,
    paddings on top): ``cases`` gives the size of each case in order."""
    case_of = [i for i, n in enumerate(cases) for _ in range(n)]
    pad = 5.5  # top 2.5 + bottom 3
    rows = [[Spacer(1, height - pad)] for _ in case_of]
    return case_rows([Spacer(1, height - pad)], rows, case_of, [100.0], ["LEFT"],
                     ROWS_LOOK, keep_together=KEEP_CASE_TOGETHER, max_height=200.0)


def _cuts(table: CaseRows, room: float) -> list[tuple[int, int]]:
    """Split ``table`` page by page, each page ``room`` points tall: the row ranges."""
    parts = []
    rest = table
    while True:
        w, h = rest.wrap(500, room)
        if h <= room:
            parts.append((rest.start, rest.end))
            return parts
        split = rest.split(500, room)
        assert split, f"nothing fits from row {rest.start}"
        first, rest = split
        parts.append((first.start, first.end))


def test_split_only_between_cases_of_ten_or_fewer() -> None:
    # header 10 + rows of 10; 95 points of room: 8 rows fit, the third case (rows 7-10)
    # does not, so the first page ends after row 6
    table = _rows([3, 3, 4, 2])
    assert _cuts(table, 95) == [(0, 6), (6, 12)]
    # a case of 11 is not kept together: split wherever the page ends
    assert _cuts(_rows([1, 11]), 95) == [(0, 8), (8, 12)]
    # exactly ten is kept together
    assert _cuts(_rows([1, 10]), 115) == [(0, 1), (1, 11)]


def test_nothing_fits_means_next_page_not_an_empty_table() -> None:
    table = _rows([4])
    assert table.split(500, 45) == []  # header + 3 rows: the case of 4 waits
    assert table.split(500, 15) == []  # not even a row under the header


def test_case_taller_than_a_page_is_split_rather_than_refused() -> None:
    # max_height 200 (the frame): header 10 + 10 rows of 20 = 210 does not fit on any
    # page, so that case is broken between rows instead of raising a layout error
    table = _rows([10], height=20.0)
    assert _cuts(table, 200) == [(0, 9), (9, 10)]


@pytest.mark.parametrize("locale", sorted(i18n.LANGUAGES))
def test_birth_dates_print_as_babel_formats_them(locale: str) -> None:
    # fmt_date builds "dd MMM y" from the month names (one call per passenger); it must
    # say what Babel's format_date says, in every document language, any month, any year
    days = [date(1900, 1, 1) + timedelta(days=n) for n in range(0, 45000, 37)]
    with i18n.document_language(locale):
        assert [fmt_date(d) for d in days] == [
            format_date(d, "dd MMM y", locale=locale) for d in days]
        assert fmt_date(date(5, 3, 9)) == format_date(date(5, 3, 9), "dd MMM y", locale=locale)
