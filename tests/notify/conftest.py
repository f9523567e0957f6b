"""What the notify tests share: the loopback channels (a real HTTP SMS gateway and a real
SMTP server, each started per test and stopped by the fixture), the sender over them, the
outbox rows, and a coordinator's gate change (with the reason a correction needs)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, TypeVar

import pytest
import uvicorn
from litestar import Litestar
from sqlalchemy import select

from movements.domain.actions import movements as mv
from movements.domain.outbox_models import OutboxMessage
from movements.domain.uow import NullPublisher, Tx, UnitOfWork
from movements.notify.channels import Channels
from movements.notify.loopback import SmsGateway, SmtpReceiver
from movements.notify.sender import OutboxSender
from movements.platform.db import Database
from tests.conftest import run_async
from tests.factories import SYSTEM
from tests.pg import free_port

T = TypeVar("T")

DAY = date(2026, 9, 15)
PUBLIC = "https://movements.example"
#: Why the tests' coordinator moves a flight to another gate (a correction needs one).
GATE_SWAP = "gate swap by the airline"


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    gw = SmsGateway().start()
    yield gw
    gw.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    server = SmtpReceiver(free_port()).start()
    yield server
    server.stop()


def make_sender(uow: UnitOfWork, gateway: SmsGateway | None, smtp: SmtpReceiver | None,
           **kw: Any) -> OutboxSender:
    """The outbox sender over the loopback channels (None: that channel unconfigured)."""
    return OutboxSender(uow, Channels(gateway.url if gateway else "",
                                      smtp.url() if smtp else "",
                                      webhook_allow_private=True), public_url=PUBLIC, **kw)


def outbox_rows(session: Any) -> list[OutboxMessage]:
    """Every outbox message, oldest first (a ``uow.read`` function)."""
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def change_gate(tx: Tx, movement_id: int, gate: str) -> bool:
    """A coordinator moves the flight to ``gate``, saying why."""
    return mv.update_flight(tx, movement_id, {"gate": gate}, reason=GATE_SWAP)


def on_database(url: str, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """``work`` with a unit of work on the database at ``url`` (for tests that run a
    server or the CLI in another process), the pool disposed after."""
    async def go() -> T:
        db = Database.open(url)
        try:
            return await work(db.unit_of_work(NullPublisher()))
        finally:
            await db.dispose()

    return run_async(go())


def read_on(url: str, read: Callable[[Any], T]) -> T:
    """One read on the database at ``url``."""
    return on_database(url, lambda uow: uow.read(read))


def write_on(url: str, write: Callable[[Tx], T]) -> T:
    """One write as the system on the database at ``url``."""
    return on_database(url, lambda uow: uow.run(write, SYSTEM))


@asynccontextmanager
async def serving(app: Litestar, port: int) -> AsyncIterator[None]:
    """``app`` served by a real uvicorn on 127.0.0.1:``port`` (lifespan on) for the
    block's length, in this event loop; stopped and awaited after, also when it failed to
    start (its error is raised)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        await task
