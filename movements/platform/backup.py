"""``movements db backup FILE`` / ``movements db restore FILE``.

SQLite: the online backup API (a consistent copy while the console keeps running; WAL
content included).  PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean``
(found on PATH or in MOVEMENTS_PG_BIN / /usr/lib/postgresql/*/bin).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit


class BackupError(Exception):
    pass


def _sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def _pg_tool(name: str) -> str:
    candidates = [os.environ.get("MOVEMENTS_PG_BIN", ""), *sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if folder and Path(folder, name).exists():
            return str(Path(folder, name))
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _pg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme="postgresql").geturl()


def backup(url: str, target: Path) -> int:
    """Write a backup of the database at ``url`` to ``target``; returns its size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"no database at {source}")
        tmp = target.with_suffix(target.suffix + ".partial")
        with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
            src.backup(dst)
        tmp.replace(target)
    else:
        result = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner",
                                 f"--file={target}", _pg_dsn(url)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
    return target.stat().st_size


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source``.  Stop the console
    first: a restore under running servers would pull rows from under them."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if url.startswith("sqlite"):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} fails SQLite's integrity check")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
    else:
        result = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists",
                                 "--no-owner", "--single-transaction",
                                 f"--dbname={_pg_dsn(url)}", str(source)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-400:]}")
