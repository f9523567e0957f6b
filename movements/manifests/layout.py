"""Shared page furniture for the documents: A4 template, running header and footer with
"Page x of y", the movement block with the verification QR code, the passenger table,
signature blocks, the superseding banner.

Pure functions from read models to ReportLab flowables; no I/O besides the returned
bytes.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from babel.dates import format_date, get_month_names
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing, Group, Path, PolyLine, Rect
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from movements import i18n
from movements.domain.documents import DocMovement, DocPassenger
from movements.domain.text import nfc

from .lines import Text, draw_string, isolate
from .rows import CaseRows, RowsLook, case_rows
from .text import SANS, SANS_BOLD, base_rtl, printable, register_fonts

PAGE_W, PAGE_H = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 27 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#8c8c8c")
BAND = colors.HexColor("#e9edf2")
CASE_SHADE = colors.HexColor("#f4f6f8")
ALERT = colors.HexColor("#8a1c1c")

#: Month and day names come from CLDR (Babel), the same on every machine whatever the
#: server's locale, in the document's language (``i18n.document_language``; English
#: unless a builder sets it).
_ = i18n.document_gettext
pgettext = i18n.document_pgettext
N_ = i18n.N_

KIND_LABEL = {"departure": N_("Departure"), "arrival": N_("Arrival"), "transit": N_("Transit")}


# --------------------------------------------------------------------------- formatting

def fmt_date(d: date | None) -> str:
    """``15 Sep 2016`` (CLDR pattern ``dd MMM y`` in the document's language), a dash for
    ``None``.  Built from Babel's month names for the language, which is what
    ``format_date`` does for that pattern at a tenth of the cost (one per passenger
    on a manifest; tests/manifests/test_case_rows.py compares the two)."""
    if d is None:
        return "\u2013"
    return f"{d.day:02d} {_short_months(i18n.document_locale())[d.month]} {d.year}"


@functools.lru_cache(maxsize=32)
def _short_months(locale: str) -> dict[int, str]:
    """Abbreviated month names in the format context, as ``MMM`` prints them."""
    return dict(get_month_names("abbreviated", "format", locale=locale))


def fmt_long_date(d: date) -> str:
    """``Thursday 15 Sep 2016``."""
    return format_date(d, "EEEE d MMM y", locale=i18n.document_locale())


def fmt_dt(dt: datetime | None) -> str:
    """``15 Sep 2016 14:32 CEST``; the zone only if the datetime is aware."""
    if dt is None:
        return "\u2013"
    zone = dt.tzname() if dt.tzinfo is not None else None
    s = f"{fmt_date(dt.date())} {dt.hour:02d}:{dt.minute:02d}"
    return f"{s} {zone}" if zone else s


def fmt_time(dt: datetime | None) -> str:
    if dt is None:
        return "\u2013"
    return f"{dt.hour:02d}:{dt.minute:02d}"


def dash(v: str | None) -> str:
    return v if v else "\u2013"


def esc(text: str) -> str:
    """Any-script text as markup for ``Text`` (``lines``): NFC, XML-escaped, and set
    apart as a bidi isolate when it holds right-to-left letters, so that a name
    interpolated into a sentence keeps its direction and the sentence its order.
    Shaping, reordering and fonts happen when ``Text`` lays out each line."""
    return isolate(xml_escape(nfc(text)))


# --------------------------------------------------------------------------- styles

class Styles:
    def __init__(self) -> None:
        register_fonts()
        base = ParagraphStyle("base", fontName=SANS, fontSize=9, leading=11.5,
                              textColor=INK)
        self.base = base
        self.small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5)
        self.muted = ParagraphStyle("muted", parent=self.small, textColor=MUTED)
        self.cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=10)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=SANS_BOLD)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell,
                                          alignment=TA_CENTER)
        # Naskh needs more room above and below the line than Latin.
        self.native = ParagraphStyle("native", parent=self.cell, fontSize=9.5, leading=13)
        self.native_rtl = ParagraphStyle("native_rtl", parent=self.native,
                                         alignment=TA_RIGHT, rightIndent=3)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=SANS_BOLD,
                                   fontSize=7.5, leading=9)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=base, fontName=SANS_BOLD, fontSize=15,
                                    leading=19, spaceAfter=1 * mm)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=9.5, leading=12,
                                       textColor=MUTED, spaceAfter=3 * mm)
        self.h2 = ParagraphStyle("h2", parent=base, fontName=SANS_BOLD, fontSize=10.5,
                                 leading=13, spaceBefore=4 * mm, spaceAfter=1.5 * mm)
        self.label = ParagraphStyle("label", parent=base, fontSize=7, leading=8.5,
                                    textColor=MUTED)
        self.value = ParagraphStyle("value", parent=base, fontName=SANS_BOLD, fontSize=9.5,
                                    leading=12)
        self.banner = ParagraphStyle("banner", parent=base, fontSize=9, leading=12,
                                     textColor=ALERT)


_styles: Styles | None = None


def styles() -> Styles:
    global _styles
    if _styles is None:
        _styles = Styles()
    return _styles


# --------------------------------------------------------------------------- page frame

@dataclass(frozen=True, slots=True)
class PageInfo:
    """What the running header and footer print on every page."""

    title: str
    agency_name: str
    airport_name: str
    document_id: str
    version: int | None
    issued: str
    supersedes: str | None = None
    subject: str = ""
    author: str = ""


def _canvasmaker(info: PageInfo) -> type[rl_canvas.Canvas]:
    """A canvas that holds every page back until the end, so that it can print the
    running header and footer with "Page x of y" once y is known."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab API
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            top = PAGE_H - 12 * mm
            self.setFillColor(INK)
            self.setFont(SANS_BOLD, 9.5)
            draw_string(self, MARGIN_X, top, info.agency_name, SANS_BOLD, 9.5)
            self.setFont(SANS, 7.5)
            self.setFillColor(MUTED)
            draw_string(self, MARGIN_X, top - 10, info.airport_name, SANS, 7.5)
            self.setFillColor(INK)
            self.setFont(SANS_BOLD, 9.5)
            draw_string(self, PAGE_W - MARGIN_X, top, info.title, SANS_BOLD, 9.5,
                        align="right")
            self.setFont(SANS, 7.5)
            self.setFillColor(MUTED)
            ver = ("  \u00b7  " + _("version %(num)s") % {"num": info.version}
                   if info.version is not None else "")
            self.drawRightString(PAGE_W - MARGIN_X, top - 10,
                                 _("Document %(id)s") % {"id": info.document_id} + ver)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN_X, top - 15, PAGE_W - MARGIN_X, top - 15)

            bottom = 11 * mm
            self.line(MARGIN_X, bottom + 9, PAGE_W - MARGIN_X, bottom + 9)
            self.setFont(SANS, 7)
            self.setFillColor(MUTED)
            left = f"{info.document_id}{ver}  \u00b7  " + \
                _("issued %(time)s") % {"time": info.issued}
            if info.supersedes:
                left += "  \u00b7  " + _("supersedes %(id)s") % {"id": info.supersedes}
            self.drawString(MARGIN_X, bottom, left)
            self.setFillColor(INK)
            self.setFont(SANS_BOLD, 8)
            self.drawRightString(PAGE_W - MARGIN_X, bottom,
                                 _("Page %(page)s of %(pages)s") % {"page": page, "pages": total})
            self.restoreState()

    return NumberedCanvas


