"""The running parts the edges share, built once by the composition root (``create_app``,
the CLI) and handed around explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from movements.domain.clock import Clock, SystemClock
from movements.domain.uow import NullPublisher, Publisher, UnitOfWork
from movements.platform.config import Settings
from movements.platform.db import Database
from movements.platform.passwords import use_profile


@dataclass
class Services:
    settings: Settings
    database: Database
    uow: UnitOfWork
    clock: Clock

    @property
    def engine(self) -> AsyncEngine:
        return self.database.engine

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None,
              publisher: Publisher | None = None) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        use_profile(settings.password_hash_profile)
        database = Database.open(settings.effective_database_url)
        the_clock = clock or SystemClock()
        return cls(settings, database,
                   database.unit_of_work(publisher or NullPublisher(), the_clock), the_clock)

    async def close(self) -> None:
        await self.database.dispose()
