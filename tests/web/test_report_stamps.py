"""Issue 17 leftover: cached report aggregates go stale per airport and month, not globally.

A write at one airport, or in another month, leaves a cached report as it is
(served from the cache); a write in its own airport's month makes it recompute at
once; a write whose airport is
unknown (it records no live event, e.g. setting up a user) invalidates every airport.
Proven without timings: a change made behind the stamps' back (no audit, no event) is
only seen once the cache is invalidated.  Both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import update

from movements.domain import reports as rp
from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.models import Booking, BookingStatus, MovementKind, Role
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login
from tests.web.test_reports import _fact

DAY = date(2026, 9, 15)
URL = "/reports?start=2026-09-15&end=2026-09-15&direction=departure"


def _flight(airport: str, number: str, day: date = DAY) -> Any:
    def plan(tx: Tx) -> int:
        return mv.create_movement(tx, mv.NewMovement(
            airport=airport, kind=MovementKind.DEPARTURE, carrier="HV", flight_number=number,
            operational_date=day, origin=airport, destination="TIA",
            scheduled_at=datetime(day.year, day.month, day.day, 20, 0, tzinfo=UTC)))
    return plan


def _behind_the_back(booking_id: int) -> Any:
    """Cancel a booking with neither an audit entry nor an event: no stamp moves."""
    def write(tx: Tx) -> None:
        tx.session.execute(update(Booking).where(Booking.id == booking_id)
                           .values(status=BookingStatus.CANCELLED))
    return write


def _stamp(app: Litestar, client: TestClient[Litestar], *codes: str) -> tuple[int, ...]:
    uow = app.state.services.uow
    return client.blocking_portal.call(  # type: ignore[no-any-return]
        uow.read, lambda s: rp.data_stamp(s, codes, DAY, DAY))


def test_a_write_at_one_airport_leaves_another_airports_cached_report(site: Site) -> None:
    app = site.app
    uow = app.state.services.uow
    with TestClient(app, base_url=BASE) as client:
        def run(fn: Any) -> Any:
            return client.blocking_portal.call(uow.run, fn, SYSTEM)  # type: ignore[arg-type]

        run(lambda tx: setup.ensure_airport(tx, "RTM", "Rotterdam The Hague",
                                            "Europe/Amsterdam"))
        login(client, "coord")
        assert _fact(client.get(URL).text, "departure") == "3"

        ams, rtm = _stamp(app, client, "AMS"), _stamp(app, client, "RTM")
        run(_behind_the_back(site.booking_ids[0]))
        assert _fact(client.get(URL).text, "departure") == "3"  # the cache answered

        run(_flight("RTM", "5801"))  # another airport: AMS's report stays cached
        assert _stamp(app, client, "AMS") == ams and _stamp(app, client, "RTM") != rtm
        assert _fact(client.get(URL).text, "departure") == "3"

        run(_flight("AMS", "5803", date(2026, 10, 1)))  # another month: stays cached
        assert _stamp(app, client, "AMS") == ams
        assert _fact(client.get(URL).text, "departure") == "3"

        run(_flight("AMS", "5802"))  # its own airport and month: recomputed, it shows
        assert _stamp(app, client, "AMS") != ams
        assert _fact(client.get(URL).text, "departure") == "2"

        # A write with no live event (its airport unknown) invalidates every airport.
        run(_behind_the_back(site.booking_ids[1]))
        assert _fact(client.get(URL).text, "departure") == "2"
        before = _stamp(app, client, "RTM")
        run(lambda tx: setup.add_user(tx, "coord-rtm", "Coord Rtm", Role.COORDINATOR, _HASH,
                                      airports=["RTM"]))
        assert _stamp(app, client, "RTM") != before
        assert _fact(client.get(URL).text, "departure") == "1"
