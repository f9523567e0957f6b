"""Shared fixtures: real databases (SQLite file and a throwaway PostgreSQL), a unit of work
with a publisher that captures what it was handed, and the demo airport set up."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from movements.domain.clock import ManualClock
from movements.domain.events import DomainEvent
from movements.domain.models import Base
from movements.domain.uow import UnitOfWork
from movements.platform.db import Database, make_engine
from movements.platform.lifeline import end_with
from movements.platform.migrate import upgrade
from movements.platform.passwords import use_profile
from tests import handler_models
from tests.pg import PgCluster, start_cluster

# The settings the tests run under: nothing inherited from the shell configures the app
# (tests pass what they need), and password hashing uses the cheap test profile, also in
# the servers the tests start (they inherit this environment).
for _name in [n for n in os.environ if n.startswith("MOVEMENTS_")]:
    if _name not in ("MOVEMENTS_TEST_PG_URL", "MOVEMENTS_PG_BIN", "MOVEMENTS_FUZZ_EXAMPLES"):
        del os.environ[_name]
os.environ["MOVEMENTS_PASSWORD_HASH_PROFILE"] = "test"
use_profile("test")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # An xdist worker ends with the controlling pytest, however that ends (a SIGKILLed
    # controller leaves its workers running otherwise); what the worker started ends
    # with it through tests/watchdog.py.
    end_with(os.getppid())

# Litestar parses each handler's signature once per process, not once per app built
# (every web test builds its own app; see tests/handler_models.py).
handler_models.install()

BACKENDS = ["sqlite", "postgresql"]
T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, from another thread when this one already runs a loop (Playwright's
    sync API does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class CapturingPublisher:
    """Keeps every batch it is handed, like Zulip's capture_send_event_calls."""

    def __init__(self) -> None:
        self.batches: list[list[DomainEvent]] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.batches.append(list(events))

    @property
    def events(self) -> list[DomainEvent]:
        return [e for batch in self.batches for e in batch]

    def clear(self) -> None:
        self.batches.clear()


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    given = os.environ.get("MOVEMENTS_TEST_PG_URL")
    if given:
        from movements.platform.config import normalise_database_url

        yield normalise_database_url(given)
        return
    cluster: PgCluster = start_cluster()
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session", autouse=True)
def pdf_workers() -> Iterator[None]:
    """The PDF pool held for the whole test process, as a server holds it for its life.

    Every web test builds its own app, and an app's lifespan holds the pool
    (movements.delivery.pdf_pool): without this, the last holder leaving at the end of
    each test shut the workers down, and the next test that built a PDF paid a new
    worker's start (forkserver fork, ReportLab import, fonts) again.  The workers still
    start on first use and end with the session (joined here; they also end with this
    process through movements.platform.lifeline)."""
    from movements.delivery import pdf_pool

    held = pdf_pool()
    run_async(held.__aenter__())
    try:
        yield
    finally:
        run_async(held.__aexit__(None, None, None))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; every test copies the file (much faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    run_async(build())
    return path


_pg_migrated: dict[str, list[str]] = {}  # base URL -> the schema's sequences


async def _fresh_pg(base_url: str) -> AsyncEngine:
    """The PostgreSQL database as just migrated: schema built once per process, then
    every table emptied before each test.  DELETE (children first) and the sequences set
    back to 1: TRUNCATE of the ~54 tables took 0.4 s a test (a new file per table), DELETE
    of the few rows a test leaves a few milliseconds; the same tables, the same result."""
    engine = make_engine(base_url)
    sequences = _pg_migrated.get(base_url)
    if sequences is None:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        async with engine.connect() as conn:
            found = await conn.execute(text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
                "FROM pg_sequences WHERE schemaname = 'public'"))
            _pg_migrated[base_url] = [str(name) for (name,) in found]
    else:
        async with engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(text(f'DELETE FROM "{table.name}"'))
            if sequences:
                resets = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
                await conn.execute(text(f"SELECT {resets}"))
    return engine


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path,
                 sqlite_template: Path) -> str:
    if backend == "sqlite":
        target = tmp_path / "movements.sqlite3"
        shutil.copy(sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"
    base = str(request.getfixturevalue("pg_base_url"))

    async def prepare() -> None:
        engine = await _fresh_pg(base)
        await engine.dispose()

    run_async(prepare())
    return base


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The database opened as the app opens it (SQLite: sync sessions in a thread)."""
    db = Database.open(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def engine(database: Database) -> AsyncEngine:
    return database.engine


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 9, 15, 8, 0, tzinfo=UTC))


@pytest.fixture
def publisher() -> CapturingPublisher:
    return CapturingPublisher()


@pytest.fixture
def uow(database: Database, publisher: CapturingPublisher, clock: ManualClock) -> UnitOfWork:
    return database.unit_of_work(publisher, clock)


# ------------------------------------------------------------------------ test tiers
#
# The full suite (scripts/test.sh) runs everything.  The fast tier (`pytest --fast`,
# `bash scripts/test.sh --fast`) is the inner loop, under 2 minutes on 2 cores: unit,
# domain and web tests on SQLite that each check one behaviour.  It leaves out tests
# marked `slow` or `browser` and the PostgreSQL half of the `backend` parameter.
#
# Where a new test goes: it is `slow` (full suite only) when it
#   1. starts a server or Redis (its module imports tests.live's start_server or
#      start_redis: marked automatically),
#   2. runs the command line or pytest in a subprocess, mounts a file system, or kills
#      a process (SLOW below),
#   3. is exhaustive: walks every route, role or page, or checks a property over
#      generated inputs (every hypothesis test is marked automatically; the walks are in
#      EXHAUSTIVE below), or
#   4. handles large data: whole demo days or years, 400-passenger PDFs, 10,000 rows.
# Everything else belongs to the fast tier.  Node id prefixes, kept in one place here; a
# test is never skipped by them, only left to the full suite.
SLOW = (
    "tests/test_processes.py", "tests/test_lifeline.py", "tests/test_backup.py",
    "tests/test_cli.py", "tests/test_cli_storage.py", "tests/scale/", "tests/web/test_api_fuzz.py",
    "tests/demo/", "tests/feed/test_replay_day.py",
    "tests/manifests/test_delivery.py::test_charter_of_400",
    # the command line as a person runs it (one subprocess per call); the other CLI tests
    # run the command in-process (tests.test_cli.invoke) and are fast-tier tests
    "tests/test_planning_cli.py::test_plan_book_move_and_cancel_from_the_command_line",
    # large data: 10,000 imported rows beside taps; tests that load a whole demo day
    "tests/web/test_import_beside_taps.py",
    "tests/alerts/test_alert_texts.py::test_no_alert_names_an_internal_id",
    "tests/scheduler/test_alerts_every_airport.py::test_the_alert_job_raises_for_a_brussels",
    "tests/scheduler/test_feed_every_airport.py::test_each_airport_polls_its_own_feed",
    "tests/notify/test_messages.py::test_no_sms_carries_a_name_health_note",
)
EXHAUSTIVE = (
    "tests/web/test_access_walk.py",    # every route x role against the access policy
    "tests/web/test_routes.py",         # the role x route ACCESS table
    "tests/web/test_content_types.py",  # every route's Content-Type, as each role
    "tests/web/test_dutch_walk.py",     # every GET page in Dutch on the demo day
    "tests/web/test_bad_bytes.py",      # every path parameter with bad bytes
)
_STARTERS = ("start_server", "start_redis")


def _starts_processes(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return any(getattr(getattr(module, name, None), "__module__", "").startswith("tests.")
               for name in _STARTERS)


def _is_property_test(item: pytest.Item) -> bool:
    """A hypothesis test (``@given``): many generated examples per test."""
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fast", action="store_true",
                     help="the fast tier: no slow or browser tests, SQLite only")


def _rough_cost(item: pytest.Item) -> float:
    """A test's rough cost in seconds of one worker (ratios measured on a full run:
    a browser test or a test with its own server ~16-20 s, a PostgreSQL test ~2 s,
    other tests ~0.5 s); only used to order files, never to skip or time anything."""
    if item.get_closest_marker("browser"):
        return 20.0
    if _starts_processes(item):
        return 16.0
    if item.get_closest_marker("slow"):
        return 4.0
    params = getattr(item, "callspec", None)
    if params is not None and params.params.get("backend") == "postgresql":
        return 2.0
    return 0.5


#: Measured cost of a test file (tests/file_costs.txt: seconds of one worker, full suite,
#: both backends, scaled to _rough_cost's units); files not listed get _rough_cost.
_FILE_COSTS_PATH = Path(__file__).with_name("file_costs.txt")


def _file_costs() -> dict[str, float]:
    costs: dict[str, float] = {}
    if _FILE_COSTS_PATH.exists():
        for line in _FILE_COSTS_PATH.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                seconds, path = line.split(maxsplit=1)
                costs[path.strip()] = float(seconds)
    return costs


def _costliest_files_first(items: list[pytest.Item]) -> None:
    """Order whole files by their cost, costliest first (order within a file kept): the
    measured cost from tests/file_costs.txt, else the sum of their tests' rough costs.

    scripts/test.sh hands whole files to the xdist workers in this order
    (``--dist loadfile --no-loadscope-reorder``): longest first, so the run does not end
    with one worker idle while the other works through a long file.  xdist's default
    order (most tests first) put the one-test browser and server files last.  The browser
    files also end up next to each other, so a worker starts Chromium a few times only
    (tests/browser_session.py)."""
    measured = _file_costs()
    cost: dict[str, float] = {}
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        path = item.nodeid.split("::", 1)[0]
        cost[path] = cost.get(path, 0.0) + _rough_cost(item)
        first.setdefault(path, index)
    # Measured files: their measure, scaled so that together they weigh what their rough
    # costs do (the table may come from a loaded machine; only the order matters).
    listed = [path for path in cost if path in measured]
    measured_sum = sum(measured[path] for path in listed)
    if measured_sum > 0:
        scale = sum(cost[path] for path in listed) / measured_sum
        for path in listed:
            cost[path] = measured[path] * scale

    def key(item: pytest.Item) -> tuple[float, int]:
        path = item.nodeid.split("::", 1)[0]
        return -cost[path], first[path]

    items.sort(key=key)  # stable: a file's tests keep their order


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if (item.nodeid.startswith(SLOW + EXHAUSTIVE) or _starts_processes(item)
                or _is_property_test(item)):
            item.add_marker(pytest.mark.slow)
    _costliest_files_first(items)
    if not config.getoption("--fast"):
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        on_pg = params is not None and params.params.get("backend") == "postgresql"
        slow = item.get_closest_marker("slow") or item.get_closest_marker("browser")
        (dropped if on_pg or slow else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a test that is not a browser test: stop the process's Playwright, if a
    browser module started it (its event loop would stop the asyncio tests; see
    tests/browser_session.py)."""
    if item.get_closest_marker("browser") is None:
        session = sys.modules.get("tests.browser_session")
        if session is not None and session.browser_running():
            session.stop_shared_browser()
