"""The charter manifest: 400 passengers, three stops."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest

from movements.manifests.samples import sample_charter

from .conftest import Rendered


def test_page_x_of_y_on_every_page_with_the_right_total(charter: Rendered) -> None:
    n = len(charter.pages)
    assert n >= 8  # 400 passengers do not fit on a handful of pages
    for i, page in enumerate(charter.pages, 1):
        found = re.findall(r"Page (\d+) of (\d+)", page)
        assert found == [(str(i), str(n))], (i, found)


def test_table_header_repeats_on_every_page(charter: Rendered) -> None:
    for i, page in enumerate(charter.pages, 1):
        assert "Charter manifest" in page
        assert "Document CM-AMS-20161124-MA9501-v1" in page
        # every page of this manifest carries passenger rows, so every page must
        # start its rows under the repeated header
        assert re.search(r"C-2016-\d{4}", page), i
        assert "Name as in travel document" in page, i
        assert "Name in own script" in page, i
        assert "Case ref." in page, i


def test_every_passenger_once_numbered_1_to_400(charter: Rendered) -> None:
    doc = sample_charter(400)
    flat = charter.flat
    for p in doc.passengers:
        assert f"{p.surname}, {p.given_names}" in flat
    numbers = [int(x) for x in re.findall(r"^(\d{1,3})$", charter.text, re.M)]
    assert set(range(1, 401)) <= set(numbers)


def test_per_stop_headcounts_add_up(charter: Rendered) -> None:
    doc = sample_charter(400)
    counts = doc.headcounts()
    assert [c.stop for c in counts] == ["BGW", "EBL", "BSR"]
    assert sum(c.passengers for c in counts) == doc.total == 400
    assert sum(c.cases for c in counts) == doc.total_cases
    flat = charter.flat
    printed = {stop: (int(n), int(cases)) for stop, n, cases in re.findall(
        r"Stop \d of 3: (\w{3}) \w+ – (\d+) passengers in (\d+) cases", flat)}
    assert printed == {c.stop: (c.passengers, c.cases) for c in counts}
    assert sum(n for n, _ in printed.values()) == 400
    assert f"Total on board (excluding escorts) {doc.total_cases} 400" in flat
    # rows under each stop heading are that stop's passengers
    stop_of_case = {p.case_ref: doc.stop_of(p) for p in doc.passengers}
    sections = re.split(r"Stop \d of 3: (\w{3}) ", flat)[1:]
    rows: Counter[str] = Counter()
    for stop, body in zip(sections[::2], sections[1::2], strict=True):
        body = body.split("Declaration")[0]
        for case in re.findall(r"C-2016-\d{4}", body):
            assert stop_of_case[case] == stop
            rows[stop] += 1
    assert rows == Counter({c.stop: c.passengers for c in counts})


def test_special_needs_legend_uses_receiver_words(charter: Rendered) -> None:
    flat = charter.flat
    assert "Special needs on this flight" in flat
    assert "WCHC wheelchair at all times; two people to transfer" in flat
    assert "MEDIF" not in flat


def test_arabic_names_found(charter: Rendered) -> None:
    # see test_manifest_handover for why NFKC of the pypdf text gives logical order
    doc = sample_charter(400)
    nfkc = charter.nfkc
    for p in doc.passengers[:50]:
        assert p.native_name and p.native_name in nfkc


def test_escorts_and_signatures(charter: Rendered) -> None:
    flat = charter.flat
    for name in ("Dr. Eva Lindqvist", "Ruben Smit", "Samira El Idrissi"):
        assert name in flat
    assert "Received by (operating carrier)" in flat
    assert "400 passengers in 115 cases" in flat


def test_passenger_off_route_is_refused() -> None:
    doc = sample_charter(10)
    p = replace(doc.passengers[0], stop="DXB")
    with pytest.raises(ValueError, match="not on the route"):
        replace(doc, passengers=(p, *doc.passengers[1:]))


def test_declared_total_must_match() -> None:
    doc = sample_charter(10)
    with pytest.raises(ValueError, match="declared total 11"):
        replace(doc, declared_total=11)
