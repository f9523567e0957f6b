"""``movements demo --year 2016``: the synthetic year, written through the history import.

The plan (``year.py``) fixes who travelled when; this module adds what the team's tablets
would have recorded on the day, drawn from a seeded generator so that every load is the
same: actual on/off-block times, the "met" step of each case and one later step
(departure: at gate; arrival: handed over; transit: at onward gate).  The waits are drawn
so that the ECAC Doc 30 service levels are mostly met, with a few misses worth listing.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from movements.demo.year import PlannedMovement, PlannedPassenger, generate_year
from movements.domain.actions.history import (
    HISTORY_CHUNK,
    HistoricMovement,
    HistoricPassenger,
    HistorySummary,
    import_history_in_chunks,
)
from movements.domain.alert_rules import REPORT_BEFORE
from movements.domain.models import MovementKind
from movements.domain.uow import Actor, UnitOfWork

# (share, low, high) in minutes: the wait from the reference time until the case is met.
# Departing: from the report time (3 h before departure); arriving: from on-block.
_DEPARTING_WAIT = ((0.84, 0, 10), (0.09, 10, 20), (0.065, 20, 30), (0.005, 30, 55))
_ARRIVING_WAIT = ((0.85, 0, 5), (0.09, 5, 10), (0.055, 10, 20), (0.005, 20, 40))
_BLOCK_DELAY = ((0.72, -15, 10), (0.23, 10, 45), (0.05, 45, 150))
# The later step, minutes after "met".
_AFTER_MET = {"departure": ("at_gate", 35, 110), "arrival": ("handed_over", 20, 75),
              "transit_in": ("at_onward_gate", 20, 70)}
_MET = {"departure": "met_at_point", "arrival": "met_at_aircraft",
        "transit_in": "met_at_arrival_gate"}


def _minutes(rng: random.Random, table: tuple[tuple[float, int, int], ...]) -> float:
    shares = [s for s, _, _ in table]
    _, low, high = rng.choices(table, weights=shares)[0]
    return rng.uniform(low, high)


def _steps(m: PlannedMovement, actual: datetime, rng: random.Random
           ) -> dict[str, tuple[tuple[str, datetime], ...]]:
    """Milestones per case of the movement (a case is met together)."""
    if m.kind not in _MET:
        return {}
    if m.kind == "departure":
        start, table = m.scheduled_utc - REPORT_BEFORE, _DEPARTING_WAIT
    else:
        start, table = actual, _ARRIVING_WAIT
    later, low, high = _AFTER_MET[m.kind]
    out: dict[str, tuple[tuple[str, datetime], ...]] = {}
    for ref in dict.fromkeys(p.case_ref for p in m.passengers):
        met = start + timedelta(minutes=_minutes(rng, table))
        out[ref] = ((_MET[m.kind], met),
                    (later, met + timedelta(minutes=rng.uniform(low, high))))
    return out


def _passenger(p: PlannedPassenger, m: PlannedMovement,
               steps: tuple[tuple[str, datetime], ...]) -> HistoricPassenger:
    return HistoricPassenger(
        key=p.key, case_ref=p.case_ref, programme=p.programme, surname=p.surname,
        given_names=p.given_names, native_name=p.native_name, birth_date=p.birth_date,
        sex=p.sex, nationality=p.nationality, ssr_codes=p.ssr_codes,
        chronic_condition=p.chronic_condition, medical_escort=p.medical_escort,
        operational_escort=p.operational_escort,
        victim_of_trafficking=p.victim_of_trafficking,
        release_to_name=p.release_to_name, release_to_relation=p.release_to_relation,
        stop=p.final_destination if m.is_charter else None, medical=p.medical,
        milestones=steps)


#: Share of the year's movements whose carrier notification went out late (under 48 h
#: before the scheduled time) or not at all: the synthetic year's not-pre-notified.
LATE_NOTICE_SHARE = 0.06


def _notified_at(m: PlannedMovement) -> datetime | None:
    """When the carrier was notified (UTC): 2 to 5 days before the scheduled time, or for
    a few movements late (6 to 47 h) or never.  Drawn from the movement's own key so the
    year's other draws stay as they were."""
    own = random.Random(f"movements.demo.notice:{m.key}")
    if own.random() < LATE_NOTICE_SHARE:
        return None if own.random() < 0.3 else m.scheduled_utc - timedelta(
            hours=own.uniform(6, 47))
    return m.scheduled_utc - timedelta(hours=own.uniform(49, 120))


def to_history(m: PlannedMovement, rng: random.Random | None = None) -> HistoricMovement:
    """The planned movement as history; with ``rng``, with the day's recorded times."""
    actual = m.scheduled_utc
    steps: dict[str, tuple[tuple[str, datetime], ...]] = {}
    if rng is not None:
        actual = m.scheduled_utc + timedelta(minutes=round(_minutes(rng, _BLOCK_DELAY)))
        steps = _steps(m, actual, rng)
    return HistoricMovement(
        key=m.key, kind=MovementKind(m.kind), carrier=m.carrier,
        flight_number=m.flight_number, operational_date=m.operational_date,
        scheduled_at=m.scheduled_utc, origin=m.origin, destination=m.destination,
        is_charter=m.is_charter, stops=m.charter_stops, onward_key=m.onward_key,
        actual_at=actual, notified_at=_notified_at(m) if rng is not None else None,
        passengers=tuple(_passenger(p, m, steps.get(p.case_ref, ())) for p in m.passengers))


def year_history(year: int, *, months: set[int] | None = None) -> list[HistoricMovement]:
    """The synthetic year (or some of its months) as history rows, deterministic."""
    if year != 2016:
        from movements.domain.errors import RuleViolation

        raise RuleViolation(f"--year {year}: only the 2016 figures exist (DOMAIN.md)")
    plan = generate_year(year)
    chosen = [m for m in plan.movements
              if months is None or m.operational_date.month in months]
    # A transit is counted on its inbound leg: keep its onward leg even when it leaves in
    # the next month, and drop onward legs whose inbound leg was not chosen.
    wanted_onward = {m.onward_key for m in chosen if m.onward_key}
    by_key = {m.key: m for m in plan.movements}
    keys = [m.key for m in chosen if m.kind != "transit_out"] + sorted(wanted_onward)
    rng = random.Random(f"movements.demo.load_year:{year}")
    return [to_history(by_key[k], rng) for k in dict.fromkeys(keys)]


async def load_year(uow: UnitOfWork, year: int, *, months: set[int] | None = None,
                    chunk: int = HISTORY_CHUNK,
                    after_chunk: Callable[[int, int], Awaitable[None]] | None = None
                    ) -> HistorySummary:
    """Write the synthetic year into the database (AMS set up if missing), in bounded
    transactions of about ``chunk`` movements, all or nothing
    (``import_history_in_chunks``: taps get in between; a failure leaves nothing)."""
    from movements.domain.actions.setup import ensure_airport

    movements = year_history(year, months=months)
    actor = Actor.system("demo-year")

    def airport(tx):  # type: ignore[no-untyped-def]
        ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")

    await uow.run(airport, actor)
    label = f"demo year {year}" + (f" months {sorted(months)}" if months else "")
    return await import_history_in_chunks(uow, actor, "AMS", movements, chunk=chunk,
                                          label=label, after_chunk=after_chunk)
