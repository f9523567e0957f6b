"""A restore brings back everything that was committed before the backup."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from movements.domain.actions import milestones
from movements.domain.models import AuditEntry, Milestone, Movement, Passenger, StreamEvent
from movements.domain.uow import UnitOfWork
from movements.platform.db import Database
from tests.factories import GATE, SYSTEM, add_pax, world


def counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(int(session.scalar(select(func.count(m.id))) or 0)
                 for m in (Movement, Passenger, Milestone, AuditEntry, StreamEvent))


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "movements.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


async def test_backup_then_restore_brings_back_every_committed_row(
        uow: UnitOfWork, database_url: str, tmp_path: Path) -> None:
    w = await world(uow)
    _, bid = await uow.run(add_pax, SYSTEM, w.departure_id, "C-1", "Okello", "Grace")
    await uow.run(milestones.record_milestone, GATE, bid, "met_at_point")
    before = await uow.read(counts)
    env = {**os.environ, "MOVEMENTS_DATABASE_URL": database_url,
           "MOVEMENTS_DATA_DIR": str(tmp_path)}
    backup = tmp_path / "backup.dump"
    done = await asyncio.to_thread(cli, "db", "backup", str(backup), env=env)
    assert done.returncode == 0, done.stderr
    # Later changes (not in the backup), then disaster: the data is gone.
    await uow.run(milestones.record_milestone, GATE, bid, "checked_in")
    wipe = Database.open(database_url)
    uow2 = wipe.unit_of_work(uow.publisher)
    await uow2.run(lambda tx: [tx.session.execute(t.delete()) for t in reversed(
        Movement.metadata.sorted_tables)], SYSTEM)
    await wipe.dispose()
    assert (await uow.read(counts))[0] == 0
    restored = await asyncio.to_thread(cli, "db", "restore", str(backup), env=env)
    assert restored.returncode == 0, restored.stderr
    fresh = Database.open(database_url)
    after = await fresh.unit_of_work(uow.publisher).read(counts)
    await fresh.dispose()
    assert after == before


def test_restore_of_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "MOVEMENTS_DATA_DIR": str(tmp_path)}
    env.pop("MOVEMENTS_DATABASE_URL", None)
    result = cli("db", "restore", str(tmp_path / "nope.dump"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("movements: error: no backup at")
    assert "Traceback" not in result.stderr
