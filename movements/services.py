"""The running parts the edges share, built once by the composition root (``create_app``,
the CLI) and handed around explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from movements.config import Settings
from movements.db import make_engine, make_sessionmaker
from movements.domain.clock import Clock, SystemClock
from movements.domain.uow import NullPublisher, Publisher, UnitOfWork


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    uow: UnitOfWork
    clock: Clock

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None,
              publisher: Publisher | None = None) -> Services:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.effective_database_url)
        sessions = make_sessionmaker(engine)
        the_clock = clock or SystemClock()
        return cls(settings, engine, sessions,
                   UnitOfWork(sessions, publisher or NullPublisher(), the_clock), the_clock)

    async def close(self) -> None:
        await self.engine.dispose()
