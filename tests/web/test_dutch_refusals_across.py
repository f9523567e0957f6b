"""The refusals session 5 converted reach a Dutch reader in Dutch, across modules.

``test_dutch_refusals.py`` samples the gate's and the planner's most common refusals; this
file samples the rest of the kind, one or more per module, each provoked through the real
path a person uses (a page post, an upload, a JSON API call) as a Dutch user:

- telex: an MVT for a flight nobody planned (the outcome on the page and the telex log
  row, with the telex's line number);
- passenger import: a CSV with a row for an unplanned flight and a row with a bad cell
  (the report line and each row's reason, with its line number);
- planning: cancelling a flight with passengers on it (page) and the same through the
  JSON API (``message`` in Dutch, ``error`` the English for machines);
- handovers: signing with the receiver's pad left empty;
- admin: adding a user whose name exists, deactivating one's own account;
- account: two new passwords that differ.

For each, the Dutch sentence with its values must show, its English must not, and the
text around the refusal must hold no English (the walk's detector: catalogue English,
English-only words, raw stored values).  The same requests by English users show the
English.  Fails when a refusal goes back to text, when its Dutch is missing from the
catalogue, or when an edge shows ``exc.message``/stored English instead of the phrase.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.actions import setup
from movements.domain.models import Role, User
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, PASSWORD, Site, login
from tests.web.test_dutch_walk import english_in, english_phrases, readable
from tests.web.test_handover_flow import STROKES, _seed_arrival, created_id, page_version

MVT_UNPLANNED = """MVT
KL9999/15.PHBXA.AMS
AD151022/151035 EA1310 TIA
"""
CSV_BAD = (b"case_reference,surname,given_names,flight,flight_date,sex\n"
           b"C-1,Okello,Grace,KL1234,2026-09-15,F\n"
           b"C-2,Haddad,Leila,KL999,2026-09-15,F\n"
           b"C-3,Petrenko,Ivan,KL1234,2026-09-15,Q\n")


@dataclass(frozen=True)
class Case:
    """One provoked refusal: what the Dutch reader must read, what the English one must."""

    name: str
    dutch: tuple[str, ...]
    english: tuple[str, ...]


CASES = [
    Case("telex", ("regel 2: geen beweging KL9999 op 15 sep 2026 vertrekkend van AMS: plan "
                   "eerst de beweging en stuur de telex dan opnieuw",),
         ("line 2: no movement KL9999 on 15 Sep 2026 leaving AMS: plan the movement first, "
          "then send the telex again",)),
    Case("import", ("niets geïmporteerd: 2 van 3 regels zijn fout",
                    "geen beweging KL999 op 2026-09-15 op AMS: plan die eerst",
                    "geslacht 'Q' moet F, M of X zijn"),
         ("nothing imported: 2 of 3 rows are bad",
          "no movement KL999 on 2026-09-15 at AMS: plan it first",
          "sex 'Q' must be F, M or X")),
    Case("planning page", ("Niet opgeslagen", "er zijn 3 passagier(s) geboekt op KL1234: ",
                           ". Boek ze eerst om of geef ze vrij"),
         ("3 passenger(s) are booked on KL1234: ", ". Rebook or release them first")),
    Case("planning API", ("er zijn 3 passagier(s) geboekt op KL1234",),
         ("3 passenger(s) are booked on KL1234",)),
    Case("handover", ("de handtekening ontvangende partij is leeg: teken met een vinger in "
                      "het vak",),
         ("the receiving signature is empty: sign with a finger in the box",)),
    Case("admin add", ("gebruiker 'gate' bestaat al",), ("user 'gate' exists already",)),
    Case("admin self", ("u kunt uw eigen account niet deactiveren",),
         ("you cannot deactivate your own account",)),
    Case("password", ("de twee nieuwe wachtwoorden verschillen",),
         ("the two new passwords differ",)),
]


def _dutch_users(tx: Tx) -> None:
    for name, role in (("poortnl", Role.GATE_STAFF), ("coordnl", Role.COORDINATOR),
                       ("beheernl", Role.ADMIN)):
        setup.add_user(tx, name, name.title(), role, _HASH, airports=["AMS"], locale="nl")


@pytest.fixture
def client(site: Site) -> Iterator[TestClient[Any]]:
    _DRAFT.clear()
    with TestClient(site.app, base_url=BASE) as c:
        c.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                               _dutch_users, SYSTEM)
        yield c


def _user_id(client: TestClient[Any], site: Site, username: str) -> int:
    return int(client.blocking_portal.call(site.app.state.services.uow.read, lambda s: s.scalar(
        select(User.id).where(User.username == username))))


def _draft(site: Site, client: TestClient[Any], csrf: str) -> int:
    """A draft handover of one arrived passenger, started from the movement page."""
    arrival = client.blocking_portal.call(  # type: ignore[union-attr]
        site.app.state.services.uow.run, _seed_arrival, SYSTEM, site.world.arrival_id)
    started = client.post(f"/movements/{arrival.movement_id}/handovers",
                          follow_redirects=False, data={
                              "_csrf": csrf, "passenger": [str(arrival.adult)],
                              "organisation_id": str(site.world.reception_org_id),
                              "receiving_person": "Anouk Bakker", "id_type": "passport",
                              "id_number": "NX1234567"})
    _DRAFT[:] = [created_id(started)]
    return _DRAFT[0]


def _provoke(site: Site, client: TestClient[Any], who: dict[str, str]) -> dict[str, str]:
    """Case name -> the reply's text, as ``who`` (role -> username) would get it."""
    out: dict[str, str] = {}
    dep = site.world.departure_id

    client.cookies.clear()
    csrf = login(client, who["coordinator"])
    reply = client.post("/imports/telex", data={"_csrf": csrf, "text": MVT_UNPLANNED})
    assert reply.status_code == 200, reply.text[:500]
    out["telex"] = reply.text
    reply = client.post("/imports/passengers", data={"_csrf": csrf},
                        files={"file": ("list.csv", CSV_BAD, "text/csv")})
    assert reply.status_code == 422, reply.text[:500]
    out["import"] = reply.text
    reply = client.post(f"/plan/movements/{dep}/cancel", follow_redirects=False,
                        data={"_csrf": csrf, "_idem": "", "reason": "storm"})
    assert reply.status_code == 422, reply.text[:500]
    out["planning page"] = reply.text
    reply = client.post(f"/api/v1/plan/movements/{dep}/cancel", json={"reason": "storm"},
                        headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 422, reply.text[:500]
    body = reply.json()
    assert body["error"].startswith("3 passenger(s) are booked on KL1234")  # machines: English
    out["planning API"] = body["message"]

    client.cookies.clear()
    csrf = login(client, who["gate"])
    hid = _DRAFT[0] if _DRAFT else _draft(site, client, csrf)
    reply = client.post(f"/handovers/{hid}/sign", follow_redirects=False, data={
        "_csrf": csrf, "handing_signature": "Gert Gate", "receiving_signature": "Anouk Bakker",
        "expected_version": str(page_version(client, hid)), "handing_strokes": STROKES})
    assert reply.status_code == 422, reply.text[:500]
    out["handover"] = reply.text
    reply = client.post("/account/password", headers={"X-CSRF-Token": csrf}, data={
        "current_password": PASSWORD, "new_password": "a new long password one",
        "repeat_password": "a new long password two"})
    assert reply.status_code == 422, reply.text[:500]
    out["password"] = reply.text

    client.cookies.clear()
    csrf = login(client, who["admin"])
    reply = client.post("/admin/users", follow_redirects=False, data={
        "_csrf": csrf, "username": "gate", "display_name": "Gate Again", "role": "gate_staff",
        "airports": "AMS", "password": PASSWORD})
    assert reply.status_code == 422, reply.text[:500]
    out["admin add"] = reply.text
    reply = client.post("/admin/users/deactivate", follow_redirects=False, data={
        "_csrf": csrf, "user_id": str(_user_id(client, site, who["admin"]))})
    assert reply.status_code == 422, reply.text[:500]
    out["admin self"] = reply.text
    return out


#: The draft handover of the running test (made by the first ``_provoke``).
_DRAFT: list[int] = []
DUTCH = {"coordinator": "coordnl", "gate": "poortnl", "admin": "beheernl"}
ENGLISH = {"coordinator": "coord", "gate": "gate", "admin": "admin"}


def _around(text: str, sentence: str) -> str:
    """The readable line of ``text`` that holds ``sentence`` (the refusal's element)."""
    lines = [line for line in readable(text).splitlines() if sentence in line]
    assert lines, sentence
    return "\n".join(lines)


def test_each_module_refuses_in_dutch(site: Site, client: TestClient[Any]) -> None:
    replies = _provoke(site, client, DUTCH)
    phrases = english_phrases()
    for case in CASES:
        text = html.unescape(replies[case.name])
        for dutch in case.dutch:
            assert dutch in text, (case.name, dutch, readable(text)[-3000:])
            leaks = english_in(_around(replies[case.name], dutch)
                               if "<" in replies[case.name] else text, phrases)
            assert not leaks, (case.name, leaks)
        for english in case.english:
            assert english not in text, (case.name, english)


def test_the_telex_log_keeps_the_dutch_after_a_reload(site: Site,
                                                      client: TestClient[Any]) -> None:
    """The rejected telex's reason is stored with its phrase: the log reads Dutch later."""
    _provoke(site, client, DUTCH)
    client.cookies.clear()
    login(client, "coordnl")
    page = html.unescape(client.get("/imports").text)
    assert re.search(r"regel 2: geen beweging KL9999 op 15 sep 2026 vertrekkend van AMS",
                     page), readable(page)[:3000]
    assert "no movement KL9999" not in page


def test_the_same_refusals_read_english_for_an_english_reader(
        site: Site, client: TestClient[Any]) -> None:
    _provoke(site, client, DUTCH)  # the arrival and its draft exist once
    replies = _provoke(site, client, ENGLISH)
    for case in CASES:
        text = html.unescape(replies[case.name])
        for english in case.english:
            assert english in text, (case.name, english, readable(text)[:3000])
        for dutch in case.dutch:
            assert dutch not in text, (case.name, dutch)
