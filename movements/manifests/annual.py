"""The annual overview: one A4 page in the shape of the annual report's airport page
(the people assisted, the three figures by direction, the monthly chart, the peak, and
the medical and minors lines).  Read model in, bytes out; no database, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import get_month_names
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from movements import i18n

from .layout import CONTENT_W, PageInfo, esc, fmt_dt, render, styles, title_block
from .text import SANS, SANS_BOLD

TITLE = i18n.N_("Annual overview")
_ = i18n.document_gettext
DIRECTION_COLOURS = (colors.HexColor("#0b3d91"), colors.HexColor("#6c8fd1"),
                     colors.HexColor("#0a6b2d"))


@dataclass(frozen=True, slots=True)
class AnnualOverviewDoc:
    """The figures of one airport's year (or part of it), already aggregated.

    ``months`` holds (label "YYYY-MM", departures, transits, arrivals); counts may be
    text such as "<5" where small cells are suppressed for the reader.
    """

    airport_name: str
    period: str
    people: str  # counts as printed ("14,738", or "<5" where suppressed)
    departures: str
    transits: str
    arrivals: str
    months: tuple[tuple[str, int | str, int | str, int | str], ...]
    peak_month: str | None
    peak_transits: str
    lines: tuple[str, ...]  # further figures, one sentence each, in the reader's language
    issued_at_local: datetime
    issued_by: str
    agency_name: str = "Migration agency"


def _number(v: int | str) -> int:
    return v if isinstance(v, int) else 0


def monthly_chart(doc: AnnualOverviewDoc, width: float, height: float = 62 * mm) -> Drawing:
    """Stacked bars per month: departures, transits, arrivals."""
    d = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 12 * mm
    chart.width, chart.height = width - 16 * mm, height - 20 * mm
    chart.data = [[_number(m[i]) for m in doc.months] for i in (1, 2, 3)]
    chart.categoryAxis.style = "stacked"
    months = get_month_names("abbreviated", locale=i18n.document_locale())
    chart.categoryAxis.categoryNames = [
        str(months[int(m[0][5:7])]).rstrip(".") if len(doc.months) <= 12 else m[0][2:]
        for m in doc.months]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.barSpacing = 1
    for i, colour in enumerate(DIRECTION_COLOURS):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = 14 * mm, height - 2 * mm
    legend.fontName, legend.fontSize = SANS, 8
    legend.columnMaximum = 1
    legend.deltax = 30 * mm
    legend.alignment = "right"
    legend.colorNamePairs = list(zip(DIRECTION_COLOURS, (_("Departures"), _("Transits"),
                                                         _("Arrivals")), strict=True))
    legend.dx = legend.dy = 3 * mm
    d.add(legend)
    d.add(String(0, 4, _("people"), fontName=SANS, fontSize=7))
    return d


def build_annual_overview(doc: AnnualOverviewDoc, locale: str = i18n.DEFAULT) -> bytes:
    """One page in ``locale`` (the reader's language; ``doc``'s figures and lines come
    formatted for it): headline, the three figures, the monthly chart, the peak, more
    lines."""
    with i18n.document_language(locale):
        return _build(doc)


def _build(doc: AnnualOverviewDoc) -> bytes:
    s = styles()
    info = PageInfo(title=_(TITLE), agency_name=doc.agency_name, airport_name=doc.airport_name,
                    document_id=_("annual %(period)s") % {"period": doc.period}, version=None,
                    issued=fmt_dt(doc.issued_at_local),
                    subject=doc.period, author=doc.issued_by)
    story: list[Flowable] = [*title_block(
        _("Assistance at %(airport)s, %(period)s") % {"airport": esc(doc.airport_name),
                                                      "period": esc(doc.period)},
        _("The team assisted %(num)s people.") % {"num": doc.people})]
    big = [(doc.departures, _("departures")), (doc.transits, _("transits")),
           (doc.arrivals, _("arrivals"))]
    figures = Table([[Paragraph(f'<font name="{SANS_BOLD}" size="22">{n}</font>', s.base)
                      for n, _w in big],
                     [Paragraph(w, s.base) for _n, w in big]],
                    colWidths=[CONTENT_W / 3] * 3)
    figures.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
                                 ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.grey)]))
    story += [figures, Spacer(1, 5 * mm), monthly_chart(doc, CONTENT_W), Spacer(1, 3 * mm)]
    if doc.peak_month:
        story.append(Paragraph(
            _("Peak: %(num)s transits in %(month)s.") % {"num": esc(doc.peak_transits),
                                                         "month": esc(doc.peak_month)},
            s.base))
    for line in doc.lines:
        story.append(Paragraph(esc(line), s.base))
    return render(story, info)
