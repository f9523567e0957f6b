"""The escort briefing: special-needs passengers only, team actions, no health detail."""

from __future__ import annotations

import re

from movements.domain.ssr import SSR_CODES
from movements.manifests import build_escort_briefing
from movements.manifests.samples import GEEZ_NAME, sample_briefing

from .conftest import Rendered, render


def test_lists_only_passengers_with_special_needs(briefing: Rendered) -> None:
    doc = sample_briefing()
    flat = briefing.flat
    listed = doc.special_needs_passengers
    assert len(listed) == 8
    assert f"{len(listed)} of {len(doc.passengers)} passengers need assistance" in flat
    for p in doc.passengers:
        shown = f"{p.surname}, {p.given_names}" in flat
        assert shown == (p in listed), p.display_name


def test_team_actions_with_codes(briefing: Rendered) -> None:
    flat = briefing.flat
    for code in ("WCHC", "OXYG", "STCR", "MEDA", "UMNR", "BLND", "DEAF", "MAAS"):
        need = SSR_CODES[code]
        assert f"{code} {need.meaning}: {need.team_action}" in flat, code
    assert "Release only to: Hiwet TESFAYE (aunt)" in flat
    assert "Done" in flat


def test_most_demanding_cases_first(briefing: Rendered) -> None:
    flat = briefing.flat
    order = [flat.index(n) for n in ("MYRONIUK, Olena", "RAHIMI, Parisa", "HADDAD, Salma",
                                     "TESFAYE, Selam", "OKELLO, Grace")]
    assert order == sorted(order)


def test_no_health_detail(briefing: Rendered) -> None:
    text = briefing.text.lower()
    for p in sample_briefing().passengers:
        for note in p.health_notes:
            assert note.lower() not in text
    assert "diabetes" not in text and "copd" not in text


def test_page_numbers_header_and_scripts(briefing: Rendered) -> None:
    n = len(briefing.pages)
    for i, page in enumerate(briefing.pages, 1):
        assert re.findall(r"Page (\d+) of (\d+)", page) == [(str(i), str(n))]
        if re.search(r"C-2016-\d{4}", page):
            assert "What the team must do" in page
    assert GEEZ_NAME in briefing.text
    assert "سلمى حداد" in briefing.nfkc
    assert "(age 12)" in briefing.flat


def test_movement_without_needs() -> None:
    from dataclasses import replace

    doc = sample_briefing()
    plain = tuple(p for p in doc.passengers if not p.has_special_needs)
    r = render(build_escort_briefing, replace(doc, passengers=plain))
    assert "No passenger on this movement has special needs" in r.flat
