"""Real servers for tests: uvicorn in its own process on a loopback port, stopped by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.pg import free_port
from tests.watchdog import guard


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_server(database_url: str, data_dir: Path, *, port: int | None = None,
                 extra_env: dict[str, str] | None = None, name: str = "server",
                 timeout: float = 90) -> LiveServer:
    # 90 s by default: on the shared 2-core machine under load 15 a start took over 30 s.
    port = port or free_port()
    env = {**os.environ,
           "MOVEMENTS_DATABASE_URL": database_url,
           "MOVEMENTS_DATA_DIR": str(data_dir),
           "MOVEMENTS_SECURE_COOKIES": "false",
           "MOVEMENTS_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "MOVEMENTS_HEARTBEAT_SECONDS": "0.5",
           "MOVEMENTS_RUN_JOBS": "false",
           "MOVEMENTS_LOG_LEVEL": "WARNING",
           **(extra_env or {})}
    log_path = data_dir / f"{name}-{port}.log"
    from movements.platform.config import Settings
    from movements.serving import proxy_arguments, ws_arguments

    settings = Settings.from_env(env)  # run as `movements serve` runs it
    proxy = proxy_arguments(settings) + ws_arguments(settings)
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "movements.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--timeout-graceful-shutdown", "3", *proxy],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child has its own descriptor
    guard(process.pid)  # ends with the test run, even a killed one (tests/watchdog.py)
    server = LiveServer(port, process, log_path, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


def sign_in(base: str, username: str, password: str) -> tuple[httpx.Client, str]:
    """A signed-in HTTP client and its CSRF token."""
    import re

    client = httpx.Client(base_url=base, timeout=10)
    for _ in range(30):  # a busy database answers 503 + Retry-After: wait and sign in again
        resp = client.post("/login", data={"username": username, "password": password})
        if resp.status_code != 503 or not resp.headers.get("retry-after", "").isdigit():
            break
        time.sleep(int(resp.headers["retry-after"]))
    if resp.status_code not in (200, 303) or "mv_session" not in client.cookies:
        raise AssertionError(f"sign-in failed: {resp.status_code} {resp.text[:200]}")
    page = client.get("/account/sessions").text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match
    return client, match.group(1)


def seed_site(database_url: str) -> Any:
    """The web tests' site (tests.web.conftest.seed: a world for today, one user per role)
    written straight to the database a live server will serve."""
    from datetime import UTC, datetime

    from movements.domain.clock import local_date
    from movements.domain.uow import NullPublisher
    from movements.platform.db import Database
    from tests.conftest import run_async
    from tests.factories import SYSTEM
    from tests.web.conftest import seed

    async def go() -> Any:
        db = Database.open(database_url)
        try:
            return await db.unit_of_work(NullPublisher()).run(
                seed, SYSTEM, local_date(datetime.now(UTC), "Europe/Amsterdam"))
        finally:
            await db.dispose()

    return run_async(go())  # (World, passenger ids, booking ids)
