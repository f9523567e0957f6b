"""What every ``movements`` subcommand shares: the one-line error, settings, running a
coroutine against the database with its failures explained in one line.

Subcommand modules import this module and click only, never each other or ``main``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

import click

from movements.platform.config import Settings


class CliError(Exception):
    """A failure to report in one line."""


def current_settings() -> Settings:
    """The settings from the environment, with the root command's ``--data-dir`` applied
    (raises ConfigError naming the variable when one is unusable)."""
    data_dir = click.get_current_context().find_root().params.get("data_dir")
    if data_dir:
        return Settings.from_env({**os.environ, "MOVEMENTS_DATA_DIR": data_dir})
    return Settings.from_env()


def run_async(factory: Callable[[], Coroutine[Any, Any, Any]], url: str) -> Any:
    """Run ``factory()``; a database that cannot be reached or used is one CliError line
    (``platform.db.explain_database_failure``)."""
    from movements.platform.db import explain_database_failure

    try:
        return asyncio.run(factory())
    except Exception as exc:
        line = explain_database_failure(exc, url)
        if line is None:
            raise
        raise CliError(line) from exc


async def upgrade_schema(settings: Settings) -> None:
    from movements.platform.db import make_engine
    from movements.platform.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


T = TypeVar("T")


def act(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one domain action as the system user ``cli`` in a unit of work against the
    configured database (the commands' one way to write)."""
    from movements.domain.uow import Actor
    from movements.services import Services

    settings = current_settings()

    async def go() -> T:
        services = Services.build(settings)
        try:
            return await services.uow.run(action, Actor.system("cli"), *args, **kwargs)
        finally:
            await services.close()

    return cast(T, run_async(go, settings.effective_database_url))


async def run_action(settings: Settings, action: Any, *args: Any, read: bool = False) -> Any:
    """Run one domain action (or, with ``read``, one domain query) as the system user
    ``cli`` against ``settings``' database; for commands that already hold the settings
    and an event loop (``run_async``)."""
    from movements.domain.uow import Actor
    from movements.services import Services

    services = Services.build(settings)
    try:
        if read:
            return await services.uow.read(action, *args)
        return await services.uow.run(action, Actor.system("cli"), *args)
    finally:
        await services.close()
