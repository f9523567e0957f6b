"""``movements movements add|cancel`` and ``movements cases add|book|move`` as a person
runs them (a subprocess), on both databases: results printed, refusals one line, exit 2,
and the rows really written (or not).  The later tests run the same command in this
process (``_in``: the same main, output and exit status, without a new interpreter per
call)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.test_cli import invoke, one_line_error


def _run(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a person runs it: a new process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVEMENTS_")}
    env.update(MOVEMENTS_DATABASE_URL=url, MOVEMENTS_DATA_DIR=str(tmp))
    return subprocess.run([sys.executable, "-m", "movements.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def _in(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command in this process (tests.test_cli.invoke): the same main, settings
    and output; the process boundary is the first test's."""
    return invoke(*args, env={"MOVEMENTS_DATABASE_URL": url, "MOVEMENTS_DATA_DIR": str(tmp)})


def test_plan_book_move_and_cancel_from_the_command_line(database_url: str,
                                                         tmp_path: Path) -> None:
    ok = _run(database_url, tmp_path, "airports", "add", "AMS", "--name", "Schiphol",
              "--timezone", "Europe/Amsterdam")
    assert ok.returncode == 0, ok.stderr
    # The command runs on the real clock: plans lie from 7 days ago to 2 years ahead.
    day = datetime.now(UTC).date() + timedelta(days=30)
    first = _run(database_url, tmp_path, "movements", "add", "--flight", "KL1571",
                 "--date", day.isoformat(), "--time", "14:05", "--to", "EBL")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"planned movement 1: KL1571 {day} departure AMS-EBL")
    second = _run(database_url, tmp_path, "movements", "add", "--flight", "KL1573",
                  "--date", (day + timedelta(days=1)).isoformat(), "--time", "14:05",
                  "--to", "EBL")
    assert second.returncode == 0, second.stderr
    case = _run(database_url, tmp_path, "cases", "add", "vr-1", "--member",
                "KARIM/Layla:F:1980-02-03:IRQ:WCHR", "--member", "KARIM/Omar:M::IRQ")
    assert case.returncode == 0 and "case VR-1 created as id 1 with 2 member(s)" in case.stdout
    booked = _run(database_url, tmp_path, "cases", "book", "VR-1", "--movement", "1")
    assert booked.returncode == 0 and "2 passenger(s)" in booked.stdout, booked.stderr
    one_line_error(_run(database_url, tmp_path, "movements", "cancel", "1", "--reason", "x"),
                   "2 passenger(s) are booked on KL1571")
    one_line_error(_run(database_url, tmp_path, "cases", "move", "VR-1", "--from", "1",
                        "--to", "2", "--member", "1"), "splits case VR-1")
    moved = _run(database_url, tmp_path, "cases", "move", "VR-1", "--from", "1", "--to", "2")
    assert moved.returncode == 0 and "2 passenger(s) moved to movement 2" in moved.stdout
    cancelled = _run(database_url, tmp_path, "movements", "cancel", "1", "--reason",
                     "aircraft change")
    assert cancelled.returncode == 0, cancelled.stderr
    one_line_error(_run(database_url, tmp_path, "movements", "add", "--flight", "KL1575",
                        "--date", "15-09-2026", "--time", "10:00", "--to", "EBL"),
                   "expected YYYY-MM-DD")
    one_line_error(_run(database_url, tmp_path, "movements", "add", "--flight", "KL1575",
                        "--date", "9999-12-31", "--time", "10:00", "--to", "EBL"),
                   "date 9999-12-31 is more than 2 years ahead; plan flights up to ")
    one_line_error(_run(database_url, tmp_path, "movements", "add", "--flight", "KL1575",
                        "--date", day.isoformat(), "--time", "10:00", "--kind", "arrival",
                        "--from", "AMS"), "a flight arriving at AMS comes from another")
    one_line_error(_run(database_url, tmp_path, "cases", "add", "VR-2", "--member",
                        "KARIM/Ali:F::ZZZ"), "nationality 'ZZZ'")


def test_cli_rows(database_url: str, tmp_path: Path) -> None:
    """What the commands wrote, read back through the app's read path."""
    import asyncio

    from movements.domain.models import AuditEntry, Case
    from movements.platform.db import Database

    _in(database_url, tmp_path, "airports", "add", "AMS", "--name", "Schiphol",
         "--timezone", "Europe/Amsterdam")
    _in(database_url, tmp_path, "cases", "add", "VR-9", "--member", "SALEH/Adil")
    bad = _in(database_url, tmp_path, "cases", "add", "VR-9")
    one_line_error(bad, "case VR-9 exists already")

    async def read() -> tuple[list[str], list[str]]:
        db = Database.open(database_url)
        try:
            def q(s: object) -> tuple[list[str], list[str]]:
                from sqlalchemy import select

                cases = list(s.scalars(select(Case.reference)))  # type: ignore[attr-defined]
                users = list(s.scalars(select(AuditEntry.username).where(  # type: ignore[attr-defined]
                    AuditEntry.action == "create_case")))
                return cases, users
            from movements.domain.uow import NullPublisher

            return await db.unit_of_work(NullPublisher()).read(q)
        finally:
            await db.dispose()

    cases, users = asyncio.run(read())
    assert cases == ["VR-9"] and users == ["cli"]


def test_the_validity_table_from_the_command_line(database_url: str, tmp_path: Path) -> None:
    """The six-month rule as data: listed with its source, set and cleared by an admin,
    bad input refused in one line with nothing written."""
    listed = _in(database_url, tmp_path, "validity", "list")
    assert listed.returncode == 0, listed.stderr
    assert "IQ\t6\tpackaged\tagency travel desk list" in listed.stdout
    assert "AL\t" not in listed.stdout
    done = _in(database_url, tmp_path, "validity", "set", "Albania", "3", "--source",
                "Embassy of Albania, letter 2026-10-02")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("AL: travel document valid 3 months after travel")
    one_line_error(_in(database_url, tmp_path, "validity", "set", "XX", "3", "--source",
                        "x"), "country 'XX' is not an ISO 3166 country")
    one_line_error(_in(database_url, tmp_path, "validity", "set", "IQ", "60", "--source",
                        "x"), "months 60: expected 0 to 24")
    one_line_error(_in(database_url, tmp_path, "validity", "set", "IQ", "0", "--source",
                        " "), "source")
    listed = _in(database_url, tmp_path, "validity", "list").stdout
    assert "AL\t3\tedited by cli\tEmbassy of Albania" in listed
    assert "IQ\t6\tpackaged" in listed  # the refused edits wrote nothing
    assert _in(database_url, tmp_path, "validity", "clear", "ALB").returncode == 0
    assert "AL\t" not in _in(database_url, tmp_path, "validity", "list").stdout
    one_line_error(_in(database_url, tmp_path, "validity", "clear", "AL"),
                   "AL has no edited entry")
