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

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from movements.cli import CliError, _settings, run_async

if TYPE_CHECKING:
    from movements.delivery import Rendered
    from movements.services import Services


def add_manifest_parser(sub: Any) -> None:
    """Add `manifest` to the `movements` command (``sub`` from build_parser)."""
    manifest = sub.add_parser("manifest", help="write a handover manifest, charter manifest, "
                                               "escort briefing or daily report (PDF)")
    kinds = manifest.add_subparsers(dest="manifest_command", required=True)

    def output(p: argparse.ArgumentParser) -> None:
        p.add_argument("-o", "--output", help="the PDF file to write ('-' for standard "
                                              "output; default: a name in this folder)")

    handover = kinds.add_parser("handover", help="the manifest of a signed handover")
    handover.add_argument("handover_id", type=int)
    output(handover)
    charter = kinds.add_parser("charter", help="the manifest of a charter movement")
    charter.add_argument("movement_id", type=int)
    output(charter)
    briefing = kinds.add_parser("briefing", help="the escort briefing of a movement")
    briefing.add_argument("movement_id", type=int)
    output(briefing)
    daily = kinds.add_parser("daily", help="the daily report of an airport")
    daily.add_argument("--date", required=True, help="the local date, YYYY-MM-DD")
    daily.add_argument("--airport", help="IATA code (default: MOVEMENTS_AIRPORT)")
    output(daily)
    manifest.set_defaults(func=cmd_manifest)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--date {value!r}: expected YYYY-MM-DD") from None


def cmd_manifest(args: argparse.Namespace) -> int:
    from movements import delivery
    from movements.domain.uow import Actor

    settings = _settings(args)
    actor = Actor.system("cli")
    kind = args.manifest_command
    make: Callable[[Services], Awaitable[Rendered]]
    if kind == "handover":
        def make(s: Services) -> Awaitable[Rendered]:
            return delivery.handover_manifest(s, actor, args.handover_id, reason="cli")
    elif kind == "charter":
        def make(s: Services) -> Awaitable[Rendered]:
            return delivery.charter_manifest(s, actor, args.movement_id, reason="cli")
    elif kind == "briefing":
        def make(s: Services) -> Awaitable[Rendered]:
            return delivery.escort_briefing(s, actor, args.movement_id)
    else:
        day = _day(args.date)
        def make(s: Services) -> Awaitable[Rendered]:
            return delivery.daily_report(s, actor, args.airport, settings.airport, day)

    async def run() -> Rendered:
        from movements.services import Services

        services = Services.build(settings)
        try:
            return await make(services)
        finally:
            await services.close()

    doc = run_async(run, settings.effective_database_url)
    target = args.output or doc.filename
    if target == "-":
        sys.stdout.buffer.write(doc.content)
        sys.stdout.flush()
        return 0
    path = Path(target)
    try:
        path.write_bytes(doc.content)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc
    version = f" version {doc.version}" if doc.version is not None else ""
    print(f"wrote {path} ({len(doc.content) // 1024} KiB): document {doc.document_id}"
          f"{version}, sha256 {doc.sha256}")
    return 0
