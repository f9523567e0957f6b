"""A manifest a receiver can rely on (issue 13.6): drawn signatures in the PDF with the
typed names beneath, the ID document checked printed, the receiver's name normalised,
long values wrapped; the verify page helps a paper check; the verify address follows
the address the server answers on."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from movements.cli.main import public_url_for
from movements.domain import document_queries as dq
from movements.domain.actions import handovers
from movements.domain.errors import RuleViolation
from movements.domain.signatures import parse_strokes
from movements.domain.uow import UnitOfWork
from movements.manifests.handover import build_handover_manifest
from movements.manifests.names import print_name
from tests.factories import GATE, SYSTEM, add_pax, on_blocks_and_met, world

STROKES = "[[[100,200],[180,120],[260,220],[340,100]],[[400,150],[520,160],[640,140]]]"
LONG_REF = "AMS-2026-VOLRET-000123456789"


def _pdf(content: bytes) -> tuple[str, bytes]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    ops = b"".join(p.get_contents().get_data() for p in reader.pages)  # type: ignore[union-attr]
    return text, ops


@pytest.mark.parametrize(("typed", "printed"), [
    ("  anouk   BAKKER ", "Anouk Bakker"), ("JAN DE VRIES-BAKKER", "Jan de Vries-Bakker"),
    ("sean o'neill", "Sean O'Neill"), ("van der Berg", "van der Berg"),
    ("de jong", "De Jong"), ("Ronald McDonald", "Ronald McDonald"),
    ("amira el-sayed", "Amira El-Sayed"), ("ANNE-MARIE VAN DEN BOSCH", "Anne-Marie van den Bosch"),
])
def test_the_receivers_name_is_printed_as_a_name(typed: str, printed: str) -> None:
    assert print_name(typed) == printed


@pytest.mark.parametrize(("text", "words"), [
    ("not json", "not a drawn signature"), ("{}", "not a drawn signature"),
    ("[[[1,2,3]]]", "not a drawn signature"), ("[[[5000,10]]]", "outside the pad"),
    ("[[[10,10],[20,20]]]", "is empty"), ('[[["a","b"]]]', "not a drawn signature"),
    ("[" + ",".join(["[[1,1],[2,2]]"] * 200) + "]", "at most 120 strokes"),
])
def test_a_drawn_signature_is_checked(text: str, words: str) -> None:
    with pytest.raises(RuleViolation, match=words):
        parse_strokes(text, "receiving signature")


def test_the_verify_address_is_the_one_the_server_answers_on() -> None:
    assert public_url_for("127.0.0.1", 8107) == "http://127.0.0.1:8107"
    assert public_url_for("::1", 8107) == "http://[::1]:8107"
    assert public_url_for("0.0.0.0", 9000).endswith(":9000")


async def test_the_signed_manifest_carries_the_drawn_signatures_and_the_facts(
        uow: UnitOfWork) -> None:
    w = await world(uow)
    pid, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, LONG_REF, "Tesfaye", "Hana",
                           birth_date=__import__("datetime").date(1990, 4, 2))
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "  anouk   BAKKER ", [pid], receiver_id_checked="passport NX1234567")
    await uow.run(handovers.sign_handover, GATE, hid, "gert gate", "anouk bakker",
                  handing_strokes=STROKES, receiving_strokes=STROKES)
    doc = await uow.read(dq.handover_doc, hid, public_url="http://127.0.0.1:8107")
    assert doc.receiving_strokes is not None and len(doc.receiving_strokes) == 2
    text, ops = _pdf(build_handover_manifest(doc))
    flat = re.sub(r"\s+", " ", text)
    assert "Anouk Bakker" in flat and "anouk" not in flat.replace("Anouk", "")
    assert "Gert Gate" in flat
    assert "passport NX1234567" in flat  # the ID document checked is printed
    assert "http://127.0.0.1:8107/verify/" in flat
    # the long case reference wraps inside its column: no line holds all of it
    assert LONG_REF in re.sub(r"\s+", "", text)
    assert not any(LONG_REF in line for line in text.splitlines())
    # both drawn signatures are in the page as paths: a move and a line per point
    plain = await uow.read(dq.handover_doc, hid, public_url="http://127.0.0.1:8107")
    unsigned = build_handover_manifest(
        __import__("dataclasses").replace(plain, handing_strokes=None, receiving_strokes=None))
    _, unsigned_ops = _pdf(unsigned)
    assert ops.count(b" l\n") + ops.count(b" l ") >= unsigned_ops.count(b" l\n") + \
        unsigned_ops.count(b" l ") + 2 * 5


async def test_the_verify_view_helps_a_paper_check(uow: UnitOfWork) -> None:
    from datetime import date

    from movements.domain.actions import documents as issue

    w = await world(uow)
    p1, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "V-1", "Tesfaye", "Hana",
                          birth_date=date(1990, 4, 2))
    p2, _ = await uow.run(add_pax, SYSTEM, w.arrival_id, "V-1", "Tesfaye", "Abel")
    await uow.run(on_blocks_and_met, SYSTEM, w.arrival_id)
    hid = await uow.run(handovers.create_handover, GATE, w.arrival_id, w.reception_org_id,
                        "Anouk Bakker", [p1, p2])
    await uow.run(handovers.sign_handover, GATE, hid, "G. Gate", "A. Bakker")
    doc = await uow.read(dq.handover_doc, hid, public_url="http://127.0.0.1:8107")
    stored = await uow.run(issue.issue_handover_manifest, GATE, hid,
                           build_handover_manifest(doc))
    view = await uow.read(dq.verify_view, stored.document_id)
    assert view is not None
    assert view.receiving_party == "Reception Agency Ter Apel (test)"
    assert view.passenger_count == 2
    assert set(view.passengers) == {("HT", 1990), ("AT", None)}
