"""The one text pipeline of the documents: logical-order text in, lines on paper out.

Every string a document prints (names, release-to, notes, receiving party, labels)
goes through :class:`Text`, a flowable that

1. takes the builders' small markup (``<b>``, ``<br/>``, ``<font color>``, entities)
   and normalises the text to NFC (a decomposed Vietnamese surname otherwise prints its
   marks beside the letters);
2. replaces every character that no bundled font can draw by U+FFFD and says so on the
   document, "(not printable here: U+1F319)", instead of dropping it;
3. breaks lines in *logical* order (measured after shaping), so the first words of a
   right-to-left name stay on the first line;
4. then, per line, resolves the Unicode bidirectional levels (python-bidi, UAX #9 with
   bracket pairs; the paragraph direction taken from the whole paragraph), shapes
   Arabic-script runs into presentation forms (arabic-reshaper), mirrors brackets in
   right-to-left runs, picks a font per character (``text.font_for``) and places the
   glyphs in visual order (rule L2);
5. and writes the line to the PDF in pieces, *in logical order*, each piece at its
   visual position.

Why the pieces: the PDF text layer is what people search and copy from, and the tests
read it with pypdf.  pypdf reads a content stream in stream order and reverses every
stretch of right-to-left letters (``pypdf._text_extraction.get_display_str``), with
neutral characters joining the direction before them, and a font change (``Tf``) or a
new text object ending a stretch.  A line drawn in visual order came out with its runs
swapped ("the Latin part first").  So each piece is one font subset, one level and one
direction for pypdf; a right-to-left piece is drawn in visual order and begins (in the
stream) with a right-to-left letter, so that pypdf turns exactly that piece back; a
neutral character that would start a piece stands alone (one character reads the same
either way).  Brackets mirrored for display are drawn from a font whose cmap swaps the
pair (``text.MIRROR``), so the glyph is ``)`` and the text layer still says ``(``.
pypdf adds a space when the next piece starts more than half a space to the right of
where the last one ended; for a jump to the right the last glyph of the piece before is
drawn with that much character spacing (``Tc``), which moves nothing on paper.

Format characters (ZWJ, ZWNJ, direction marks) stay in the run of the script around
them: they take that run's level and font (the fonts carry zero-width glyphs for them),
so the joins they control survive.  Isolates the builders put around interpolated
values (U+2066..U+2069) steer the bidi algorithm and are not drawn.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from bidi import get_display
from bidi.mirror import MIRRORED
from reportlab.lib.colors import Color, toColor
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from . import text as tx

PLACEHOLDER = "\ufffd"
ISOLATES = frozenset("\u2066\u2067\u2068\u2069")
FSI, PDI = "\u2068", "\u2069"


# --------------------------------------------------------------------------- markup

class Char(NamedTuple):
    """One character of a paragraph with its style.  (A named tuple, not a dataclass:
    a manifest makes tens of thousands, and a frozen dataclass is slow to make.)"""

    ch: str
    bold: bool = False
    color: str | None = None
    draw: bool = True


_TOKEN = re.compile(r"<br\s*/?>|</?b>|<font\b[^>]*>|</font>|[^<]+|<", re.I)
_COLOR = re.compile(r'color\s*=\s*"([^"]+)"', re.I)


def parse(markup: str) -> list[list[Char]]:
    """The builders' markup as logical lines (split at ``<br/>``) of styled characters.

    Known tags: ``<b>``, ``<br/>``, ``<font color="...">`` (a ``name=`` is ignored: the
    font follows the script).  Text is unescaped and normalised to NFC."""
    lines: list[list[Char]] = [[]]
    bold = 0
    colors: list[str | None] = []
    for m in _TOKEN.finditer(markup):
        tok = m.group(0)
        low = tok.lower()
        if low.startswith("<br"):
            lines.append([])
        elif low == "<b>":
            bold += 1
        elif low == "</b>":
            bold = max(0, bold - 1)
        elif low.startswith("<font"):
            c = _COLOR.search(tok)
            colors.append(c.group(1) if c else (colors[-1] if colors else None))
        elif low == "</font>":
            if colors:
                colors.pop()
        else:
            color = colors[-1] if colors else None
            for ch in unicodedata.normalize("NFC", html.unescape(tok)):
                lines[-1].append(Char(ch, bold > 0, color, ch not in ISOLATES))
    return lines


def isolate(value: str) -> str:
    """``value`` between FSI and PDI when it holds right-to-left letters, so that an
    interpolated name keeps its own direction and does not pull the punctuation and
    numbers around it into its run."""
    return f"{FSI}{value}{PDI}" if tx.is_rtl(value) else value


# --------------------------------------------------------------------------- glyphs

class Glyph(NamedTuple):
    """What is drawn for one or more logical characters (a lam-alef ligature is two).
    A named tuple, as ``Char``."""

    chars: str          # logical characters, what the text layer must say
    draw: str           # what is drawn (presentation form, or the character itself)
    font: str
    bold: bool
    color: str | None
    level: int
    width: float        # at size 1
    visible: bool = True
    invisible_ink: bool = False
    """A format character (ZWJ, ZWNJ, a direction mark): in the text layer, not on paper
    (drawn alone, in text render mode 3)."""


_RTL_RUN = frozenset({"R", "AL", "WS", "NSM"})
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")
_RESHAPER = tx.reshaper()


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved bidi level of each character of one line (UAX #9 as python-bidi's
    Rust core resolves it, paragraph direction given)."""
    if not text:
        return []
    if not rtl and not any(unicodedata.bidirectional(c) in (
            "R", "AL", "AN", "RLE", "RLO", "RLI", "FSI") for c in text):
        return [0] * len(text)
    if rtl:
        # Right-to-left letters, with spaces and marks between them, in a right-to-left
        # paragraph: all level 1 (UAX #9 W1: a mark takes the letter's class; N1: a
        # space between R takes R; L1: trailing spaces take the paragraph's level).
        # Set apart as an isolate (``esc``): the FSI resolves to RLI (X5c), its content
        # one odd level up, 3 (X5a), the FSI and PDI themselves at 1.
        # tests/manifests/test_text_pipeline.py checks these against python-bidi.
        if text[0] == FSI and text[-1] == PDI and len(text) > 2 and \
                _rtl_run(text[1:-1]) and text[1] not in " ":
            return [1, *[3] * (len(text) - 2), 1]
        if _rtl_run(text):
            return [1] * len(text)
    return bidi_levels(text, rtl)


