"""A throwaway PostgreSQL cluster for the test run (see ../shared/STACK.md).

Started as the ``postgres`` user (PostgreSQL refuses root), on a free loopback port, and
stopped by its PID.  ``MOVEMENTS_TEST_PG_URL`` (postgresql://...) uses a given server
instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.watchdog import guard

PG_BIN = Path(os.environ.get("MOVEMENTS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    directory: Path
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGINT)  # "fast" shutdown, by PID
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(self.directory, ignore_errors=True)


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def start_cluster() -> PgCluster:
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}; set MOVEMENTS_PG_BIN")
    directory = Path(tempfile.mkdtemp(prefix="movements-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    data = directory / "data"
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                                 "-A", "trust", "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True)
    port = free_port()
    subprocess.run(_as_postgres([
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(directory / "log"), "-o",
        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        "start"]), check=True, capture_output=True)
    pid = int((data / "postmaster.pid").read_text().splitlines()[0])
    # pg_ctl daemonises the postmaster: if pytest is killed, the watchdog stops it
    # (SIGQUIT: immediate shutdown, its backends with it) and removes the directory.
    guard(pid, cleanup=directory, sig=signal.SIGQUIT)
    return PgCluster(directory=directory, port=port, pid=pid)
