"""A board address of an airport that is not (or no longer) the person's (issue 13,
newcomer pass): after an admin removed AMS from a user, their tablet reloaded onto
/board?airport=AMS and showed a bare refusal.  The page now says the airport is not
theirs and offers their boards; it stays a 404 (the access walk's rule), htmx and the
API keep the plain refusal."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.actions import setup
from movements.domain.models import Role, User
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import Site

PAGE = {"Accept": "text/html"}


def test_a_board_no_longer_yours_offers_your_boards(
        site: Site, gate: tuple[TestClient[Litestar], str]) -> None:
    client, _ = gate
    uow = site.app.state.services.uow
    client.blocking_portal.call(uow.run, setup.ensure_airport, SYSTEM, "BRU",  # type: ignore[arg-type]
                                "Brussels", "Europe/Brussels")
    assert client.get("/board?airport=AMS", headers=PAGE).status_code == 200
    user_id = client.blocking_portal.call(uow.read, lambda s: s.scalar(  # type: ignore[arg-type]
        select(User.id).where(User.username == "gate")))

    def take_ams(tx: Tx) -> bool:
        return setup.change_user_access(tx, user_id, Role.GATE_STAFF, airports=["BRU"])

    client.blocking_portal.call(uow.run, take_ams, SYSTEM)  # type: ignore[arg-type]
    page = client.get("/board?airport=AMS", headers=PAGE)
    assert page.status_code == 404
    assert "The board of AMS is not among yours (any more)" in page.text
    assert 'href="/board?airport=BRU"' in page.text and "Board BRU" in page.text
    assert 'href="/board?airport=AMS"' not in page.text
    # htmx and the API keep the plain refusal (no page inside a swap)
    assert client.get("/board?airport=AMS", headers={"HX-Request": "true"}).status_code == 404
    assert client.get("/board?airport=BRU", headers=PAGE).status_code == 200
