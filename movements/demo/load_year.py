"""``movements demo --year 2016``: the synthetic year, written through the history import."""

from __future__ import annotations

from movements.demo.year import PlannedMovement, generate_year
from movements.domain.actions.history import (
    HistoricMovement,
    HistoricPassenger,
    HistorySummary,
    import_history,
)
from movements.domain.models import MovementKind
from movements.domain.uow import Actor, UnitOfWork


def to_history(m: PlannedMovement) -> HistoricMovement:
    return HistoricMovement(
        key=m.key, kind=MovementKind(m.kind), carrier=m.carrier,
        flight_number=m.flight_number, operational_date=m.operational_date,
        scheduled_at=m.scheduled_utc, origin=m.origin, destination=m.destination,
        is_charter=m.is_charter, stops=m.charter_stops, onward_key=m.onward_key,
        passengers=tuple(HistoricPassenger(
            key=p.key, case_ref=p.case_ref, programme=p.programme, surname=p.surname,
            given_names=p.given_names, native_name=p.native_name, birth_date=p.birth_date,
            sex=p.sex, nationality=p.nationality, ssr_codes=p.ssr_codes,
            chronic_condition=p.chronic_condition, medical_escort=p.medical_escort,
            operational_escort=p.operational_escort,
            victim_of_trafficking=p.victim_of_trafficking,
            release_to_name=p.release_to_name, release_to_relation=p.release_to_relation,
            stop=p.final_destination if m.is_charter else None)
            for p in m.passengers))


async def load_year(uow: UnitOfWork, year: int, *, months: set[int] | None = None
                    ) -> HistorySummary:
    if year != 2016:
        from movements.domain.errors import RuleViolation

        raise RuleViolation(f"--year {year}: only the 2016 figures exist (DOMAIN.md)")
    from movements.domain.actions.setup import ensure_airport

    plan = generate_year(year)
    chosen = [m for m in plan.movements
              if months is None or m.operational_date.month in months]
    # A transit is counted on its inbound leg: keep its onward leg even when it leaves in
    # the next month, and drop onward legs whose inbound leg was not chosen.
    wanted_onward = {m.onward_key for m in chosen if m.onward_key}
    by_key = {m.key: m for m in plan.movements}
    keys = [m.key for m in chosen if m.kind != "transit_out"] + sorted(wanted_onward)
    movements = [to_history(by_key[k]) for k in dict.fromkeys(keys)]

    def run(tx):  # type: ignore[no-untyped-def]
        ensure_airport(tx, "AMS", "Amsterdam Schiphol", "Europe/Amsterdam")
        return import_history(tx, "AMS", movements)

    return await uow.run(run, Actor.system("demo-year"))
