"""``start_eagerly``: the fan-out's send runs at once and only becomes a task when it
has to wait (the fan-out's path without a task per socket, fanout.py)."""

from __future__ import annotations

import asyncio

import pytest

from movements.realtime.fanout import start_eagerly


async def test_a_coroutine_that_never_waits_finishes_before_start_eagerly_returns() -> None:
    done: list[str] = []

    async def send() -> None:
        done.append("sent")

    assert start_eagerly(send()) is None
    assert done == ["sent"]


async def test_a_coroutine_that_waits_continues_in_a_task_after_its_future() -> None:
    gate = asyncio.Event()
    steps: list[str] = []

    async def send() -> None:
        steps.append("before")
        await gate.wait()
        steps.append("after")
        await asyncio.sleep(0)  # a bare yield to the loop is driven too
        steps.append("end")

    rest = start_eagerly(send())
    assert rest is not None and steps == ["before"]
    await asyncio.sleep(0.01)
    assert steps == ["before"]  # still waiting for the gate
    gate.set()
    await asyncio.wait_for(rest, 1)
    assert steps == ["before", "after", "end"]


async def test_errors_before_and_after_the_first_wait_reach_the_caller() -> None:
    async def fails_at_once() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        start_eagerly(fails_at_once())

    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def fails_later() -> None:
        await gate

    rest = start_eagerly(fails_later())
    assert rest is not None
    gate.set_exception(ConnectionResetError("gone later"))
    with pytest.raises(ConnectionResetError, match="gone later"):
        await asyncio.wait_for(rest, 1)


async def test_cancelling_the_rest_closes_the_coroutine() -> None:
    closed: list[bool] = []

    async def send() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            closed.append(True)

    rest = start_eagerly(send())
    assert rest is not None
    await asyncio.sleep(0)
    rest.cancel()
    with pytest.raises(asyncio.CancelledError):
        await rest
    assert closed == [True]
