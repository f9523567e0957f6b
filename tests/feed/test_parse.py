"""Parsing the feed's shape: local times with offsets (midnight, both daylight-saving
days), state lists, codeshares, and refusing what is malformed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from movements.domain.flight_states import board_states, shown_states
from movements.feed.client import (
    FeedError,
    MalformedFeed,
    ProviderBusy,
    backoff_seconds,
    changes_for,
    normalise_flight,
    parse_flight,
    parse_page,
    parse_time,
    pick_state,
    retry_after_seconds,
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
                              "estimated_at": f.estimated_at, "flight_state": "SCH",
                              "flight_states": None}


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


@pytest.mark.parametrize(("states", "direction", "shown"), [
    (["DEL", "GCH"], "D", ("GCH", "DEL")), (["GCH", "DEL"], "D", ("GCH", "DEL")),
    (["SCH", "DEL"], "D", ("DEL",)), (["DEL", "BRD", "GCH"], "D", ("BRD", "GCH", "DEL")),
    (["CNX", "DEL"], "D", ("CNX", "DEL")), (["AIR", "DEL"], "A", ("AIR", "DEL")),
    (["SCH"], "A", ("SCH",)), (["XYZ", "DEL"], "D", ("DEL",)),
])
def test_every_reported_state_is_shown_in_one_precedence(
        states: list[str], direction: str, shown: tuple[str, ...]) -> None:
    assert board_states(states, direction) == shown
    f = parse_flight(record(publicFlightState={"flightStates": states},
                            flightDirection=direction), TZ, "t")
    changes = changes_for(f)
    assert changes["flight_state"] == shown[0]
    assert changes["flight_states"] == (list(shown) if len(shown) > 1 else None)
    # What a row shows: the list while its first is the state, else the state alone.
    assert shown_states(shown[0], changes["flight_states"]) == shown
    assert shown_states("DEP", changes["flight_states"]) == ("DEP",)


def test_a_page_with_a_bad_record_quarantines_it_and_keeps_the_rest() -> None:
    flights, bad = parse_page({"flights": [record(), record(flightName=42), record()]}, TZ,
                              "p")
    assert len(flights) == 2
    assert [(q.where, "flightName 42" in q.reason) for q in bad] == [("p flight 1", True)]


def test_retry_after_and_the_backoff_with_it() -> None:
    now = datetime(2026, 9, 15, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Tue, 15 Sep 2026 08:01:30 GMT", now) == 90
    assert retry_after_seconds("Tue, 15 Sep 2026 07:59:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None and retry_after_seconds(None, now) is None
    assert retry_after_seconds("999999", now) == 3600
    busy = ProviderBusy("x", 120)
    assert [backoff_seconds(n, 5, 60, busy) for n in (1, 2, 5, 9)] == [125, 130, 180, 180]
    assert backoff_seconds(3, 5, 60, ProviderBusy("x", None)) == 20
    assert backoff_seconds(3, 5, 60, FeedError("x")) == 20
