"""Issue 16 item 5: what the telex page and log say about a telex reads in the reader's
language, through the real path (the form post, the stored row, the log after a reload).

- an *applied* telex's summary and notes (a PNL naming someone nobody planned, an MVT
  that sets a departure's times), a duplicate, a telex the parsers refuse (their reason
  with the line number and text), all stored as phrases;
- a refusal naming an internal field (``origin``, ``scheduled_at``) names it by the
  form's label in the JSON API's ``message``;
- the English reader reads the same in English.  Both backends (the ``site`` fixture).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import TestClient

from movements.domain.actions import setup
from movements.domain.models import Role
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login
from tests.web.test_dutch_walk import english_in, english_phrases, readable

PNL_NEW_NAME = "PNL\nKL1234/15SEP AMS PART1\n-TIA001Y\n1MWANGI/PETER MR\nENDPNL\n"
#: When the telexes arrive: after the off-block they report (a future one is refused).
AFTER_THE_TELEXES = datetime(2026, 9, 15, 10, 40, tzinfo=UTC)
MVT_PLANNED = "MVT\nKL1234/15.PHBXA.AMS\nAD151022/151035\n"
MVT_BAD_REGISTRATION = "MVT\nKL1234/15.P!.AMS\nAD151022/151035\n"
MVT_BAD_DAY = "MVT\nKL1234/XX.PHBXA.AMS\nAD151022/151035\n"

#: telex -> (what the Dutch reader reads, what the English reader reads).
SAID = {
    PNL_NEW_NAME: ("PNL KL1234/15SEP (1 naam op de lijst): 1 nieuwe naam voor de coördinator",
                   "PNL KL1234/15SEP (1 name on the list): 1 new name for the coordinator"),
    MVT_PLANNED: ("MVT KL1234/15SEP: KL1234 vertrek: werkelijke tijd 15 10:22Z, "
                  "vluchtstatus DEP",
                  "MVT KL1234/15SEP: KL1234 departure: actual time 15 10:22Z, "
                  "flight state DEP"),
    MVT_BAD_REGISTRATION: ("regel 2: 'KL1234/15.P!.AMS' — registratie 'P!' is niet 2-10 "
                           "letters en cijfers",
                           "line 2: 'KL1234/15.P!.AMS' — registration 'P!' is not 2-10 "
                           "letters and digits"),
    MVT_BAD_DAY: ("regel 2: 'KL1234/XX.PHBXA.AMS' — dag van vlucht 'XX' is geen dag van de "
                  "maand 01-31",
                  "line 2: 'KL1234/XX.PHBXA.AMS' — flight day 'XX' is not a day of month "
                  "01-31"),
}
DUPLICATE = (re.compile(r"dubbel van telex \d+ ontvangen 15 Sep \d\d:\d\dZ \(verwerkt\); "
                        r"genegeerd"),
             re.compile(r"duplicate of telex \d+ received 15 Sep \d\d:\d\dZ \(applied\); "
                        r"ignored"))


def _dutch_coordinator(tx: Tx) -> None:
    setup.add_user(tx, "coordnl", "Coordnl", Role.COORDINATOR, _HASH, airports=["AMS"],
                   locale="nl")


@pytest.fixture
def client(site: Site) -> Iterator[TestClient[Any]]:
    site.clock.set(AFTER_THE_TELEXES)  # an MVT's actual times have happened
    with TestClient(site.app, base_url=BASE) as c:
        c.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                               _dutch_coordinator, SYSTEM)
        yield c


def _outcome_line(page: str) -> str:
    """The readable text of the reply's outcome element (the posted telex's result)."""
    found = re.search(r'<li class="message[^"]*" id="outcome-\d+">.*?</li>', page, re.S)
    assert found, readable(page)[:2000]
    return html.unescape(readable(found.group(0)))


def _log_rows(page: str) -> str:
    """The readable text of the telex log's table body on /imports."""
    bodies = re.findall(r"<tbody>.*?</tbody>", page, re.S)
    return "\n".join(html.unescape(readable(b)) for b in bodies)


