"""Where a live socket's memory goes: a tracemalloc diff by allocating file and line.

Runs the app under uvicorn in this process (the same websocket options as ``movements
serve``), warms it with 30 sockets, then opens N more (``bench/fanout_clients.py`` in a
separate process, each saying hello and taking its snapshot) and prints the traced
Python allocations per connection, largest first.  Complements bench/fanout.py's RSS
figure (which includes the allocator's slack).

    python bench/socket_memory.py [N=300]
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bench.fanout import PASSWORD, seed  # noqa: E402
from movements.domain.clock import local_date  # noqa: E402
from movements.domain.uow import NullPublisher  # noqa: E402
from movements.platform.db import Database  # noqa: E402
from movements.platform.migrate import upgrade  # noqa: E402
from movements.platform.passwords import hash_password  # noqa: E402
from tests.factories import SYSTEM  # noqa: E402
from tests.pg import free_port  # noqa: E402


def _short(filename: str) -> str:
    return filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")


async def main(n: int, work: Path) -> None:
    url = f"sqlite+aiosqlite:///{work}/m.sqlite3"
    today = local_date(datetime.now(UTC), "Europe/Amsterdam")
    port = free_port()
    os.environ.update({
        "MOVEMENTS_DATABASE_URL": url, "MOVEMENTS_DATA_DIR": str(work),
        "MOVEMENTS_SECURE_COOKIES": "false", "MOVEMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MOVEMENTS_HEARTBEAT_SECONDS": "120", "MOVEMENTS_RUN_JOBS": "false",
        "MOVEMENTS_LOG_LEVEL": "WARNING", "MOVEMENTS_SOCKETS_PER_SESSION": "100000"})
    database = Database.open(url)
    await upgrade(database.engine)
    await database.unit_of_work(NullPublisher()).run(seed, SYSTEM, today,
                                                     hash_password(PASSWORD))
    await database.dispose()
    from movements.platform.config import Settings
    from movements.serving import ws_options

    server = uvicorn.Server(uvicorn.Config(
        "movements.app:create_app", factory=True, host="127.0.0.1", port=port,
        log_level="warning", **ws_options(Settings.from_env())))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.1)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        await client.post("/login", data={"username": "bench", "password": PASSWORD})
        cookie = f"mv_session={client.cookies['mv_session']}"

    def clients(count: int, tag: str) -> tuple[subprocess.Popen[bytes], Path]:
        ready = work / f"{tag}.ready"
        return subprocess.Popen([
            sys.executable, str(ROOT / "bench" / "fanout_clients.py"),
            "--url", f"ws://127.0.0.1:{port}/ws?stream=board:AMS:{today}",
            "--count", str(count), "--expect", "1", "--ready-file", str(ready),
            "--out", str(work / f"{tag}.json"), "--cookie", cookie,
            "--origin", f"http://127.0.0.1:{port}", "--timeout", "300"]), ready

    async def connected(ready: Path) -> None:
        while not ready.exists():
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)

    warm, ready = clients(30, "warm")
    await connected(ready)
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    held, ready = clients(n, "held")
    await connected(ready)
    after = tracemalloc.take_snapshot()
    by_file = after.compare_to(before, "filename")
    print(f"{n} sockets: {sum(x.size_diff for x in by_file) / 1024 / n:.1f} KiB traced "
          "per connection")
    for stat in by_file[:15]:
        print(f"{stat.size_diff / 1024 / n:6.2f} KiB  {stat.count_diff / n:5.1f} blocks  "
              f"{_short(stat.traceback[0].filename)}")
    print("by line:")
    for stat in after.compare_to(before, "lineno")[:12]:
        frame = stat.traceback[0]
        print(f"{stat.size_diff / 1024 / n:6.2f} KiB  {_short(frame.filename)}:{frame.lineno}")
    for p in (held, warm):
        p.kill()
        p.wait(10)
    server.should_exit = True
    await serving


if __name__ == "__main__":
    work = Path(tempfile.mkdtemp(prefix="bench-sockmem-"))
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
