"""Handover guards on the pages (issue 13.3): a passenger in a draft is not offered
again, a draft is discarded from its page, an early release shows what is missing and
takes an override reason."""

from __future__ import annotations

from movements.domain.actions import movements as mv
from tests.web.conftest import Site, login
from tests.web.test_handover_flow import (  # noqa: F401  (fixtures)
    Arrival,
    Client,
    arrival,
    client,
    created_id,
    page_version,
    sign,
    start,
    write,
)


def test_a_drafted_passenger_is_not_offered_and_a_discarded_draft_frees_them(
        site: Site, client: Client, arrival: Arrival) -> None:  # noqa: F811
    csrf = login(client, "gate")
    mid = arrival.movement_id
    hid = created_id(start(client, csrf, site, arrival, [arrival.adult], "Miriam Haddad"))
    section = client.get(f"/movements/{mid}/handovers", headers={"HX-Request": "true"}).text
    assert f'value="{arrival.adult}"' not in section and f'value="{arrival.minor}"' in section
    again = start(client, csrf, site, arrival, [arrival.adult], "Someone Else")
    assert again.status_code == 422 and "already in a draft handover" in again.text
    page = client.get(f"/handovers/{hid}").text
    assert 'id="discard-form"' in page and "Discard this draft" in page
    gone = client.post(f"/handovers/{hid}/discard", follow_redirects=False,
                       data={"_csrf": csrf, "expected_version": str(page_version(client, hid))})
    assert gone.status_code == 303 and gone.headers["location"] == f"/movements/{mid}/handovers"
    assert client.get(f"/handovers/{hid}").status_code == 404
    section = client.get(f"/movements/{mid}/handovers", headers={"HX-Request": "true"}).text
    assert f'value="{arrival.adult}"' in section


def test_an_early_release_says_what_is_missing_and_takes_an_override(
        site: Site, client: Client, arrival: Arrival) -> None:  # noqa: F811
    csrf = login(client, "gate")
    write(site, client, mv.update_flight, arrival.movement_id, {"flight_state": "LND"},
          source="feed")
    hid = created_id(start(client, csrf, site, arrival, [arrival.minor], "Miriam Haddad"))
    page = client.get(f"/handovers/{hid}").text
    assert 'id="release-blockers"' in page and "TK1957 is not on blocks yet" in page
    refused = sign(client, csrf, hid, page_version(client, hid))
    assert refused.status_code == 422 and "Give an override reason" in refused.text
    ok = sign(client, csrf, hid, page_version(client, hid),
              override_reason="remote stand, met at the bus by the border police")
    assert ok.status_code == 303, ok.text
    signed = client.get(f"/handovers/{hid}").text
    assert "Signed" in signed or "signed" in signed


def test_verify_alone_offers_a_field_and_the_page_helps_a_paper_check(
        site: Site, client: Client, arrival: Arrival) -> None:  # noqa: F811
    csrf = login(client, "gate")
    hid = created_id(start(client, csrf, site, arrival, [arrival.adult, arrival.minor],
                           "Miriam Haddad"))
    assert sign(client, csrf, hid, page_version(client, hid)).status_code == 303
    document_id = client.get(f"/handovers/{hid}/manifest.pdf").headers["x-document-id"]
    client.post("/logout", data={"_csrf": csrf})
    ask = client.get("/verify")
    assert ask.status_code == 200 and 'id="verify-ask"' in ask.text and 'name="id"' in ask.text
    bad = client.get("/verify", params={"id": "not an id!"})
    assert bad.status_code == 422 and "A document id is letters" in bad.text
    go = client.get("/verify", params={"id": f" {document_id} "}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"] == f"/verify/{document_id}"
    page = client.get(f"/verify/{document_id}").text
    assert 'id="receiving-party">Reception Agency Ter Apel (test)' in page
    assert 'id="passenger-count">2<' in page
    paper = page[page.index('id="paper-check"'):]
    assert "TA" in paper and "SH" in paper and "born 2014" in paper
    assert "Abebe" not in page and "Haddad" not in page and "CASE-" not in page
