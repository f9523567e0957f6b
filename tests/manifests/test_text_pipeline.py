"""The one text pipeline (issue 19.1): what a PDF's text layer says is what was written.

A property test draws lines from every script the console supports (Latin with
diacritics incl. Vietnamese, Cyrillic, Arabic, Persian with ZWNJ, Urdu, Ge'ez, Armenian,
Georgian) mixed with digits (ASCII, Arabic-Indic, Persian) and brackets, prints them
through the production flowable, and reads the PDF back with pypdf: line by line, the
text equals the input.  The only folding is of Arabic presentation forms (the glyphs
chosen for the letters' joining forms) back to the letters (NFKC of those characters).
Harakat are left out: the documents drop them on purpose (``text.py``)."""

from __future__ import annotations

import dataclasses
import io
import unicodedata

import pypdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import SimpleDocTemplate

from movements.manifests import build_escort_briefing, build_handover_manifest
from movements.manifests.layout import esc, styles
from movements.manifests.lines import Text, bidi_levels, levels
from movements.manifests.samples import sample_briefing, sample_handover
from movements.manifests.text import drawable, register_fonts

register_fonts()


def _range(a: int, b: int) -> str:
    return "".join(chr(c) for c in range(a, b + 1) if drawable(chr(c))
                   and unicodedata.category(chr(c)).startswith("L"))


SCRIPTS = {
    "latin": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÀÁÂÃÄÅÆÇÈÉÊËÍÎÏÑÒÓÔÕÖØÙÚÛÜÝ"
             "ßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿœšžčćđăơưĐƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợ"
             "ụủứừửữựỳỵỷỹ",
    "cyrillic": _range(0x0410, 0x044F) + "ЁёІіЇїЄєҐґ",
    "arabic": _range(0x0621, 0x063A) + _range(0x0641, 0x064A),
    "persian": "پچژگکیابتسشفقلمنوهد",
    "urdu": "ٹڈڑںےہھکگیابتسلمنو",
    "geez": _range(0x1200, 0x1350),
    "armenian": _range(0x0531, 0x0556) + _range(0x0561, 0x0586),
    "georgian": _range(0x10D0, 0x10FA),
}
DIGITS = ("0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹")
ZWNJ = "\u200c"


@st.composite
def word(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from([*SCRIPTS, "digits", "persian-zwnj", "mixed"]))
    if kind == "digits":
        return draw(st.text(st.sampled_from(draw(st.sampled_from(DIGITS))), min_size=1,
                            max_size=7))
    if kind == "persian-zwnj":  # a joiner inside a Persian word, between two letters
        a = draw(st.text(st.sampled_from(SCRIPTS["persian"]), min_size=1, max_size=4))
        b = draw(st.text(st.sampled_from(SCRIPTS["persian"]), min_size=1, max_size=4))
        return a + ZWNJ + b
    if kind == "mixed":  # a passport number, a Latin word with digits
        return draw(st.sampled_from("PABX")) + draw(st.text(st.sampled_from(DIGITS[0]),
                                                            min_size=1, max_size=7))
    return draw(st.text(st.sampled_from(SCRIPTS[kind]), min_size=1, max_size=8))


@st.composite
def token(draw: st.DrawFn) -> str:
    w = draw(word())
    shape = draw(st.sampled_from(["plain", "plain", "paren", "bracket", "comma", "guillemet"]))
    return {"plain": w, "paren": f"({w})", "bracket": f"[{w}]", "comma": f"{w},",
            "guillemet": f"«{w}»"}[shape]


line = st.lists(token(), min_size=1, max_size=6).map(" ".join)


def _fold(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", c) if "\ufb50" <= c <= "\ufeff" else c
                   for c in s)


def extracted_lines(paragraphs: list[str], width: float = 480) -> list[str]:
    """Print each string as one ``Text`` (production markup via ``esc``) in a frame
    ``width`` points wide and read the PDF back: the text lines, folded."""
    style = ParagraphStyle("t", parent=styles().cell, fontSize=9, leading=13)
    buf = io.BytesIO()
    margin = (A4[0] - width) / 2
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=margin, rightMargin=margin).build(
        [Text(esc(p), style) for p in paragraphs])
    reader = pypdf.PdfReader(io.BytesIO(buf.getvalue()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [_fold(ln) for ln in text.split("\n")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=8))
def test_extracted_text_equals_the_logical_input_line_by_line(lines: list[str]) -> None:
    assert extracted_lines(lines) == lines


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(token(), min_size=6, max_size=16).map(" ".join).filter(lambda s: len(s) > 50))
def test_wrapped_lines_read_back_in_logical_order(paragraph: str) -> None:
    got = extracted_lines([paragraph], width=110)
    assert len(got) > 1  # it did wrap
    assert " ".join(got) == paragraph  # each line holds the next words, in order


