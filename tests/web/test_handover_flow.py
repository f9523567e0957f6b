"""Gate staff record handovers from the movement page, over HTTP on both databases:
start a draft, sign it (the manifest is issued at once), correct a signed one; rule
violations come back as 422 with the rule's words and change nothing, a stale copy as
409; nobody outside the handover's airport or organisation learns it exists."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pypdf
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain import document_queries as dq
from movements.domain.actions import handovers, setup
from movements.domain.actions import movements as mv
from movements.domain.models import Handover, MovementKind, Role
from movements.domain.uow import Actor, Tx
from tests.factories import SYSTEM, add_pax, on_blocks_and_met
from tests.web.conftest import BASE, PASSWORD, Site, login

Client = TestClient[Litestar]
#: A signature as the pad sends it (two strokes in pad units).
STROKES = "[[[100,200],[180,120],[260,220],[340,100]],[[400,150],[520,160],[640,140]]]"
VERSION = re.compile(r'name="expected_version" value="(\d+)"')
GATE_ACTOR = Actor(user_id=None, username="other tablet", role=Role.GATE_STAFF,
                   airport_ids=frozenset({1}))


@dataclass
class Arrival:
    movement_id: int
    adult: int  # ABEBE, Tesfaye
    minor: int  # HADDAD, Sara: UMNR, to be released only to Miriam Haddad
    elsewhere: int  # a movement at an airport the gate user is not assigned to


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))


def write(site: Site, client: Client, action: Callable[..., Any], *args: Any,
          actor: Actor = SYSTEM, **kwargs: Any) -> Any:
    uow = site.app.state.services.uow
    return client.blocking_portal.call(partial(uow.run, action, actor, *args, **kwargs))


def read(site: Site, client: Client, query: Callable[..., Any], *args: Any) -> Any:
    uow = site.app.state.services.uow
    return client.blocking_portal.call(partial(uow.read, query, *args))


def handover_count(session: Session, movement_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Handover)
                              .where(Handover.movement_id == movement_id)) or 0)


def _seed_arrival(tx: Tx, arrival_id: int) -> Arrival:
    adult, _ = add_pax(tx, arrival_id, "CASE-ARR", "Abebe", "Tesfaye")
    minor, _ = add_pax(tx, arrival_id, "CASE-UM", "Haddad", "Sara", needs=(("UMNR", None),),
                       birth_date=date(2014, 5, 2), release_to_name="Miriam Haddad",
                       release_to_relation="aunt")
    setup.ensure_airport(tx, "RTM", "Rotterdam The Hague", "Europe/Amsterdam")
    elsewhere = mv.create_movement(tx, mv.NewMovement(
        airport="RTM", kind=MovementKind.ARRIVAL, carrier="HV", flight_number="5012",
        operational_date=date(2026, 9, 15), origin="IST", destination="RTM",
        scheduled_at=datetime(2026, 9, 15, 13, 0, tzinfo=UTC)))
    on_blocks_and_met(tx, arrival_id)  # ready to release (issue 13.3 has its own tests)
    return Arrival(arrival_id, adult, minor, elsewhere)


@pytest.fixture
def client(site: Site) -> Iterator[Client]:
    with TestClient(site.app, base_url=BASE) as c:
        yield c


@pytest.fixture
def arrival(site: Site, client: Client) -> Arrival:
    return write(site, client, _seed_arrival, site.world.arrival_id)  # type: ignore[no-any-return]


def start(client: Client, csrf: str, site: Site, arrival: Arrival, passengers: list[int],
          person: str, *, id_type: str = "passport", id_number: str = "NX1234567",
          **extra: str) -> Any:
    """POST the section's form as a plain browser form would (CSRF in the form)."""
    data: dict[str, Any] = {"_csrf": csrf, "passenger": [str(p) for p in passengers],
                            "organisation_id": str(site.world.reception_org_id),
                            "receiving_person": person, "id_type": id_type,
                            "id_number": id_number, **extra}
    return client.post(f"/movements/{arrival.movement_id}/handovers", data=data,
                       follow_redirects=False)


