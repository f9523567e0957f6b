"""Fonts and scripts: how names in Arabic, Cyrillic and Ge'ez reach the page correctly.

Choice: **arabic-reshaper + python-bidi, with a per-character font chain**, not
ReportLab's own shaping.

* ReportLab 5.1 can shape through HarfBuzz (``ParagraphStyle(shaping=1)`` with the
  optional ``uharfbuzz`` package, extra ``reportlab[shaping]``) and reorder
  right-to-left text through ``rlbidi`` (extra ``reportlab[bidi]``).  ``rlbidi`` is not
  on PyPI (ReportLab publishes it on its own index), so only shaping was available:
  each Arabic word came out joined, but the words of a multi-word name stood in
  left-to-right order, and glyphs that the font's cmap does not name (most
  contextual forms) were written as private-use characters, so the text layer of the
  PDF (search, copy, pypdf) read as ``\\ue000``-garbage.  A handover manifest is a
  record that people search and copy names from, so that was a dealbreaker.
* ``arabic_reshaper`` maps each Arabic letter to its Unicode *presentation form*
  (isolated/initial/medial/final, lam-alef ligatures) and ``bidi.get_display``
  (python-bidi, Rust ``unicode-bidi``) puts the line into visual order.  Noto Naskh
  Arabic has cmap entries for the presentation forms, so ReportLab draws them with a
  plain TTF font and the PDF text layer holds real code points: pypdf extracts them,
  and NFKC normalisation gives the logical-order name back (the tests rely on that).
  The cost: no mark positioning (harakat are dropped, which names in travel documents
  do not carry) and line breaking must happen in logical order before reordering, which
  :mod:`movements.manifests.lines` (the one text pipeline) does.  The "Allah" word
  ligature is switched off so names print letter by letter as in the document.
* Cyrillic is in Noto Sans; Ge'ez (Amharic, Tigrinya) is a syllabary with one glyph per
  code point and needs no shaping, only Noto Sans Ethiopic.

Fonts: the Noto TTFs used (~1.5 MB, SIL OFL 1.1, licence in ``fonts/OFL.txt``) are
vendored in ``fonts/`` so that the package renders the same on any machine.  If the
folder is missing (a wheel built without package data), the Debian ``fonts-noto-core``
paths are tried.  Each character goes to the first font in its script's chain whose
cmap has it (Arabic -> Naskh, Ethiopic -> Noto Sans Ethiopic, Armenian and Georgian ->
their Noto Sans, everything else -> Noto Sans), so spaces and punctuation stay in the
surrounding run (:func:`font_for`).  Characters no font has
(e.g. Han, Hebrew) are reported by :func:`printable` so that a document can say so
instead of printing empty boxes.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bidi.mirror import MIRRORED
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

if TYPE_CHECKING:
    import arabic_reshaper

FONT_DIR = Path(__file__).with_name("fonts")
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/noto"),
    Path("/usr/share/fonts/google-noto"),
)

SANS = "MvSans"
SANS_BOLD = "MvSans-Bold"
NASKH = "MvNaskhArabic"
ETHIOPIC = "MvSansEthiopic"
ARMENIAN = "MvSansArmenian"
GEORGIAN = "MvSansGeorgian"
MIRROR = {SANS: "MvSans-Mirrored", SANS_BOLD: "MvSans-Bold-Mirrored"}
"""Noto Sans with the cmap entries of each mirrored pair (brackets, guillemets...)
swapped: a right-to-left run draws ``(`` with the glyph of ``)`` and the text layer of
the PDF still says ``(`` (see ``lines``)."""

_FILES = {
    SANS: "NotoSans-Regular.ttf",
    SANS_BOLD: "NotoSans-Bold.ttf",
    NASKH: "NotoNaskhArabic-Regular.ttf",
    ETHIOPIC: "NotoSansEthiopic-Regular.ttf",
    ARMENIAN: "NotoSansArmenian-Regular.ttf",
    GEORGIAN: "NotoSansGeorgian-Regular.ttf",
}

_lock = threading.Lock()
_cmaps: dict[str, frozenset[int]] = {}

#: Made on first use (``reshaper()``): importing arabic_reshaper (and the fontTools
#: modules it loads) cost every process that checks a name's characters (the passenger
#: import, every server) ~0.3 s of CPU, and only drawing Arabic needs it.
_reshaper: arabic_reshaper.ArabicReshaper | None = None
_reshaper_lock = threading.Lock()


class _SettingsReadOnce:
    """The reshaper's settings, each resolved once.  ``ArabicReshaper.reshape`` reads six
    of them from its ``configparser`` section on every call, and configparser resolves
    (interpolates) a value on every read: that was a third of the time of shaping a
    manifest's 400 Arabic names (bench/manifest.py, cProfile).  The settings never
    change after the reshaper is made."""

    def __init__(self, section: Any) -> None:
        self._section = section
        self._values: dict[tuple[str, str], Any] = {}

    def _read(self, how: str, key: str, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return getattr(self._section, how)(key, *args, **kwargs)
        try:
            return self._values[how, key]
        except KeyError:
            value = self._values[how, key] = getattr(self._section, how)(key)
            return value

    def get(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self._read("get", key, *args, **kwargs)

    def getboolean(self, key: str, *args: Any, **kwargs: Any) -> Any:
        return self._read("getboolean", key, *args, **kwargs)




class _ReWithoutRehash:
    """``re`` as ``arabic_reshaper`` sees it, except ``finditer`` on a compiled pattern:
    the reshaper calls ``re.finditer(self._ligatures_re, text)`` once per string, and
    ``re`` looks a compiled pattern up in its cache by hashing it, which walks the
    compiled code of the reshaper's pattern (hundreds of ligatures): about 1 ms per
    name, more than the shaping itself.  The same call on the pattern gives the same
    matches."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def finditer(pattern: Any, string: str, flags: int = 0) -> Any:
        if isinstance(pattern, re.Pattern) and not flags:
            return pattern.finditer(string)
        return re.finditer(pattern, string, flags)




def _find(filename: str) -> Path:
    for d in (FONT_DIR, *SYSTEM_FONT_DIRS):
        p = d / filename
        if p.is_file():
            return p
    raise FileNotFoundError(
        f"font {filename} not found in {FONT_DIR} nor in the system Noto folders; "
        "restore movements/manifests/fonts/ or apt-get install fonts-noto-core "
        "fonts-noto-extra")


def register_fonts() -> None:
    """Register the fonts with ReportLab once per process (thread-safe, idempotent)."""
    if _cmaps:
        return
    with _lock:
        if _cmaps:
            return
        cmaps: dict[str, frozenset[int]] = {}
        for name, filename in _FILES.items():
            # shapable=False: identical output whether or not uharfbuzz happens to be
            # installed; shaping is done by arabic_reshaper (see module docstring).
            font = TTFont(name, str(_find(filename)), shapable=False)
            pdfmetrics.registerFont(font)
            cmaps[name] = frozenset(font.face.charToGlyph)
            if name in MIRROR:
                mirrored = TTFont(MIRROR[name], str(_find(filename)), shapable=False)
                # ReportLab shares one face per file: give this font its own cmap
                mirrored.face = copy.copy(mirrored.face)
                # and its own face name: registerFont maps a second font of a known
                # face name to the first font
                mirrored.face.name = mirrored.face.name + b"-Mirrored"
                glyph = mirrored.face.charToGlyph = dict(font.face.charToGlyph)
                widths = mirrored.face.charWidths = dict(font.face.charWidths)
                for a, b in MIRRORED.items():
                    ca, cb = ord(a), ord(b)
                    if ca in font.face.charToGlyph and cb in font.face.charToGlyph:
                        glyph[ca] = font.face.charToGlyph[cb]
                        widths[ca] = font.face.charWidths.get(cb, widths.get(ca, 0))
                pdfmetrics.registerFont(mirrored)
                cmaps[MIRROR[name]] = frozenset(
                    ord(a) for a, b in MIRRORED.items()
                    if ord(a) in font.face.charToGlyph and ord(b) in font.face.charToGlyph)
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(SANS, bold, italic, SANS_BOLD if bold else SANS)
                addMapping(NASKH, bold, italic, NASKH)
                addMapping(ETHIOPIC, bold, italic, ETHIOPIC)
                addMapping(ARMENIAN, bold, italic, ARMENIAN)
                addMapping(GEORGIAN, bold, italic, GEORGIAN)
        _cmaps.update(cmaps)


def _is_arabic(cp: int) -> bool:
    return (0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or 0x08A0 <= cp <= 0x08FF
            or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF)


def _is_ethiopic(cp: int) -> bool:
    return (0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F
            or 0x1E7E0 <= cp <= 0x1E7FF)


def _is_armenian(cp: int) -> bool:
    return 0x0530 <= cp <= 0x058F or 0xFB13 <= cp <= 0xFB17


def _is_georgian(cp: int) -> bool:
    return 0x10A0 <= cp <= 0x10FF or 0x2D00 <= cp <= 0x2D2F or 0x1C90 <= cp <= 0x1CBF


def is_arabic_letter(ch: str) -> bool:
    """True for a character of the Arabic script blocks (letters, marks, digits)."""
    return _is_arabic(ord(ch))


def _chain(cp: int, bold: bool) -> tuple[str, ...]:
    sans = SANS_BOLD if bold else SANS
    if _is_arabic(cp):
        return (NASKH, sans, ETHIOPIC)
    if _is_ethiopic(cp):
        return (ETHIOPIC, sans, NASKH)
    if _is_armenian(cp):
        return (ARMENIAN, sans)
    if _is_georgian(cp):
        return (GEORGIAN, sans)
    return (sans, NASKH, ETHIOPIC, ARMENIAN, GEORGIAN)


def font_for(ch: str, bold: bool, previous: str | None = None, *,
             mirrored: bool = False) -> str:
    """The font that draws ``ch`` (the first character of a drawn cluster): the
    mirrored Noto Sans for a bracket in a right-to-left run, the previous glyph's font
    for spaces, punctuation, digits and format characters it has (so that they stay in
    the run of the script around them), else the first font of the script's chain that
    has it."""
    register_fonts()
    return _font_for(ch, bold, previous, mirrored)


# Per character, not per string: a manifest asks the same few hundred characters tens of
# thousands of times, and the answer only depends on the fonts (registered once).
@functools.lru_cache(maxsize=16384)
def _font_for(ch: str, bold: bool, previous: str | None, mirrored: bool) -> str:
    cp = ord(ch)
    if mirrored:
        m = MIRROR[SANS_BOLD if bold else SANS]
        if cp in _cmaps[m]:
            return m
    if previous is not None and previous not in MIRROR.values() and cp in _cmaps[previous] \
            and (_neutral(ch) or unicodedata.category(ch) in ("Cf", "Mn")):
        return previous
    chain = _chain(cp, bold)
    return next((f for f in chain if cp in _cmaps[f]), chain[0])


def reshaper() -> arabic_reshaper.ArabicReshaper:
    """The configured Arabic shaper (no harakat, no "Allah" word ligature), made once per
    process on first use (thread-safe)."""
    global _reshaper
    if _reshaper is None:
        with _reshaper_lock:
            if _reshaper is None:
                import arabic_reshaper
                import arabic_reshaper.arabic_reshaper as reshaper_module

                made = arabic_reshaper.ArabicReshaper(configuration={
                    "delete_harakat": True,
                    "ARABIC LIGATURE ALLAH": False,
                })
                made.configuration = _SettingsReadOnce(made.configuration)
                reshaper_module.re = _ReWithoutRehash()  # type: ignore[assignment]
                _reshaper = made
    return _reshaper


def _neutral(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "ZPS" or ch.isdigit()


def is_rtl(text: str) -> bool:
    """True if the text contains right-to-left letters (Arabic, Hebrew, ...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def base_rtl(text: str) -> bool:
    """True if the first strong character is right-to-left (paragraph direction)."""
    for ch in text:
        d = unicodedata.bidirectional(ch)
        if d in ("R", "AL"):
            return True
        if d == "L":
            return False
    return False


def drawable(ch: str) -> bool:
    """True if some bundled font draws ``ch`` (whitespace and format characters draw
    nothing and count as drawable)."""
    register_fonts()
    return _drawable(ch)


@functools.lru_cache(maxsize=16384)  # only called once the fonts are registered
def _drawable(ch: str) -> bool:
    # whitespace and format characters (joiners, direction marks) draw nothing
    if ch.isspace() or unicodedata.category(ch) == "Cf":
        return True
    return any(ord(ch) in _cmaps[f] for f in _chain(ord(ch), False))


def printable(text: str) -> bool:
    """True if every character has a glyph in one of the registered fonts."""
    register_fonts()
    return all(_drawable(ch) for ch in text)


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` (NFC) that no bundled font can draw, each once, in
    order of appearance (e.g. an emoji, Han); empty if all print."""
    register_fonts()
    seen: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch not in seen and not _drawable(ch):
            seen.append(ch)
    return seen
