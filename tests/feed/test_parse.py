"""Parsing the feed's shape: local times with offsets (midnight, both daylight-saving
days), state lists, codeshares, and refusing what is malformed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from movements.feed.client import (
    MalformedFeed,
    backoff_seconds,
    changes_for,
    normalise_flight,
    parse_flight,
    parse_page,
    parse_time,
    pick_state,
)

TZ = "Europe/Amsterdam"


def record(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "flightName": "KL1234", "flightNumber": 1234, "prefixIATA": "KL",
        "mainFlight": "KL1234", "flightDirection": "D", "scheduleDate": "2026-09-15",
        "scheduleTime": "14:05:00", "scheduleDateTime": "2026-09-15T14:05:00.000+02:00",
        "publicFlightState": {"flightStates": ["SCH"]}, "route": {"destinations": ["TIA"]},
        "gate": "D7", "pier": "D", "terminal": 2,
        "codeshares": {"codeshares": ["AZ7012", "DL9381"]},
        "publicEstimatedOffBlockTime": "2026-09-15T14:25:00.000+02:00",
        "actualOffBlockTime": None, "expectedTimeBoarding": "2026-09-15T13:30:00.000+02:00",
    }
    base.update(kw)
    return base


def test_a_departure_record() -> None:
    f = parse_flight(record(), TZ, "t")
    assert f.flight_name == "KL1234" and f.main_flight == "KL1234" and not f.is_codeshare
    assert f.scheduled_at == datetime(2026, 9, 15, 12, 5, tzinfo=UTC)
    assert f.estimated_at == datetime(2026, 9, 15, 12, 25, tzinfo=UTC)
    assert f.expected_boarding_at == datetime(2026, 9, 15, 11, 30, tzinfo=UTC)
    assert (f.gate, f.pier, f.terminal, f.codeshares) == ("D7", "D", "2", ("AZ7012", "DL9381"))
    assert changes_for(f) == {"gate": "D7", "pier": "D", "terminal": "2",
                              "estimated_at": f.estimated_at, "flight_state": "SCH"}


def test_an_arrival_uses_landing_times_and_a_codeshare_names_its_main_flight() -> None:
    f = parse_flight(record(flightName="AZ7012", mainFlight="KL1234", flightDirection="A",
                            estimatedLandingTime="2026-09-15T23:55:00.000+02:00",
                            actualLandingTime="2026-09-16T00:10:00.000+02:00"), TZ, "t")
    assert f.is_codeshare and f.main_flight == "KL1234"
    assert f.estimated_at == datetime(2026, 9, 15, 21, 55, tzinfo=UTC)
    # Landed after local midnight: still the flight of the 15th.
    assert f.actual_at == datetime(2026, 9, 15, 22, 10, tzinfo=UTC)
    assert f.schedule_date == date(2026, 9, 15)


@pytest.mark.parametrize(("local", "utc"), [
    # Spring forward: 02:00 CET becomes 03:00 CEST.
    ("2026-03-29T01:59:00.000+01:00", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
    ("2026-03-29T03:00:00.000+02:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    # Fall back: 02:30 happens twice, told apart only by the offset.
    ("2026-10-25T02:30:00.000+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("2026-10-25T02:30:00.000+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ("2026-09-15T00:00:00.000+02:00", datetime(2026, 9, 14, 22, 0, tzinfo=UTC)),
])
def test_local_times_with_offsets_become_utc(local: str, utc: datetime) -> None:
    assert parse_time(local, "t") == utc


def test_schedule_without_offset_uses_the_airport_zone_on_change_days() -> None:
    spring = parse_flight(record(scheduleDateTime=None, scheduleDate="2026-03-29",
                                 scheduleTime="04:30:00"), TZ, "t")
    autumn = parse_flight(record(scheduleDateTime=None, scheduleDate="2026-10-25",
                                 scheduleTime="04:30:00"), TZ, "t")
    assert spring.scheduled_at == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)  # CEST
    assert autumn.scheduled_at == datetime(2026, 10, 25, 3, 30, tzinfo=UTC)  # CET


@pytest.mark.parametrize(("states", "direction", "expected"), [
    (["SCH"], "D", "SCH"), (["DEL", "GTO"], "D", "GTO"), (["GCH", "BRD"], "D", "BRD"),
    (["SCH", "GCH"], "D", "GCH"), (["BRD", "CNX"], "D", "CNX"), (["AIR", "LND"], "A", "LND"),
    (["DIV"], "A", "DIV"), ([], "D", None), (["XYZ"], "A", None), (["TOM"], "D", "TOM"),
])
def test_one_state_from_the_list(states: list[str], direction: str,
                                 expected: str | None) -> None:
    assert pick_state(states, direction) == expected


@pytest.mark.parametrize("bad", [
    {"flightName": 42},
    {"flightDirection": "X"},
    {"scheduleDate": "15-09-2026"},
    {"publicEstimatedOffBlockTime": "2026-09-15T14:25:00"},  # no offset
    {"publicEstimatedOffBlockTime": "soon"},
    {"publicFlightState": {"flightStates": "SCH"}},
    {"codeshares": {"codeshares": "AZ7012"}},
    {"gate": "GATE-NUMBER-TOO-LONG"},
    {"scheduleDateTime": None, "scheduleTime": "25:00:00"},
])
def test_malformed_records_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(MalformedFeed):
        parse_flight(record(**bad), TZ, "t")


@pytest.mark.parametrize("payload", [[], {"flight": []}, {"flights": "none"}, None])
def test_malformed_pages_are_refused(payload: Any) -> None:
    with pytest.raises(MalformedFeed):
        parse_page(payload, TZ)


def test_names_and_backoff() -> None:
    assert normalise_flight("KL 0116") == "KL116" and normalise_flight("u27813") == "U27813"
    assert normalise_flight("KL1234A") == "KL1234A"
    assert [backoff_seconds(n, 5, 60) for n in range(0, 7)] == [0, 5, 10, 20, 40, 60, 60]