def render(story: list[Flowable], info: PageInfo) -> bytes:
    """Lay the story out on A4 and return the PDF bytes (deterministic output)."""
    register_fonts()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
        title=f"{info.title} {info.document_id}", author=info.author or info.agency_name,
        subject=info.subject, creator="movements", invariant=1,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=_canvasmaker(info))
    return buf.getvalue()


# --------------------------------------------------------------------------- blocks

class _QrCode(QrCodeWidget):  # type: ignore[misc]
    """ReportLab's QR widget, encoded once and drawn as one path.  The widget encodes its
    value (pure Python, eight masks scored) every time it is drawn or measured, three
    times per document; and it draws every run of dark modules as a shape of its own,
    which the renderer turns into a state push, a rectangle and a fill each (about 10 ms
    of a 400-passenger manifest, bench/manifest.py).  Here the runs are the rectangles
    of one filled path: the same modules at the same places."""

    def draw(self) -> Any:
        group = self.__dict__.get("_drawn")
        if group is None:
            group = self.__dict__["_drawn"] = self._one_path()
        return group

    def _one_path(self) -> Group:
        self.qr.make()
        border, width, height = self.barBorder, self.barWidth, self.barHeight
        count = self.qr.getModuleCount()
        side = float(min(width, height))
        box = side / (count + border * 2.0)
        x0 = self.x + (width - side) / 2.0
        top = self.y + (side - height) / 2.0 + height
        path = Path(fillColor=self.barFillColor, strokeColor=None, strokeWidth=0)
        for r, row in enumerate(self.qr.modules):
            y = top - (r + border + 1) * box
            c = 0
            for dark, run in itertools.groupby(bool(m) for m in row):
                n = len(list(run))
                if dark:
                    x = x0 + (c + border) * box
                    path.moveTo(x, y)
                    path.lineTo(x + n * box, y)
                    path.lineTo(x + n * box, y + box)
                    path.lineTo(x, y + box)
                    path.closePath()
                c += n
        group = Group()
        group.add(Rect(self.x, self.y, width, height, fillColor=None, strokeColor=None,
                       strokeWidth=0))
        group.add(path)
        return group


