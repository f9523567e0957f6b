"""A helper process ends when the process it works for ends, however that one ends.

A graceful stop shuts helpers down in order (the app lifespan does that for the PDF
pool).  A process killed with SIGKILL runs no code, so its helpers must notice by
themselves: :func:`end_with` starts a daemon thread that waits on a pidfd of the owner
(Linux >= 5.3, ``os.pidfd_open``) and ends this process the moment the owner is gone.
``PR_SET_PDEATHSIG`` alone is not enough here: a forkserver's workers are children of the
forkserver, not of the server, and the forkserver itself stays alive while any worker
holds its "alive" pipe, so the workers must watch the server directly.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time

POLL_SECONDS = 0.5  # only where pidfds are unavailable


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _watch(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):
        # No pidfds (old kernel or another OS): poll instead.
        while not _gone(pid):
            time.sleep(POLL_SECONDS)
        os._exit(0)
    with contextlib.suppress(OSError):
        select.select([fd], [], [])  # readable once the owner has exited
    os._exit(0)


def end_with(owner_pid: int) -> threading.Thread:
    """End this process (``os._exit(0)``, no clean-up: the owner is gone and so is
    whoever would read our results) as soon as ``owner_pid`` has exited.

    Returns the daemon watcher thread.  Call it first thing in a helper process
    (e.g. a pool initializer), with the PID of the process that started the pool.
    """
    thread = threading.Thread(target=_watch, args=(owner_pid,), name=f"end-with-{owner_pid}",
                              daemon=True)
    thread.start()
    return thread
