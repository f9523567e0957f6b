"""The rendered board lanes cached per stream number: fresh after every write, whoever
made it, and never handed to someone the access policy keeps off that board."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from litestar import Litestar
from litestar.testing import TestClient

from movements.domain.actions import milestones, setup
from movements.domain.actions import movements as mv
from movements.domain.models import MovementKind, Role
from movements.domain.uow import Actor, Tx
from movements.web.board_cache import BoardCache
from tests.factories import AMS_ID, SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login

DAY = "2026-09-15"
STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded", "departed")


def seq_of(page: str) -> int:
    return int(re.search(r'data-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]


def row_of(page: str, movement_id: int) -> str:
    row = page[page.index(f'id="mv-{movement_id}"'):]
    return row[:row.index("</div>\n")]


def test_cached_board_changes_after_another_users_milestones(site: Site) -> None:
    cache: BoardCache = site.app.state.board_cache
    with TestClient(site.app, base_url=BASE) as client:
        _check_fresh_after_writes(site, client, cache)


def _check_fresh_after_writes(site: Site, client: TestClient[Litestar], cache: BoardCache
                              ) -> None:
    login(client, "gate")
    first = client.get(f"/board?date={DAY}").text
    again = client.get(f"/board?date={DAY}").text
    assert again == first and cache.hits >= 1  # the second came from the cache
    assert "1 done" not in row_of(first, site.world.departure_id)
    csrf = login(client, "coord")  # another person, another session
    tap = client.post(f"/bookings/{site.booking_ids[0]}/milestones",
                      headers={"X-CSRF-Token": csrf}, data={"kind": STEPS[0]})
    assert tap.status_code == 200, tap.text
    login(client, "gate")
    misses = cache.misses
    after_one = client.get(f"/board?date={DAY}").text
    assert seq_of(after_one) > seq_of(first) and cache.misses == misses + 1

    # The rest of the steps written as another process would: straight through the unit
    # of work, not through this app's handlers (the cache hears of it only through the
    # stream number in the database).
    coord = Actor(user_id=None, username="coord-elsewhere", role=Role.COORDINATOR,
                  airport_ids=frozenset({AMS_ID}))

    def all_steps(tx: Tx) -> None:
        for step in STEPS[1:]:
            milestones.record_milestone(tx, site.booking_ids[0], step)

    client.blocking_portal.call(site.app.state.services.uow.run, all_steps, coord)  # type: ignore[arg-type]
    done = client.get(f"/board?date={DAY}").text
    assert "1 done" in row_of(done, site.world.departure_id)
    assert seq_of(done) > seq_of(after_one)
    fragment = client.get(f"/board?date={DAY}", headers={"HX-Request": "true"}).text
    assert "1 done" in row_of(fragment, site.world.departure_id)


def _second_airport(tx: Tx) -> int:
    setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
    setup.add_user(tx, "gate_bru", "Gate Bru", Role.GATE_STAFF, _HASH, airports=["BRU"])
    setup.add_user(tx, "coord_both", "Coord Both", Role.COORDINATOR, _HASH,
                   airports=["AMS", "BRU"])
    return mv.create_movement(tx, mv.NewMovement(
        airport="BRU", kind=MovementKind.DEPARTURE, carrier="SN", flight_number="3737",
        operational_date=date(2026, 9, 15), origin="BRU", destination="EBB",
        scheduled_at=datetime(2026, 9, 15, 9, 0, tzinfo=UTC)))


def test_scoped_user_never_gets_another_airports_cached_board(site: Site) -> None:
    bru_id: int
    with TestClient(site.app, base_url=BASE) as both:
        bru_id = both.blocking_portal.call(
            site.app.state.services.uow.run, _second_airport, SYSTEM)  # type: ignore[arg-type]
        login(both, "coord_both")
        # Fill the cache with both airports' boards (page and fragment).
        for airport in ("BRU", "AMS"):
            for headers in ({}, {"HX-Request": "true"}):
                assert both.get(f"/board?date={DAY}&airport={airport}",
                                headers=headers).status_code == 200
        bru_page = both.get(f"/board?date={DAY}&airport=BRU").text
        assert f'id="mv-{bru_id}"' in bru_page and "SN3737" in bru_page
    cache: BoardCache = site.app.state.board_cache
    assert len(cache) == 2  # board:AMS and board:BRU of the day
    with TestClient(site.app, base_url=BASE) as ams:
        login(ams, "gate")
        for headers in ({}, {"HX-Request": "true"}):
            refused = ams.get(f"/board?date={DAY}&airport=BRU", headers=headers)
            assert refused.status_code == 404
            assert "SN3737" not in refused.text and f"mv-{bru_id}" not in refused.text
            own = ams.get(f"/board?date={DAY}", headers=headers).text
            assert "KL1234" in own and "SN3737" not in own
    with TestClient(site.app, base_url=BASE) as bru:
        login(bru, "gate_bru")
        own = bru.get(f"/board?date={DAY}").text
        assert "SN3737" in own and "KL1234" not in own
        refused = bru.get(f"/board?date={DAY}&airport=AMS", headers={"HX-Request": "true"})
        assert refused.status_code == 404 and "KL1234" not in refused.text


def test_concurrent_misses_render_once_and_failures_are_not_kept() -> None:
    import asyncio

    cache = BoardCache(size=2)
    calls: list[str] = []

    async def render(text: str, fail: bool = False) -> str:
        calls.append(text)
        await asyncio.sleep(0.01)
        if fail:
            raise RuntimeError("render failed")
        return text

    async def go() -> None:
        got = await asyncio.gather(*(cache.get(("board:AMS:2026-09-15", 3, ""),
                                               lambda: render("n3")) for _ in range(5)))
        assert got == ["n3"] * 5 and calls == ["n3"]
        # A newer number replaces the older one of the same board.
        assert await cache.get(("board:AMS:2026-09-15", 4, ""), lambda: render("n4")) == "n4"
        assert len(cache) == 1
        # A failed render reaches its waiters and is not cached: the next call renders.
        results = await asyncio.gather(
            *(cache.get(("board:BRU:2026-09-15", 1, ""), lambda: render("x", fail=True))
              for _ in range(3)), return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        assert await cache.get(("board:BRU:2026-09-15", 1, ""), lambda: render("ok")) == "ok"
        # Variants are separate entries (a translated board is not the English one).
        assert await cache.get(("board:BRU:2026-09-15", 1, "nl"), lambda: render("nl")) == "nl"

    asyncio.run(go())
