"""The ``movements`` command: serve, db, demo, users (and, as they come, import, manifest).

Every failure a person can cause (a bad argument, an unreachable database, a locked file)
ends in one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, NoReturn

from movements.config import ConfigError, Settings


class CliError(Exception):
    """A failure to report in one line."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "data_dir", None):
        settings = Settings.from_env({**os.environ, "MOVEMENTS_DATA_DIR": args.data_dir})
    return settings


def _explain_db_error(exc: BaseException, url: str) -> str:
    text = str(exc).lower()
    shown = url.split("@")[-1] if "@" in url else url
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


async def _upgrade(settings: Settings) -> None:
    from movements.db import make_engine
    from movements.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def cmd_db_backup(args: argparse.Namespace) -> int:
    from movements.backup import BackupError, backup

    settings = _settings(args)
    try:
        size = backup(settings.effective_database_url, Path(args.file))
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    print(f"backup written to {args.file} ({size} bytes)")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    from movements.backup import BackupError, restore

    settings = _settings(args)
    try:
        restore(settings.effective_database_url, Path(args.file))
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from exc
    print(f"restored {args.file}; start the console again")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    settings = _settings(args)
    run_async(lambda: _upgrade(settings), settings.effective_database_url)
    print(f"schema is up to date ({settings.effective_database_url.split('@')[-1]})")
    return 0


async def _load_demo(settings: Settings, year: int | None) -> str:
    from movements.domain.clock import SystemClock, local_date
    from movements.domain.uow import Actor
    from movements.services import Services

    await _upgrade(settings)
    services = Services.build(settings)
    try:
        if year is not None:
            from movements.demo.load_year import load_year

            summary = await load_year(services.uow, year)
            return f"loaded the synthetic year {year}: {summary}"
        from movements.demo.day import load_demo_day

        now = SystemClock().now()
        today = local_date(now, "Europe/Amsterdam")
        result = await services.uow.run(load_demo_day, Actor.system("demo"), today, now)
        return f"loaded the demo day {today}: {result}"
    finally:
        await services.close()


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(run_async(lambda: _load_demo(settings, args.year), settings.effective_database_url))
    return 0


async def _add_user(settings: Settings, username: str, display: str, role: str,
                    password: str, organisation: str | None, airports: list[str]) -> int:
    from movements.domain.actions.setup import add_user
    from movements.domain.uow import Actor
    from movements.passwords import hash_password
    from movements.services import Services

    services = Services.build(settings)
    try:
        return int(await services.uow.run(add_user, Actor.system("cli"), username, display,
                                          role, hash_password(password),
                                          organisation=organisation, airports=airports))
    finally:
        await services.close()


def cmd_users_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    password = args.password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise CliError("--password: use at least 10 characters")
    chosen = args.airports if args.airports is not None else settings.airport
    airports = [a.strip() for a in chosen.split(",") if a.strip()]
    user_id = run_async(lambda: _add_user(settings, args.username, args.name or args.username,
                                          args.role, password, args.organisation, airports),
                        settings.effective_database_url)
    print(f"user {args.username} ({args.role}) added as id {user_id}")
    if not args.password:
        print(f"password: {password}")
    return 0


async def _add_airport(settings: Settings, code: str, name: str, tz: str) -> int:
    from movements.domain.actions.setup import ensure_airport
    from movements.domain.uow import Actor
    from movements.services import Services

    await _upgrade(settings)
    services = Services.build(settings)
    try:
        return int(await services.uow.run(ensure_airport, Actor.system("cli"), code, name, tz))
    finally:
        await services.close()