def created_id(resp: Any) -> int:
    assert resp.status_code == 303, resp.text
    match = re.fullmatch(r"/handovers/(\d+)", resp.headers["location"])
    assert match, resp.headers["location"]
    return int(match.group(1))


def page_version(client: Client, handover_id: int) -> int:
    page = client.get(f"/handovers/{handover_id}")
    assert page.status_code == 200, page.text
    match = VERSION.search(page.text)
    assert match, page.text
    return int(match.group(1))


def sign(client: Client, csrf: str, handover_id: int, version: int | None,
         receiver: str = "Miriam Haddad", **extra: str) -> Any:
    data = {"_csrf": csrf, "handing_signature": "Gert Gate", "receiving_signature": receiver,
            "handing_strokes": STROKES, "receiving_strokes": STROKES, **extra}
    if version is not None:
        data["expected_version"] = str(version)
    return client.post(f"/handovers/{handover_id}/sign", data=data, follow_redirects=False)


def test_create_sign_and_download_from_the_movement_page(site: Site, client: Client,
                                                         arrival: Arrival) -> None:
    csrf = login(client, "gate")
    mid = arrival.movement_id
    movement = client.get(f"/movements/{mid}").text
    assert f'hx-get="/movements/{mid}/handovers"' in movement  # the section loads itself
    assert f'href="/movements/{mid}/briefing.pdf"' in movement
    assert "charter-manifest.pdf" not in movement  # not a charter

    section = client.get(f"/movements/{mid}/handovers", headers={"HX-Request": "true"})
    assert section.status_code == 200
    assert section.text.startswith(f'<section id="handovers-{mid}"')
    assert "No handovers yet" in section.text and "Start a handover" in section.text
    assert f'value="{arrival.adult}"' in section.text and f'value="{arrival.minor}"' in section.text
    assert "CASE-ARR" in section.text and "<abbr>UMNR</abbr>" in section.text
    assert "Reception Agency Ter Apel (test)" in section.text
    for private in ("Abebe", "Tesfaye", "Sara", "Miriam"):  # initials only, no names
        assert private not in section.text, private
    full = client.get(f"/movements/{mid}/handovers")  # the same URL as a page of its own
    assert full.status_code == 200 and "<html" in full.text and f"/movements/{mid}" in full.text

    hid = created_id(start(client, csrf, site, arrival, [arrival.adult, arrival.minor],
                           "Miriam Haddad", notes="Luggage follows"))
    draft = client.get(f"/handovers/{hid}").text
    assert "Draft" in draft and 'id="sign-form"' in draft and 'id="correct-form"' not in draft
    assert "manifest.pdf" not in draft

    signed = sign(client, csrf, hid, page_version(client, hid))
    assert signed.status_code == 303 and signed.headers["location"] == f"/handovers/{hid}"
    # issued at the signing moment, before anybody downloaded it
    stored = read(site, client, partial(dq.stored_handover_document, with_content=False), hid)
    assert stored is not None and stored.version == 1
    page = client.get(f"/handovers/{hid}").text
    assert "Signed" in page and f'href="/handovers/{hid}/manifest.pdf"' in page
    assert stored.sha256 in page and 'id="sign-form"' not in page and 'id="correct-form"' in page

    pdf = client.get(f"/handovers/{hid}/manifest.pdf")
    assert pdf.status_code == 200 and pdf.headers["x-document-id"] == stored.document_id
    text = pdf_text(pdf.content)
    assert "Miriam Haddad" in text and "Gert Gate" in text
    assert "ABEBE, Tesfaye" in text and "HADDAD, Sara" in text

    after = client.get(f"/movements/{mid}/handovers", headers={"HX-Request": "true"}).text
    line = after[after.index(f'id="handover-line-{hid}"'):]
    assert "signed" in line[:400] and f'href="/handovers/{hid}/manifest.pdf"' in line
    assert "Nobody left to hand over" in after  # both were handed over
    assert "✓ Handed over" in client.get(f"/movements/{mid}").text  # the arrival step ticked


