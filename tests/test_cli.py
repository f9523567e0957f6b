"""The movements command: failures a person can cause end in one line and exit 2."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.pg import free_port


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120
        ) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("MOVEMENTS_")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "movements.cli", *args], env=full,
                          capture_output=True, text=True, timeout=timeout)


def invoke(*args: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """The movements command run in this process: ``movements.cli.main`` on ``args``, as
    ``python -m movements.cli`` calls it, with the same environment as :func:`run`
    (no MOVEMENTS_* setting but ``env``; the test password-hash profile kept) and its
    stdout, stderr and exit status captured.  For the tests about what a command does;
    the tests about the process itself (arguments, exit status, one line on stderr, the
    settings read at start) run it as a subprocess (:func:`run`).  About 1 s of CPU less
    per call (no interpreter start and imports)."""
    from movements.cli import main

    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    try:
        for name in [n for n in os.environ if n.startswith("MOVEMENTS_")
                     and n != "MOVEMENTS_PASSWORD_HASH_PROFILE"]:
            del os.environ[name]
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(list(args))
    finally:  # the whole environment back, whatever the command set (e.g. --data-dir)
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(["movements", *args], status, out.getvalue(),
                                       err.getvalue())


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("movements: error:")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_bad_arguments(tmp_path: Path) -> None:
    one_line_error(run("serve", "--port", "x"), "--port", "not a valid integer")
    one_line_error(run("frobnicate"), "No such command")
    one_line_error(run("--data-dir", str(tmp_path), "serve", "--port", "70000"), "--port 70000")
    one_line_error(run("users", "add", "x", "--role", "pilot"), "--role")


def test_bad_setting_names_the_variable(tmp_path: Path) -> None:
    one_line_error(run("db", "upgrade", env={"MOVEMENTS_SECURE_COOKIES": "perhaps"}),
                   "MOVEMENTS_SECURE_COOKIES")
    one_line_error(run("db", "upgrade", env={"MOVEMENTS_DATABASE_URL": "mysql://x"}),
                   "MOVEMENTS_DATABASE_URL")


def test_unreachable_database(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/none"
    one_line_error(run("db", "upgrade", env={"MOVEMENTS_DATABASE_URL": url}),
                   "cannot reach the database")


def test_locked_database_file(tmp_path: Path) -> None:
    db = tmp_path / "movements.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")
    try:
        result = run("--data-dir", str(tmp_path), "db", "upgrade", timeout=120)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    one_line_error(result, "locked")


def test_upgrade_then_users_add_then_duplicate(tmp_path: Path) -> None:
    env = {"MOVEMENTS_DATA_DIR": str(tmp_path)}
    assert run("db", "upgrade", env=env).returncode == 0
    one_line_error(run("users", "add", "ana", "--role", "admin", "--password",
                       "long-enough-pw", env=env), "not set up: AMS")
    one_line_error(run("airports", "add", "AMS", "--name", "Schiphol", "--timezone",
                       "Mars/Olympus", env=env), "unknown time zone")
    assert run("airports", "add", "AMS", "--name", "Schiphol", "--timezone",
               "Europe/Amsterdam", env=env).returncode == 0
    ok = run("users", "add", "ana", "--role", "admin", "--password", "long-enough-pw",
             env=env)
    assert ok.returncode == 0, ok.stderr
    one_line_error(run("users", "add", "ana", "--role", "admin", "--password",
                       "long-enough-pw", env=env), "exists already")
    one_line_error(run("users", "add", "bo", "--role", "reception", "--password",
                       "long-enough-pw", env=env), "belongs to one organisation")
    # Issue 11.2: a user works at least one airport; the CLI refuses none, naming why.
    one_line_error(run("users", "add", "cy", "--role", "gate_staff", "--airports", " ",
                       "--password", "long-enough-pw", env=env), "works at least one airport")
