"""Newcomer finding (session 5): "a blank reason is still accepted on a gate correction".

A person's change to a gate, terminal, pier, scheduled or actual time that holds a value
is a correction and needs a reason, checked in the domain actions (``update_flight``,
``edit_movement``), so every path refuses it the same way: the movement page's "Correct
gate or times" form, the planning page's edit form and the planning API.  The refusal
names what was corrected (English and Dutch) and writes nothing (the movement, its
field sources and the audit are as before).  Filling an empty field, and correcting the
flight feed's own value, need no reason.  Both backends."""

from __future__ import annotations

import html
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from movements.domain.actions import movements as mv
from movements.domain.actions import setup
from movements.domain.errors import RuleViolation
from movements.domain.models import AuditEntry, FlightFieldSource, Movement, Role
from movements.domain.uow import Tx
from movements.feed.client import FeedFlight, apply_feed
from tests.factories import COORD, SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login

BLANKS = ["", "   ", "\t"]


def _state(client: TestClient[Any], site: Site, mid: int) -> tuple[Any, ...]:
    """What a refused correction must leave as it was."""
    def read(s: Any) -> tuple[Any, ...]:
        m = s.get(Movement, mid)
        return (m.gate, m.terminal, m.scheduled_at, m.version,
                s.scalar(select(func.count()).select_from(AuditEntry)),
                s.scalar(select(func.count()).select_from(FlightFieldSource)))
    return client.blocking_portal.call(site.app.state.services.uow.read, read)


def _edit_form(gate: str, reason: str, version: int) -> dict[str, str]:
    """The planning edit form of the departure as the page sends it (KL1234 AMS-TIA,
    12:00 local), with ``gate`` typed over D7."""
    return {"flight": "KL1234", "date": "2026-09-15", "time": "12:00", "origin": "AMS",
            "destination": "TIA", "terminal": "", "gate": gate, "reason": reason,
            "expected_version": str(version)}


