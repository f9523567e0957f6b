"""Scripts and fonts: shaping, reordering, per-script font runs, vendored fonts."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import unicodedata
from pathlib import Path

from movements.manifests import text
from movements.manifests.lines import (
    Char,
    glyphs,
    layout_line,
    parse,
    visual_order,
    width,
    wrap,
)
from movements.manifests.text import ETHIOPIC, NASKH, SANS, printable

FONTS = Path(text.__file__).with_name("fonts")


def test_vendored_fonts_match_checksums_and_carry_the_licence() -> None:
    sums = (FONTS / "SHA256SUMS").read_text().split("\n")
    entries = [line.split() for line in sums if line.strip()]
    assert {name for _, name in entries} == {
        "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoNaskhArabic-Regular.ttf",
        "NotoSansEthiopic-Regular.ttf", "NotoSansArmenian-Regular.ttf",
        "NotoSansGeorgian-Regular.ttf"}
    for digest, name in entries:
        assert hashlib.sha256((FONTS / name).read_bytes()).hexdigest() == digest, name
    licence = (FONTS / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence and "Google" in licence
    assert sum((FONTS / n).stat().st_size for _, n in entries) < 2_000_000


def _drawn(text: str, rtl: bool | None = None) -> str:
    """The line as drawn, left to right (presentation forms, mirrored brackets)."""
    gs, _, _ = layout_line([Char(c) for c in text], text_mod_rtl(text) if rtl is None else rtl)
    return "".join(gs[i].draw for i in visual_order(gs))


def text_mod_rtl(s: str) -> bool:
    return text.base_rtl(s)


def test_arabic_is_shaped_into_presentation_forms_in_visual_order() -> None:
    name = "سلمى حداد"
    v = _drawn(name)
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in v if not c.isspace())
    # visual order is the logical order reversed; folding the forms gives the name back
    assert unicodedata.normalize("NFKC", v[::-1]) == name
    assert "\ufeb3" in v  # SEEN initial form


def test_allah_word_ligature_is_not_used_in_names() -> None:
    assert "\ufdf2" not in _drawn("عبد الله")


def test_ltr_text_is_untouched() -> None:
    for s in ("Олена Миронюк", "ሰላም ተስፋዬ", "HADDAD, Salma", "Հայկ", "გიორგი"):
        assert _drawn(s) == s


def test_fonts_follow_the_script_and_spaces_stay_in_the_run() -> None:
    gs = glyphs([Char(c) for c in "Salma سلمى ሰላም Հայկ გიორგი"], False)
    fonts = {g.chars: g.font for g in gs}
    assert fonts["S"] == SANS and fonts["س"] == NASKH and fonts["ሰ"] == ETHIOPIC
    assert fonts["Հ"] == text.ARMENIAN and fonts["გ"] == text.GEORGIAN
    arabic = glyphs([Char(c) for c in "يوسف كريم حداد"], True)
    assert {g.font for g in arabic} == {NASKH}  # the spaces too: one run


def test_markup_is_parsed_and_unescaped() -> None:
    lines = parse("<b>A</b> &amp; B &lt;c&gt;<br/>x")
    assert ["".join(c.ch for c in ln) for ln in lines] == ["A & B <c>", "x"]
    assert lines[0][0].bold and not lines[0][1].bold


def test_long_rtl_name_breaks_in_logical_order() -> None:
    name = "يوسف كريم عبد الرحمن حداد"
    chars = [Char(c) for c in name]
    avail = width([Char(c) for c in "يوسف كريم"], True) + 0.1
    lines = wrap(chars, avail, True)
    assert len(lines) >= 2
    assert "".join(c.ch for c in lines[0]).startswith("يوسف")


def test_printable() -> None:
    assert printable("سلمى Олена ሰላም Ærø Հայկ გიორგი پریسا ٹڈڑ")
    assert not printable("王小明")


def test_pdf_edge_imports_no_database_http_or_asyncio() -> None:
    code = ("import sys, movements.manifests, movements.manifests.samples; "
            "bad = [m for m in ('asyncio', 'sqlalchemy', 'httpx', 'litestar', 'redis') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