def test_htmx_create_navigates_and_a_retry_does_not_create_twice(
        site: Site, client: Client, arrival: Arrival) -> None:
    csrf = login(client, "gate")
    data = {"passenger": str(arrival.adult), "organisation_id": str(site.world.reception_org_id),
            "receiving_person": "Anouk Bakker", "_idem": "tablet-7-submit-1"}
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    url = f"/movements/{arrival.movement_id}/handovers"
    first = client.post(url, data=data, headers=headers)
    assert first.status_code == 200 and first.headers["hx-redirect"].startswith("/handovers/")
    again = client.post(url, data=data, headers=headers)  # the Wi-Fi dropped the reply
    assert again.headers["hx-redirect"] == first.headers["hx-redirect"]
    assert read(site, client, handover_count, arrival.movement_id) == 1
    other = client.post(url, data={**data, "receiving_person": "Someone Else"},
                        headers=headers)
    assert other.status_code == 422 and "different request" in other.text
    # without the CSRF token: refused
    assert client.post(url, data=data, headers={"HX-Request": "true"}).status_code == 403


def test_minor_to_the_wrong_adult_is_refused_and_nothing_is_created(
        site: Site, client: Client, arrival: Arrival) -> None:
    csrf = login(client, "gate")
    mid = arrival.movement_id
    wrong = start(client, csrf, site, arrival, [arrival.adult, arrival.minor], "Someone Else")
    assert wrong.status_code == 422
    assert "may be released only to the named adult" in wrong.text
    assert 'role="alert"' in wrong.text and 'value="Someone Else"' in wrong.text  # kept
    assert read(site, client, handover_count, mid) == 0

    no_id = start(client, csrf, site, arrival, [arrival.minor], "Miriam Haddad",
                  id_type="", id_number="")
    assert no_id.status_code == 422 and "ID checked" in no_id.text
    half_id = start(client, csrf, site, arrival, [arrival.adult], "Anouk Bakker",
                    id_number="")
    assert half_id.status_code == 422 and "both the document type and its number" in half_id.text
    no_org = start(client, csrf, site, arrival, [arrival.adult], "Anouk Bakker",
                   organisation_id="")
    assert no_org.status_code == 422 and "choose the receiving organisation" in no_org.text
    nobody = start(client, csrf, site, arrival, [], "Anouk Bakker")
    assert nobody.status_code == 422 and "at least one passenger" in nobody.text
    htmx = client.post(f"/movements/{mid}/handovers", headers={
        "HX-Request": "true", "X-CSRF-Token": csrf}, data={
        "passenger": str(arrival.minor), "organisation_id": str(site.world.reception_org_id),
        "receiving_person": "Someone Else", "id_type": "passport", "id_number": "X1"})
    assert htmx.status_code == 422 and htmx.text.startswith(f'<section id="handovers-{mid}"')
    assert "may be released only to the named adult" in htmx.text
    assert read(site, client, handover_count, mid) == 0

    # the named adult, spelled with other capitals and accents, with an ID check: fine
    ok = start(client, csrf, site, arrival, [arrival.minor], "miriam  HADDÁD")
    created_id(ok)