def qr_drawing(url: str, size: float = 26 * mm) -> Drawing:
    """The QR code of ``url`` (error correction level M) in a ``size`` square."""
    widget = _QrCode(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    w, h = x1 - x0, y1 - y0
    d = Drawing(size, size, transform=[size / w, 0, 0, size / h, 0, 0])
    d.add(widget)
    return d


def title_block(title: str, subtitle: str) -> list[Flowable]:
    s = styles()
    return [Text(esc(title), s.title), Text(esc(subtitle), s.subtitle)]


def superseding_banner(document_id: str, version: int, old_id: str, old_version: int | None,
                       note: str | None) -> Flowable:
    s = styles()
    old = _("document %(id)s") % {"id": old_id} + (
        " (" + _("version %(num)s") % {"num": old_version} + ")" if old_version else "")
    text = "<b>{}</b> {}".format(_("Corrected version."), _(
        "This document, %(id)s version %(num)s, supersedes and replaces %(old)s. The "
        "replaced version is void.") % {"id": esc(document_id), "num": version,
                                        "old": esc(old)})
    if note:
        text += " <b>{}</b> {}".format(_("What changed:"), esc(note))
    t = Table([[Text(text, s.banner)]], colWidths=[CONTENT_W])
    t.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1, ALERT),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fbf1f1")),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]))
    return t


def field_grid(fields: Sequence[tuple[str, str]], width: float, columns: int = 3) -> Table:
    """Label-over-value pairs laid out in ``columns`` columns."""
    s = styles()
    cells: list[Any] = [[Text(esc(label), s.label), Text(value, s.value)]
                        for label, value in fields]
    rows = []
    for i in range(0, len(cells), columns):
        chunk = cells[i:i + columns]
        chunk += [""] * (columns - len(chunk))
        rows.append(chunk)
    t = Table(rows, colWidths=[width / columns] * columns, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def movement_fields(m: DocMovement) -> list[tuple[str, str]]:
    def place(code: str) -> str:
        name = m.place_name(code)
        return f"{esc(code)} {esc(name)}" if name else esc(code)

    kind = _(KIND_LABEL[m.kind]) + (" \u00b7 " + _("charter") if m.is_charter else "")
    departs = m.kind == "departure"
    fields = [
        (_("Flight"), esc(m.flight)),
        (_("Operational date"), fmt_date(m.operational_date)),
        (_("Movement"), kind),
        (_("From"), place(m.origin)),
        (_("To"), place(m.destination)),
        (_("Terminal / gate"), f"{esc(dash(m.terminal))} / {esc(dash(m.gate))}"),
        (_("Scheduled departure") if departs else _("Scheduled arrival"),
         fmt_dt(m.scheduled_local)),
        (_("Actual departure") if departs else _("Actual arrival"), fmt_dt(m.actual_local)),
    ]
    if m.stops:
        fields.append((_("Route"), " \u2013 ".join(esc(c) for c in m.route)))
    if m.onward_flight:
        fields.append((_("Onward flight"), esc(m.onward_flight)))
    if m.aircraft:
        fields.append((_("Aircraft"), esc(m.aircraft)))
    return fields


def movement_block(m: DocMovement, extra: Sequence[tuple[str, str]] = (),
                   verify_url: str | None = None) -> Flowable:
    """The movement (and document) facts in a shaded box, QR code on the right."""
    s = styles()
    qr_w = 30 * mm if verify_url else 0
    inner = CONTENT_W - qr_w - 8
    grid = field_grid([*movement_fields(m), *extra], inner, columns=3)
    if verify_url:
        qr = [qr_drawing(verify_url, 24 * mm),
              Text(_("Scan to verify this document"), s.muted)]
        row = [[grid, qr]]
        widths = [inner + 8, qr_w]
    else:
        row = [[grid]]
        widths = [CONTENT_W]
    t = Table(row, colWidths=widths)
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), BAND),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("ALIGN", (-1, 0), (-1, -1), "CENTER"),
    ]))
    return t


