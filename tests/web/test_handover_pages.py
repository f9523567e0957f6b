"""Handover pages, manifest downloads, verification and the reception portal over HTTP,
on both databases: who may see what, stored bytes, versions, clear refusals."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pypdf
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from movements.domain.actions import handovers, passengers
from movements.domain.models import AuditEntry, ChronicCondition, Role, User
from movements.domain.uow import Actor, Tx
from tests.factories import SYSTEM, add_pax
from tests.web.conftest import BASE, Site, login

Client = TestClient[Litestar]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))


@pytest.fixture
def client(site: Site) -> Iterator[Client]:
    with TestClient(site.app, base_url=BASE) as c:
        yield c


def run(site: Site, client: Client, action: Callable[..., Any], *args: Any,
        actor: Actor | None = None, **kwargs: Any) -> Any:
    uow = site.app.state.services.uow
    return client.blocking_portal.call(partial(uow.run, action, actor or gate_actor(site,
                                                                                    client),
                                               *args, **kwargs))


def gate_actor(site: Site, client: Client) -> Actor:
    def find(tx: Tx) -> int:
        return int(tx.session.scalar(select(User.id).where(User.username == "gate")))

    uow = site.app.state.services.uow
    uid = client.blocking_portal.call(partial(uow.run, find, Actor.system("tests")))
    return Actor(user_id=uid, username="gate", role=Role.GATE_STAFF, airport_ids=frozenset({1}))


def make_handover(site: Site, client: Client, *, sign: bool = True,
                  org_id: int | None = None, passengers: slice = slice(0, 2)) -> int:
    hid = int(run(site, client, handovers.create_handover, site.world.departure_id,
                  org_id or site.world.reception_org_id, "Anouk Bakker",
                  site.passenger_ids[passengers], notes="Luggage follows on the next flight"))
    if sign:
        run(site, client, handovers.sign_handover, hid, "G. Gate", "A. Bakker")
    return hid


def org_id(site: Site, client: Client, name: str) -> int:
    def find(tx: Tx) -> int:
        from movements.domain.models import Organisation

        return int(tx.session.scalar(select(Organisation.id).where(Organisation.name == name)))

    return int(run(site, client, find))


def test_signed_handover_page_and_manifest_are_the_same_bytes_every_time(
        site: Site, client: Client) -> None:
    hid = make_handover(site, client)
    login(client, "gate")
    page = client.get(f"/handovers/{hid}")
    assert page.status_code == 200
    assert f'href="/handovers/{hid}/manifest.pdf"' in page.text
    assert "Reception Agency Ter Apel (test)" in page.text and "Signed" in page.text
    assert "Okello" not in page.text  # no names on the page: they are in the PDF

    first = client.get(f"/handovers/{hid}/manifest.pdf")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["cache-control"] == "no-store"
    digest = hashlib.sha256(first.content).hexdigest()
    assert first.headers["x-document-sha256"] == digest
    text = pdf_text(first.content)
    assert "OKELLO, Test" in text and "HADDAD, Test" in text
    assert "Page 1 of" in text and "Luggage follows on the next flight" in text
    assert "09:00 CEST" in text  # handed over 07:00 UTC, shown in Amsterdam time

    site.clock.advance(minutes=20)  # a later download is not a re-render with a new time
    again = client.get(f"/handovers/{hid}/manifest.pdf")
    assert again.content == first.content
    page = client.get(f"/handovers/{hid}").text
    assert digest in page and f"/verify/{first.headers['x-document-id']}" in page


def test_download_of_personal_data_is_audited(site: Site, client: Client) -> None:
    hid = make_handover(site, client)
    login(client, "reception")
    assert client.get(f"/handovers/{hid}/manifest.pdf").status_code == 200

    def reads(tx: Tx) -> list[str | None]:
        return list(tx.session.scalars(select(AuditEntry.username).where(
            AuditEntry.action == "read_document")))

    assert run(site, client, reads) == ["reception"]


def test_draft_has_no_manifest(site: Site, client: Client) -> None:
    hid = make_handover(site, client, sign=False)
    login(client, "gate")
    resp = client.get(f"/handovers/{hid}/manifest.pdf")
    assert resp.status_code == 422 and "not signed yet" in resp.json()["error"]
    api = client.get(f"/api/v1/handovers/{hid}/manifest")
    assert api.status_code == 422 and "not signed yet" in api.json()["error"]
    page = client.get(f"/handovers/{hid}").text
    assert 'id="no-manifest"' in page and "manifest.pdf" not in page


def test_reception_sees_only_its_own_organisations_handovers(site: Site, client: Client
                                                             ) -> None:
    ours = make_handover(site, client)
    other_org = org_id(site, client, "Other Reception (test)")
    theirs = make_handover(site, client, org_id=other_org, passengers=slice(2, 3))
    login(client, "reception")
    assert client.get(f"/handovers/{ours}").status_code == 200
    assert client.get(f"/handovers/{ours}/manifest.pdf").status_code == 200
    for url in (f"/handovers/{theirs}", f"/handovers/{theirs}/manifest.pdf",
                f"/api/v1/handovers/{theirs}/manifest", "/handovers/99999"):
        resp = client.get(url)
        assert resp.status_code == 404, url
    # a foreign id and a missing id look the same, in people's terms, without the id
    assert client.get(f"/handovers/{theirs}").json()["error"] == \
        client.get("/handovers/99999").json()["error"] == "No such handover among yours."
    portal = client.get("/reception")
    assert portal.status_code == 200
    assert f'id="handover-{ours}"' in portal.text and f'id="handover-{theirs}"' not in portal.text
    assert f"/handovers/{ours}/manifest.pdf" in portal.text
    # never the board, nor a movement's documents
    assert client.get("/board").status_code == 403
    assert client.get(f"/movements/{site.world.departure_id}/briefing.pdf").status_code == 403
    assert client.get("/reports/daily.pdf?date=2026-09-15").status_code == 403


def test_other_reception_gets_404_and_an_empty_portal(site: Site, client: Client) -> None:
    hid = make_handover(site, client)
    login(client, "reception2")
    assert client.get(f"/handovers/{hid}").status_code == 404
    assert client.get(f"/handovers/{hid}/manifest.pdf").status_code == 404
    portal = client.get("/reception").text
    assert "No handovers addressed to you yet" in portal
    assert client.get("/reception", follow_redirects=False).status_code == 200


def test_gate_staff_cannot_open_the_reception_portal(site: Site, client: Client) -> None:
    login(client, "gate")
    assert client.get("/reception").status_code == 403


def test_verify_matching_tampered_typed_and_unknown(site: Site, client: Client) -> None:
    hid = make_handover(site, client)
    login(client, "gate")
    pdf = client.get(f"/handovers/{hid}/manifest.pdf")
    doc_id = pdf.headers["x-document-id"]
    digest = pdf.headers["x-document-sha256"]

    client.cookies.clear()  # nobody signed in from here on
    public = client
    page = public.get(f"/verify/{doc_id}")
    assert page.status_code == 200
    assert "KL1234" in page.text and "2026-09-15" in page.text
    assert "Handover manifest" in page.text and "This is the current version" in page.text
    assert "Gate (gate staff)" in page.text and digest in page.text
    # The receiving party, the count and initials are shown for a paper check
    # (issue 13.6); names, needs and case references never.
    assert "Ter Apel" in page.text
    for private in ("Okello", "OKELLO", "Haddad", "Anouk", "Bakker", "CASE-"):
        assert private not in page.text, private

    ok = public.post(f"/verify/{doc_id}",
                     files={"file": ("manifest.pdf", pdf.content, "application/pdf")})
    assert ok.status_code == 200 and "✓ Matches" in ok.text
    middle = len(pdf.content) // 2
    tampered = (pdf.content[:middle] + bytes([pdf.content[middle] ^ 1])
                + pdf.content[middle + 1:])
    bad = public.post(f"/verify/{doc_id}",
                      files={"file": ("manifest.pdf", tampered, "application/pdf")})
    assert bad.status_code == 200 and "Does NOT match" in bad.text

    typed = public.post(f"/verify/{doc_id}", data={"sha256": digest.upper()})
    assert "✓ Matches" in typed.text
    as_json = public.get(f"/verify/{doc_id}?sha256={digest}",
                         headers={"accept": "application/json"}).json()
    assert as_json["match"] is True and as_json["superseded"] is False
    assert as_json["version"] == 1 and as_json["flight"] == "KL1234"
    wrong = public.get(f"/verify/{doc_id}?sha256={'0' * 64}",
                       headers={"accept": "application/json"}).json()
    assert wrong["match"] is False
    junk = public.post(f"/verify/{doc_id}", data={"sha256": "not a hash"})
    assert junk.status_code == 422 and "64 hexadecimal" in junk.text

    unknown = public.get("/verify/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404 and 'id="unknown"' in unknown.text
    assert public.post("/verify/no-such-doc", data={"sha256": digest}).status_code == 404


def test_verify_does_not_know_a_draft(site: Site, client: Client) -> None:
    hid = make_handover(site, client, sign=False)

    def doc_id(tx: Tx) -> str:
        from movements.domain.models import Handover

        h = tx.session.get(Handover, hid)
        assert h is not None
        return h.document_id

    draft_id = run(site, client, doc_id)
    assert client.get(f"/verify/{draft_id}").status_code == 404


def test_correction_supersedes_and_both_versions_stay_downloadable(site: Site,
                                                                   client: Client) -> None:
    v1 = make_handover(site, client)
    login(client, "gate")
    first = client.get(f"/handovers/{v1}/manifest.pdf")
    v1_doc = first.headers["x-document-id"]
    v2 = int(run(site, client, handovers.correct_handover, v1,
                 passenger_ids=site.passenger_ids[:3], reason="Petrenko was handed over too"))

    pending = client.get(f"/verify/{v1_doc}", headers={"accept": "application/json"}).json()
    assert pending["superseded"] is False and pending["superseded_by"][1] == 2
    assert "not signed yet" in client.get(f"/verify/{v1_doc}").text
    assert client.get(f"/handovers/{v2}/manifest.pdf").status_code == 422

    run(site, client, handovers.sign_handover, v2, "G. Gate", "A. Bakker")
    second = client.get(f"/handovers/{v2}/manifest.pdf")
    assert second.status_code == 200
    v2_doc = second.headers["x-document-id"]
    text = pdf_text(second.content)
    assert "PETRENKO, Test" in text
    assert v1_doc in text and "Petrenko was handed over too" in text

    old = client.get(f"/verify/{v1_doc}", headers={"accept": "application/json"}).json()
    assert old["superseded"] is True and old["superseded_by"][:2] == [v2_doc, 2]
    assert "Superseded" in client.get(f"/verify/{v1_doc}").text
    new = client.get(f"/verify/{v2_doc}", headers={"accept": "application/json"}).json()
    assert new["superseded"] is False and new["supersedes"] == [v1_doc, 1]
    assert new["version"] == 2

    # the old version is still there, byte for byte, and says it is superseded
    assert client.get(f"/handovers/{v1}/manifest.pdf").content == first.content
    page = client.get(f"/handovers/{v1}").text
    assert 'id="superseded"' in page and f'href="/handovers/{v2}"' in page
    assert 'id="versions"' in page
    portal_login = login(client, "reception")
    assert portal_login
    portal = client.get("/reception").text
    row = portal[portal.index(f'id="handover-{v1}"'):]
    assert "superseded" in row[:row.index("</div>")]


def test_api_manifest_and_its_schema(site: Site, client: Client) -> None:
    hid = make_handover(site, client)
    login(client, "reception")
    resp = client.get(f"/api/v1/handovers/{hid}/manifest")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["version"] == 1 and body["kind"] == "handover_manifest"
    assert body["download_url"] == f"{BASE}/handovers/{hid}/manifest.pdf"
    assert body["verify_url"] == f"{BASE}/verify/{body['document_id']}"
    pdf = client.get(f"/handovers/{hid}/manifest.pdf")
    assert hashlib.sha256(pdf.content).hexdigest() == body["sha256"]
    assert body["superseded_by_document_id"] is None
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/handovers/{handover_id}/manifest" in schema["paths"]


def test_no_health_text_on_the_manifest(site: Site, client: Client) -> None:
    def add(tx: Tx) -> int:
        pid, _ = add_pax(tx, site.world.departure_id, "CASE-MED", "Mirza", "Amina",
                         needs=(("MEDA", "insulin pump, keep cool"),),
                         medical_notes="type 2 diabetes, insulin dependent",
                         chronic_condition=ChronicCondition.DIABETES,
                         victim_of_trafficking=True)
        return pid

    pid = int(run(site, client, add, actor=SYSTEM))  # planned by a coordinator
    hid = int(run(site, client, handovers.create_handover, site.world.departure_id,
                  site.world.reception_org_id, "Anouk Bakker",
                  [pid, site.passenger_ids[2]]))
    run(site, client, handovers.sign_handover, hid, "G. Gate", "A. Bakker")
    login(client, "gate")
    text = pdf_text(client.get(f"/handovers/{hid}/manifest.pdf").content)
    assert "MIRZA, Amina" in text and "MEDA" in text
    assert "medical escort hands over medical file" in text  # the receiver's words
    for secret in ("diabetes", "insulin", "lying flat", "trafficking", "MEDIF"):
        assert secret not in text.lower(), secret


def test_movement_documents_and_their_refusals(site: Site, client: Client) -> None:
    login(client, "gate")
    briefing = client.get(f"/movements/{site.world.departure_id}/briefing.pdf")
    assert briefing.status_code == 200 and briefing.content.startswith(b"%PDF-")
    text = pdf_text(briefing.content)
    assert "Escort briefing" in text and "PETRENKO, Test" in text
    assert "lying flat" not in text
    empty = client.get(f"/movements/{site.world.arrival_id}/briefing.pdf")
    assert empty.status_code == 422 and "has no passengers" in empty.json()["error"]
    not_charter = client.get(f"/movements/{site.world.departure_id}/charter-manifest.pdf")
    assert not_charter.status_code == 422 and "not a charter" in not_charter.json()["error"]
    assert client.get("/movements/99999/briefing.pdf").status_code == 404
    assert client.get("/reports/daily.pdf?date=2026-09-15").status_code == 403

    login(client, "coord")
    daily = client.get("/reports/daily.pdf?date=2026-09-15")
    assert daily.status_code == 200
    text = pdf_text(daily.content)
    assert "Daily operations report" in text and "3 passengers assisted on 2 movements" in text
    assert client.get("/reports/daily.pdf?date=15-09-2026").status_code == 400


def test_needs_the_receiver_acts_on_are_on_the_page(site: Site, client: Client) -> None:
    def update(tx: Tx) -> None:
        passengers.update_needs(tx, site.passenger_ids[0], (("LANG", "Tigrinya"),))

    run(site, client, update)
    hid = make_handover(site, client)
    login(client, "gate")
    page = client.get(f"/handovers/{hid}").text
    assert "<b>LANG</b> interpreter needed" in page and "<b>WCHC</b>" in page
    assert "Tigrinya" not in page
