"""The alert rules as pure functions: each raised when it should and not otherwise, on
plain snapshots (no database).  Windows are checked to the minute, across midnight and on
both daylight-saving change days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from movements.domain import alert_rules as r
from movements.domain.clock import local_to_utc

T0 = datetime(2026, 9, 15, 8, 0, tzinfo=UTC)  # 10:00 in Amsterdam


def pax(pid: int = 1, **kw: object) -> r.PaxSnap:
    return r.PaxSnap(passenger_id=pid, initials="GO", status="booked", **kw)  # type: ignore[arg-type]


def dep(mid: int = 1, at: datetime = T0 + timedelta(hours=3), *passengers: r.PaxSnap,
        **kw: object) -> r.MovementSnap:
    return r.MovementSnap(id=mid, kind="departure", carrier="KL", flight=f"KL{mid}",
                          scheduled_at=at, passengers=passengers or (pax(),), **kw)  # type: ignore[arg-type]


def snap(now: datetime, *movements: r.MovementSnap, **kw: object) -> r.Snapshot:
    return r.Snapshot(now=now, airport_id=1, airport="AMS", timezone="Europe/Amsterdam",
                      movements={m.id: m for m in movements}, **kw)  # type: ignore[arg-type]


def kinds(s: r.Snapshot) -> set[str]:
    return {a.kind for a in r.evaluate(s)}


def keys(s: r.Snapshot) -> set[str]:
    return {a.dedupe_key for a in r.evaluate(s)}


def test_nothing_to_say_about_a_quiet_flight() -> None:
    met = pax(milestones={"met_at_point": T0})
    assert r.evaluate(snap(T0, dep(1, T0 + timedelta(hours=4), met))) == []


def test_escort_missing_two_hours_before_departure_by_kind() -> None:
    leaves = T0 + timedelta(hours=2)
    stretcher = pax(1, codes=frozenset({"STCR"}), milestones={"met_at_point": T0})
    minor = pax(2, codes=frozenset({"UMNR"}), milestones={"met_at_point": T0})
    m = dep(1, leaves, stretcher, minor)
    early = snap(leaves - timedelta(hours=2, minutes=1), m)
    assert kinds(early) == set()
    due = snap(leaves - timedelta(hours=2), m)
    assert keys(due) == {"escort_missing:1:1:medical", "escort_missing:1:2:operational"}
    # An operational escort does not do for a stretcher case; a medical one does.
    m2 = dep(1, leaves, replace(stretcher, escorts=frozenset({"operational"})),
             replace(minor, escorts=frozenset({"operational"})))
    assert keys(snap(leaves - timedelta(minutes=90), m2)) == {"escort_missing:1:1:medical"}
    m3 = dep(1, leaves, replace(stretcher, escorts=frozenset({"medical"})), minor,
             flight_state="DEP")
    assert kinds(snap(leaves, m3)) == set()  # departed: nothing left to do


def test_escort_window_follows_the_delay_and_the_agency_flags() -> None:
    leaves = T0 + timedelta(hours=2)
    flagged = pax(1, operational_escort_required=True, milestones={"met_at_point": T0})
    m = dep(1, leaves, flagged, estimated_at=leaves + timedelta(minutes=30))
    assert kinds(snap(leaves - timedelta(hours=2), m)) == {"delay"}
    assert "escort_missing" in kinds(snap(leaves - timedelta(hours=1, minutes=30), m))


def test_not_checked_in_an_hour_before_scheduled_departure() -> None:
    leaves = T0 + timedelta(hours=1)
    m = dep(1, leaves, pax(1, milestones={"met_at_point": T0}),
            pax(2, milestones={"met_at_point": T0, "checked_in": T0}))
    assert kinds(snap(leaves - timedelta(minutes=61), m)) == set()
    assert keys(snap(leaves - timedelta(minutes=60), m)) == {"not_checked_in:1:1"}
    no_show = replace(m, passengers=(replace(m.passengers[0], status="no_show"),
                                     m.passengers[1]))
    assert kinds(snap(leaves - timedelta(minutes=30), no_show)) == set()


def test_departure_wait_counts_from_the_report_time() -> None:
    leaves = T0 + timedelta(hours=3)  # report time = T0
    m = dep(1, leaves, pax(1))
    assert kinds(snap(T0 + timedelta(minutes=30), m)) == set()
    assert keys(snap(T0 + timedelta(minutes=31), m)) == {"wait_departure:1:1"}
    met = replace(m, passengers=(pax(1, milestones={"met_at_point": T0}),))
    assert kinds(snap(T0 + timedelta(minutes=31), met)) == set()


def test_arrival_wait_counts_from_on_block() -> None:
    on_block = T0
    arr = r.MovementSnap(id=2, kind="arrival", carrier="TK", flight="TK1957",
                         scheduled_at=T0, actual_at=on_block, flight_state="LND",
                         passengers=(pax(5),))
    assert kinds(snap(on_block + timedelta(minutes=20), arr)) == set()
    assert keys(snap(on_block + timedelta(minutes=21), arr)) == {"wait_arrival:2:5"}
    met = replace(arr, passengers=(pax(5, milestones={"met_at_aircraft": T0}),))
    assert kinds(snap(on_block + timedelta(minutes=40), met)) == set()
    not_landed = replace(arr, actual_at=None, flight_state="AIR")
    assert kinds(snap(on_block + timedelta(hours=2), not_landed)) == set()


def test_delay_cancellation_diversion() -> None:
    met = pax(1, milestones={"met_at_point": T0})
    m = dep(1, T0 + timedelta(hours=5), met)
    assert kinds(snap(T0, replace(m, estimated_at=m.scheduled_at + timedelta(minutes=14)))) \
        == set()
    late = snap(T0, replace(m, estimated_at=m.scheduled_at + timedelta(minutes=15)))
    assert kinds(late) == {"delay"} and "delayed 15 min" in r.evaluate(late)[0].message
    assert kinds(snap(T0, replace(m, flight_state="DEL"))) == {"delay"}
    # The feed reports a gate change AND a delay: the delay is not hidden behind it.
    both = snap(T0, replace(m, flight_state="GCH", flight_states=("GCH", "DEL")))
    assert kinds(both) == {"delay"} and "reported delayed" in r.evaluate(both)[0].message
    assert kinds(snap(T0, replace(m, flight_state="CNX"))) == {"cancelled"}
    arr = r.MovementSnap(id=2, kind="arrival", carrier="TK", flight="TK1", scheduled_at=T0,
                         flight_state="DIV", passengers=(pax(),))
    assert kinds(snap(T0, arr)) == {"diverted"}
    # No passengers of ours on it: nothing to tell.
    assert kinds(snap(T0, replace(m, flight_state="CNX", passengers=()))) == set()


def test_gate_change_until_everyone_is_at_the_new_gate() -> None:
    change = r.GateChange(T0, "D7", "D9")
    a, b = pax(1, milestones={"met_at_point": T0}), pax(2, milestones={"met_at_point": T0})
    m = dep(1, T0 + timedelta(hours=5), a, b, gate="D9", last_gate_change=change)
    assert keys(snap(T0, m)) == {"gate_change:1:D9"}
    there = replace(m, passengers=(replace(a, milestones={"at_gate": T0}),
                                   replace(b, milestones={"boarded": T0})))
    assert kinds(snap(T0, there)) == set()
    assert kinds(snap(T0, replace(m, flight_state="DEP"))) == set()


def _transit(arrives: datetime, leaves: datetime, *, onward_carrier: str = "KL",
             passengers: tuple[r.PaxSnap, ...] = ()) -> tuple[r.MovementSnap, r.MovementSnap]:
    people = passengers or (pax(1, milestones={"met_at_arrival_gate": T0}),)
    inbound = r.MovementSnap(id=10, kind="transit_in", carrier="KQ", flight="KQ116",
                             scheduled_at=arrives, passengers=people)
    onward = r.MovementSnap(id=11, kind="transit_out", carrier=onward_carrier,
                            flight="KL691", scheduled_at=leaves, passengers=people)
    return inbound, onward


def test_connection_at_risk_by_transfer_time_and_minimum_connection() -> None:
    # Transfer 20 min, gate closes 15 min before: 35 min is exactly enough.
    inbound, onward = _transit(T0, T0 + timedelta(minutes=35))
    ok = snap(T0 - timedelta(hours=1), inbound, onward, transits=((10, 11),),
              min_connection_minutes=30)
    assert kinds(ok) == set()
    late = replace(inbound, estimated_at=T0 + timedelta(minutes=1))
    risky = snap(T0 - timedelta(hours=1), late, onward, transits=((10, 11),),
                 min_connection_minutes=30)
    assert keys(risky) == {"connection_risk:10:11"}
    # A carrier's own minimum connection time beats the airport's default.
    long_way = _transit(T0, T0 + timedelta(minutes=50))
    by_rule = snap(T0 - timedelta(hours=1), *long_way, transits=((10, 11),),
                   connection_rules={"KL": 60})
    assert keys(by_rule) == {"connection_risk:10:11"}
    assert "KL needs 60" in r.evaluate(by_rule)[0].message
    assert kinds(snap(T0 - timedelta(hours=1), *long_way, transits=((10, 11),))) == set()
    # Once they are at the onward gate, the connection is made.
    made = tuple(replace(p, milestones={"at_onward_gate": T0}) for p in late.passengers)
    done = snap(T0, replace(late, passengers=made), onward, transits=((10, 11),),
                min_connection_minutes=30)
    assert kinds(done) == set()


def test_case_split_and_unaccompanied_minor_on_a_forbidden_connection() -> None:
    child = pax(3, codes=frozenset({"UMNR"}), milestones={"met_at_arrival_gate": T0},
                case_id=7, case_reference="RS-1", case_split=True)
    inbound, onward = _transit(T0, T0 + timedelta(hours=3), passengers=(child,))
    s = snap(T0, inbound, onward, transits=((10, 11),),
             umnr_rules={"KQ": (False, 0), "KL": (True, 1)})
    assert keys(s) == {"case_split:7:10", "umnr_connection:3:KQ"}
    allowed = replace(s, umnr_rules={"KQ": (True, 1), "KL": (True, 1)})
    assert keys(allowed) == {"case_split:7:10"}


def test_rules_run_twice_give_the_same_keys() -> None:
    m = dep(1, T0 + timedelta(minutes=30), pax(1, codes=frozenset({"WCHC"})))
    s = snap(T0, m)
    assert [a.dedupe_key for a in r.evaluate(s)] == [a.dedupe_key for a in r.evaluate(s)]
    assert len(r.evaluate(s)) == len(keys(s))


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])
def test_windows_are_exact_durations_on_daylight_saving_days(day: str) -> None:
    from datetime import date

    d = date.fromisoformat(day)
    # 04:30 local is after the change on both days; the report time (-3 h) is before it.
    leaves = local_to_utc(d, "04:30", "Europe/Amsterdam")
    m = dep(1, leaves, pax(1))
    report = leaves - timedelta(hours=3)
    assert kinds(snap(report + timedelta(minutes=30), m)) == set()
    assert "wait_departure" in kinds(snap(report + timedelta(minutes=31), m))
    checked = replace(m, passengers=(pax(1, milestones={"met_at_point": report}),))
    assert kinds(snap(leaves - timedelta(minutes=61), checked)) == set()
    assert kinds(snap(leaves - timedelta(minutes=60), checked)) == {"not_checked_in"}
    message = r.evaluate(snap(leaves - timedelta(minutes=60), checked))[0].message
    assert "(04:30)" in message and "closes 03:30" in message


def test_midnight_rollover_of_a_departure_just_after_midnight() -> None:
    from datetime import date

    leaves = local_to_utc(date(2026, 9, 16), "00:20", "Europe/Amsterdam")  # 22:20 UTC 15th
    m = dep(1, leaves, pax(1, codes=frozenset({"WCHC"}), milestones={"met_at_point": T0}))
    evening = snap(local_to_utc(date(2026, 9, 15), "22:20", "Europe/Amsterdam"), m)
    assert kinds(evening) == {"escort_missing"}
    assert "leaves 00:20" in r.evaluate(evening)[0].message
    assert kinds(snap(local_to_utc(date(2026, 9, 15), "22:19", "Europe/Amsterdam"), m)) == set()
