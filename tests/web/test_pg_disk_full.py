"""Issue 12.7 on PostgreSQL: a full disk under the tables is an operating state.

The disk is real: the tables a note writes (note, audit_entry, idempotent_response, where
the storage probe writes too) are moved to a tablespace on a small ext4 filesystem on a
loop device, which is then filled up.  (The write-ahead log stays on the cluster's own
disk: PostgreSQL stops the whole server when it cannot write WAL, which no application
can turn into a message.)  Writes answer 503 saying the disk is full, nothing of the
refused write is in (no note, no audit entry), /readyz answers 503, and everything works
again once there is room, with no restart.  Needs root and mount (skipped elsewhere) and
the test run's own PostgreSQL cluster."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from tests.web.conftest import BASE, Site, login
from tests.web.test_storage_faults import HTMX, _counts

TABLES = ("note", "audit_entry", "idempotent_response")


@pytest.fixture
def small_disk() -> Iterator[Path]:
    if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
        pytest.skip("needs root and mkfs.ext4 to mount a loopback filesystem")
    if os.environ.get("MOVEMENTS_TEST_PG_URL"):
        pytest.skip("the tablespace must be on this machine: needs the run's own cluster")
    work = Path(tempfile.mkdtemp(prefix="movements-pgfull-"))
    work.chmod(0o755)  # the postgres user must reach the mount point
    image, mount = work / "fs.img", work / "mnt"
    mount.mkdir()
    with image.open("wb") as f:
        f.truncate(8 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", "-b", "4096", str(image)],
                   check=True)
    mounted = subprocess.run(["mount", "-o", "loop", str(image), str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        pytest.skip(f"cannot mount a loopback filesystem here: {mounted.stderr.strip()}")
    try:
        space = mount / "pg"
        space.mkdir()
        shutil.chown(space, "postgres", "postgres")
        yield space
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        shutil.rmtree(work, ignore_errors=True)


def _sql(client: TestClient[Litestar], site: Site, *statements: str) -> None:
    database = site.app.state.services.database

    async def go() -> None:
        async with database.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await conn.execute(text(statement))
        await database.dispose()
    client.blocking_portal.call(go)


def _fill(path: Path) -> None:
    with path.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass


@pytest.mark.parametrize("backend", ["postgresql"])
def test_full_tablespace(site: Site, small_disk: Path,
                         caplog: pytest.LogCaptureFixture) -> None:
    movement = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        _sql(client, site, f"CREATE TABLESPACE robust_small LOCATION '{small_disk}'",
             *(f"ALTER TABLE {t} SET TABLESPACE robust_small" for t in TABLES))
        filler = small_disk.parent / "filler"
        try:
            assert client.get("/readyz").status_code == 200
            _fill(filler)
            caplog.set_level(logging.INFO)
            statuses: list[int] = []
            for i in range(200):  # the free space left in the last pages runs out
                before = _counts(client, site)
                resp = client.post(f"/movements/{movement}/notes",
                                   data={"text": f"{i} " + os.urandom(900).hex()},
                                   headers={**HTMX, "X-CSRF-Token": csrf})
                statuses.append(resp.status_code)
                if resp.status_code == 503:
                    assert "disk is full" in resp.text, resp.text
                    break
            assert statuses[-1] == 503 and set(statuses) <= {200, 503}, statuses
            assert _counts(client, site) == before  # no note, no audit entry
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "full" in ready.json()["storage"], ready.text
            again = client.post(f"/movements/{movement}/notes", data={"text": "y" * 1900},
                                headers={"Accept": "application/json", "X-CSRF-Token": csrf})
            assert again.status_code == 503 and "disk is full" in again.json()["error"]
            filler.unlink()  # room again: no restart
            assert client.get("/readyz").status_code == 200
            ok = client.post(f"/movements/{movement}/notes", data={"text": "room again"},
                             headers={**HTMX, "X-CSRF-Token": csrf})
            assert ok.status_code == 200
            assert not any("Traceback" in r.getMessage() or r.exc_info
                           for r in caplog.records)
        finally:
            filler.unlink(missing_ok=True)
            _sql(client, site,
                 *(f"ALTER TABLE {t} SET TABLESPACE pg_default" for t in TABLES),
                 "DROP TABLESPACE robust_small")
