"""The handover manifest: content, scripts, what must not be printed, versions."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from movements.domain.ssr import SSR_CODES
from movements.manifests import build_handover_manifest
from movements.manifests.samples import (
    ARABIC_NAME,
    CYRILLIC_NAME,
    GEEZ_NAME,
    HEALTH_SECRET,
    sample_handover,
)

from .conftest import Rendered, render


def test_is_a_pdf_with_page_x_of_y_on_every_page(handover: Rendered) -> None:
    assert handover.pdf.startswith(b"%PDF-")
    n = len(handover.pages)
    assert n == 2
    for i, page in enumerate(handover.pages, 1):
        assert f"Page {i} of {n}" in page
        assert re.findall(r"Page \d+ of (\d+)", page) == [str(n)]


def test_running_header_and_table_header_on_every_page(handover: Rendered) -> None:
    doc = sample_handover()
    for page in handover.pages:
        assert "Handover manifest" in page
        assert doc.agency_name in page
        assert f"Document {doc.document_id}" in page
        assert "Name as in travel document" in page  # repeatRows
        assert "Needs the receiver must act on" in page


def test_movement_block_parties_and_signatures(handover: Rendered) -> None:
    doc = sample_handover()
    text = handover.text
    for expected in (
        "KQ1156", "15 Sep 2016", "NBO Nairobi", "AMS Amsterdam", "2 / E18",
        "15 Sep 2016 06:22 CEST", doc.receiving_party.split(",")[0], doc.receiving_person,
        doc.handing_person, "Handed over by", "Received by", "Signature",
        "Schiphol Plaza, meeting", "15 Sep 2016 08:35 CEST", "issued 15 Sep 2016 08:41 CEST",
        f"Verify at {doc.verify_url}",
    ):
        assert expected in text, expected


def test_every_passenger_with_case_birth_date_and_nationality(handover: Rendered) -> None:
    flat = handover.flat
    doc = sample_handover()
    for p in doc.passengers:
        assert f"{p.surname}, {p.given_names}" in flat
        assert p.case_ref in flat
        assert p.nationality in flat
    assert "02 Mar 1984" in flat and "29 Feb 1996" in flat
    assert "14 passengers in 6 cases" in flat


def test_needs_are_code_plus_receiver_action_only(handover: Rendered) -> None:
    flat = handover.flat
    doc = sample_handover()
    for code in {c for p in doc.passengers for c in p.ssr_codes}:
        need = SSR_CODES[code]
        assert f"{code} {need.receiver_action}" in flat, code
        # the team's wording and the code's definition are not for the receiver
        if need.team_action not in need.receiver_action:
            assert need.team_action not in flat, code
    assert "MEDIF" not in flat
    assert "Release only to: Hiwet TESFAYE (aunt)" in flat


def test_health_detail_is_never_printed(handover: Rendered) -> None:
    doc = sample_handover()
    hidden = [n for p in doc.passengers for n in p.health_notes]
    assert HEALTH_SECRET in hidden and len(hidden) == 3
    text = handover.text.lower()
    for note in hidden:
        assert note.lower() not in text
    for word in ("diabetes", "insulin", "copd", "chronic", "spinal", "post-operative"):
        assert word not in text


def test_cyrillic_and_geez_names_extract_as_typed(handover: Rendered) -> None:
    # Neither script is shaped or reordered: the glyphs map 1:1 to the code points.
    assert CYRILLIC_NAME in handover.text
    assert "Тарас Миронюк" in handover.text
    assert GEEZ_NAME in handover.text
    assert "ዳዊት ገብረማርያም" in handover.text


def test_arabic_names_are_shaped_and_extract_in_logical_order(handover: Rendered) -> None:
    # The PDF holds Arabic *presentation forms* (U+FB50-U+FEFF: the contextual
    # initial/medial/final glyphs that arabic_reshaper chose), drawn in visual order.
    # pypdf puts right-to-left runs back into logical order when it extracts, so NFKC
    # (which folds each presentation form to its base letter) gives the name as typed.
    # Unshaped output would extract as base letters U+0600-U+06FF instead, and a
    # failed reordering would give the letters reversed: both fail here.
    raw = handover.text
    forms = [ch for ch in raw if 0xFB50 <= ord(ch) <= 0xFEFF]
    assert len(forms) > 40
    base_letters = [ch for ch in raw if 0x0621 <= ord(ch) <= 0x064A]
    assert base_letters == []
    nfkc = handover.nfkc
    assert ARABIC_NAME in nfkc
    assert "يوسف كريم حداد" in nfkc
    assert ARABIC_NAME[::-1] not in nfkc
    # Persian letters (پ, ی) are covered by the Naskh font as well
    assert "پریسا رحیمی" in nfkc


def test_superseding_version_says_what_it_replaces(handover: Rendered) -> None:
    flat = handover.flat
    assert ("This document, HO-AMS-20160915-0007-v2 version 2, supersedes and replaces "
            "document HO-AMS-20160915-0007-v1 (version 1)") in flat
    assert "The replaced version is void" in flat
    assert "Birth date of Noor HADDAD corrected" in flat
    for page in handover.pages:
        assert "supersedes HO-AMS-20160915-0007-v1 (version 1)" in page


def test_first_version_does_not_claim_to_supersede(handover_v1: Rendered) -> None:
    assert "supersede" not in handover_v1.text.lower()
    assert "Corrected version" not in handover_v1.text
    assert "version 1" in handover_v1.pages[0]


def test_open_handover_time_leaves_a_line(handover_v1: Rendered) -> None:
    doc = replace(sample_handover(version=1), handed_over_at_local=None)
    r = render(build_handover_manifest, doc)
    assert "Handover time" in r.text and "________" in r.text
    assert "08:35" not in r.text


def test_output_is_deterministic() -> None:
    doc = sample_handover()
    assert build_handover_manifest(doc) == build_handover_manifest(doc)


def test_qr_code_encodes_the_verify_url() -> None:
    from reportlab.graphics.barcode.qr import QrCodeWidget

    from movements.manifests.layout import qr_drawing

    url = sample_handover().verify_url
    d = qr_drawing(url)
    widgets = [c for c in d.contents if isinstance(c, QrCodeWidget)]
    assert len(widgets) == 1 and widgets[0].value == url


def test_unprintable_own_script_name_is_said_not_boxed() -> None:
    doc = sample_handover(version=1)
    p0 = replace(doc.passengers[0], native_name="王小明")
    r = render(build_handover_manifest, replace(doc, passengers=(p0, *doc.passengers[1:])))
    assert "王" not in r.text
    assert "not printable here" in r.text


def test_minor_without_named_adult_is_flagged() -> None:
    doc = sample_handover(version=1)
    minor = next(p for p in doc.passengers if p.is_minor_unaccompanied)
    others = tuple(p for p in doc.passengers if p is not minor)
    r = render(build_handover_manifest,
               replace(doc, passengers=(*others, replace(minor, release_to=None))))
    assert "no adult named: do not release" in r.flat


@pytest.mark.parametrize("code", ["DEPA", "DEPU", "INAD"])
def test_non_agency_passengers_are_refused(code: str) -> None:
    doc = sample_handover(version=1)
    p = replace(doc.passengers[0], ssr_codes=(code,))
    with pytest.raises(ValueError, match="not an agency passenger"):
        replace(doc, passengers=(p,))
