"""``movements import telex FILE...`` and ``movements import passengers FILE.csv``.

Telexes: one telex per file (``-`` reads one from standard input); each is received
like a pasted one (applied whole or rejected and kept with the reason), one line of
outcome per file.  ``--date`` places telex dates (which carry no year, or no month)
near another day than today, for files received earlier.  ``--demo-ptm`` sends the
demo day's Nairobi transit PTM for today (see ``movements.ingest.samples``).

Passengers: the case-management CSV export (columns in ``passengers_csv``); every bad
row is printed with its line and reason; nothing is imported if any row is bad unless
``--keep-good-rows``.  A progress line on standard error follows large files.

Exit status: 0 when everything was applied (or is a duplicate or waits for its other
parts), 2 when a telex or a row was refused.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from movements.config import Settings


class Progress:
    """A one-line progress bar on a terminal (stderr); quiet when not a terminal, except
    for the final line."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30,
                 every: float = 0.1) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.every = every
        self.last = 0.0
        self.live = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and (not self.live or now - self.last < self.every):
            return
        self.last = now
        share = done / total if total else 1.0
        bar = "#" * int(share * self.width)
        line = f"{self.label} [{bar:<{self.width}}] {done}/{total} ({share:.0%})"
        if self.live:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        elif done >= total:
            self.stream.write(line + "\n")
        self.stream.flush()


def add_import_commands(sub: argparse._SubParsersAction[Any]) -> None:
    imp = sub.add_parser("import", help="import telexes and passenger lists")
    what = imp.add_subparsers(dest="import_command", required=True)
    telex = what.add_parser("telex", help="receive telex files (one telex per file)")
    telex.add_argument("files", nargs="*", help="telex files; - reads standard input")
    telex.add_argument("--date", help="read telex dates near this day (YYYY-MM-DD), "
                                      "default today")
    telex.add_argument("--demo-ptm", action="store_true",
                       help="send the demo's Nairobi transit PTM for today")
    telex.set_defaults(func=cmd_import_telex)
    pax = what.add_parser("passengers", help="import a case-management CSV export")
    pax.add_argument("file", help="the CSV file (UTF-8)")
    pax.add_argument("--keep-good-rows", action="store_true",
                     help="import the good rows even when some are bad")
    pax.set_defaults(func=cmd_import_passengers)


def _settings(args: argparse.Namespace) -> Settings:
    from movements.cli import _settings as settings_of

    return settings_of(args)


def _reference(value: str | None) -> date | None:
    from movements.cli import CliError

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"--date {value!r}: expected YYYY-MM-DD") from None


def _read_telexes(args: argparse.Namespace) -> list[tuple[str, str]]:
    from movements.cli import CliError

    texts: list[tuple[str, str]] = []
    if args.demo_ptm:
        from movements.domain.clock import SystemClock, local_date
        from movements.ingest.samples import DEMO_PTM, demo_ptm

        sample = demo_ptm(_reference(args.date) or local_date(SystemClock().now(),
                                                               "Europe/Amsterdam"))
        if sample is None:
            raise CliError(f"the demo PTM fixture is not at {DEMO_PTM}")
        texts.append(("demo PTM", sample))
    for name in args.files:
        if name == "-":
            texts.append(("stdin", sys.stdin.read()))
            continue
        path = Path(name)
        try:
            texts.append((name, path.read_bytes().decode("utf-8-sig")))
        except FileNotFoundError:
            raise CliError(f"{name}: no such file") from None
        except UnicodeDecodeError:
            raise CliError(f"{name}: not UTF-8 text") from None
        except OSError as exc:
            raise CliError(f"{name}: {exc.strerror}") from None
    if not texts:
        raise CliError("give telex files (or - for standard input, or --demo-ptm)")
    return texts


async def _send_telexes(settings: Settings, texts: list[tuple[str, str]],
                        reference: date | None) -> list[str]:
    from movements.domain.uow import Actor
    from movements.ingest.apply import submit
    from movements.services import Services

    services = Services.build(settings)
    lines: list[str] = []
    rejected = 0
    try:
        for name, text in texts:
            o = await submit(services.uow, Actor.system("import"), text,
                             airport=settings.airport, reference=reference)
            rejected += o.outcome == "rejected"
            what = " ".join(x for x in (o.kind, o.flight, f"part {o.part}" if o.part else "")
                            if x)
            lines.append(f"{name}: {o.outcome} (telex {o.id}{', ' + what if what else ''})"
                         f": {o.detail}")
    finally:
        await services.close()
    if rejected:
        lines.append(f"{rejected} of {len(texts)} telex{'es' if len(texts) != 1 else ''} "
                     "rejected")
    return lines


def cmd_import_telex(args: argparse.Namespace) -> int:
    from movements.cli import CliError, run_async

    settings = _settings(args)
    texts = _read_telexes(args)
    reference = _reference(args.date)
    lines = run_async(lambda: _send_telexes(settings, texts, reference),
                      settings.effective_database_url)
    rejected = lines[-1].endswith("rejected")
    for line in lines[:-1] if rejected else lines:
        print(line)
    if rejected:
        raise CliError(lines[-1])
    return 0


async def _import_passengers(settings: Settings, data: bytes, keep_good: bool,
                             progress: Progress) -> object:
    from movements.domain.uow import Actor
    from movements.ingest.passengers_csv import import_file
    from movements.services import Services

    services = Services.build(settings)
    try:
        return await import_file(services.uow, Actor.system("import"), data,
                                 airport=settings.airport, all_or_nothing=not keep_good,
                                 progress=progress)
    finally:
        await services.close()


def cmd_import_passengers(args: argparse.Namespace) -> int:
    from movements.cli import CliError, run_async
    from movements.domain.actions.passenger_import import ImportReport

    settings = _settings(args)
    try:
        data = Path(args.file).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{args.file}: no such file") from None
    except OSError as exc:
        raise CliError(f"{args.file}: {exc.strerror}") from None
    progress = Progress(Path(args.file).name)
    report = run_async(lambda: _import_passengers(settings, data, args.keep_good_rows,
                                                  progress),
                       settings.effective_database_url)
    assert isinstance(report, ImportReport)
    for error in report.errors:
        print(f"{args.file}:{error.line_no}: {error.reason}", file=sys.stderr)
    for note in report.notes:
        print(f"{args.file}:{note.line_no}: note: {note.reason}", file=sys.stderr)
    if report.errors:
        raise CliError(f"{args.file}: {report}")
    print(f"{args.file}: {report}")
    return 0