def verify_line(url: str) -> Text:
    s = styles()
    return Text(_("Verify at %(url)s") % {"url": esc(url)}, s.muted)


Strokes = tuple[tuple[tuple[int, int], ...], ...]
SIGNATURE_H = 18 * mm


def signature_drawing(strokes: Strokes, width: float, height: float = SIGNATURE_H,
                      pad: tuple[int, int] = (1000, 333)) -> Drawing:
    """A signature drawn on the tablet, scaled into ``width`` x ``height`` points keeping
    the pad's aspect (pad units: x 0..pad[0] right, y 0..pad[1] down)."""
    scale = min(width / pad[0], height / pad[1])
    d = Drawing(width, height)
    for stroke in strokes:
        points: list[float] = []
        for x, y in stroke:
            points += [x * scale, height - y * scale]
        if len(stroke) == 1:
            points += [points[0] + 0.5, points[1]]
        d.add(PolyLine(points, strokeColor=INK, strokeWidth=1.1, strokeLineCap=1,
                       strokeLineJoin=1))
    return d


def signature_blocks(left: tuple[str, Sequence[tuple[str, str]]],
                     right: tuple[str, Sequence[tuple[str, str]]], *,
                     drawn: tuple[Strokes | None, Strokes | None] = (None, None),
                     signed_names: tuple[str, str] = ("", "")) -> Flowable:
    """Two side-by-side signature boxes: a title and (label, pre-filled value) lines,
    followed by the signature: the strokes drawn on the tablet with the typed name
    beneath (``drawn``, ``signed_names``), or an empty line to sign on paper."""
    s = styles()
    col = (CONTENT_W - 6 * mm) / 2
    boxes = iter(zip(drawn, signed_names, strict=True))

    def box(title: str, lines: Sequence[tuple[str, str]], pad: int) -> Table:
        rows: list[list[Any]] = [[Text(f"<b>{esc(title)}</b>", s.base)]]
        for label, value in lines:
            rows.append([Text(esc(label), s.label)])
            rows.append([Text(esc(value) if value else "&nbsp;", s.value)])
        for _pad in range(pad):  # keep both boxes the same height
            rows.append([Text("&nbsp;", s.label)])
            rows.append([Text("&nbsp;", s.value)])
        strokes, typed = next(boxes)
        rows.append([Text(_("Signature"), s.label)])
        if strokes:
            rows.append([signature_drawing(strokes, col - 12)])
            rows.append([Text(esc(typed), s.small)])
        else:
            rows.append([Spacer(1, 13 * mm)])
        t = Table(rows, colWidths=[col])
        n = len(rows)
        style = [
            ("BOX", (0, 0), (-1, -1), 0.8, INK),
            ("BACKGROUND", (0, 0), (-1, 0), BAND),
            ("LEFTPADDING", (0, 0), (-1, -1), 6), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("TOPPADDING", (0, 0), (-1, 0), 4), ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
            ("LINEBELOW", (0, n - 1), (-1, n - 1), 0.5, RULE),
        ]
        # a writing line under every empty value
        for i, (_label, value) in enumerate(lines):
            if not value:
                r = 2 + 2 * i
                style.append(("LINEBELOW", (0, r), (-1, r), 0.4, RULE))
        t.setStyle(TableStyle(style))
        return t

    n = max(len(left[1]), len(right[1]))
    outer = Table([[box(*left, n - len(left[1])), box(*right, n - len(right[1]))]],
                  colWidths=[col + 6 * mm, col])
    outer.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (1, 0), (1, 0), 0),
    ]))
    return KeepTogether([Spacer(1, 5 * mm), outer])


