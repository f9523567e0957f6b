"""The board row shows where a movement's passengers stand in their steps ("Checked in
2/3": the first required step not everyone has done, how many have), counted by SQL
aggregates in ``queries._row_counts`` and equal to the per-passenger count; the same
partial the push renders; English and Dutch.  Both backends (the ``site`` fixture)."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar.testing import TestClient

from movements import i18n
from movements.domain import queries, row_read
from movements.domain.actions import milestones, setup
from movements.domain.models import MovementKind, Role
from movements.domain.queries import StepProgress, step_progress
from movements.domain.uow import Tx
from tests.factories import GATE, SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login


def _step(site: Site, client: TestClient[Any], booking_id: int, key: str) -> None:
    client.blocking_portal.call(
        site.app.state.services.uow.run,  # type: ignore[union-attr]
        milestones.record_milestone, GATE, booking_id, key)


def _progress_cell(page: str, movement_id: int) -> str:
    row = re.search(rf'<div role="row" id="mv-{movement_id}".*?</div>', page, re.S)
    assert row is not None, page[:2000]
    cell = re.search(r'<small class="progress[^"]*" data-step="([^"]+)">([^<]*)</small>',
                     row.group(0))
    assert cell is not None, row.group(0)
    return f"{cell.group(1)}: {html.unescape(cell.group(2))}"


def _dutch_gate(tx: Tx) -> None:
    setup.add_user(tx, "gatenl", "Gate NL", Role.GATE_STAFF, _HASH, airports=["AMS"],
                   locale="nl")


def test_the_board_row_shows_step_progress_in_english_and_dutch(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                                    _dutch_gate, SYSTEM)
        dep = site.world.departure_id
        login(client, "gate")
        page = client.get("/board?date=2026-09-15").text
        assert _progress_cell(page, dep) == "met_at_point: Met at designated point 0/3"
        for bid in site.booking_ids:
            _step(site, client, bid, "met_at_point")
        for bid in site.booking_ids[:2]:
            _step(site, client, bid, "checked_in")
        page = client.get("/board?date=2026-09-15").text
        assert _progress_cell(page, dep) == "checked_in: Checked in 2/3"
        # The row a push sends is the same partial, read the same way.
        row = client.blocking_portal.call(site.app.state.services.uow.read,  # type: ignore[union-attr]
                                          queries.board_row, dep)
        assert row is not None and row.progress == StepProgress("checked_in", "Checked in",
                                                                2, 3)
        pushed = client.blocking_portal.call(site.app.state.services.uow.read,  # type: ignore[union-attr]
                                             row_read.board_row_with_readiness, dep)
        assert pushed is not None and pushed[0].progress == row.progress
        client.cookies.clear()
        login(client, "gatenl")
        page = client.get("/board?date=2026-09-15").text
        said = i18n.gettext("Checked in", "nl")
        assert said != "Checked in"
        assert _progress_cell(page, dep) == f"checked_in: {said} 2/3"


def test_progress_skips_optional_steps_and_ends_at_the_last() -> None:
    assert step_progress(MovementKind.DEPARTURE, 0, {}) is None
    assert step_progress(MovementKind.TRANSIT_OUT, 3, {}) is None
    transit = {"met_at_arrival_gate": 2, "connection_escorted": 2}
    # The meal is optional: nobody had one, and the next step is the onward gate.
    assert step_progress(MovementKind.TRANSIT_IN, 2, transit) == StepProgress(
        "at_onward_gate", "At onward gate", 0, 2)
    done = {"met_at_aircraft": 4, "passport_control": 4, "customs": 4, "handed_over": 4}
    assert step_progress(MovementKind.ARRIVAL, 4, done) == StepProgress(
        "handed_over", "Handed over", 4, 4)
    # A later step done by someone does not hide the earlier step still open.
    assert step_progress(MovementKind.ARRIVAL, 4, {"met_at_aircraft": 3, "customs": 1}) == \
        StepProgress("met_at_aircraft", "Met at aircraft", 3, 4)
