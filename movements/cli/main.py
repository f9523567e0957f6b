"""The ``movements`` command: serve, db, demo, airports, users, organisations, manifest,
import.

Every failure a person can cause (a bad argument, an unreachable database, a locked file)
ends in one clear line on stderr and exit code 2, never a traceback.  Built with click;
this module is the root of a tree: it adds the commands of ``admin``, ``manifests`` and
``imports``, which import only ``common``.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from movements.cli import admin, imports, manifests, notify, planning, validity
from movements.cli.common import CliError, current_settings, run_async, upgrade_schema
from movements.platform.config import ConfigError, Settings

ROLES = ["gate_staff", "coordinator", "reception", "admin", "manager"]


@click.group(name="movements", no_args_is_help=False,
             help="The operations console of the agency's airport team.")
@click.option("--data-dir", help="where the embedded database lives (default ./data)")
def cli(data_dir: str | None) -> None:
    """The root; ``--data-dir`` is read by :func:`current_settings`."""


# ------------------------------------------------------------------------------ serve

def public_url_for(host: str, port: int) -> str:
    """The address a server bound to ``host:port`` answers on, for printed links: a
    wildcard bind is reached by this machine's name."""
    import socket

    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn() or "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


@cli.command(help="run the console")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--demo", is_flag=True, help="load today's demo day into an empty database")
def serve(host: str, port: int, workers: int, demo: bool) -> None:
    import uvicorn

    data_dir = click.get_current_context().find_root().params.get("data_dir")
    if data_dir:
        os.environ["MOVEMENTS_DATA_DIR"] = data_dir  # the app reads its settings itself
    if "MOVEMENTS_PUBLIC_URL" not in os.environ:
        # The manifests' QR code and "verify at" name the address this server answers on
        # unless a public address is configured (a proxy in front).
        os.environ["MOVEMENTS_PUBLIC_URL"] = public_url_for(host, port)
    settings = Settings.from_env()
    if not (0 < port < 65536):
        raise CliError(f"--port {port}: must be 1-65535")
    if workers < 1:
        raise CliError(f"--workers {workers}: must be at least 1")
    if workers > 1 and settings.channels_url.startswith("memory://"):
        raise CliError("--workers > 1 needs MOVEMENTS_CHANNELS_URL=redis://... so that a "
                       "change made in one process reaches tablets held by another")
    run_async(lambda: upgrade_schema(settings), settings.effective_database_url)
    if demo:
        message = run_async(lambda: _demo_if_empty(settings), settings.effective_database_url)
        print(message, flush=True)
        from movements.feed.replay import start_demo_feed

        print(start_demo_feed(settings)[1], flush=True)  # sets MOVEMENTS_FEED_* for the app
    print(f"serving on http://{host}:{port}/board", flush=True)
    # Several workers run under uvicorn's supervisor; each must end with it.
    factory = "create_supervised_app" if workers > 1 else "create_app"
    from movements.serving import proxy_options, ws_options

    uvicorn.run(f"movements.app:{factory}", factory=True, host=host, port=port,
                workers=workers, log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=5, **ws_options(settings), **proxy_options(settings))


async def _demo_if_empty(settings: Settings) -> str:
    from movements.domain.queries import movement_count
    from movements.services import Services

    services = Services.build(settings)
    try:
        count = await services.uow.read(movement_count)
    finally:
        await services.close()
    if count:
        return f"the database has {count} movements already; demo data not loaded"
    message = await _load_demo(settings, None)
    from movements.demo.accounts import ensure_demo_users

    accounts = await ensure_demo_users(settings)
    return message + "\n" + accounts


# ------------------------------------------------------------------------------ db

@cli.group(no_args_is_help=False, help="database schema")
def db() -> None:
    pass


@db.command(help="create or upgrade the schema")
def upgrade() -> None:
    settings = current_settings()
    run_async(lambda: upgrade_schema(settings), settings.effective_database_url)
    print(f"schema is up to date ({settings.effective_database_url.split('@')[-1]})")


@db.command(help="write a consistent backup to FILE")
@click.argument("file")
def backup(file: str) -> None:
    from movements.platform.backup import BackupError
    from movements.platform.backup import backup as write_backup

    settings = current_settings()
    try:
        size = write_backup(settings.effective_database_url, Path(file))
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    print(f"backup written to {file} ({size} bytes)")


@db.command(help="replace the database with the backup in FILE (stop the console first)")
@click.argument("file")
def restore(file: str) -> None:
    from movements.platform.backup import BackupError
    from movements.platform.backup import restore as restore_backup

    settings = current_settings()
    try:
        restore_backup(settings.effective_database_url, Path(file))
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    print(f"restored {file}; start the console again")


# ------------------------------------------------------------------------------ demo