def bullet_list(items: Sequence[str]) -> list[Flowable]:
    s = styles()
    style = ParagraphStyle("bullet", parent=s.base, leftIndent=10, bulletIndent=0)
    return [Text(esc(item), style, bulletText="\u2022") for item in items]


# --------------------------------------------------------------------------- passengers

def name_cell(p: DocPassenger, width: float, *, native: bool = True) -> list[Flowable]:
    """Name as in the travel document, then (``native``) the name in its own script."""
    s = styles()
    if p.surname and p.given_names:
        latin = f"<b>{esc(p.surname.upper())}</b>, {esc(p.given_names)}"
    else:
        latin = f"<b>{esc(p.display_name)}</b>"
    out: list[Flowable] = [Text(latin, s.cell)]
    if native and (p.native_name or "").strip():
        out.append(native_cell(p, width))
    return out


def group_by_case(passengers: Sequence[DocPassenger]) -> list[tuple[str, list[DocPassenger]]]:
    """Cases in order of first appearance, passengers in given order within a case."""
    groups: dict[str, list[DocPassenger]] = {}
    for p in passengers:
        groups.setdefault(p.case_ref, []).append(p)
    return list(groups.items())


KEEP_CASE_TOGETHER = 10
"""Cases up to this many passengers are not split across pages."""


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: float
    cell: Callable[[DocPassenger, float, int], Any]
    """(passenger, usable width, running number) -> markup str or flowable(s)"""
    align: str = "LEFT"
    plain: bool = False
    """The cell is a short plain (Latin) string drawn as is: no Paragraph, no wrapping
    (several times faster on long manifests)."""


def passenger_table(passengers: Sequence[DocPassenger], columns: Sequence[Column],
                    *, number_from: int = 1) -> CaseRows:
    """One row per passenger, grouped by case (alternate shading and a heavier rule
    between cases; a case of up to ``KEEP_CASE_TOGETHER`` passengers on one page), the
    header row repeated on every page (``rows.CaseRows``)."""
    s = styles()
    header: list[Any] = [Text(c.header, s.head) for c in columns]  # trusted markup
    data: list[list[Any]] = []
    case_of: list[int] = []
    n = number_from
    for gi, (_case, members) in enumerate(group_by_case(passengers)):
        for p in members:
            cells: list[Any] = []
            for c in columns:
                value = c.cell(p, c.width - 6, n)
                if c.plain and isinstance(value, str) and stringWidth(
                        value, SANS, s.cell.fontSize) > c.width - 6:
                    # A long value (a case reference) wraps inside its column instead
                    # of running into the next one; long words are split.
                    st = {"RIGHT": s.cell_right, "CENTER": s.cell_center}.get(c.align, s.cell)
                    value = Text(esc(value), st)
                elif c.plain:
                    pass
                elif isinstance(value, str):
                    st = {"RIGHT": s.cell_right, "CENTER": s.cell_center}.get(c.align, s.cell)
                    value = Text(value, st)
                    # One plain run in the cell's font that fits: the table draws it as
                    # a string in its font, no flowable per cell.
                    value = value.as_plain_string(c.width - 6) or value
                cells.append(value)
            data.append(cells)
            case_of.append(gi)
            n += 1
    return case_rows(header, data, case_of, [c.width for c in columns],
                     [c.align for c in columns], ROWS_LOOK,
                     keep_together=KEEP_CASE_TOGETHER,
                     max_height=PAGE_H - MARGIN_TOP - MARGIN_BOTTOM)


ROWS_LOOK = RowsLook(font=SANS, size=8, leading=10, ink=INK, band=BAND, shade=CASE_SHADE,
                      hairline=colors.HexColor("#d5d9de"), case_rule=RULE)
"""The passenger table's cell font (``Styles.cell``), colours and rules."""


def needs_markup(p: DocPassenger, action: Callable[[Any], str], *,
                 with_meaning: bool = False, release: bool = True) -> str:
    """The SSR codes with plain words (``action`` picks receiver_ or team_action)."""
    parts = []
    for need in p.needs:
        words = action(need)
        if with_meaning:
            words = f"{_(need.meaning)}: {_(words)}" if words else _(need.meaning)
        else:
            words = _(words)
        parts.append(f"<b>{need.code}</b> {esc(words)}" if words else f"<b>{need.code}</b>")
    if p.unaccompanied_minor and "UMNR" not in p.ssr_codes:
        parts.append("<b>{}</b>: {}".format(_("Unaccompanied minor"), _(
            "release only to the named adult after an ID check")))
    if release and p.is_minor_unaccompanied:
        who = esc(p.release_to) if p.release_to else \
            "<b>{}</b>".format(_("no adult named: do not release"))
        parts.append("<b>{}</b> {}".format(_("Release only to:"), who))
    if p.escort_note:
        parts.append('<font color="#5a5a5a">%s</font>' % (
            _("Note: %(note)s") % {"note": esc(p.escort_note)}))
    return "<br/>".join(parts) if parts else "\u2013"


