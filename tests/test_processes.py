"""No process that ``movements serve`` starts outlives it (issue 11.5, issue 12.8).

A real server (the ``movements`` command, uvicorn, SQLite) builds a PDF so that its
process pool, the forkserver and multiprocessing's resource tracker exist; then it is
stopped with SIGTERM, or killed with SIGKILL, and every process it had started is
checked by PID (and start time, so a reused PID does not count as a survivor).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live import sign_in
from tests.pg import free_port
from tests.redis_server import start_redis
from tests.watchdog import guard

pytestmark = pytest.mark.slow

PASSWORD = "coordinator-test-pw"


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time in clock ticks) of a live process, else None."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> dict[int, int]:
    """Every process under ``root``: pid -> start time."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            parents.setdefault(st[0], []).append(int(entry.name))
            starts[int(entry.name)] = st[2]
    found: dict[int, int] = {}
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def alive(processes: dict[int, int]) -> list[str]:
    """The ones still running (a zombie has ended), described for the failure message."""
    out = []
    for pid, start in processes.items():
        st = _stat(pid)
        if st is not None and st[2] == start and st[1] != "Z":
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
            out.append(f"{pid} ({st[1]}): {cmd.decode(errors='replace')}")
    return out


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "movements.cli", *args], env=env, check=True,
                   capture_output=True, timeout=120)


@pytest.fixture(params=[1, 2], ids=["one-process", "two-workers"])
def server(request: pytest.FixtureRequest, tmp_path: Path
           ) -> Iterator[tuple[subprocess.Popen[bytes], str, dict[int, int]]]:
    port = free_port()
    workers: int = request.param
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVEMENTS_")}
    env.update(MOVEMENTS_DATA_DIR=str(tmp_path), MOVEMENTS_SECURE_COOKIES="false",
               MOVEMENTS_PUBLIC_URL=f"http://127.0.0.1:{port}", MOVEMENTS_RUN_JOBS="false")
    if workers > 1:  # several workers need the shared fan-out channel
        redis = start_redis(tmp_path)
        request.addfinalizer(redis.stop)
        env["MOVEMENTS_CHANNELS_URL"] = redis.url
    _cli(env, "airports", "add", "AMS", "--name", "Amsterdam Schiphol",
         "--timezone", "Europe/Amsterdam")
    _cli(env, "users", "add", "coord", "--role", "coordinator", "--password", PASSWORD,
         "--airports", "AMS")
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "movements.cli", "serve", "--port",
                                str(port), "--workers", str(workers)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    guard(process.pid)  # ends with the test run, even a killed one (tests/watchdog.py)
    base = f"http://127.0.0.1:{port}"
    started: dict[int, int] = {}  # the test adds what it saw, before killing the server
    try:
        deadline = time.monotonic() + 180  # a busy machine starts slowly
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield process, base, started
    finally:
        started.update(descendants(process.pid))
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for pid in started:  # nothing this test started outlives it, even on failure
            if alive({pid: started[pid]}):
                os.kill(pid, signal.SIGKILL)


def _build_a_pdf(base: str) -> None:
    client, _ = sign_in(base, "coord", PASSWORD)
    try:
        resp = client.get("/reports/daily.pdf", params={"airport": "AMS"}, timeout=60)
    finally:
        client.close()
    assert resp.status_code == 200, resp.text[:300]
    assert resp.content.startswith(b"%PDF")


def _children_of_a_pdf_build(pid: int, seen: dict[int, int]) -> dict[int, int]:
    children = descendants(pid)
    seen.update(children)
    commands = [Path(f"/proc/{p}/cmdline").read_bytes() for p in children]
    # The pool is real: a forkserver, at least one worker under it, the resource tracker
    # (under each uvicorn worker when there are several).
    assert any(b"forkserver" in c for c in commands), commands
    assert any(b"resource_tracker" in c for c in commands), commands
    assert len(children) >= 3, commands
    return children


def _wait_all_gone(children: dict[int, int], seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := alive(children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


Server = tuple[subprocess.Popen[bytes], str, dict[int, int]]


def test_sigterm_leaves_no_process(server: Server) -> None:
    process, base, seen = server
    _build_a_pdf(base)
    children = _children_of_a_pdf_build(process.pid, seen)
    process.send_signal(signal.SIGTERM)
    process.wait(10)
    assert _wait_all_gone(children, 10) == []


def test_sigkill_of_the_server_ends_its_children(server: Server) -> None:
    process, base, seen = server
    _build_a_pdf(base)
    children = _children_of_a_pdf_build(process.pid, seen)
    process.kill()
    process.wait(10)
    assert _wait_all_gone(children, 10) == []
