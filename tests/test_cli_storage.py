"""Issue 12.7 for the command line: a full or read-only database filesystem ends in one
line and exit 2, and the same command works again once there is room.  The filesystem is
a real one: a small ext4 image on a loop device (needs root and the mount tools; skipped
elsewhere), filled up with a file and remounted read-only."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from movements.platform.db import warn_small_blocks
from tests.test_cli import one_line_error, run


@contextlib.contextmanager
def _mounted(tmp_path: Path, block: int) -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
        pytest.skip("needs root and mkfs.ext4 to mount a loopback filesystem")
    image, mount = tmp_path / f"fs{block}.img", tmp_path / f"mnt{block}"
    mount.mkdir()
    with image.open("wb") as f:
        f.truncate(3 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", "-b", str(block), str(image)],
                   check=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a loopback filesystem here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    # 4 KiB blocks, as on any real disk (mkfs picks 1 KiB for a filesystem this small,
    # where SQLite's WAL index can end the process with SIGBUS: see
    # test_one_kib_blocks_are_warned_of).
    with _mounted(tmp_path, 4096) as mount:
        yield mount


def test_one_kib_blocks_are_warned_of(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                      ) -> None:
    """On 1 KiB blocks a full disk kills a SQLite process in WAL mode with SIGBUS (the
    -shm page is only partly allocated); that cannot be caught, so it is said at start."""
    with _mounted(tmp_path, 1024) as mount:
        url = f"sqlite+aiosqlite:///{mount / 'movements.sqlite3'}"
        with caplog.at_level(logging.WARNING, logger="movements.platform.db"):
            assert warn_small_blocks(url) == 1024
        assert "1024-byte blocks" in caplog.text


def _fill(path: Path) -> None:
    with path.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass


def _set_up(filesystem: Path) -> dict[str, str]:
    data = filesystem / "data"
    data.mkdir()
    env = {"MOVEMENTS_DATA_DIR": str(data)}
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("airports", "add", "AMS", "--name", "Schiphol", "--timezone",
               "Europe/Amsterdam", env=env).returncode == 0
    return env


def _add(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run("users", "add", name, "--role", "coordinator", "--airports", "AMS",
               "--password", "a long enough password", env=env)


def test_full_filesystem(small_filesystem: Path) -> None:
    env = _set_up(small_filesystem)
    filler = small_filesystem / "filler"
    _fill(filler)
    for i in range(30):  # the free space inside the database file runs out too
        result = _add(f"user{i}", env)
        if result.returncode != 0:
            break
    one_line_error(result, "cannot save", "full", "nothing was changed")
    filler.unlink()  # space returns: the same command works, nothing to restart
    again = _add("after", env)
    assert again.returncode == 0, again.stderr


def test_read_only_filesystem(small_filesystem: Path) -> None:
    env = _set_up(small_filesystem)
    assert _add("before", env).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    try:
        one_line_error(_add("readonly", env), "read-only", "nothing was changed")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_filesystem)], check=True)
    assert _add("after", env).returncode == 0
