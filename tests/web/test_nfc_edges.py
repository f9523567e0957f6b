"""Text in one form at every edge (issue 19.1): a decomposed (NFD) name typed into a
form or received in a telex is stored composed (NFC)."""

from __future__ import annotations

import unicodedata

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.models import Note, TelexMessage
from movements.ingest.apply import submit
from tests.factories import SYSTEM
from tests.web.conftest import BASE, Site, login

NFD = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")


@pytest.fixture
def backend() -> str:
    return "sqlite"  # about the edges; the database stores what it is given


def test_a_form_field_is_stored_in_nfc(site: Site) -> None:
    assert unicodedata.normalize("NFC", NFD) != NFD
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "gate")
        resp = client.post(f"/movements/{site.world.departure_id}/notes",
                           data={"text": f"Met by {NFD}"},
                           headers={"X-CSRF-Token": csrf, "HX-Request": "true",
                                    "Idempotency-Key": "note-nfd"})
        assert resp.status_code == 200, resp.text[:300]
        stored = client.blocking_portal.call(site.app.state.services.uow.read,
                                             lambda s: s.scalar(select(Note.text)))
    assert stored == "Met by Nguyễn Thị Ánh"


def test_a_telex_name_is_stored_in_nfc(site: Site) -> None:
    day = site.world  # the departure KL1234 on the seeded day
    pnl = ("PNL\nKL1234/15SEP AMS PART1\n-TIA001Y\n"
           f"1{unicodedata.normalize('NFD', 'NGUYỄN/ÁNH')} MS\nENDPNL\n")
    with TestClient(site.app, base_url=BASE) as client:
        uow = site.app.state.services.uow
        outcome = client.blocking_portal.call(
            lambda: submit(uow, SYSTEM, pnl, airport="AMS"))
        raw = client.blocking_portal.call(
            uow.read, lambda s: s.scalar(select(TelexMessage.raw)))
    assert day is not None
    assert outcome.outcome == "applied", outcome
    assert "1NGUYỄN/ÁNH MS" in raw  # what the telex stores (and its lists read) is NFC
