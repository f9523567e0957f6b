"""The annual overview: one A4 page in the shape of the annual report's airport page
(the people assisted, the three figures by direction, the monthly chart, the peak, and
the medical and minors lines).  Read model in, bytes out; no database, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from .layout import CONTENT_W, PageInfo, esc, fmt_dt, render, styles, title_block
from .text import SANS, SANS_BOLD

TITLE = "Annual overview"
DIRECTION_COLOURS = (colors.HexColor("#0b3d91"), colors.HexColor("#6c8fd1"),
                     colors.HexColor("#0a6b2d"))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    lines: tuple[str, ...]  # further figures, one sentence each
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
    chart.categoryAxis.categoryNames = [
        MONTHS[int(m[0][5:7]) - 1] if len(doc.months) <= 12 else m[0][2:] for m in doc.months]
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
    legend.colorNamePairs = list(zip(DIRECTION_COLOURS, ("Departures", "Transits", "Arrivals"),
                                     strict=True))
    legend.dx = legend.dy = 3 * mm
    d.add(legend)
    d.add(String(0, 4, "people", fontName=SANS, fontSize=7))
    return d


def build_annual_overview(doc: AnnualOverviewDoc) -> bytes:
    """One page: headline, the three figures, the monthly chart, the peak, more lines."""
    s = styles()
    info = PageInfo(title=TITLE, agency_name=doc.agency_name, airport_name=doc.airport_name,
                    document_id=f"annual {doc.period}", version=None,
                    issued=fmt_dt(doc.issued_at_local),
                    subject=doc.period, author=doc.issued_by)
    story: list[Flowable] = [*title_block(
        f"Assistance at {esc(doc.airport_name)}, {esc(doc.period)}",
        f"The team assisted {doc.people} people.")]
    big = [(doc.departures, "departures"), (doc.transits, "transits"),
           (doc.arrivals, "arrivals")]
    figures = Table([[Paragraph(f'<font name="{SANS_BOLD}" size="22">{n}</font>', s.base)
                      for n, _ in big],
                     [Paragraph(w, s.base) for _, w in big]],
                    colWidths=[CONTENT_W / 3] * 3)
    figures.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
                                 ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.grey)]))
    story += [figures, Spacer(1, 5 * mm), monthly_chart(doc, CONTENT_W), Spacer(1, 3 * mm)]
    if doc.peak_month:
        story.append(Paragraph(
            f"Peak: {esc(doc.peak_transits)} transits in {esc(doc.peak_month)}.", s.base))
    for line in doc.lines:
        story.append(Paragraph(esc(line), s.base))
    return render(story, info)