async def _load_demo(settings: Settings, year: int | None) -> str:
    from movements.domain.clock import SystemClock, local_date
    from movements.domain.uow import Actor
    from movements.services import Services

    await upgrade_schema(settings)
    services = Services.build(settings)
    try:
        if year is not None:
            from movements.demo.load_year import load_year

            summary = await load_year(services.uow, year)
            return f"loaded the synthetic year {year}: {summary}"
        from movements.demo.day import demo_timezone, load_demo_day

        now = SystemClock().now()
        today = local_date(now, demo_timezone())
        result = await services.uow.run(load_demo_day, Actor.system("demo"), today, now)
        from movements.demo.contacts import add_demo_contacts

        people = await services.uow.run(add_demo_contacts, Actor.system("demo"))
        return f"loaded the demo day {today}: {result}; contacts for {people} people"
    finally:
        await services.close()


@cli.command(name="demo", help="load demo data")
@click.option("--year", type=int, help="load a synthetic year (only 2016 exists)")
def demo_command(year: int | None) -> None:
    settings = current_settings()
    print(run_async(lambda: _load_demo(settings, year), settings.effective_database_url))


# ------------------------------------------------------------------------------ airports

async def _add_airport(settings: Settings, code: str, name: str, tz: str) -> int:
    from movements.domain.actions.setup import ensure_airport
    from movements.domain.uow import Actor
    from movements.services import Services

    await upgrade_schema(settings)
    services = Services.build(settings)
    try:
        return int(await services.uow.run(ensure_airport, Actor.system("cli"), code, name, tz))
    finally:
        await services.close()


@cli.group(no_args_is_help=False, help="airport stations")
def airports() -> None:
    pass


@airports.command(name="add", help="set up an airport station")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--timezone", required=True, help="e.g. Europe/Amsterdam")
def airports_add(code: str, name: str, timezone: str) -> None:
    settings = current_settings()
    airport_id = run_async(lambda: _add_airport(settings, code, name, timezone),
                           settings.effective_database_url)
    print(f"airport {code.upper()} is set up (id {airport_id})")


# ------------------------------------------------------------------------------ users

async def _add_user(settings: Settings, username: str, display: str, role: str,
                    password: str, organisation: str | None, airports: list[str]) -> int:
    from movements.domain.actions.setup import add_user
    from movements.domain.uow import Actor
    from movements.platform.passwords import hash_password
    from movements.services import Services

    services = Services.build(settings)
    try:
        return int(await services.uow.run(add_user, Actor.system("cli"), username, display,
                                          role, hash_password(password),
                                          organisation=organisation, airports=airports))
    finally:
        await services.close()


@cli.group(no_args_is_help=False, help="user accounts")
def users() -> None:
    pass


@users.command(name="add", help="add a user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", help="display name")
@click.option("--password", help="at least 10 characters (default: generated)")
@click.option("--organisation", help="required for reception users")
@click.option("--airports", "airport_codes",
              help="comma-separated IATA codes (default: MOVEMENTS_AIRPORT)")
def users_add(username: str, role: str, name: str | None, password: str | None,
              organisation: str | None, airport_codes: str | None) -> None:
    settings = current_settings()
    chosen_password = password or secrets.token_urlsafe(12)
    if len(chosen_password) < 10:
        raise CliError("--password: use at least 10 characters")
    chosen = airport_codes if airport_codes is not None else settings.airport
    codes = [a.strip() for a in chosen.split(",") if a.strip()]
    user_id = run_async(lambda: _add_user(settings, username, name or username, role,
                                          chosen_password, organisation, codes),
                        settings.effective_database_url)
    print(f"user {username} ({role}) added as id {user_id}")
    if not password:
        print(f"password: {chosen_password}")


users.add_command(admin.deactivate)
users.add_command(admin.reactivate)
cli.add_command(admin.organisations)
cli.add_command(manifests.manifest)
cli.add_command(imports.import_group)
cli.add_command(planning.movements_group)
cli.add_command(planning.cases_group)
cli.add_command(notify.contacts_group)
cli.add_command(notify.webhooks_group)
cli.add_command(validity.validity_group)


# ------------------------------------------------------------------------------ main

def _fail(message: str) -> int:
    print(f"movements: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (0, 2 for a failure a person can fix,
    130 when interrupted)."""
    import logging

    if not logging.getLogger().handlers:  # the one line below says it, not a log record
        logging.getLogger("movements").addHandler(logging.NullHandler())
    try:
        result = cli.main(args=argv, prog_name="movements", standalone_mode=False)
    except click.UsageError as exc:  # bad arguments: one line, no usage dump
        return _fail(f"{exc.format_message()} (see 'movements --help')")
    except click.ClickException as exc:
        return _fail(exc.format_message())
    except (CliError, ConfigError) as exc:
        return _fail(str(exc))
    except (click.Abort, KeyboardInterrupt):
        return 130
    except Exception as exc:  # noqa: BLE001 - a domain refusal is still one line
        from movements.domain.errors import DomainError
        from movements.domain.storage import StorageUnavailable

        if isinstance(exc, StorageUnavailable):
            return _fail(f"cannot save: {exc.reason}; nothing was changed")
        if isinstance(exc, DomainError):
            return _fail(exc.message)
        raise
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
