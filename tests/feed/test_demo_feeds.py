"""``movements serve --demo`` replays a feed for every demo airport: the script's airport
(AMS) through ``MOVEMENTS_FEED_*``, every other one (BRU) through its own
``MOVEMENTS_FEEDS`` entry, each serving only its own airport's flights in its own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from movements.domain.clock import ManualClock
from movements.feed.replay import start_demo_feed
from movements.platform.config import Settings

NOW = datetime(2026, 9, 15, 6, 0, tzinfo=UTC)


def test_the_demo_replays_a_feed_per_airport(database_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    env: dict[str, str] = {"MOVEMENTS_DATA_DIR": str(tmp_path)}
    servers, message = start_demo_feed(settings, env, ManualClock(NOW))
    try:
        assert len(servers) == 2 and "BRU from http://127.0.0.1:" in message
        configured = Settings.from_env(env)
        ams, bru = configured.feed_for("AMS"), configured.feed_for("BRU")
        assert ams is not None and bru is not None and ams.url != bru.url
        flights = {}
        for feed in (ams, bru):
            resp = httpx.get(feed.url, params={"scheduleDate": "2026-09-15"},
                             headers={"app_id": feed.app_id, "app_key": feed.app_key,
                                      "ResourceVersion": "v4"})
            assert resp.status_code == 200, resp.text
            flights[feed.airport] = {f["flightName"]: f for f in resp.json()["flights"]}
        assert "SN3817" in flights["BRU"] and "SN3817" not in flights["AMS"]
        assert "TK1952" in flights["AMS"] and "TK1952" not in flights["BRU"]
        # Brussels's local times carry Brussels's offset (both +02:00 in September, but
        # from the airport's row, not a fixed zone): 08:55 local.
        assert flights["BRU"]["SN3817"]["scheduleDateTime"].startswith(
            "2026-09-15T08:55:00.000+02:00")
    finally:
        for server in servers:
            server.stop()
