"""The per-test database reset leaves nothing behind: every table empty and every id
counter back at 1, so no test sees another's rows or depends on the order tests run in.

On PostgreSQL the schema is migrated once per process and emptied before each test
(tests/conftest.py ``_fresh_pg``); on SQLite each test copies a freshly migrated file.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from movements.domain.models import Airport, Base
from movements.domain.uow import UnitOfWork
from tests.conftest import _fresh_pg
from tests.factories import SYSTEM, build_world


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {t.name: int((await conn.execute(select(func.count()).select_from(t)))
                            .scalar_one())
                for t in Base.metadata.sorted_tables}


async def test_the_reset_empties_every_table_and_restarts_ids(
        uow: UnitOfWork, engine: AsyncEngine, database_url: str) -> None:
    await uow.run(build_world, SYSTEM)
    written = await _counts(engine)
    assert written["airport"] > 0 and written["movement"] > 0, written
    if not database_url.startswith("postgresql"):
        return  # SQLite: each test copies a freshly migrated file; nothing is reset in place

    fresh = await _fresh_pg(database_url)
    try:
        left = await _counts(fresh)
        assert not any(left.values()), {name: n for name, n in left.items() if n}
        async with fresh.begin() as conn:
            await conn.execute(text(
                "INSERT INTO airport (iata, name, timezone, escort_transfer_minutes, "
                "min_connection_minutes) VALUES ('ZZZ', 'Test', 'UTC', 20, 50)"))
            new_id = (await conn.execute(
                select(Airport.id).where(Airport.iata == "ZZZ"))).scalar_one()
        assert new_id == 1  # the id counters start again
    finally:
        await fresh.dispose()
