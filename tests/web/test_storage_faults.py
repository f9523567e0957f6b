"""Issue 12.7: a read-only or full database is an operating state.  Writes and sign-in
answer 503 with a plain message (pages and JSON), /readyz answers 503 while writes fail,
the log says so once (not a traceback per request), and everything recovers by itself
when the storage does."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, func, select, text

from movements.domain.models import AuditEntry, Note
from tests.web.conftest import BASE, PASSWORD, Site, login

HTMX = {"HX-Request": "true"}


class Fault:
    """Makes every new connection of the app's engine meet a storage fault (SQLite:
    ``PRAGMA query_only`` / ``max_page_count``; PostgreSQL: a read-only default
    transaction), and lifts it.  The pool is emptied both ways so it applies at once."""

    def __init__(self, site: Site) -> None:
        self.database = site.app.state.services.database
        self.engine = self.database.engine
        # The async engine, and on SQLite the sync one that runs the write transactions.
        self.engines = [e for e in (self.engine.sync_engine, self.database.sync_engine) if e]
        self.dialect = self.engine.dialect.name
        self.listener: Callable[..., None] | None = None

    def _apply(self, statement: str, client: TestClient[Litestar]) -> None:
        def on_connect(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(statement)
            cursor.close()

        self.listener = on_connect
        for engine in self.engines:
            event.listen(engine, "connect", on_connect)
        client.blocking_portal.call(self.database.dispose)

    def read_only(self, client: TestClient[Litestar]) -> None:
        if self.dialect == "sqlite":
            self._apply("PRAGMA query_only = ON", client)
        else:  # the database itself turns read-only (as a standby or a full-disk guard)
            self._alter_pg(client, "on")

    def _alter_pg(self, client: TestClient[Litestar], value: str) -> None:
        async def go() -> None:
            async with self.engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                name = (await conn.execute(text("SELECT current_database()"))).scalar_one()
                await conn.execute(text("SET default_transaction_read_only = off"))
                await conn.execute(text(
                    f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}'))
            await self.database.dispose()
        client.blocking_portal.call(go)

    def full(self, client: TestClient[Litestar]) -> None:
        async def pages() -> int:
            async with self.engine.connect() as conn:
                return int((await conn.execute(text("PRAGMA page_count"))).scalar_one())
        count = client.blocking_portal.call(pages)
        self._apply(f"PRAGMA max_page_count = {count}", client)

    def lift(self, client: TestClient[Litestar]) -> None:
        if self.dialect == "postgresql":
            self._alter_pg(client, "off")
        if self.listener is not None:
            for engine in self.engines:
                event.remove(engine, "connect", self.listener)
            self.listener = None
        client.blocking_portal.call(self.database.dispose)


@pytest.fixture
def signed_in(site: Site) -> Iterator[tuple[TestClient[Litestar], str]]:
    with TestClient(site.app, base_url=BASE) as client:
        yield client, login(client, "coord")


def _counts(client: TestClient[Litestar], site: Site) -> tuple[int, int]:
    async def go() -> tuple[int, int]:
        return await site.app.state.services.uow.read(lambda s: (
            int(s.scalar(select(func.count()).select_from(Note)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)))
    return client.blocking_portal.call(go)


def test_read_only_database(site: Site, signed_in: tuple[TestClient[Litestar], str],
                            caplog: pytest.LogCaptureFixture) -> None:
    client, csrf = signed_in
    fault = Fault(site)
    movement = site.world.departure_id
    assert client.get("/readyz").status_code == 200
    before = _counts(client, site)
    fault.read_only(client)
    caplog.set_level(logging.INFO)
    try:
        for i in range(5):
            resp = client.post(f"/movements/{movement}/notes", data={"text": f"n{i}"},
                               headers={**HTMX, "X-CSRF-Token": csrf})
            assert resp.status_code == 503, resp.text
            assert "read-only" in resp.text and "Nothing was changed" in resp.text
        page = client.post(f"/movements/{movement}/notes", data={"text": "plain",
                                                                 "_csrf": csrf},
                           headers={"Accept": "text/html"})
        assert page.status_code == 503 and "<h1>Cannot save right now</h1>" in page.text
        sign_in = client.post("/login", data={"username": "gate", "password": PASSWORD})
        assert sign_in.status_code == 503 and "read-only" in sign_in.text  # writes a session
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["storage"] == "the database is read-only"
        assert client.get(f"/movements/{movement}").status_code == 200  # reads still work
        assert _counts(client, site) == before  # nothing half-applied
        reports = [r for r in caplog.records if r.name == "movements.storage"]
        assert len(reports) == 1 and reports[0].levelno == logging.ERROR
        assert not any(r.exc_info or "Traceback" in r.getMessage() for r in caplog.records)
    finally:
        fault.lift(client)
    assert client.get("/readyz").status_code == 200
    ok = client.post(f"/movements/{movement}/notes", data={"text": "back"},
                     headers={**HTMX, "X-CSRF-Token": csrf})
    assert ok.status_code == 200 and "back" in ok.text
    assert any("writes work again" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_full_database(site: Site, signed_in: tuple[TestClient[Litestar], str],
                       caplog: pytest.LogCaptureFixture) -> None:
    client, csrf = signed_in
    fault = Fault(site)
    movement = site.world.departure_id
    fault.full(client)
    caplog.set_level(logging.INFO)
    statuses: list[int] = []
    try:
        for i in range(60):  # the free space left in the last pages runs out
            resp = client.post(f"/movements/{movement}/notes",
                               data={"text": f"{i} " + "x" * 1900},
                               headers={**HTMX, "X-CSRF-Token": csrf})
            statuses.append(resp.status_code)
            if resp.status_code == 503:
                assert "disk is full" in resp.text
                break
        assert statuses[-1] == 503 and set(statuses) <= {200, 503}
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "full" in ready.json()["storage"], ready.text
        again = client.post(f"/movements/{movement}/notes", data={"text": "y" * 1900},
                            headers={"Accept": "application/json", "X-CSRF-Token": csrf})
        assert again.status_code == 503 and again.headers["retry-after"] == "60"
        assert "disk is full" in again.json()["error"]
    finally:
        fault.lift(client)
    assert client.get("/readyz").status_code == 200
    ok = client.post(f"/movements/{movement}/notes", data={"text": "room again"},
                     headers={**HTMX, "X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert not any("Traceback" in r.getMessage() or r.exc_info for r in caplog.records)
