"""A pushed movement update prints its times in the movement's airport zone, as the page
it replaces does (a newcomer saw the carrier-notice deadline turn from "07:25 CET" into
"06:25 UTC" on the other tablet after a tap).  Both backends."""

from __future__ import annotations

from movements.domain import live_views as lv
from movements.domain import queries
from movements.domain.planning_queries import movement_plan
from movements.domain.uow import UnitOfWork
from movements.realtime.fragments import Fragments
from movements.templating import make_environment
from tests.domain.test_prenotified import _booked
from tests.factories import world


async def test_a_pushed_header_and_plan_section_print_local_times(uow: UnitOfWork) -> None:
    w = await world(uow)  # AMS: Europe/Amsterdam
    await _booked(uow, "PUSH-TZ", "Saleh", w.departure_id)  # a wheelchair: a notice is due

    def header_and_plan(session: object) -> lv.MovementUpdate:
        return lv.MovementUpdate(header=queries.movement_summary(session, w.departure_id),
                                 plan=movement_plan(session, w.departure_id))

    update = await uow.read(header_and_plan)
    assert update.header is not None and update.header.timezone == "Europe/Amsterdam"
    pushed = Fragments(make_environment()).update(update)  # the renderer's default: UTC
    assert "due by" in pushed  # the carrier notice's deadline is drawn
    assert " UTC" not in pushed, pushed
    assert "CEST" in pushed or "CET" in pushed
