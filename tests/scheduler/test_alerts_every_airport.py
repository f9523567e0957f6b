"""The alert job runs at every airport of the deployment, not only the default one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from movements.demo.day import load_demo_day
from movements.domain.clock import ManualClock
from movements.domain.models import Airport, Alert, Movement
from movements.platform.config import Settings
from movements.scheduler import JobRunner
from movements.services import Services
from tests.factories import SYSTEM

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)  # ET714 to Brussels is airborne, 50 min late


async def test_the_alert_job_raises_for_a_brussels_flight_of_the_demo(
        database_url: str, tmp_path: Path) -> None:
    # The deployment's default airport is AMS; BRU is only the second airport.
    settings = Settings(data_dir=tmp_path, database_url=database_url, airport="AMS")
    services = Services.build(settings, clock=ManualClock(NOW))
    runner = JobRunner(services, holder="walk")
    try:
        await services.uow.run(load_demo_day, SYSTEM, date(2026, 9, 15), NOW)
        assert await runner.renew_lease()
        runs = await runner.evaluate_alerts()
        assert runs is not None and set(runs) == {"AMS", "BRU"}

        def brussels_alerts(session):  # type: ignore[no-untyped-def]
            return list(session.execute(
                select(Alert.kind, Movement.carrier, Movement.flight_number)
                .join(Airport, Airport.id == Alert.airport_id)
                .join(Movement, Movement.id == Alert.movement_id)
                .where(Airport.iata == "BRU")))

        found = await services.uow.read(brussels_alerts)
        assert ("delay", "ET", "714") in [tuple(r) for r in found]
        assert runs["BRU"].raised >= 1
    finally:
        await runner.stop()
        await services.close()
