"""The synthetic year (movements/demo/year.py) reproduces the 2016 figures exactly."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest

from movements.demo import names
from movements.demo.year import (
    CHRONIC_CONDITIONS,
    ITALY_GREECE_AIRPORTS,
    MEDICAL_CODES,
    PROGRAMMES,
    YEAR_2016_TARGETS,
    PlannedMovement,
    PlannedPassenger,
    YearPlan,
    YearTotals,
    generate_year,
    totals,
)
from movements.domain.ssr import SSR_CODES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SCRIPTS = {
    "arabic": re.compile(r"[\u0600-\u06ff\u200c]+( [\u0600-\u06ff\u200c]+)*"),
    "cyrillic": re.compile(r"[\u0400-\u04ff-]+( [\u0400-\u04ff-]+)*"),
    "geez": re.compile(r"[\u1200-\u137f]+( [\u1200-\u137f]+)*"),
}


@pytest.fixture(scope="module")
def plan() -> YearPlan:
    return generate_year()


@pytest.fixture(scope="module")
def plan_totals(plan: YearPlan) -> YearTotals:
    return totals(plan)


@pytest.fixture(scope="module")
def counted(plan: YearPlan) -> list[tuple[PlannedPassenger, PlannedMovement]]:
    return list(plan.counted().values())


@pytest.fixture(scope="module")
def by_key(plan: YearPlan) -> dict[str, PlannedMovement]:
    return {m.key: m for m in plan.movements}


# ---------------------------------------------------------------- the figures

@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(YearTotals)])
def test_each_total_equals_its_target(plan_totals: YearTotals, name: str) -> None:
    assert getattr(plan_totals, name) == getattr(YEAR_2016_TARGETS, name)


def test_targets_are_the_published_figures() -> None:
    t = YEAR_2016_TARGETS
    assert (t.people, t.departures, t.transits, t.arrivals) == (14_738, 4_635, 8_133, 1_970)
    assert (t.medical_cases, t.medical_basic, t.medical_chronic) == (285, 198, 87)
    assert (t.unaccompanied_children_returned, t.trafficking_victims_returned) == (18, 26)
    assert (t.family_reunification, t.family_reunification_unaccompanied) == (54, 24)
    assert (t.resettled, t.resettled_from_turkey, t.resettled_medical) == (700, 463, 12)
    assert t.relocated_from_italy_greece > 1_200
    assert t.youngest_age_days < 60 and t.oldest_age_years == 93
    assert t.charter_stops == ("BGW", "EBL", "BSR") and t.charter_date is not None
    assert t.charter_date.month == 11


def test_targets_add_up() -> None:
    t = YEAR_2016_TARGETS
    assert t.departures + t.transits + t.arrivals == t.people
    assert sum(t.transits_by_month) == t.transits
    assert t.resettled + t.relocated_from_italy_greece + t.family_reunification == t.arrivals
    assert t.medical_basic + t.medical_chronic == t.medical_cases
    assert [c for c, _ in t.chronic_by_condition] == list(CHRONIC_CONDITIONS)
    assert sum(n for _, n in t.chronic_by_condition) == t.medical_chronic


def test_september_is_the_peak_transit_month(plan_totals: YearTotals) -> None:
    by_month = plan_totals.transits_by_month
    assert by_month[8] == 1_393
    assert all(n < 1_393 for i, n in enumerate(by_month) if i != 8)
    assert plan_totals.peak_transit_month == 9


# ---------------------------------------------------------------- determinism

def test_same_seed_gives_the_same_plan(plan: YearPlan) -> None:
    assert generate_year(2016, 2016) == plan


def test_another_seed_changes_the_people_not_the_totals(plan: YearPlan) -> None:
    other = generate_year(2016, seed=7)
    assert totals(other) == YEAR_2016_TARGETS

    def people(p: YearPlan) -> list[tuple[str, str]]:
        return [(x.surname, x.given_names) for x, _ in p.counted().values()]

    assert people(other) != people(plan)


def test_another_year_keeps_the_figures_in_its_own_calendar() -> None:
    plan = generate_year(2017)
    expected = dataclasses.replace(YEAR_2016_TARGETS, charter_date=date(2017, 11, 17))
    assert totals(plan) == expected
    assert {m.operational_date.year for m in plan.movements} == {2017}


# ---------------------------------------------------------------- movements

def test_movement_fields_fit_the_domain(plan: YearPlan) -> None:
    seen = set()
    for m in plan.movements:
        assert m.kind in ("departure", "arrival", "transit_in", "transit_out")
        assert 2 <= len(m.carrier) <= 3 and m.carrier.isalnum() and m.carrier.isupper()
        assert 1 <= len(m.flight_number) <= 5 and m.flight_number.isdigit()
        assert re.fullmatch("[A-Z]{3}", m.origin) and re.fullmatch("[A-Z]{3}", m.destination)
        home = m.origin if m.kind in ("departure", "transit_out") else m.destination
        assert home == "AMS" and m.origin != m.destination
        assert m.passengers, m.key
        assert (m.onward_key is not None) == (m.kind == "transit_in")
        assert m.charter_stops == () or m.is_charter
        flight = (m.carrier, m.flight_number, m.operational_date, m.kind)
        assert flight not in seen
        seen.add(flight)
    assert len({m.key for m in plan.movements}) == len(plan.movements)
    assert all(m.operational_date.year == 2016 for m in plan.movements)


def test_times_are_utc_and_dates_are_local(plan: YearPlan) -> None:
    for m in plan.movements:
        assert m.scheduled_utc.tzinfo is UTC
        local = m.scheduled_utc.astimezone(AMSTERDAM)
        assert local.date() == m.operational_date
        assert 5 <= local.hour <= 22


def test_every_transit_in_connects_to_its_transit_out(
        plan: YearPlan, by_key: dict[str, PlannedMovement]) -> None:
    feeders: dict[str, list[PlannedMovement]] = defaultdict(list)
    for inbound in (m for m in plan.movements if m.kind == "transit_in"):
        assert inbound.onward_key is not None
        onward = by_key[inbound.onward_key]
        assert onward.kind == "transit_out"
        assert (onward.operational_date - inbound.operational_date).days in (0, 1)
        gap = onward.scheduled_utc - inbound.scheduled_utc
        assert timedelta(minutes=50) <= gap <= timedelta(hours=24), inbound.key
        feeders[onward.key].append(inbound)
    for onward in (m for m in plan.movements if m.kind == "transit_out"):
        same_people = [p for f in feeders[onward.key] for p in f.passengers]
        assert same_people, f"{onward.key} has no inbound leg"
        assert len(onward.passengers) == len(same_people)
        assert all(a is b for a, b in zip(onward.passengers, same_people, strict=True))


def test_the_charter(plan: YearPlan) -> None:
    [charter] = [m for m in plan.movements if m.is_charter]
    assert charter.kind == "departure" and charter.operational_date == date(2016, 11, 17)
    assert charter.charter_stops == ("BGW", "EBL", "BSR") and charter.destination == "BSR"
    stops = {p.final_destination for p in charter.passengers}
    assert stops == {"BGW", "EBL", "BSR"}
    assert {p.nationality for p in charter.passengers} == {"IRQ"}
    assert {p.programme for p in charter.passengers} == {"voluntary_return"}


# ---------------------------------------------------------------- people

def test_each_person_is_counted_once(plan: YearPlan) -> None:
    keys = [p.key for m in plan.movements if m.kind != "transit_out" for p in m.passengers]
    assert len(keys) == len(set(keys)) == YEAR_2016_TARGETS.people


def test_a_case_travels_together_on_one_movement(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    movements: dict[str, set[str]] = defaultdict(set)
    programmes: dict[str, set[str]] = defaultdict(set)
    sizes: Counter[str] = Counter()
    for p, m in counted:
        movements[p.case_ref].add(m.key)
        programmes[p.case_ref].add(p.programme)
        sizes[p.case_ref] += 1
    assert all(len(keys) == 1 for keys in movements.values())
    assert all(len(progs) == 1 for progs in programmes.values())
    assert max(sizes.values()) > 4  # families, not only people travelling alone


def test_ages(counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    days = [(m.operational_date - p.birth_date).days for p, m in counted]
    years = [p.age_on(m.operational_date) for p, m in counted]
    assert 0 < min(days) < 60
    assert max(years) == 93
    assert sum(y == 93 for y in years) == 1


def test_names_are_never_empty_and_native_names_are_in_their_script(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    scripts_seen = set()
    for p, _ in counted:
        assert p.surname.strip() and p.given_names.strip()
        assert p.surname == p.surname.strip() and p.given_names == p.given_names.strip()
        script = names.culture_of(p.nationality).script
        if script is None:
            assert p.native_name is None, p
        else:
            assert p.native_name and SCRIPTS[script].fullmatch(p.native_name), p
            scripts_seen.add(script)
    assert scripts_seen == {"arabic", "cyrillic", "geez"}


def test_unaccompanied_minors_are_minors_with_a_named_adult(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    umnr = [(p, m) for p, m in counted if p.unaccompanied_minor or "UMNR" in p.ssr_codes]
    assert len(umnr) == 18 + 24
    for p, m in umnr:
        assert p.unaccompanied_minor and "UMNR" in p.ssr_codes
        assert p.age_on(m.operational_date) < 18
        assert p.release_to_name and p.release_to_relation in ("mother", "father")
        assert p.operational_escort


def test_only_the_agency_s_own_codes(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    for p, _ in counted:
        assert set(p.ssr_codes) <= set(SSR_CODES), p.ssr_codes
        assert not {"DEPA", "DEPU", "INAD"} & set(p.ssr_codes)
        assert len(set(p.ssr_codes)) == len(p.ssr_codes)


def test_infant_and_child_codes_follow_the_birth_date(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    for p, m in counted:
        age = p.age_on(m.operational_date)
        assert ("INFT" in p.ssr_codes) == (age < 2 and not p.unaccompanied_minor)
        assert ("CHLD" in p.ssr_codes) == (2 <= age < 12 and not p.unaccompanied_minor)


def test_medical_flags_are_consistent(
        counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    for p, _ in counted:
        assert p.medical in (None, "basic", "chronic")
        assert (p.chronic_condition is not None) == (p.medical == "chronic")
        assert p.chronic_condition in (None, *CHRONIC_CONDITIONS)
        assert p.medical_escort == bool({"STCR", "MEDA"} & set(p.ssr_codes))
        if set(MEDICAL_CODES) & set(p.ssr_codes):
            assert p.medical == "chronic"


def test_who_travels_which_way(counted: list[tuple[PlannedPassenger, PlannedMovement]]) -> None:
    for p, m in counted:
        assert p.programme in PROGRAMMES
        assert p.sex in ("F", "M", "X") and re.fullmatch("[A-Z]{3}", p.nationality)
        if p.victim_of_trafficking:
            assert m.kind == "departure" and p.programme == "voluntary_return"
        if p.programme == "relocation":
            assert m.kind == "arrival" and m.origin in ITALY_GREECE_AIRPORTS
        if p.programme == "family_reunification":
            assert m.kind == "arrival"
        if p.medical is not None and p.programme == "resettlement":
            assert m.origin == "IST"
        if m.kind == "departure":
            assert p.programme == "voluntary_return"