def cmd_airports_add(args: argparse.Namespace) -> int:
    settings = _settings(args)
    airport_id = run_async(lambda: _add_airport(settings, args.code, args.name, args.timezone),
                           settings.effective_database_url)
    print(f"airport {args.code.upper()} is set up (id {airport_id})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.data_dir:
        os.environ["MOVEMENTS_DATA_DIR"] = args.data_dir
    settings = Settings.from_env()
    if not (0 < args.port < 65536):
        raise CliError(f"--port {args.port}: must be 1-65535")
    if args.workers < 1:
        raise CliError(f"--workers {args.workers}: must be at least 1")
    if args.workers > 1 and settings.channels_url.startswith("memory://"):
        raise CliError("--workers > 1 needs MOVEMENTS_CHANNELS_URL=redis://... so that a "
                       "change made in one process reaches tablets held by another")
    run_async(lambda: _upgrade(settings), settings.effective_database_url)
    if args.demo:
        message = run_async(lambda: _demo_if_empty(settings), settings.effective_database_url)
        print(message, flush=True)
        from movements.ingest.feed_replay import start_demo_feed

        print(start_demo_feed(settings)[1], flush=True)  # sets MOVEMENTS_FEED_* for the app
    print(f"serving on http://{args.host}:{args.port}/board", flush=True)
    uvicorn.run("movements.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, ws="websockets-sansio", log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=5)
    return 0


async def _demo_if_empty(settings: Settings) -> str:
    from sqlalchemy import func, select

    from movements.domain.models import Movement
    from movements.services import Services

    services = Services.build(settings)
    try:
        count = await services.uow.read(lambda s: s.scalar(select(func.count(Movement.id))))
    finally:
        await services.close()
    if count:
        return f"the database has {count} movements already; demo data not loaded"
    message = await _load_demo(settings, None)
    from movements.demo.accounts import ensure_demo_users

    accounts = await ensure_demo_users(settings)
    return message + "\n" + accounts


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line naming the problem, exit code 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"movements: error: {message} (see 'movements --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="movements", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="where the embedded database lives (default ./data)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="run the console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true",
                       help="load today's demo day into an empty database")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="create or upgrade the schema")
    up.set_defaults(func=cmd_db)
    bk = db_sub.add_parser("backup", help="write a consistent backup to FILE")
    bk.add_argument("file")
    bk.set_defaults(func=cmd_db_backup)
    rs = db_sub.add_parser("restore", help="replace the database with the backup in FILE "
                                           "(stop the console first)")
    rs.add_argument("file")
    rs.set_defaults(func=cmd_db_restore)

    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--year", type=int, help="load a synthetic year (only 2016 exists)")
    demo.set_defaults(func=cmd_demo)

    airports = sub.add_parser("airports", help="airport stations")
    airports_sub = airports.add_subparsers(dest="airports_command", required=True)
    ap = airports_sub.add_parser("add", help="set up an airport station")
    ap.add_argument("code", help="IATA code, e.g. AMS")
    ap.add_argument("--name", required=True)
    ap.add_argument("--timezone", required=True, help="e.g. Europe/Amsterdam")
    ap.set_defaults(func=cmd_airports_add)

    users = sub.add_parser("users", help="user accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True,
                     choices=["gate_staff", "coordinator", "reception", "admin"])
    add.add_argument("--name", help="display name")
    add.add_argument("--password", help="at least 10 characters (default: generated)")
    add.add_argument("--organisation", help="required for reception users")
    add.add_argument("--airports", help="comma-separated IATA codes (default: MOVEMENTS_AIRPORT)")
    add.set_defaults(func=cmd_users_add)
    from movements.admin_cli import add_admin_parsers
    add_admin_parsers(sub, users_sub)  # type: ignore[arg-type]
    from movements.manifests_cli import add_manifest_parser
    add_manifest_parser(sub)
    from movements.ingest.cli_import import add_import_commands
    add_import_commands(sub)  # type: ignore[arg-type]
    return parser


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    rest = list(args_list)
    while rest and rest[0].startswith("--data-dir"):  # the root option, then the command
        rest = rest[1:] if "=" in rest[0] else rest[2:]
    if rest[:1] in (["movements"], ["cases"]):  # planning (issue 14), on click already
        from movements.planning_cli import run as run_planning

        return run_planning(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except (CliError, ConfigError) as exc:
        print(f"movements: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a domain refusal is still one line
        from movements.domain.errors import DomainError

        if isinstance(exc, DomainError):
            print(f"movements: error: {exc.message}", file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