def native_cell(p: DocPassenger, width: float) -> Any:
    """The name in its own script, right-aligned if it reads right to left."""
    s = styles()
    native = (p.native_name or "").strip()
    if not native:
        return "\u2013"
    if not printable(native):
        return Text(_("(recorded; not printable here)"), s.muted)
    style = s.native_rtl if base_rtl(native) else s.native
    return Text(esc(native), style)


def standard_columns(needs: Callable[[DocPassenger], str], *, needs_header: str,
                     seat: bool = False, compact: bool = False) -> list[Column]:
    """No. | name (document, and own script below it) | born | sex | nationality | case
    | [seat] | needs.  The needs column takes the remaining width.

    ``compact`` (long manifests): the name in its own script gets its own column so that
    a passenger takes one line, and the needs column is meant for bare SSR codes.
    """
    if compact:
        names = [
            Column(_("Name as in travel document"), 46 * mm,
                   lambda p, w, n: name_cell(p, w, native=False)),
            Column(_("Name in own script"), 37 * mm, lambda p, w, n: native_cell(p, w)),
        ]
    else:
        names = [Column(_("Name as in travel document / in own script"), 52 * mm,
                        lambda p, w, n: name_cell(p, w))]
    fixed = [
        Column(_("No."), 9 * mm, lambda p, w, n: str(n), "RIGHT", plain=True),
        *names,
        Column(_("Born"), 19 * mm if compact else 20 * mm,
               lambda p, w, n: fmt_date(p.birth_date), plain=True),
        Column(pgettext("narrow column", "Sex"), 7 * mm if compact else 8 * mm,
               lambda p, w, n: p.sex, "CENTER",
               plain=True),
        Column(_("Nat.") if compact else _("Nation-<br/>ality"), 10 * mm if compact else 13 * mm,
               lambda p, w, n: p.nationality, "CENTER", plain=True),
        Column(_("Case ref."), 21 * mm if compact else 22 * mm, lambda p, w, n: p.case_ref,
               plain=True),
    ]
    if seat:
        fixed.append(Column(_("Seat"), 9 * mm, lambda p, w, n: dash(p.seat), "CENTER",
                            plain=True))
    rest = CONTENT_W - sum(c.width for c in fixed)
    return [*fixed, Column(needs_header, rest, lambda p, w, n: needs(p))]


def grid_table(rows: Sequence[Sequence[str]], widths: Sequence[float], *,
               right_cols: Sequence[int] = (), total_row: bool = False,
               repeat_header: bool = True) -> Table:
    """A plain ruled table from markup strings; the first row is the header."""
    s = styles()
    data: list[list[Any]] = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if r == 0:
                st = s.head_right if c in right_cols else s.head
            elif c in right_cols:
                st = s.cell_right
            else:
                st = s.cell
            cells.append(Text(value, st))
        data.append(cells)
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), BAND),
        ("LINEABOVE", (0, 0), (-1, 0), 0.9, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.9, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if len(data) > 2:
        style.append(("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#d5d9de")))
    if total_row:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.9, INK))
        style.append(("BACKGROUND", (0, -1), (-1, -1), CASE_SHADE))
    for c in right_cols:
        style.append(("ALIGN", (c, 0), (c, -1), "RIGHT"))
    t = Table(data, colWidths=list(widths), repeatRows=1 if repeat_header else 0,
              hAlign="LEFT")
    t.setStyle(TableStyle(style))
    return t


class TickBox(Flowable):
    """An empty square to tick by hand."""

    def __init__(self, size: float = 3.6 * mm) -> None:
        super().__init__()
        self.size = size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._aw = aw
        return aw, self.size + 1

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(INK)
        c.setLineWidth(0.7)
        c.rect((self._aw - self.size) / 2, 0.5, self.size, self.size)