def _post_all(client: TestClient[Any], user: str) -> list[str]:
    client.cookies.clear()
    csrf = login(client, user)
    outcomes = []
    for text in (*SAID, MVT_PLANNED):  # the MVT twice: the second is a duplicate
        reply = client.post("/imports/telex", data={"_csrf": csrf, "text": text})
        assert reply.status_code == 200, reply.text[:500]
        outcomes.append(_outcome_line(reply.text))
    return outcomes


def test_telex_outcomes_read_dutch_on_the_page_and_in_the_log_after_a_reload(
        client: TestClient[Any]) -> None:
    outcomes = _post_all(client, "coordnl")
    phrases = english_phrases()
    for (dutch, english), said in zip(SAID.values(), outcomes, strict=False):
        assert dutch in said, said
        assert english not in said
        assert not english_in(dutch, phrases), english_in(dutch, phrases)
    assert DUPLICATE[0].search(outcomes[-1]), outcomes[-1]
    for said in outcomes:
        assert not english_in(said, phrases), (said, english_in(said, phrases))

    client.cookies.clear()
    login(client, "coordnl")
    log = _log_rows(client.get("/imports").text)  # stored rows, read again
    for dutch, english in SAID.values():
        assert dutch in log, log[:3000]
        assert english not in log
    assert DUPLICATE[0].search(log) and not DUPLICATE[1].search(log)
    # The Outcome column shows each outcome's label ("Verwerkt"), never the stored value.
    badges = re.findall(r'<span class="badge[^"]*">([^<]*)</span>', client.get("/imports").text)
    assert "Verwerkt" in badges and "Geweigerd" in badges, badges
    leaks = english_in(log, phrases)
    assert not leaks, (leaks, log[:3000])


def test_the_english_reader_reads_the_same_outcomes_in_english(
        client: TestClient[Any]) -> None:
    outcomes = _post_all(client, "coord")
    for (dutch, english), said in zip(SAID.values(), outcomes, strict=False):
        assert english in said and dutch not in said, said
    assert DUPLICATE[1].search(outcomes[-1]), outcomes[-1]
    client.cookies.clear()
    login(client, "coord")
    log = _log_rows(client.get("/imports").text)
    for dutch, english in SAID.values():
        assert english in log and dutch not in log


def test_the_telex_api_answers_in_the_readers_language_and_keeps_english_for_machines(
        client: TestClient[Any]) -> None:
    """The JSON outcome of the telex API: the stored English ``detail`` for machines."""
    csrf = login(client, "coordnl")
    reply = client.post("/api/v1/telexes", content=MVT_BAD_REGISTRATION.encode(),
                        headers={"X-CSRF-Token": csrf, "Content-Type": "text/plain"})
    assert reply.status_code in (200, 201, 422), reply.text[:500]
    assert SAID[MVT_BAD_REGISTRATION][1] in reply.text  # detail: English, as stored


@pytest.mark.parametrize(("user", "body", "said", "internal"), [
    ("coordnl", {"origin": "1X"},
     "Van '1X' is geen IATA-luchthavencode (drie letters, zoals AMS)", "origin"),
    ("coord", {"origin": "1X"},
     "From '1X' is not an IATA airport code (three letters, like AMS)", "origin"),
    ("coordnl", {"scheduled_at": "2026-09-15T10:00:00"},
     "Tijd (lokaal) moet een tijd met tijdzone zijn", "scheduled_at"),
    ("coord", {"scheduled_at": "2026-09-15T10:00:00"},
     "Time (local) must be a time with a time zone", "scheduled_at"),
])
def test_an_api_refusal_names_its_field_by_the_forms_label(
        site: Site, client: TestClient[Any], user: str, body: dict[str, str], said: str,
        internal: str) -> None:
    csrf = login(client, user)
    reply = client.post(f"/api/v1/plan/movements/{site.world.departure_id}", json=body,
                        headers={"X-CSRF-Token": csrf})
    assert reply.status_code == 422, reply.text[:500]
    answer = reply.json()
    assert answer["message"] == said, answer
    assert internal not in answer["message"]
    assert answer["field"] == internal  # machines keep the key...
    assert answer["error"].startswith(internal)  # ...and the English as stored
