"""Scripts and fonts: shaping, reordering, per-script font runs, vendored fonts."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from movements.manifests import text
from movements.manifests.text import (
    ETHIOPIC,
    NASKH,
    SANS,
    markup,
    printable,
    rich_lines,
    text_width,
    visual,
)

FONTS = Path(text.__file__).with_name("fonts")


def test_vendored_fonts_match_checksums_and_carry_the_licence() -> None:
    sums = (FONTS / "SHA256SUMS").read_text().split("\n")
    entries = [line.split() for line in sums if line.strip()]
    assert {name for _, name in entries} == {
        "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoNaskhArabic-Regular.ttf",
        "NotoSansEthiopic-Regular.ttf"}
    for digest, name in entries:
        assert hashlib.sha256((FONTS / name).read_bytes()).hexdigest() == digest, name
    licence = (FONTS / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE" in licence and "Google" in licence
    assert sum((FONTS / n).stat().st_size for _, n in entries) < 2_000_000


def test_arabic_is_shaped_into_presentation_forms_in_visual_order() -> None:
    name = "سلمى حداد"
    v = visual(name)
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in v if not c.isspace())
    # visual order is the logical order reversed; folding the forms gives the name back
    assert unicodedata.normalize("NFKC", v[::-1]) == name
    # contextual forms: initial seen (U+FEB3), final meem-alef-maqsura etc. differ from
    # the isolated form of the same letter
    assert "\ufeb3" in v  # SEEN initial form


def test_allah_word_ligature_is_not_used_in_names() -> None:
    assert "\ufdf2" not in visual("عبد الله")


def test_ltr_text_is_untouched() -> None:
    for s in ("Олена Миронюк", "ሰላም ተስፋዬ", "HADDAD, Salma"):
        assert visual(s) == s


def test_font_runs_follow_the_script() -> None:
    m = markup(visual("Salma سلمى ሰላም"))
    assert f'<font name="{NASKH}">' in m
    assert f'<font name="{ETHIOPIC}">' in m
    assert f'"{SANS}"' not in m  # Latin is left to the paragraph's own (Noto Sans) font
    # spaces between Arabic words stay in the Arabic run (one run, not three)
    assert markup(visual("يوسف كريم حداد")).count("<font") == 1


def test_markup_escapes_xml() -> None:
    assert markup("A & B <c>") == "A &amp; B &lt;c&gt;"


def test_long_rtl_name_breaks_in_logical_order() -> None:
    name = "يوسف كريم عبد الرحمن حداد"
    width = text_width("يوسف كريم", 9.5) + 2
    lines = rich_lines(name, width, 9.5).split("<br/>")
    assert len(lines) >= 2
    first = unicodedata.normalize("NFKC", re.sub(r"<[^>]+>", "", lines[0])[::-1])
    assert first.startswith("يوسف")


def test_printable() -> None:
    assert printable("سلمى Олена ሰላም Ærø")
    assert not printable("王小明")


def test_pdf_edge_imports_no_database_http_or_asyncio() -> None:
    code = ("import sys, movements.manifests, movements.manifests.samples; "
            "bad = [m for m in ('asyncio', 'sqlalchemy', 'httpx', 'litestar', 'redis') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
