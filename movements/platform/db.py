"""Engines and session factories; SQLite pragmas that make the embedded default safe.

``Database`` is what the composition roots open: it knows which way the unit of work
runs its synchronous actions (see ``movements.domain.uow.UnitOfWork``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from movements.domain.clock import Clock
from movements.domain.errors import Busy
from movements.domain.uow import WRITE_TXN_OPTION, WRITE_WAIT_SECONDS, Publisher, UnitOfWork

R = TypeVar("R")
log = logging.getLogger(__name__)


def warn_small_blocks(url: str) -> int | None:
    """Warn (once per engine) when a SQLite database lives on a filesystem with blocks
    smaller than 4 KiB, and return that block size (None when fine or not a file).

    SQLite grows its WAL index (the mmapped ``-shm`` file) by writing the last byte of
    each 4 KiB page; on a filesystem with 1 KiB blocks that reserves only the page's last
    block, and when the disk is full the process then dies with SIGBUS on touching the
    rest of the page, before any error can be reported.  With 4 KiB blocks (the default
    of every filesystem above 512 MB) a full disk is an ordinary error (503, exit 2)."""
    path = url.split("///", 1)[1] if "///" in url else ""
    if not path or path.startswith(":memory:"):
        return None
    try:
        block = os.statvfs(os.path.dirname(os.path.abspath(path)) or ".").f_bsize
    except OSError:
        return None
    if block >= 4096:
        return None
    log.warning("the database %s is on a filesystem with %d-byte blocks: a full disk can "
                "crash the process there (SQLite's WAL index); use 4 KiB blocks", path, block)
    return block


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        warn_small_blocks(url)
        engine = create_async_engine(url, echo=echo,
                                     connect_args={"timeout": WRITE_WAIT_SECONDS})
        _sqlite_pragmas(engine.sync_engine)
        return engine
    engine = create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10,
                                 max_overflow=20)
    _postgres_lock_timeout(engine.sync_engine)
    return engine


def _postgres_lock_timeout(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # A writer waits for a row lock (a board's stream counter, a booking) at most
        # WRITE_WAIT_SECONDS, then fails with 55P03, which the unit of work answers as
        # Busy (503, retry) instead of hanging.
        if conn.get_execution_options().get(WRITE_TXN_OPTION, False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_WAIT_SECONDS}s'")


def make_sync_sqlite_engine(url: str) -> Engine:
    path_url = url.replace("sqlite+aiosqlite://", "sqlite://", 1)
    engine = create_engine(path_url, connect_args={"timeout": WRITE_WAIT_SECONDS,
                                                   "check_same_thread": False},
                           pool_size=8, max_overflow=8)
    _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers go on while one writer commits; the busy timeout turns a
        # brief lock into a wait instead of an error; SQLite ignores FKs unless asked.
        # Transactions are begun by us so that a writer can say BEGIN IMMEDIATE and two
        # writers queue at the start instead of failing at upgrade with "locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Writers take the lock up front (UnitOfWork.run sets WRITE_TXN_OPTION);
        # readers never wait for it.
        immediate = conn.get_execution_options().get(WRITE_TXN_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def _to_thread(fn: Callable[[], R]) -> R:
    return await asyncio.to_thread(fn)


class SerialWriter:
    """Runs SQLite write transactions of this process one at a time, in arrival order.

    SQLite has one writer.  Left to its busy handler, writers poll with growing sleeps,
    and a bulk import that commits a chunk and begins the next at once can win the lock
    again and again while a tablet's tap sleeps (the tap waited 15 s).  An asyncio lock
    is first come, first served: a tap that arrives during a chunk runs right after it.
    Waiting longer than WRITE_WAIT_SECONDS for the turn is refused as ``Busy``.
    """

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None

    async def __call__(self, fn: Callable[[], R]) -> R:
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            await asyncio.wait_for(self._lock.acquire(), WRITE_WAIT_SECONDS)
        except TimeoutError:
            raise Busy() from None
        try:
            return await asyncio.to_thread(fn)
        finally:
            self._lock.release()


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sync_engine: Engine | None
    writer: SerialWriter = field(default_factory=SerialWriter)

    @classmethod
    def open(cls, url: str) -> Database:
        sync = make_sync_sqlite_engine(url) if url.startswith("sqlite") else None
        return cls(url, make_engine(url), sync)

    def unit_of_work(self, publisher: Publisher, clock: Clock | None = None) -> UnitOfWork:
        if self.sync_engine is not None:
            uow = UnitOfWork(None, publisher, clock,
                             sync_sessions=sessionmaker(self.sync_engine,
                                                        expire_on_commit=False),
                             offload=_to_thread, offload_write=self.writer)
            if self.sync_engine.url.database:
                uow.database_file = Path(self.sync_engine.url.database)
            return uow
        return UnitOfWork(make_sessionmaker(self.engine), publisher, clock)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.sync_engine is not None:
            self.sync_engine.dispose()


def explain_database_failure(exc: BaseException, url: str) -> str | None:
    """One line a person can act on for a failure to reach or use the database at ``url``
    (the password never shown); None when ``exc`` is not such a failure."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError, OperationalError

    from movements.domain.storage import classify

    if not isinstance(exc, OperationalError | DBAPIError | OSError | ConnectionError):
        return None
    text = str(exc).lower()
    shown = url.split("@")[-1] if "@" in url else url
    database = make_url(url).database if url.startswith("sqlite") else None
    if (reason := classify(exc, Path(database) if database else None)) is not None:
        return f"{reason} ({shown}); nothing was changed"
    if "locked" in text:
        return f"the database file is locked by another program ({shown}); close it and retry"
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return f"cannot open the database file ({shown}): check the path and permissions"
    return f"cannot reach the database at {shown}: {str(exc).splitlines()[0]}"


__all__ = ["Database", "Session", "explain_database_failure", "make_engine",
           "make_sessionmaker"]
