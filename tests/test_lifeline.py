"""Nothing a test run starts outlives it, even a run killed outright.

A real pytest is started on a small test that holds the session's PostgreSQL cluster
(the ``pg_base_url`` fixture of tests/conftest.py), a Redis server and a uvicorn server,
then killed with SIGKILL (with and without an xdist worker; SIGTERM's default action
runs no Python code either, so it is the same case).  Every process it had
started (and the postmaster's backends, and the watchdogs themselves) must be gone
within 10 s, and the cluster's directory removed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HOLDER = '''
import json, os, shutil, time
from pathlib import Path

from sqlalchemy import text

from movements.platform.db import make_engine
from tests.conftest import run_async
from tests.live import start_server
from tests.redis_server import start_redis


def test_hold(pg_base_url, sqlite_template, tmp_path):
    async def data_directory():
        engine = make_engine(pg_base_url)
        async with engine.connect() as conn:
            found = (await conn.execute(text("SHOW data_directory"))).scalar_one()
        await engine.dispose()
        return found

    data = Path(run_async(data_directory()))
    postmaster = int((data / "postmaster.pid").read_text().splitlines()[0])
    redis = start_redis(tmp_path)
    db = tmp_path / "held.sqlite3"
    shutil.copy(sqlite_template, db)
    server = start_server(f"sqlite+aiosqlite:///{db}", tmp_path)
    out = Path(os.environ["LIFELINE_OUT"])
    out.with_suffix(".tmp").write_text(json.dumps({
        "pids": [postmaster, redis.process.pid, server.process.pid, os.getpid()],
        "dirs": [str(data.parent)]}))
    out.with_suffix(".tmp").rename(out)
    time.sleep(600)
'''


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _tree(pid: int) -> set[int]:
    seen: set[int] = set()
    todo = [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _watchdogs(owner: int) -> set[int]:
    """The detached watchdogs (tests/watchdog.py) that watch ``owner``."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(a.endswith(b"tests/watchdog.py") for a in args) and \
                    str(owner).encode() in args[-4:]:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent's wait is due


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGKILL, None), (signal.SIGKILL, "1")],
                         ids=["kill-9", "kill-9-xdist"])
def test_a_killed_run_leaves_nothing(tmp_path: Path, sig: int, workers: str | None) -> None:
    (tmp_path / "holder").mkdir()
    (tmp_path / "holder" / "test_holder.py").write_text(HOLDER)
    out = tmp_path / "held.json"
    env = {k: v for k, v in os.environ.items()
           if k not in ("MOVEMENTS_TEST_PG_URL", "PYTEST_XDIST_WORKER",
                        "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST")}
    env.update(LIFELINE_OUT=str(out), PYTHONPATH=str(ROOT))
    args = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
            "-q", "--basetemp", str(tmp_path / "base"), str(tmp_path / "holder")]
    if workers:
        args += ["-n", workers]
    log = (tmp_path / "pytest.log").open("wb")
    run = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        deadline = time.monotonic() + 240  # PG, Redis and uvicorn on a busy machine
        while not out.exists():
            assert run.poll() is None, (tmp_path / "pytest.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "pytest.log").read_text()
            time.sleep(0.2)
        held = json.loads(out.read_text())
        watchdogs = _watchdogs(run.pid)
        assert len(watchdogs) >= 3  # the cluster's, Redis's and the server's
        started = set(held["pids"]) | _tree(run.pid) | _tree(held["pids"][0]) | watchdogs
        assert all(_alive(pid) for pid in held["pids"])
        os.kill(run.pid, sig)
        run.wait(10)
        deadline = time.monotonic() + 10
        while (left := {pid for pid in started if _alive(pid)}) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, {pid: Path(f"/proc/{pid}/cmdline").read_bytes()[:120] for pid in left}
        assert not any(Path(d).exists() for d in held["dirs"])
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(10)
