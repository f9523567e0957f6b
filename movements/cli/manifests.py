"""``movements manifest ...``: write a document to a file, from the database.

    movements manifest handover HANDOVER_ID -o handover.pdf
    movements manifest charter MOVEMENT_ID -o charter.pdf
    movements manifest briefing MOVEMENT_ID -o briefing.pdf
    movements manifest daily --date 2026-09-15 [--airport AMS] -o daily.pdf

The same path as the web: a handover manifest is issued once and then always the same
file; a charter manifest gets a new version only when what it says has changed.  ``-o -``
writes the PDF to standard output.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from movements.cli.common import CliError, current_settings, run_async
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.uow import Actor

if TYPE_CHECKING:
    from movements.delivery import Rendered
    from movements.services import Services


def _day(value: str) -> date:
    try:
        return parse_day(value)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise CliError(f"--date {bad}") from None
    except ValueError:
        raise CliError(f"--date {value!r}: expected YYYY-MM-DD") from None


def _write(make: Callable[[Services], Awaitable[Rendered]], output: str | None) -> None:
    from movements import delivery
    from movements.services import Services

    settings = current_settings()

    async def run() -> Rendered:
        services = Services.build(settings)
        try:
            async with delivery.pdf_pool():
                return await make(services)
        finally:
            await services.close()

    doc = run_async(run, settings.effective_database_url)
    target = output or doc.filename
    if target == "-":
        sys.stdout.buffer.write(doc.content)
        sys.stdout.flush()
        return
    path = Path(target)
    try:
        path.write_bytes(doc.content)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc
    version = f" version {doc.version}" if doc.version is not None else ""
    print(f"wrote {path} ({len(doc.content) // 1024} KiB): document {doc.document_id}"
          f"{version}, sha256 {doc.sha256}")


_ACTOR = "cli"
output_option = click.option("-o", "--output", help="the PDF file to write ('-' for standard "
                                                    "output; default: a name in this folder)")


@click.group(no_args_is_help=False, help="write a handover manifest, charter manifest, "
                                         "escort briefing or daily report (PDF)")
def manifest() -> None:
    pass


@manifest.command(help="the manifest of a signed handover")
@click.argument("handover_id", type=int)
@output_option
def handover(handover_id: int, output: str | None) -> None:
    from movements import delivery

    _write(lambda s: delivery.handover_manifest(s, Actor.system(_ACTOR), handover_id,
                                                reason="cli"), output)


@manifest.command(help="the manifest of a charter movement")
@click.argument("movement_id", type=int)
@output_option
def charter(movement_id: int, output: str | None) -> None:
    from movements import delivery

    _write(lambda s: delivery.charter_manifest(s, Actor.system(_ACTOR), movement_id,
                                               reason="cli"), output)


@manifest.command(help="the escort briefing of a movement")
@click.argument("movement_id", type=int)
@output_option
def briefing(movement_id: int, output: str | None) -> None:
    from movements import delivery

    _write(lambda s: delivery.escort_briefing(s, Actor.system(_ACTOR), movement_id), output)


@manifest.command(help="the daily report of an airport")
@click.option("--date", "day", required=True, help="the local date, YYYY-MM-DD")
@click.option("--airport", help="IATA code (default: MOVEMENTS_AIRPORT)")
@output_option
def daily(day: str, airport: str | None, output: str | None) -> None:
    from movements import delivery

    when = _day(day)
    default = current_settings().airport
    _write(lambda s: delivery.daily_report(s, Actor.system(_ACTOR), airport, default, when),
           output)