def bidi_levels(text: str, rtl: bool) -> list[int]:
    """``levels`` as python-bidi resolves them, without the quick cases."""
    if not text:
        return []
    debug = str(get_display(text, base_dir="R" if rtl else "L", debug=True))
    part = debug[debug.index("levels:"):debug.index("paragraphs:")]
    per_byte = [int(x) for x in _LEVEL.findall(part)]
    out: list[int] = []
    i = 0
    for ch in text:
        out.append(per_byte[i] if i < len(per_byte) else (1 if rtl else 0))
        i += len(ch.encode("utf-8"))
    return out


def _rtl_run(text: str) -> bool:
    """Only right-to-left letters, spaces and marks (``levels``' quick cases)."""
    return all(unicodedata.bidirectional(c) in _RTL_RUN for c in text) and any(
        unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _shape(chars: Sequence[Char]) -> list[tuple[str, str]]:
    """(logical chars, drawn string) per cluster of one run of Arabic-script text."""
    logical = "".join(c.ch for c in chars)
    shaped = _RESHAPER.reshape(logical)
    out: list[tuple[str, str]] = []
    i = j = 0
    while i < len(logical):
        if j >= len(shaped):
            out.append((logical[i], logical[i]))
            i += 1
            continue
        folded = unicodedata.normalize("NFKC", shaped[j])
        if folded == logical[i] or shaped[j] == logical[i]:
            out.append((logical[i], shaped[j]))
            i += 1
            j += 1
        elif len(folded) > 1 and logical.startswith(folded, i):
            out.append((folded, shaped[j]))
            i += len(folded)
            j += 1
        elif unicodedata.category(logical[i]) == "Mn":  # a deleted mark: keep it as is
            out.append((logical[i], logical[i]))
            i += 1
        else:
            out.append((logical[i], shaped[j]))
            i += 1
            j += 1
    return out


@functools.lru_cache(maxsize=16384)
def _width(drawn: str, font: str) -> float:
    """Width at size 1 of a drawn cluster (the same clusters recur on every row)."""
    return sum(pdfmetrics.stringWidth(d, font, 1) for d in drawn)


def glyphs(line: Sequence[Char], rtl: bool) -> list[Glyph]:
    """The glyphs of one line in logical order, with level, font and width."""
    text = "".join(c.ch for c in line)
    lv = levels(text, rtl)
    out: list[Glyph] = []
    i = 0
    prev_font: str | None = None
    while i < len(line):
        # a run of one level with Arabic-script letters is shaped as a whole
        j = i
        while j < len(line) and lv[j] == lv[i]:
            j += 1
        run = line[i:j]
        if lv[i] % 2 == 1 and any(tx.is_arabic_letter(c.ch) for c in run):
            clusters = _shape(run)
        else:
            clusters = [(c.ch, c.ch) for c in run]
        k = i
        for logical, drawn in clusters:
            c = line[k]
            level = lv[k]
            k += len(logical)
            visible = c.draw
            mirrored = level % 2 == 1 and drawn in MIRRORED and len(drawn) == 1
            font = tx.font_for(drawn, c.bold, prev_font, mirrored=mirrored)
            prev_font = font
            fmt = _is_format(drawn[0])
            width = 0.0 if fmt or not visible else _width(drawn, font)
            out.append(Glyph(logical, drawn, font, c.bold, c.color, level, width, visible,
                             fmt))
        i = j
    return out


@lru_cache(maxsize=4096)
def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def visual_order(gs: Sequence[Glyph]) -> list[int]:
    """Indexes of ``gs`` in visual (left-to-right) order, UAX #9 rule L2."""
    order = list(range(len(gs)))
    if not gs:
        return order
    top = max(g.level for g in gs)
    lowest_odd = min((g.level for g in gs if g.level % 2), default=top + 1)
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if gs[order[i]].level >= level:
                j = i
                while j < len(order) and gs[order[j]].level >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order


# --------------------------------------------------------------------------- pieces

def _pypdf_class(ch: str) -> str:
    """How pypdf's text extraction treats a character: "R" reversed, "N" neutral (takes
    the direction before it), "L" left to right (``pypdf._utils``)."""
    if ("\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufdff"
            or "\ufe70" <= ch <= "\ufeff") and not (
            "\u0660" <= ch <= "\u066d" or "\u06f0" <= ch <= "\u06f9"):
        return "R"
    if (ch <= "\x2f" or "\x3a" <= ch <= "\x40" or "\u0660" <= ch <= "\u066d"
            or "\u06f0" <= ch <= "\u06f9" or "\u2000" <= ch <= "\u206f"
            or "\u20a0" <= ch <= "\u21ff"):
        return "N"
    return "L"


def _glyph_class(g: Glyph) -> str:
    return _drawn_class(g.draw)


@lru_cache(maxsize=4096)
def _drawn_class(drawn: str) -> str:
    classes = {_pypdf_class(c) for c in drawn}
    return "R" if "R" in classes else "L" if "L" in classes else "N"


@dataclass(slots=True)
class Piece:
    """Glyphs drawn as one string, in visual order, starting at ``x`` (size 1)."""

    glyphs: list[Glyph] = field(default_factory=list)
    x: float = 0.0


def pieces(gs: Sequence[Glyph], xs: Sequence[float],
           subset: Any = None) -> list[Piece]:
    """Split a line (glyphs in logical order, ``xs`` their visual x at size 1) into the
    pieces to draw, in stream (logical) order; see the module text for the rules.
    ``subset(glyph)`` tells the font subset a glyph lands in (pieces never span two)."""
    out: list[Piece] = []
    cur: list[int] = []

    def key(i: int) -> tuple[Any, ...]:
        g = gs[i]
        return (g.font, g.color, g.level, subset(g) if subset else 0)

    def flush() -> None:
        if not cur:
            return
        idx = list(cur)
        cur.clear()
        odd = gs[idx[0]].level % 2 == 1
        if odd:
            # the logically last glyph is the first drawn: it must be a right-to-left
            # letter; neutral glyphs after the last such letter stand alone
            last_r = max((n for n, i in enumerate(idx) if _glyph_class(gs[i]) == "R"),
                         default=-1)
            head, tail = idx[:last_r + 1], idx[last_r + 1:]
            if head:
                out.append(_piece(gs, xs, list(reversed(head))))
            for i in tail:
                out.append(_piece(gs, xs, [i]))
        else:
            out.append(_piece(gs, xs, idx))

    for i, g in enumerate(gs):
        if not g.visible:
            continue
        cls = _glyph_class(g)
        odd = g.level % 2 == 1
        if g.invisible_ink:
            flush()
            out.append(_piece(gs, xs, [i]))
            continue
        if cur and key(cur[-1]) != key(i):
            flush()
        if odd:
            if cls == "L":
                flush()
                out.append(_piece(gs, xs, [i]))
                continue
            cur.append(i)
        else:
            if cls == "R" or (not cur and cls == "N"):
                flush()
                out.append(_piece(gs, xs, [i]))
                continue
            cur.append(i)
    flush()
    return out


def _piece(gs: Sequence[Glyph], xs: Sequence[float], visual: list[int]) -> Piece:
    return Piece([gs[i] for i in visual], min(xs[i] for i in visual))


def layout_line(line: Sequence[Char], rtl: bool) -> tuple[list[Glyph], list[float], float]:
    """Glyphs (logical order), their visual x at size 1, and the line's width at size 1.
    The same line laid out twice gives the same (shared, read-only) lists."""
    return _layout_line(tuple(line), rtl)


@lru_cache(maxsize=4096)
def _layout_line(line: tuple[Char, ...], rtl: bool) -> tuple[list[Glyph], list[float], float]:
    gs = glyphs(line, rtl)
    xs = [0.0] * len(gs)
    x = 0.0
    for i in visual_order(gs):
        xs[i] = x
        x += gs[i].width
    return gs, xs, x


def draw_line(canv: Any, x0: float, y: float, size: float, gs: Sequence[Glyph],
              xs: Sequence[float], default_color: Color) -> None:
    """Draw one laid-out line at (x0, y) baseline, pieces in logical order."""
    doc = canv._doc
    # A character keeps the subset it was first put in for the whole document: asked
    # once per (font, character) and document, not once per glyph drawn.
    known: dict[tuple[str, str], int] = doc.__dict__.setdefault("_movements_subsets", {})

    def subset(g: Glyph) -> int:
        key = (g.font, g.draw[:1])
        found = known.get(key)
        if found is None:
            font = pdfmetrics.getFont(g.font)
            found = known[key] = int(font.splitString(g.draw[:1], doc)[0][0])
        return found

    # The same laid-out line (``layout_line`` hands out one list per distinct line) cut
    # into the same pieces: once per document (subsets are the document's).
    cut: dict[int, tuple[Sequence[Glyph], list[Piece]]] = doc.__dict__.setdefault(
        "_movements_pieces", {})
    hit = cut.get(id(gs))
    if hit is not None and hit[0] is gs:
        ps = hit[1]
    else:
        ps = pieces(gs, xs, subset)
        cut[id(gs)] = (gs, ps)  # holds gs: its id is not reused while the entry lives
    for n, p in enumerate(ps):
        end = p.x + sum(g.width for g in p.glyphs)
        gap = (ps[n + 1].x - end) * size if n + 1 < len(ps) else 0.0
        canv.setFillColor(toColor(p.glyphs[0].color) if p.glyphs[0].color else default_color)
        t = canv.beginText(x0 + p.x * size, y)
        t.setFont(p.glyphs[0].font, size)
        if p.glyphs[0].invisible_ink:
            t.setTextRenderMode(3)
        drawn = "".join(g.draw for g in p.glyphs)
        if gap > 0.01:
            # pypdf would read the jump to the next piece as a word gap: let the last
            # glyph's advance cover it (character spacing after the last glyph of a
            # text object moves nothing that is drawn)
            t.textOut(drawn[:-1])
            t.setCharSpace(gap)
            t.textOut(drawn[-1])
            t.setCharSpace(0)
        else:
            t.textOut(drawn)
        if p.glyphs[0].invisible_ink:
            t.setTextRenderMode(0)  # Tr is graphics state: it outlives the text object
        canv.drawText(t)


# --------------------------------------------------------------------------- wrapping

def _words(line: Sequence[Char]) -> Iterator[list[Char]]:
    word: list[Char] = []
    for c in line:
        if c.ch == " ":
            if word:
                yield word
            word = []
        else:
            word.append(c)
    if word:
        yield word


@lru_cache(maxsize=4096)
def _width_of(key: tuple[tuple[str, bool], ...], rtl: bool) -> float:
    chars = [Char(ch, bold) for ch, bold in key]
    return layout_line(chars, rtl)[2]


def width(chars: Sequence[Char], rtl: bool) -> float:
    """Printed width at size 1 (after shaping)."""
    return _width_of(tuple((c.ch, c.bold) for c in chars if c.draw), rtl)


def wrap(line: Sequence[Char], avail: float, rtl: bool) -> list[list[Char]]:
    """Break one logical line into lines no wider than ``avail`` (size 1), in logical
    order, at spaces; a word longer than a line is broken between characters."""
    if width(line, rtl) <= avail:
        return [list(line)]
    space = [Char(" ")]
    lines: list[list[Char]] = []
    cur: list[Char] = []
    for word in _words(line):
        candidate = [*cur, *space, *word] if cur else list(word)
        if cur and width(candidate, rtl) > avail:
            lines.append(cur)
            cur = list(word)
        else:
            cur = candidate
        while width(cur, rtl) > avail and len(cur) > 1:
            cut = len(cur) - 1
            while cut > 1 and width(cur[:cut], rtl) > avail:
                cut -= 1
            lines.append(cur[:cut])
            cur = cur[cut:]
    if cur or not lines:
        lines.append(cur)
    return lines


# --------------------------------------------------------------------------- flowable

def _unprintable(lines: list[list[Char]], muted: str) -> list[list[Char]]:
    missing: list[str] = []
    out = []
    for line in lines:
        new = []
        for c in line:
            if c.draw and not tx.drawable(c.ch):
                if c.ch not in missing:
                    missing.append(c.ch)
                new.append(c._replace(ch=PLACEHOLDER))
            else:
                new.append(c)
        out.append(new)
    if missing:
        note = "(not printable here: " + ", ".join(f"U+{ord(m):04X}" for m in missing) + ")"
        out.append([Char(ch, False, muted) for ch in note])
    return out


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a ``Text`` derives from its markup alone (see ``_prepare``)."""

    logical: tuple[tuple[Char, ...], ...]
    rtl: bool
    runs: list[list[tuple[str, str, str | None]]] | None
    widths: list[float]


@lru_cache(maxsize=4096)
def _prepare(markup: str, bold: bool, size: float) -> _Prepared:
    """Markup parsed, unprintable characters replaced, paragraph direction, and the
    plain runs with their widths at ``size``: the same for every ``Text`` of the same
    markup, weight and size (a manifest repeats many: headers, dashes, SSR codes,
    family names), so done once per process for each.  Shared read-only."""
    raw = parse(markup)
    if bold:
        raw = [[c._replace(bold=True) for c in line] for line in raw]
    logical = _unprintable(raw, "#5a5a5a")
    rtl = tx.base_rtl("".join(c.ch for line in logical for c in line))
    runs = None if rtl else _plain_runs(logical)
    widths = [sum(pdfmetrics.stringWidth(t, f, size) for t, f, _c in line)
              for line in runs] if runs is not None else []
    return _Prepared(tuple(tuple(line) for line in logical), rtl, runs, widths)


class Text(Flowable):
    """A paragraph of any script, laid out by this module (see the module text).

    Takes the same markup and ``ParagraphStyle`` as ReportLab's ``Paragraph`` (font size,
    leading, alignment, indents, colour, bold face, space before and after) and an
    optional ``bulletText``.
    """

    def __init__(self, markup: str, style: ParagraphStyle, bulletText: str | None = None,
                 *, _lines: list[tuple[list[Glyph], list[float], float]] | None = None,
                 _rtl: bool | None = None) -> None:
        super().__init__()
        self.style = style
        self.markup = markup
        self.bullet = bulletText
        self.size = float(style.fontSize)
        self.leading = float(style.leading)
        self.bold = style.fontName == tx.SANS_BOLD
        prep = _prepare(markup, self.bold, self.size)
        self.logical: Sequence[Sequence[Char]] = prep.logical
        self.rtl = prep.rtl if _rtl is None else _rtl
        self._laid: list[tuple[list[Glyph], list[float], float]] | None = _lines
        self._aw = -1.0
        #: Left-to-right text of the Latin fonts only (most cells of a manifest): its
        #: lines as (string, font, colour) runs, drawn as they are when each line fits
        #: (``_fits``); anything else goes through the pipeline above.
        self._runs = None if _lines is not None or self.rtl else prep.runs
        self._widths = prep.widths if self._runs is not None else []
        self._fast = False

    def plain_text(self) -> str:
        """The paragraph's text (logical order), lines joined by newlines."""
        return "\n".join("".join(c.ch for c in line if c.draw) for line in self.logical)

    def _lay(self, aw: float) -> list[tuple[list[Glyph], list[float], float]]:
        if self._laid is not None and (self._aw == aw or self._aw < 0):
            return self._laid
        avail = max(1.0, (aw - self.style.leftIndent - self.style.rightIndent) / self.size)
        out = []
        for line in self.logical:
            laid = layout_line(line, self.rtl)
            if laid[2] <= avail:  # fits: laid out once, not measured and laid out again
                out.append(laid)
                continue
            for part in wrap(line, avail, self.rtl):
                out.append(layout_line(part, self.rtl))
        self._laid, self._aw = out, aw
        return out

    def as_plain_string(self, aw: float) -> str | None:
        """The text as a plain string when a table can draw it as one in its cell's
        regular font (``tx.SANS``, the style's size): one line, one run, regular weight,
        no colour of its own, no bullet, fitting in ``aw``, left-to-right Latin
        (``_plain_runs``); else None."""
        runs = self._runs
        if runs is None or len(runs) != 1 or len(runs[0]) != 1 or self.bullet:
            return None
        text, font, color = runs[0][0]
        if font != tx.SANS or color is not None or not self._fits(aw):
            return None
        return text

    def _fits(self, aw: float) -> bool:
        """Plain runs (see ``_plain_runs``) whose every line fits in ``aw`` unbroken."""
        if self._runs is None:
            return False
        avail = aw - self.style.leftIndent - self.style.rightIndent
        return all(w <= avail for w in self._widths)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self._fast = self._fits(aw)
        lines = len(self._widths) if self._fast else len(self._lay(aw))
        self.height = lines * self.leading
        return aw, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        laid = self._lay(aw)
        fit = int(ah // self.leading)
        if fit <= 0 or fit >= len(laid):
            return [] if fit <= 0 else [self]
        first = Text(self.markup, self.style, self.bullet, _lines=laid[:fit], _rtl=self.rtl)
        rest_style = ParagraphStyle("cont", parent=self.style, spaceBefore=0)
        rest = Text(self.markup, rest_style, None, _lines=laid[fit:], _rtl=self.rtl)
        return [first, rest]

    def getSpaceBefore(self) -> float:
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        self._paint(self.canv, 0.0, 0.0)

    def paint_at(self, canv: Any, x: float, y: float) -> None:
        """Draw at (x, y) (the bottom left corner, as ``drawOn``) without saving and
        restoring the canvas state around it: for a table that draws many cells and
        resets the fill colour itself (``rows.CaseRows``).  Call ``wrap`` first."""
        self._paint(canv, x, y)

    def _paint(self, canv: Any, dx: float, dy: float) -> None:
        st = self.style
        laid = [] if self._fast else self._lay(self.width)
        color = toColor(st.textColor) if st.textColor is not None else toColor("black")
        avail = self.width - st.leftIndent - st.rightIndent
        y = self.height - self.size + dy
        if self.bullet:
            canv.setFillColor(color)
            canv.setFont(tx.SANS, self.size)
            canv.drawString(st.bulletIndent + dx, y, self.bullet)
        if self._fast and self._runs is not None:
            self._draw_plain(canv, self._runs, color, avail, dx, y)
            return
        for gs, xs, w in laid:
            w *= self.size
            if st.alignment == TA_RIGHT or (st.alignment == TA_JUSTIFY and self.rtl):
                x0 = st.leftIndent + avail - w
            elif st.alignment == TA_CENTER:
                x0 = st.leftIndent + (avail - w) / 2
            else:
                x0 = st.leftIndent
            draw_line(canv, x0 + dx, y, self.size, gs, xs, color)
            y -= self.leading

    def _draw_plain(self, canv: Any, runs: list[list[tuple[str, str, str | None]]],
                    color: Color, avail: float, dx: float, y: float) -> None:
        """Each line's runs as plain strings, one after the other, aligned as the
        pipeline aligns (justified left-to-right text starts at the left)."""
        st = self.style
        for line, w in zip(runs, self._widths, strict=True):
            if st.alignment == TA_RIGHT:
                x = st.leftIndent + avail - w
            elif st.alignment == TA_CENTER:
                x = st.leftIndent + (avail - w) / 2
            else:
                x = st.leftIndent
            # One text object per line, the runs one after the other (as a Paragraph
            # draws a line): separate drawString calls would each end with a line
            # move, and pypdf reads that as a line break inside the name.
            t = canv.beginText(x + dx, y)
            for text, font, run_color in line:
                t.setFillColor(toColor(run_color) if run_color else color)
                t.setFont(font, self.size)
                t.textOut(text)
            canv.drawText(t)
            y -= self.leading


@functools.lru_cache(maxsize=16384)
def _plain_char(ch: str, bold: bool) -> bool:
    """Drawn as it is by the Latin font of its weight: a left-to-right letter or a
    neutral (digit, space, punctuation) that needs no shaping, no mirroring (nothing is
    right to left around it), no other font, and is not a mark or a format
    character."""
    if ch == PLACEHOLDER or ch in ISOLATES or unicodedata.bidirectional(ch) not in _LTR_SAFE:
        return False
    if unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf":
        return False
    return tx.font_for(ch, bold) == (tx.SANS_BOLD if bold else tx.SANS)


#: Bidi classes that stay at level 0 in a left-to-right paragraph without right-to-left
#: letters: strong L, numbers and their separators, whitespace and other neutrals.
_LTR_SAFE = frozenset({"L", "EN", "ES", "ET", "CS", "WS", "ON", "B", "S"})


def _plain_runs(lines: list[list[Char]]) -> list[list[tuple[str, str, str | None]]] | None:
    """The lines as (string, font, colour) runs when every character is plain
    (``_plain_char``), else None."""
    out: list[list[tuple[str, str, str | None]]] = []
    for line in lines:
        runs: list[tuple[str, str, str | None]] = []
        text: list[str] = []
        key: tuple[bool, str | None] | None = None
        for c in line:
            if not c.draw or not _plain_char(c.ch, c.bold):
                return None
            if (c.bold, c.color) != key:
                if text and key is not None:
                    runs.append(("".join(text), tx.SANS_BOLD if key[0] else tx.SANS, key[1]))
                text, key = [], (c.bold, c.color)
            text.append(c.ch)
        if text and key is not None:
            runs.append(("".join(text), tx.SANS_BOLD if key[0] else tx.SANS, key[1]))
        out.append(runs)
    return out


def draw_string(canv: Any, x: float, y: float, text: str, font: str, size: float,
                *, align: str = "left") -> None:
    """One line of any script on a canvas (page furniture), through the same pipeline;
    ``align`` "left" or "right" (``x`` is then the right edge)."""
    chars = [Char(c, font == tx.SANS_BOLD) for c in unicodedata.normalize("NFC", text)]
    chars = [c._replace(ch=PLACEHOLDER) if not tx.drawable(c.ch) else c for c in chars]
    gs, xs, w = layout_line(chars, tx.base_rtl(text))
    x0 = x - w * size if align == "right" else x
    draw_line(canv, x0, y, size, gs, xs, canv._fillColorObj)


def forget_strings() -> None:
    """Empty the caches kept per string (markup prepared, lines laid out, line widths);
    those kept per character and font stay.  For a benchmark that builds the same
    document again and must not find its names already laid out."""
    _prepare.cache_clear()
    _layout_line.cache_clear()
    _width_of.cache_clear()
