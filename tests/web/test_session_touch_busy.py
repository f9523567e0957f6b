"""The once-a-minute session touch is bookkeeping: when SQLite's one writer stays taken
past the wait, a request of a session that still stands is served (read only) instead of
being refused 503 busy (issue 18: 14 of 500 page requests at 50 users were)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest
from litestar.testing import TestClient

from tests.web.conftest import BASE, Site, login


def _last_seen(db: sqlite3.Connection, username: str) -> str:
    row = db.execute("SELECT s.last_seen_at FROM user_session s JOIN app_user u "
                     "ON u.id = s.user_id WHERE u.username = ? AND s.ended_at IS NULL "
                     "ORDER BY s.id DESC LIMIT 1", (username,)).fetchone()
    return str(row[0])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_due_touch_that_meets_a_busy_writer_still_serves_the_request(
        site: Site, database_url: str) -> None:
    path = database_url.split("///", 1)[1]
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        db = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        signed_in = _last_seen(db, "gate")
        site.clock.advance(minutes=2)  # the touch is due
        db.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
        try:
            resp = client.get("/board", headers={"accept": "application/json"})
            assert resp.status_code == 200, resp.text[:300]
            assert _last_seen(db, "gate") == signed_in  # not written: the writer was busy
            site.clock.advance(minutes=31)  # no longer standing (idle): still refused
            stale = client.get("/board", headers={"accept": "application/json"})
            assert stale.status_code == 503
        finally:
            db.execute("ROLLBACK")
        site.clock.advance(minutes=-31)
        assert client.get("/board", headers={"accept": "application/json"}).status_code == 200
        touched = _last_seen(db, "gate")
        db.close()
    assert datetime.fromisoformat(touched) > datetime.fromisoformat(signed_in)
