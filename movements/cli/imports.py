"""``movements import telex FILE...`` and ``movements import passengers FILE.csv``.

Telexes: one telex per file (``-`` reads one from standard input); each is received
like a pasted one (applied whole or rejected and kept with the reason), one line of
outcome per file.  ``--date`` places telex dates (which carry no year, or no month)
near another day than today, for files received earlier.  ``--demo-ptm`` sends the
demo day's Nairobi transit PTM for today (see ``movements.ingest.samples``).

Passengers: the case-management CSV export (columns in ``passengers_csv``); every bad
row is printed with its line and reason; nothing is imported if any row is bad unless
``--keep-good-rows``.  A progress bar (rich) on standard error follows large files.

Exit status: 0 when everything was applied (or is a duplicate or waits for its other
parts), 2 when a telex or a row was refused.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
)

from movements.cli.common import CliError, current_settings, run_async
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.platform.config import Settings


class ImportProgress:
    """The import's ``progress(done, total)`` callback drawn as a rich progress bar on
    stderr: redrawn in place on a terminal; elsewhere (a log, a pipe) rich prints only
    the final state, as one line."""

    def __init__(self, label: str, console: Console | None = None) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            MofNCompleteColumn(), TaskProgressColumn(),
                            console=console or Console(stderr=True))
        self.label = label
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)
        if done >= total:
            self.close()

    def close(self) -> None:
        """Stop drawing (idempotent); called at the end and when the import fails."""
        if self.task is not None:
            self.bar.stop()
            self.task = None


def _reference(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise CliError(f"--date {bad}") from None
    except ValueError:
        raise CliError(f"--date {value!r}: expected YYYY-MM-DD") from None


def _read_telexes(files: tuple[str, ...], demo_ptm_today: bool, day: str | None
                  ) -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    if demo_ptm_today:
        from movements.demo.day import demo_timezone
        from movements.domain.clock import SystemClock, local_date
        from movements.ingest.samples import DEMO_PTM, demo_ptm

        sample = demo_ptm(_reference(day) or local_date(SystemClock().now(), demo_timezone()))
        if sample is None:
            raise CliError(f"the demo PTM fixture is not at {DEMO_PTM}")
        texts.append(("demo PTM", sample))
    for name in files:
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


@click.group(name="import", no_args_is_help=False, help="import telexes and passenger lists")
def import_group() -> None:
    pass


@import_group.command(help="receive telex files (one telex per file)")
@click.argument("files", nargs=-1)
@click.option("--date", "day", help="read telex dates near this day (YYYY-MM-DD), default today")
@click.option("--demo-ptm", is_flag=True, help="send the demo's Nairobi transit PTM for today")
def telex(files: tuple[str, ...], day: str | None, demo_ptm: bool) -> None:
    settings = current_settings()
    texts = _read_telexes(files, demo_ptm, day)
    reference = _reference(day)
    lines = run_async(lambda: _send_telexes(settings, texts, reference),
                      settings.effective_database_url)
    rejected = lines[-1].endswith("rejected")
    for line in lines[:-1] if rejected else lines:
        print(line)
    if rejected:
        raise CliError(lines[-1])


async def _import_passengers(settings: Settings, data: bytes, keep_good: bool,
                             progress: ImportProgress) -> object:
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


@import_group.command(help="import a case-management CSV export")
@click.argument("file")
@click.option("--keep-good-rows", is_flag=True,
              help="import the good rows even when some are bad")
def passengers(file: str, keep_good_rows: bool) -> None:
    from movements.domain.actions.passenger_import import ImportReport

    settings = current_settings()
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{file}: no such file") from None
    except OSError as exc:
        raise CliError(f"{file}: {exc.strerror}") from None
    progress = ImportProgress(Path(file).name)
    try:
        report = run_async(lambda: _import_passengers(settings, data, keep_good_rows,
                                                      progress),
                           settings.effective_database_url)
    finally:
        progress.close()
    assert isinstance(report, ImportReport)
    for error in report.errors:
        print(f"{file}:{error.line_no}: {error.reason}", file=sys.stderr)
    for note in report.notes:
        print(f"{file}:{note.line_no}: note: {note.reason}", file=sys.stderr)
    if report.errors:
        raise CliError(f"{file}: {report}")
    print(f"{file}: {report}")