@pytest.mark.parametrize("blank", BLANKS)
def test_overwriting_a_set_gate_without_a_reason_is_refused_on_every_path(
        site: Site, blank: str) -> None:
    dep = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        before = _state(client, site, dep)
        version = before[3]
        # The movement page's "Correct gate or times" (htmx).
        page = client.post(f"/movements/{dep}/flight", data={"gate": "E9", "reason": blank},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert page.status_code == 422, page.text[:300]
        assert "correcting the gate needs a reason" in page.text
        assert _state(client, site, dep) == before
        # The planning page's edit form (plain form post, re-rendered with the label).
        plan = client.post(f"/plan/movements/{dep}/edit", follow_redirects=False,
                           data={"_csrf": csrf, "_idem": f"edit-{len(blank)}",
                                 **_edit_form("E9", blank, version)})
        assert plan.status_code == 422, plan.text[:300]
        assert "Not saved (Reason (needed to change a gate, terminal or time already " \
               "set)): correcting the gate needs a reason" in html.unescape(plan.text)
        assert 'value="E9"' in plan.text  # what was typed is kept
        assert _state(client, site, dep) == before
        # The planning API.
        api = client.post(f"/api/v1/plan/movements/{dep}", headers={"X-CSRF-Token": csrf},
                          json={"gate": "E9", "reason": blank})
        assert api.status_code == 422 and api.json()["field"] == "reason", api.text
        assert api.json()["error"] == "correcting the gate needs a reason"
        assert _state(client, site, dep) == before


def test_a_correction_with_a_reason_is_saved_and_audited_with_it(site: Site) -> None:
    dep = site.world.departure_id
    uow = site.app.state.services.uow
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        ok = client.post(f"/movements/{dep}/flight",
                         data={"gate": "E9", "reason": "gate swap by the airline"},
                         headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert ok.status_code == 200 and "<b>E9</b>" in ok.text, ok.text[:300]
        version = _state(client, site, dep)[3]
        plan = client.post(f"/plan/movements/{dep}/edit", follow_redirects=False,
                           data={"_csrf": csrf, "_idem": "edit-ok",
                                 **_edit_form("E11", "E9 closed for works", version)})
        assert plan.status_code == 303, plan.text[:300]
        details = client.blocking_portal.call(uow.read, lambda s: [
            (e.action, e.detail) for e in s.scalars(select(AuditEntry).where(
                AuditEntry.action.in_(["update_flight", "edit_movement"]))
                .order_by(AuditEntry.id))])
    assert details == [("update_flight", "source=manual; reason: gate swap by the airline"),
                       ("edit_movement", "reason: E9 closed for works")]


def test_filling_an_empty_field_needs_no_reason(site: Site) -> None:
    dep, arr = site.world.departure_id, site.world.arrival_id
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        terminal = client.post(f"/movements/{dep}/flight", data={"terminal": "2"},
                               headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert terminal.status_code == 200, terminal.text[:300]
        api = client.post(f"/api/v1/plan/movements/{arr}", headers={"X-CSRF-Token": csrf},
                          json={"gate": "B3"})
        assert api.status_code == 200, api.text
        # ... but the terminal, once there, is corrected only with a reason.
        again = client.post(f"/movements/{dep}/flight", data={"terminal": "3"},
                            headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert again.status_code == 422 and "correcting the terminal needs a reason" \
            in again.text
        assert _state(client, site, dep)[:2] == ("D7", "2")


def _add_dutch_coordinator(tx: Tx) -> None:
    setup.add_user(tx, "coordnl", "Coord NL", Role.COORDINATOR, _HASH, airports=["AMS"],
                   locale="nl")


def test_the_refusal_reads_in_dutch_for_a_dutch_coordinator(site: Site) -> None:
    dep = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run,
                                    _add_dutch_coordinator, SYSTEM)
        csrf = login(client, "coordnl")
        before = _state(client, site, dep)
        page = client.post(f"/movements/{dep}/flight",
                           data={"gate": "E9", "terminal": "2", "scheduled_local": "12:30"},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        plan = client.post(f"/plan/movements/{dep}/edit", follow_redirects=False,
                           data={"_csrf": csrf, "_idem": "edit-nl",
                                 **_edit_form("E9", "", before[3])})
        assert _state(client, site, dep) == before
    text = html.unescape(page.text)
    assert page.status_code == 422, text[:300]
    # Gate and scheduled time are corrections; the empty terminal is filled (no reason).
    assert "het corrigeren van de gate en geplande tijd vraagt een reden" in text, text
    assert "needs a reason" not in text
    shown = html.unescape(plan.text)
    assert plan.status_code == 422
    assert "(Reden (nodig om een ingevulde gate, terminal of tijd te wijzigen)): " \
           "het corrigeren van de gate vraagt een reden" in shown


async def test_correcting_the_feeds_value_is_free_a_persons_value_is_not(
        uow: Any) -> None:
    """The feed's gate is corrected as everyday work (the person's value then holds);
    changing that person's value again is a correction of a person's value."""
    from tests.factories import world

    w = await world(uow)
    day = (await uow.read(lambda s: s.get(Movement, w.departure_id))).operational_date
    await uow.run(apply_feed, SYSTEM, "AMS", [day], [FeedFlight(
        flight_name="KL1234", main_flight="KL1234", direction="D", schedule_date=day,
        scheduled_at=(await uow.read(lambda s: s.get(Movement, w.departure_id))).scheduled_at,
        gate="G5", terminal="2")])
    assert await uow.run(mv.update_flight, COORD, w.departure_id, {"gate": "G7"})

    def state(s: Any) -> tuple[Any, ...]:
        return (s.get(Movement, w.departure_id).gate,
                s.scalar(select(func.count()).select_from(AuditEntry)))

    before = await uow.read(state)
    with pytest.raises(RuleViolation) as refused:
        await uow.run(mv.update_flight, COORD, w.departure_id, {"gate": "G8"}, reason=" ")
    assert refused.value.field == "reason" and refused.value.message == \
        "correcting the gate needs a reason"
    assert await uow.read(state) == before == ("G7", before[1])


def _correction_panel(text: str) -> str:
    start = text.index('<details class="correct')
    return text[start:text.index("</details>", start)]


def _input(panel: str, name: str) -> str:
    start = panel.index(f'name="{name}"')
    return panel[panel.rindex("<input", 0, start):panel.index(">", start) + 1]


def test_a_refused_gate_correction_keeps_what_was_typed(site: Site) -> None:
    """Newcomer finding: the refusal closed the panel and put D7 back.  The reply keeps
    the panel open with every typed value and the reason field focused; nothing saved."""
    dep = site.world.departure_id
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coord")
        before = _state(client, site, dep)
        page = client.post(f"/movements/{dep}/flight",
                           data={"gate": "D9", "terminal": "2", "reason": "",
                                 "expected_version": str(before[3])},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true"})
        assert page.status_code == 422, page.text[:300]
        assert "correcting the gate needs a reason" in html.unescape(page.text)
        panel = _correction_panel(page.text)
        assert panel.startswith('<details class="correct coord-only" open>'), panel[:120]
        assert 'value="D9"' in _input(panel, "gate")
        assert 'value="2"' in _input(panel, "terminal")
        reason = _input(panel, "reason")
        assert "autofocus" in reason and 'aria-invalid="true"' in reason, reason
        assert "autofocus" not in _input(panel, "gate")
        assert _state(client, site, dep) == before
        # A plain page view (and a push) shows the panel closed, with the stored gate.
        fresh = _correction_panel(client.get(f"/movements/{dep}").text)
        assert " open>" not in fresh.split(">", 1)[0] + ">"
        assert 'value="D7"' in _input(fresh, "gate") and "autofocus" not in fresh
