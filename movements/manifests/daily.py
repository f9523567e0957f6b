"""The daily report: the day's passengers by lane and by need group, the exceptions
and the no-shows with their reasons."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

from movements import i18n
from movements.domain.documents import MOVEMENT_KINDS, DailyReportDoc
from movements.domain.vocabulary import Lane

from .briefing import GROUP_LABEL
from .layout import (
    CONTENT_W,
    PageInfo,
    Text,
    esc,
    field_grid,
    fmt_dt,
    fmt_long_date,
    fmt_time,
    grid_table,
    qr_drawing,
    render,
    signature_blocks,
    styles,
    title_block,
)

TITLE = i18n.N_("Daily operations report")
_ = i18n.document_gettext
ngettext = i18n.document_ngettext

LANE_LABEL = Lane.labels()
MOVEMENT_KINDS_ORDER = tuple(Lane)
assert set(MOVEMENT_KINDS_ORDER) == set(MOVEMENT_KINDS)


def build_daily_report(doc: DailyReportDoc, locale: str = i18n.DEFAULT) -> bytes:
    """Render the daily report in ``locale`` (the language of the person who asks for
    it; names, flights and typed reasons as recorded): lanes always in the order
    departures, transits, arrivals, with a total row; missing lanes print as zero."""
    with i18n.document_language(locale):
        return _build(doc)


def _build(doc: DailyReportDoc) -> bytes:
    s = styles()
    info = PageInfo(
        title=_(TITLE), agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=None, issued=fmt_dt(doc.issued_at_local),
        subject=doc.report_date.isoformat(), author=_(doc.issued_by),
    )
    story: list[Flowable] = [*title_block(
        f"{_(TITLE)} \u2013 {fmt_long_date(doc.report_date)}",
        _("%(passengers)d passengers assisted on %(movements)d movements; %(exceptions)s, "
          "%(no_shows)s") % {
            "passengers": doc.total_passengers, "movements": doc.total_movements,
            "exceptions": ngettext("%(num)d exception", "%(num)d exceptions",
                                   len(doc.exceptions)) % {"num": len(doc.exceptions)},
            "no_shows": ngettext("%(num)d no-show", "%(num)d no-shows",
                                 len(doc.no_shows)) % {"num": len(doc.no_shows)}})]
    facts = field_grid([
        (_("Report date"), doc.report_date.isoformat()),
        (_("Issued"), fmt_dt(doc.issued_at_local)),
        (_("Issued by"), esc(_(doc.issued_by))),
    ], CONTENT_W - (30 * mm if doc.verify_url else 0), columns=3)
    if doc.verify_url:
        top = Table([[facts, qr_drawing(doc.verify_url, 20 * mm)]],
                    colWidths=[CONTENT_W - 30 * mm, 30 * mm])
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(top)
    else:
        story.append(facts)

    rows = [[_("Lane"), _("Movements"), _("Passengers"), _("Completed"), _("No-shows")]]
    for lane in MOVEMENT_KINDS_ORDER:
        lc = doc.lane(lane)
        rows.append([_(LANE_LABEL[lane]), str(lc.movements), str(lc.passengers),
                     str(lc.completed), str(lc.no_shows)])
    lanes = [doc.lane(k) for k in MOVEMENT_KINDS_ORDER]
    rows.append(["<b>" + _("Total") + "</b>", f"<b>{sum(x.movements for x in lanes)}</b>",
                 f"<b>{sum(x.passengers for x in lanes)}</b>",
                 f"<b>{sum(x.completed for x in lanes)}</b>",
                 f"<b>{sum(x.no_shows for x in lanes)}</b>"])
    story += [Text(_("Passengers by lane"), s.h2),
              grid_table(rows, [50 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm],
                         right_cols=(1, 2, 3, 4), total_row=True)]

    story.append(Text(_("Passengers by need group"), s.h2))
    if doc.need_groups:
        grows = [[_("Need group"), _("Passengers")]]
        grows += [[_(GROUP_LABEL[g]).capitalize(), str(n)] for g, n in doc.need_groups]
        story.append(grid_table(grows, [80 * mm, 30 * mm], right_cols=(1,)))
        story.append(Text(_("A passenger with several needs counts in each group."),
                               s.muted))
    else:
        story.append(Text(_("No passenger with special needs."), s.base))

    story.append(Text(_("Exceptions"), s.h2))
    if doc.exceptions:
        erows = [[_("Time"), _("Flight"), _("Case"), _("What happened")]]
        for e in doc.exceptions:
            erows.append([fmt_time(e.time_local), esc(e.flight or "\u2013"),
                          esc(e.case_ref or "\u2013"), esc(_(e.description))])
        story.append(grid_table(erows, [14 * mm, 20 * mm, 24 * mm, CONTENT_W - 58 * mm]))
    else:
        story.append(Text(_("None."), s.base))

    story.append(Text(_("No-shows"), s.h2))
    if doc.no_shows:
        nrows = [[_("Case"), _("Passenger"), _("Flight"), _("Reason")]]
        for n in doc.no_shows:
            nrows.append([esc(n.case_ref), esc(n.passenger_name), esc(n.flight),
                          esc(_(n.reason))])
        story.append(grid_table(nrows, [24 * mm, 50 * mm, 20 * mm, CONTENT_W - 94 * mm]))
    else:
        story.append(Text(_("None."), s.base))

    story.append(signature_blocks(
        (_("Reported by"), [(_("Name"), _(doc.issued_by)), (_("Date and time"), "")]),
        (_("Seen by (team lead)"), [(_("Name"), ""), (_("Date and time"), "")]),
    ))
    return render(story, info)