def test_the_property_catches_a_line_in_visual_order() -> None:
    # the old pipeline reordered before drawing: the text layer read in visual order
    assert extracted_lines(["سلمى حداد (HADDAD Salma, P1234567)"]) == [
        "سلمى حداد (HADDAD Salma, P1234567)"]
    assert extracted_lines(["سلمى حداد"]) != ["داده ىملس"]


# --------------------------------------------------------------------- the concrete cases

def _text(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [_fold(ln) for page in reader.pages for ln in page.extract_text().split("\n")]


def test_arabic_release_to_with_latin_name_and_passport_on_the_briefing() -> None:
    release = "سلمى حداد (HADDAD Salma, P1234567)"
    doc = sample_briefing()
    minors = [p for p in doc.passengers if p.is_minor_unaccompanied]
    assert minors
    changed = tuple(dataclasses.replace(p, release_to=release)
                    if p.is_minor_unaccompanied else p for p in doc.passengers)
    lines = _text(build_escort_briefing(dataclasses.replace(doc, passengers=changed)))
    at = next(i for i, ln in enumerate(lines) if "Release only to:" in ln)
    # wrapped in logical order: the lines from "Release only to:" read the value whole,
    # the Arabic first, the brackets the right way round
    joined = " ".join(lines[at:at + 3])
    assert f"Release only to: {release}" in joined, lines[at:at + 3]


def test_a_decomposed_vietnamese_surname_prints_composed() -> None:
    doc = sample_handover()
    nfd_surname, nfd_given = "Nguye\u0302\u0303n", "Thi\u0323 A\u0301nh"
    first = dataclasses.replace(doc.passengers[0], surname=nfd_surname,
                                given_names=nfd_given, native_name=None)
    pdf = build_handover_manifest(dataclasses.replace(
        doc, passengers=(first, *doc.passengers[1:])))
    text = "\n".join(_text(pdf))
    assert "NGUYỄN, Thị Ánh" in text
    assert not any(unicodedata.category(c) == "Mn" for c in text)  # no loose marks


def test_an_emoji_in_a_given_name_is_reported_on_the_document() -> None:
    doc = sample_handover()
    first = dataclasses.replace(doc.passengers[0], given_names="Salma \U0001F600")
    pdf = build_handover_manifest(dataclasses.replace(
        doc, passengers=(first, *doc.passengers[1:])))
    text = "\n".join(_text(pdf))
    assert "HADDAD, Salma \ufffd" in text  # a visible mark where the emoji was
    assert "(not printable here: U+1F600)" in text


def test_receiving_party_in_arabic_keeps_the_sentence_in_order() -> None:
    doc = dataclasses.replace(sample_handover(), receiving_party="جمعية الهلال 2")
    text = "\n".join(_text(build_handover_manifest(doc)))
    assert "Handed over to جمعية الهلال 2: 14 passengers in" in text


# --------------------------------------------------------------------- the plain path
# Left-to-right text of the Latin fonts only is drawn as runs, without the pipeline
# (``Text._runs``); it must read back exactly as the pipeline's output did.

def test_plain_latin_takes_the_plain_path_and_reads_back_whole() -> None:
    cell = styles().cell
    name = Text("<b>HADDAD</b>, Salma-Nguyễn (P1234567) – 12 €", cell)
    assert name._runs is not None and len(name._runs[0]) == 2  # bold run, regular run
    assert extracted_lines(["HADDAD, Salma-Nguyễn (P1234567) – 12 €"]) == [
        "HADDAD, Salma-Nguyễn (P1234567) – 12 €"]
    assert Text("Salma", cell).as_plain_string(100) == "Salma"
    assert Text("<b>WCHR</b>", cell).as_plain_string(100) is None  # bold: a flowable


def test_text_with_another_script_or_direction_takes_the_pipeline() -> None:
    cell = styles().cell
    assert Text(esc("HADDAD Salma سلمى"), cell)._runs is None
    assert Text("Ոսկանյան", cell)._runs is None  # Armenian font
    assert Text("q\u0301", cell)._runs is None  # a mark NFC cannot compose


def test_a_plain_line_too_wide_for_its_column_wraps_in_order() -> None:
    paragraph = "HADDAD Salma Yusuf Layla Omar Huda Karim Najjar Saffar Khayat"
    got = extracted_lines([paragraph], width=110)
    assert len(got) > 1 and " ".join(got) == paragraph


RTL_PARTS = (SCRIPTS["arabic"][:6], SCRIPTS["persian"][:4], "שלום", " ", "  ", "\u064e",
             "\u0651", "\u2068", "\u2069", "a", "1", "٣", "(", ",", "\u200c")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RTL_PARTS), min_size=1, max_size=8).map("".join),
       st.booleans(), st.booleans())
def test_quick_bidi_levels_equal_python_bidi(text: str, isolated: bool, rtl: bool) -> None:
    # levels() answers right-to-left-only lines (and such a line set apart as an
    # isolate, as esc() does for names) without python-bidi: same levels as python-bidi
    text = f"\u2068{text}\u2069" if isolated else text
    assert levels(text, rtl) == bidi_levels(text, rtl)
