"""The movement page's body kept per movement stream number (issue 18): fresh after every
write, whoever made it and through whichever process; never handed to someone the access
policy keeps off the movement (another airport, an airport taken away, a revoked session);
never holding what only an audited reveal shows; the badge trace still audited per read."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from litestar.testing import TestClient
from sqlalchemy import select, update

from movements.domain.actions import milestones, setup
from movements.domain.actions import movements as mv
from movements.domain.models import AuditEntry, MovementKind, Role, User, UserSession
from movements.domain.uow import Actor, Tx
from movements.web.board_cache import MovementCache
from tests.factories import AMS_ID, SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login

STEPS = ("met_at_point", "checked_in", "exit_formalities", "at_gate", "boarded", "departed")
FRAGMENT = {"HX-Request": "true"}


def seq_of(page: str) -> int:
    return int(re.search(r'data-seq="(\d+)"', page).group(1))  # type: ignore[union-attr]


def row_of(page: str, booking_id: int) -> str:
    row = page[page.index(f'id="pax-{booking_id}"'):]
    return row[:row.index('<div role="cell" class="act">')]


def _run(site: Site, client: TestClient, fn: object, actor: Actor = SYSTEM) -> object:  # type: ignore[type-arg]
    return client.blocking_portal.call(site.app.state.services.uow.run, fn, actor)  # type: ignore[arg-type]


def test_cached_movement_page_changes_after_another_users_and_another_process_writes(
        site: Site) -> None:
    cache: MovementCache = site.app.state.movement_cache
    path = f"/movements/{site.world.departure_id}"
    first_booking = site.booking_ids[0]
    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        first = client.get(path).text
        hits = cache.hits
        again = client.get(path).text
        assert cache.hits == hits + 1  # the second body came from the cache
        assert again == first
        fragment = client.get(path, headers=FRAGMENT).text  # the same body, for htmx
        assert fragment.startswith('<div id="movement-body"') and fragment in first
        assert "✓" not in row_of(first, first_booking)

        csrf = login(client, "coord")  # another person, another session
        tap = client.post(f"/bookings/{first_booking}/milestones",
                          headers={"X-CSRF-Token": csrf}, data={"kind": STEPS[0]})
        assert tap.status_code == 200, tap.text
        login(client, "gate")
        misses = cache.misses
        after_one = client.get(path).text
        assert cache.misses == misses + 1 and seq_of(after_one) > seq_of(first)
        assert "✓" in row_of(after_one, first_booking)

        # The rest written as another process would: straight through the unit of work,
        # not this app's handlers (the cache hears of it only through the stream number).
        coord = Actor(user_id=None, username="coord-elsewhere", role=Role.COORDINATOR,
                      airport_ids=frozenset({AMS_ID}))

        def all_steps(tx: Tx) -> None:
            for step in STEPS[1:]:
                milestones.record_milestone(tx, first_booking, step)

        _run(site, client, all_steps, coord)
        done = client.get(path, headers=FRAGMENT).text
        assert row_of(done, first_booking).count("✓") == len(STEPS)
        page = client.get(path).text
        assert seq_of(page) > seq_of(after_one) and done in page


def _second_airport(tx: Tx) -> int:
    setup.ensure_airport(tx, "BRU", "Brussels", "Europe/Brussels")
    setup.add_user(tx, "gate_bru", "Gate Bru", Role.GATE_STAFF, _HASH, airports=["BRU"])
    setup.add_user(tx, "coord_both", "Coord Both", Role.COORDINATOR, _HASH,
                   airports=["AMS", "BRU"])
    return mv.create_movement(tx, mv.NewMovement(
        airport="BRU", kind=MovementKind.DEPARTURE, carrier="SN", flight_number="3737",
        operational_date=date(2026, 9, 15), origin="BRU", destination="EBB",
        scheduled_at=datetime(2026, 9, 15, 9, 0, tzinfo=UTC)))


def test_scoped_users_never_get_another_airports_cached_page(site: Site) -> None:
    cache: MovementCache = site.app.state.movement_cache
    ams_path = f"/movements/{site.world.departure_id}"
    with TestClient(site.app, base_url=BASE) as both:
        bru_id = _run(site, both, _second_airport)
        bru_path = f"/movements/{bru_id}"
        login(both, "coord_both")
        for path in (bru_path, ams_path):  # both bodies cached, page and fragment
            for headers in ({}, FRAGMENT):
                assert both.get(path, headers=headers).status_code == 200
        assert "SN3737" in both.get(bru_path).text
    assert len(cache) == 2
    with TestClient(site.app, base_url=BASE) as ams:
        login(ams, "gate")
        for headers in ({}, FRAGMENT):
            refused = ams.get(bru_path, headers=headers)
            assert refused.status_code == 404 and "SN3737" not in refused.text
            assert "KL1234" in ams.get(ams_path, headers=headers).text
    with TestClient(site.app, base_url=BASE) as bru:
        login(bru, "gate_bru")
        assert "SN3737" in bru.get(bru_path).text
        refused = bru.get(ams_path, headers=FRAGMENT)
        assert refused.status_code == 404 and "KL1234" not in refused.text


def test_an_airport_taken_away_or_a_revoked_session_is_refused_on_the_next_request(
        site: Site) -> None:
    path = f"/movements/{site.world.departure_id}"
    with TestClient(site.app, base_url=BASE) as client:
        _run(site, client, lambda tx: setup.ensure_airport(tx, "BRU", "Brussels",
                                                           "Europe/Brussels"))
        login(client, "gate")
        assert client.get(path).status_code == 200  # cached now
        gate_id = client.blocking_portal.call(site.app.state.services.uow.read, lambda s: s.scalar(
            select(User.id).where(User.username == "gate")))
        _run(site, client, lambda tx: setup.change_user_access(
            tx, gate_id, Role.GATE_STAFF, airports=["BRU"]))
        for headers in ({}, FRAGMENT):
            refused = client.get(path, headers=headers)
            assert refused.status_code == 404 and "KL1234" not in refused.text
        _run(site, client, lambda tx: setup.change_user_access(
            tx, gate_id, Role.GATE_STAFF, airports=["AMS"]))
        assert client.get(path).status_code == 200

        # Ended straight in the database (an admin elsewhere, another process): the
        # session row is read on every request, cached page or not.
        def end_all(tx: Tx) -> None:
            tx.session.execute(update(UserSession).where(UserSession.user_id == gate_id)
                               .values(ended_at=tx.now))

        _run(site, client, end_all)
        for headers in ({}, FRAGMENT):
            refused = client.get(path, headers=headers, follow_redirects=False)
            assert refused.status_code in (401, 303), refused.status_code
            assert "KL1234" not in refused.text

        login(client, "gate")
        assert client.get(path).status_code == 200

        def deactivate(tx: Tx) -> None:  # the row alone, sessions left standing
            tx.session.execute(update(User).where(User.id == gate_id).values(active=False))

        _run(site, client, deactivate)
        refused = client.get(path, headers=FRAGMENT, follow_redirects=False)
        assert refused.status_code in (401, 303) and "KL1234" not in refused.text


def test_a_reveal_never_reaches_the_cached_body_and_traces_stay_audited(site: Site) -> None:
    path = f"/movements/{site.world.departure_id}"
    okello = site.booking_ids[0]

    def audited(action: str) -> int:
        return len(client.blocking_portal.call(site.app.state.services.uow.read, lambda s: list(
            s.scalars(select(AuditEntry.id).where(AuditEntry.action == action)))))

    with TestClient(site.app, base_url=BASE) as client:
        login(client, "gate")
        before = client.get(path).text
        revealed = client.get(f"/bookings/{okello}/reveal").text
        assert "OKELLO" in revealed and audited("reveal_passenger") + audited("reveal") >= 1
        for headers in ({}, FRAGMENT):
            page = client.get(path, headers=headers).text
            assert "OKELLO" not in page and "Okello" not in page
        assert client.get(path).text == before
        # A badge trace is read and audited every time, cached body or not.
        for n in (1, 2):
            traced = client.get(f"{path}?need=medical").text
            assert 'id="traced"' in traced and "Petrenko" not in traced
            assert audited("trace_need") == n


def test_bodies_are_bounded_by_their_total_size_least_recently_used_first() -> None:
    import asyncio

    from movements.web.board_cache import MovementBody, movement_cache

    cache = movement_cache(size=10, max_chars=250)

    def body(n: int) -> MovementBody:
        return MovementBody("x" * n, "KL1", date(2026, 9, 15), "UTC")

    async def make(value: MovementBody) -> MovementBody:
        return value

    async def go() -> None:
        await cache.get(("movement:1", 1, ""), lambda: make(body(100)))
        await cache.get(("movement:2", 1, ""), lambda: make(body(100)))
        await cache.get(("movement:1", 1, ""), lambda: make(body(1)))  # used: kept longer
        await cache.get(("movement:3", 1, ""), lambda: make(body(100)))
        assert len(cache) == 2 and cache.weight == 200  # movement:2 went first
        again = await cache.get(("movement:1", 1, ""), lambda: make(body(7)))
        assert len(again.html) == 100  # still the cached one
        # A newer number of the same movement replaces the older one and its weight.
        await cache.get(("movement:1", 2, ""), lambda: make(body(50)))
        assert len(cache) == 2 and cache.weight == 150
        # One body larger than the whole budget is still kept (alone).
        await cache.get(("movement:4", 1, ""), lambda: make(body(400)))
        assert len(cache) == 1 and cache.weight == 400

    asyncio.run(go())