def test_sign_twice_is_refused_and_a_stale_copy_is_a_conflict(
        site: Site, client: Client, arrival: Arrival) -> None:
    csrf = login(client, "gate")
    hid = created_id(start(client, csrf, site, arrival, [arrival.adult], "Anouk Bakker",
                           id_type="", id_number=""))
    seen = page_version(client, hid)
    # another tablet changes the draft meanwhile
    write(site, client, handovers.edit_handover, hid, seen, notes="Met at belt 12",
          actor=GATE_ACTOR)

    stale = sign(client, csrf, hid, seen, receiver="Anouk Bakker")
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text and 'id="sign-form"' in stale.text
    assert "Draft" in stale.text  # the current state, still unsigned
    assert read(site, client, partial(dq.stored_handover_document, with_content=False),
                hid) is None

    current = VERSION.search(stale.text)
    assert current and int(current.group(1)) > seen
    unconfirmed = client.post(f"/handovers/{hid}/sign", follow_redirects=False, data={
        "_csrf": csrf, "handing_signature": "Gert Gate", "receiving_signature": "Anouk Bakker",
        "expected_version": current.group(1), "handing_strokes": STROKES})
    assert unconfirmed.status_code == 422 and "the receiving signature is empty: sign with " \
        "a finger" in unconfirmed.text
    assert "Draft" in client.get(f"/handovers/{hid}").text

    assert sign(client, csrf, hid, int(current.group(1)),
                receiver="Anouk Bakker").status_code == 303
    twice = sign(client, csrf, hid, int(current.group(1)), receiver="Anouk Bakker")
    assert twice.status_code == 409  # the form that was just used is stale now

    def row_version(session: Session) -> int:
        h = session.get(Handover, hid)
        assert h is not None
        return h.version

    again = sign(client, csrf, hid, read(site, client, row_version), receiver="Someone")
    assert again.status_code == 422 and "signed already" in again.text
    page = client.get(f"/handovers/{hid}/manifest.pdf")
    assert "Anouk Bakker" in pdf_text(page.content) and "Someone" not in pdf_text(page.content)


def test_correction_is_version_2_and_version_1_stays_downloadable(
        site: Site, client: Client, arrival: Arrival) -> None:
    csrf = login(client, "gate")
    v1 = created_id(start(client, csrf, site, arrival, [arrival.adult], "Anouk Bakkr",
                          id_type="", id_number=""))
    draft_version = page_version(client, v1)
    assert sign(client, csrf, v1, draft_version, receiver="Anouk Bakkr").status_code == 303
    first = client.get(f"/handovers/{v1}/manifest.pdf")
    signed_version = page_version(client, v1)  # the correct form's hidden field

    def correct(**fields: Any) -> Any:
        data = {"_csrf": csrf, "expected_version": str(signed_version),
                "reason": "receiver's name misspelt", "receiving_person": "Anouk Bakker",
                "passenger": [str(arrival.adult)], **fields}
        return client.post(f"/handovers/{v1}/correct", data=data, follow_redirects=False)

    no_reason = correct(reason=" ")
    assert no_reason.status_code == 422 and "correction reason is required" in no_reason.text
    stale = correct(expected_version=str(draft_version))  # a copy from before the signing
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    minor = correct(passenger=[str(arrival.adult), str(arrival.minor)])
    assert minor.status_code == 422 and "released only to the named adult" in minor.text
    assert read(site, client, handover_count, arrival.movement_id) == 1  # nothing half-made

    v2 = created_id(correct())
    page = client.get(f"/handovers/{v2}").text
    assert "version 2" in page and 'id="replaces"' in page
    assert "Version 2 replaces" in page and f'href="/handovers/{v1}"' in page
    assert "receiver&#39;s name misspelt" in page and 'id="sign-form"' in page
    old = client.get(f"/handovers/{v1}").text
    assert 'id="superseded"' in old and 'id="correct-form"' not in old
    again = correct(reason="twice")
    assert again.status_code == 422 and "already replaced by a newer version" in again.text

    assert sign(client, csrf, v2, page_version(client, v2),
                receiver="Anouk Bakker").status_code == 303
    second = client.get(f"/handovers/{v2}/manifest.pdf")
    assert second.status_code == 200 and "Anouk Bakker" in pdf_text(second.content)
    assert first.headers["x-document-id"] in pdf_text(second.content)  # names what it replaces
    assert client.get(f"/handovers/{v1}/manifest.pdf").content == first.content
    section = client.get(f"/movements/{arrival.movement_id}/handovers",
                         headers={"HX-Request": "true"}).text
    assert "replaces version 1" in section and section.count("superseded") == 1


