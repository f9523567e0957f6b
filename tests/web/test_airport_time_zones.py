"""Every local time shows in the zone of the airport the row belongs to, not the
deployment's: a second airport in another zone (Toronto, six hours behind Amsterdam in
September) gets its own times on the board, the movement page and the handover manifest.
The administration pages show the deployment's default airport's zone."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pypdf
from litestar.testing import TestClient

from movements.domain.actions import handovers, setup
from movements.domain.actions import movements as mv
from movements.domain.actions import passengers as px
from movements.domain.models import MovementKind, Role
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login

DAY = date(2026, 9, 15)
# 14:05 UTC: 10:05 in Toronto (EDT), 16:05 in Amsterdam (CEST).
SCHEDULED = datetime(2026, 9, 15, 14, 5, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))


def toronto(site: Site):  # type: ignore[no-untyped-def]
    def build(tx: Tx) -> tuple[int, int]:
        setup.ensure_airport(tx, "YYZ", "Toronto Pearson", "America/Toronto")
        setup.add_user(tx, "yyzgate", "Yyz Gate", Role.GATE_STAFF, _HASH, airports=["YYZ"])
        mid = mv.create_movement(tx, mv.NewMovement(
            airport="YYZ", kind=MovementKind.DEPARTURE, carrier="AC", flight_number="842",
            operational_date=DAY, origin="YYZ", destination="LOS",
            scheduled_at=SCHEDULED, gate="E71"))
        case = px.get_or_create_case(tx, "YYZ", "CASE-YYZ-1")
        pid = px.add_passenger(tx, case.id, px.NewPassenger(surname="Adeyemi",
                                                            given_names="Test"))
        px.book_passenger(tx, pid, mid)
        hid = handovers.create_handover(tx, mid, site.world.reception_org_id, "Anouk Bakker",
                                        [pid])
        handovers.sign_handover(tx, hid, "G. Gate", "A. Bakker")
        return mid, hid

    return build


def test_a_toronto_movement_shows_toronto_time_on_board_page_and_manifest(
        site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        mid, hid = client.blocking_portal.call(site.app.state.services.uow.run,
                                               toronto(site), SYSTEM)
        login(client, "yyzgate")
        board = client.get("/board?date=2026-09-15").text
        assert "AC842" in board and "KL1234" not in board
        row = board[board.index(f'id="mv-{mid}"'):]
        assert "<b>10:05</b>" in row[:2000] and "16:05" not in board

        page = client.get(f"/movements/{mid}").text
        assert "10:05" in page and "16:05" not in page

        manifest = client.get(f"/handovers/{hid}/manifest.pdf")
        assert manifest.status_code == 200, manifest.text
        text = pdf_text(manifest.content)
        # Handed over at the site clock's 07:00 UTC: 03:00 in Toronto; departs 10:05.
        assert "03:00 EDT" in text, text
        assert "10:05" in text and "CEST" not in text and "16:05" not in text


def test_admin_times_are_the_deployments_airport_not_a_fixed_zone(site: Site) -> None:
    """The audit search reads its dates in the default airport's zone (AMS here) and shows
    times in it; nothing is fixed to Amsterdam in the code (the zone comes from the row)."""

    def rezone(tx: Tx) -> None:
        from sqlalchemy import update

        from movements.domain.models import Airport

        tx.session.execute(update(Airport).where(Airport.iata == "AMS")
                           .values(timezone="Europe/Istanbul"))

    with TestClient(site.app, base_url=BASE) as client:
        login(client, "admin")
        before = client.get("/admin/audit?action=login").text
        client.blocking_portal.call(site.app.state.services.uow.run, rezone, SYSTEM)
        after = client.get("/admin/audit?action=login").text
        # The sign-in was at 07:00 UTC: 09:00 in Amsterdam, 10:00 in Istanbul.
        assert "2026-09-15 09:00" in before and "2026-09-15 10:00" not in before
        assert "2026-09-15 10:00" in after
