"""A lifeline for what the tests start: a process ends when the test run that started it
ends, however that run ends.

A normal end stops the throwaway PostgreSQL cluster, Redis and uvicorn servers by PID in
fixture teardown.  A pytest killed by SIGKILL (or SIGTERM, whose default action runs no
Python code either) runs no teardown, so :func:`guard` starts a tiny watchdog beside each
such process: it waits on pidfds (Linux >= 5.3) of the owners (this pytest process and,
in an xdist worker, the controlling pytest too) and of the guarded process; when the
guarded process ends first the watchdog just exits, when an owner ends first it signals
the guarded process (then SIGKILL after ``grace`` seconds) and removes its directory.

``PR_SET_PDEATHSIG`` would not do: it fires when the *thread* that forked ends, is
cleared by the setuid that runs PostgreSQL as ``postgres``, and ``pg_ctl`` daemonises
the postmaster away from its parent.  The watchdog runs in its own session so a signal
to pytest's process group does not take it down before it has done its work.

Run as a script (``python -I -S tests/watchdog.py``), it is the watchdog: standard
library only, so it starts in milliseconds.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

_SCRIPT = Path(__file__).resolve()


def owners() -> list[int]:
    """The PIDs whose end ends what the tests start: this process, and the xdist
    controller when this is an xdist worker (the worker may outlive a killed controller
    for a moment)."""
    pids = [os.getpid()]
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pids.append(os.getppid())
    return pids


def guard(pid: int, *, cleanup: Path | None = None, sig: int = signal.SIGTERM,
          grace: float = 5.0) -> None:
    """Start the watchdog of ``pid``: when any of :func:`owners` ends while ``pid`` still
    runs, send it ``sig``, SIGKILL after ``grace`` seconds, then remove ``cleanup``.

    The watchdog detaches (it forks and its first process exits at once, reaped here),
    so the test run holds no handle on it; it exits by itself when ``pid`` ends."""
    args = [sys.executable, "-I", "-S", str(_SCRIPT), str(pid), str(int(sig)), str(grace),
            str(cleanup or ""), *map(str, owners())]
    subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                   check=True, timeout=60)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None


def _wait(fd: int, seconds: float) -> bool:
    """True when the process behind ``fd`` ended within ``seconds``."""
    return bool(select.select([fd], [], [], seconds)[0])


def _main(argv: list[str]) -> None:
    if os.fork():
        os._exit(0)  # detach: the starter reaps this first process at once
    pid, sig, grace, cleanup = int(argv[0]), int(argv[1]), float(argv[2]), argv[3]
    child = _pidfd(pid)
    if child is None:
        return
    watched = [fd for fd in (_pidfd(int(o)) for o in argv[4:]) if fd is not None]
    if len(watched) == len(argv[4:]):
        ready = select.select([child, *watched], [], [])[0]
        if child in ready:
            return  # stopped normally: nothing to do
    # An owner is gone (or was gone before we looked): stop the guarded process.
    try:
        signal.pidfd_send_signal(child, sig)
        if not _wait(child, grace):
            signal.pidfd_send_signal(child, signal.SIGKILL)
            _wait(child, 5)
    except ProcessLookupError:
        pass
    if cleanup:
        deadline = time.monotonic() + 5
        while True:  # a dying postmaster may still write its log
            shutil.rmtree(cleanup, ignore_errors=True)
            if not os.path.exists(cleanup) or time.monotonic() > deadline:
                break
            time.sleep(0.1)


if __name__ == "__main__":
    _main(sys.argv[1:])
