"""Whose process runs a bulk write (``actions.bulk.owner_alive``): a dead pid on this host,
a restart that reused this process's pid, and another host's stale heartbeat all count
as gone; a live process or a fresh heartbeat does not."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from movements.domain.actions import bulk

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)


def test_which_owners_are_gone() -> None:
    host = socket.gethostname()
    fresh, stale = NOW - timedelta(seconds=5), NOW - bulk.STALE_AFTER - timedelta(seconds=1)
    assert bulk.owner_alive(bulk.this_process(), fresh, NOW)
    assert not bulk.owner_alive(f"{host}:{os.getpid()}:0000", fresh, NOW)  # a pid reused
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    assert not bulk.owner_alive(f"{host}:{done.stdout.strip()}:ab12", fresh, NOW)
    assert bulk.owner_alive(f"{host}:{os.getppid()}:ab12", fresh, NOW)  # alive: ours
    assert bulk.owner_alive("elsewhere.example:123:ab12", fresh, NOW)
    assert not bulk.owner_alive("elsewhere.example:123:ab12", stale, NOW)
