"""Domain refusals reach a Dutch reader in Dutch, through real HTTP, on both backends.

A sample of the refusals gate staff and coordinators meet most (a step out of order, an
empty or repeated no-show, an undo with nothing to undo, a handover without passengers,
a time that is not a time, a repeated tap, a
planned flight dated too far back): each is provoked as a Dutch user and the
Dutch sentence (with its values and nested words translated) must be on the reply, the
English not.  The same requests as an English user keep the English (the tests of each
module assert it too).  Fails when a refusal goes back to a plain English string, when
its Dutch is missing from the catalogue, or when the edge shows ``exc.message``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

from movements.domain.actions import setup
from movements.domain.models import Role
from movements.domain.uow import Tx
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, Site, login


def _add_dutch_users(tx: Tx) -> None:
    setup.add_user(tx, "poortnl", "Poort NL", Role.GATE_STAFF, _HASH, airports=["AMS"],
                   locale="nl")
    setup.add_user(tx, "coordnl", "Coord NL", Role.COORDINATOR, _HASH, airports=["AMS"],
                   locale="nl")


def _text(resp: Any) -> str:
    return html.unescape(resp.text)


def _provoke(site: Site, username: str) -> list[tuple[int, str]]:
    """Each sampled refusal's (status, reply text) as ``username``."""
    dep, arr = site.world.departure_id, site.world.arrival_id
    b0, b1 = site.booking_ids[0], site.booking_ids[1]
    out: list[tuple[int, str]] = []
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, username)
        h = {"X-CSRF-Token": csrf}
        post: Callable[..., Any] = client.post
        for url, data in (
                (f"/bookings/{b0}/milestones", {"kind": "boarded"}),      # out of order
                (f"/bookings/{b0}/no-show", {"reason": " "}),            # no reason
                (f"/bookings/{b0}/undo", {}),                            # nothing to undo
                (f"/bookings/{b1}/milestones", {"kind": "met_at_point"}),  # ok
                (f"/bookings/{b1}/milestones", {"kind": "met_at_point"}),  # again
                (f"/bookings/{b0}/no-show", {"reason": "niet gekomen"}),   # ok
                (f"/bookings/{b0}/no-show", {"reason": "niet gekomen"}),   # again
                (f"/movements/{arr}/handovers", {"_csrf": csrf, "passenger": [],
                                                 "receiving_person": "Mira Test",
                                                 "organisation_id": str(
                                                     site.world.reception_org_id)}),
        ):
            resp = post(url, headers=h, data=data, follow_redirects=False)
            out.append((resp.status_code, _text(resp)))
    with TestClient(site.app, base_url=BASE) as client:
        csrf = login(client, "coordnl" if username == "poortnl" else "coord")
        resp = client.post(f"/movements/{dep}/flight", headers={"X-CSRF-Token": csrf},
                           data={"estimated_local": "25:00"})
        out.append((resp.status_code, _text(resp)))
        resp = client.post("/plan/movements", follow_redirects=False, data={
            "_csrf": csrf, "_idem": "", "airport": "AMS", "kind": "departure",
            "flight": "KL1571", "time": "10:00", "date": "1900-01-01", "destination": "EBL"})
        out.append((resp.status_code, _text(resp)))
    return out


#: Per provoked request: (Dutch that must show, English that must show to English users).
EXPECTED = [
    ("Aan boord komt na:", "Boarded comes after:"),
    ("reden no-show is verplicht", "no-show reason is required"),
    ("voor deze passagier is nog niets geregistreerd", "nothing recorded for this passenger yet"),
    (None, None),
    ("is al geregistreerd", "is already recorded"),
    (None, None),
    ("al geregistreerd als no-show", "already recorded as a no-show"),
    ("een overdracht heeft minstens één passagier nodig",
     "a handover needs at least one passenger"),
    ("is geen tijdstip: uren 00-23, minuten 00-59",
     "is not a time of day: hours 00-23, minutes 00-59"),
    # planning names the field by the label on the page, in the reader's language
    ("Niet opgeslagen (Datum): datum 1900-01-01 ligt meer dan 7 dagen terug; plan vluchten "
     "vanaf 2026-09-08",
     "Not saved (Date): date 1900-01-01 is more than 7 days ago; plan flights from 2026-09-08"),
]


def test_refusals_in_dutch_for_a_dutch_reader(site: Site) -> None:
    with TestClient(site.app, base_url=BASE) as client:
        client.blocking_portal.call(site.app.state.services.uow.run,  # type: ignore[union-attr]
                                    _add_dutch_users, SYSTEM)
    replies = _provoke(site, "poortnl")
    for (status, text), (dutch, english) in zip(replies, EXPECTED, strict=True):
        if dutch is None:
            assert status in (200, 303), (status, text[:300])
            continue
        assert status >= 400, (dutch, status, text[:300])
        assert dutch in text, (dutch, text[:2000])
        assert english not in text, (english, text[:2000])


def test_the_same_refusals_stay_english_for_an_english_reader(site: Site) -> None:
    replies = _provoke(site, "gate")
    for (status, text), (dutch, english) in zip(replies, EXPECTED, strict=True):
        if english is None:
            continue
        assert status >= 400 and english in text, (english, status, text[:2000])
        assert dutch not in text, (dutch, text[:2000])
