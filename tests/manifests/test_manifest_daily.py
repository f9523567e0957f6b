"""The daily report."""

from __future__ import annotations

from dataclasses import replace

import pytest

from movements.domain.documents import LaneCount
from movements.manifests.samples import sample_daily

from .conftest import Rendered


def test_counts_by_lane_with_total(daily: Rendered) -> None:
    flat = daily.flat
    assert "Departures 9 14 12 2" in flat
    assert "Transits 11 47 46 1" in flat
    assert "Arrivals 4 19 19 0" in flat
    assert "Total 24 80 77 3" in flat
    assert "80 passengers assisted on 24 movements" in flat


def test_need_groups_exceptions_and_no_shows(daily: Rendered) -> None:
    flat = daily.flat
    assert "Wheelchair 6" in flat and "Meet and assist 31" in flat
    assert "connection to KL0673 re-protected on KL0691" in flat
    assert "C-2016-0392 KARIMI, Dariush KL0565 Withdrew from voluntary return" in flat
    assert "Missed the train to Schiphol" in flat
    assert "Page 1 of 1" in daily.text
    assert "Thursday 15 Sep 2016" in flat


def test_no_show_list_must_match_lane_counts() -> None:
    doc = sample_daily()
    with pytest.raises(ValueError, match="no-shows"):
        replace(doc, no_shows=doc.no_shows[:1])


def test_completed_and_no_shows_cannot_exceed_passengers() -> None:
    with pytest.raises(ValueError, match="exceed"):
        LaneCount("arrival", movements=1, passengers=2, completed=2, no_shows=1)