def test_reception_of_another_organisation_gets_404(site: Site, client: Client,
                                                    arrival: Arrival) -> None:
    csrf = login(client, "gate")
    hid = created_id(start(client, csrf, site, arrival, [arrival.adult], "Anouk Bakker"))
    assert sign(client, csrf, hid, page_version(client, hid),
                receiver="Anouk Bakker").status_code == 303

    csrf = login(client, "reception2")
    assert client.get(f"/handovers/{hid}").status_code == 404
    assert client.get(f"/handovers/{hid}/manifest.pdf").status_code == 404
    assert sign(client, csrf, hid, None).status_code == 403  # staff only, whoever it is for

    login(client, "reception")
    own = client.get(f"/handovers/{hid}")
    assert own.status_code == 200 and f"/handovers/{hid}/manifest.pdf" in own.text
    assert "sign-form" not in own.text and "correct-form" not in own.text


def test_gate_staff_of_another_airport_get_404(site: Site, client: Client,
                                              arrival: Arrival) -> None:
    csrf = login(client, "gate")  # assigned to AMS only
    there = arrival.elsewhere
    assert client.get(f"/movements/{there}").status_code == 404
    assert client.get(f"/movements/{there}/handovers",
                      headers={"HX-Request": "true"}).status_code == 404
    resp = client.post(f"/movements/{there}/handovers", data={
        "_csrf": csrf, "passenger": str(arrival.adult),
        "organisation_id": str(site.world.reception_org_id), "receiving_person": "X"})
    assert resp.status_code == 404 and read(site, client, handover_count, there) == 0
    assert client.get("/movements/99999/handovers").status_code == 404

    login(client, "admin")  # every airport
    assert client.get(f"/movements/{there}/handovers",
                      headers={"HX-Request": "true"}).status_code == 200


def test_each_role_starts_on_its_own_page(site: Site, client: Client) -> None:
    anonymous = client.get("/", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/board"
    for user, home in (("reception", "/reception"), ("gate", "/board"), ("coord", "/board")):
        resp = client.post("/login", data={"username": user, "password": PASSWORD,
                                           "next": "/board"}, follow_redirects=False)
        assert resp.headers["location"] == home, user
        root = client.get("/", follow_redirects=False)
        assert root.status_code == 303 and root.headers["location"] == home, user
        assert client.get(home).status_code == 200, user
    asked = client.post("/login", data={"username": "reception", "password": PASSWORD,
                                        "next": "/handovers/7"}, follow_redirects=False)
    assert asked.headers["location"] == "/handovers/7"  # where the link pointed stays
    assert client.get("/board").status_code == 403  # the board stays closed to reception


def test_a_purged_manifest_is_gone_but_still_verifiable(site: Site, client: Client,
                                                        arrival: Arrival) -> None:
    from movements.domain.models import ManifestDocument

    csrf = login(client, "gate")
    hid = created_id(start(client, csrf, site, arrival, [arrival.adult], "Tesfaye Abebe"))
    assert sign(client, csrf, hid, page_version(client, hid),
                receiver="Tesfaye Abebe").status_code == 303
    stored = read(site, client, partial(dq.stored_handover_document, with_content=False), hid)

    def blank(tx: Tx) -> None:  # what the retention purge does to the stored bytes
        row = tx.session.scalar(select(ManifestDocument).where(
            ManifestDocument.document_id == stored.document_id))
        row.content = b""

    write(site, client, blank)
    gone = client.get(f"/handovers/{hid}/manifest.pdf")
    assert gone.status_code == 410 and "retention policy" in gone.text
    verify = client.get(f"/verify/{stored.document_id}", headers={"accept": "application/json"})
    assert verify.status_code == 200 and stored.sha256 in verify.text
