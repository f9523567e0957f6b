"""What every ``movements`` subcommand shares: the one-line error, settings, running a
coroutine against the database with its failures explained in one line.

Subcommand modules import this module and click only, never each other or ``main``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any

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


def _explain_db_error(exc: BaseException, url: str) -> str:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from movements.domain.storage import classify

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


def run_async(factory: Callable[[], Coroutine[Any, Any, Any]], url: str) -> Any:
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        return asyncio.run(factory())
    except (OperationalError, DBAPIError, OSError, ConnectionError) as exc:
        raise CliError(_explain_db_error(exc, url)) from exc


async def upgrade_schema(settings: Settings) -> None:
    from movements.platform.db import make_engine
    from movements.platform.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
