"""The daily report: the day's passengers by lane and by need group, the exceptions
and the no-shows with their reasons."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

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

TITLE = "Daily operations report"

LANE_LABEL = Lane.labels()
MOVEMENT_KINDS_ORDER = tuple(Lane)
assert set(MOVEMENT_KINDS_ORDER) == set(MOVEMENT_KINDS)


def build_daily_report(doc: DailyReportDoc) -> bytes:
    """Render the daily report (lanes always in the order departures, transits,
    arrivals, with a total row; missing lanes print as zero)."""
    s = styles()
    info = PageInfo(
        title=TITLE, agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=None, issued=fmt_dt(doc.issued_at_local),
        subject=doc.report_date.isoformat(), author=doc.issued_by,
    )
    story: list[Flowable] = [*title_block(
        f"{TITLE} \u2013 {fmt_long_date(doc.report_date)}",
        f"{doc.total_passengers} passengers assisted on {doc.total_movements} movements; "
        f"{len(doc.exceptions)} exception{'s' if len(doc.exceptions) != 1 else ''}, "
        f"{len(doc.no_shows)} no-show{'s' if len(doc.no_shows) != 1 else ''}")]
    facts = field_grid([
        ("Report date", doc.report_date.isoformat()),
        ("Issued", fmt_dt(doc.issued_at_local)),
        ("Issued by", esc(doc.issued_by)),
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

    rows = [["Lane", "Movements", "Passengers", "Completed", "No-shows"]]
    for lane in MOVEMENT_KINDS_ORDER:
        lc = doc.lane(lane)
        rows.append([LANE_LABEL[lane], str(lc.movements), str(lc.passengers),
                     str(lc.completed), str(lc.no_shows)])
    lanes = [doc.lane(k) for k in MOVEMENT_KINDS_ORDER]
    rows.append(["<b>Total</b>", f"<b>{sum(x.movements for x in lanes)}</b>",
                 f"<b>{sum(x.passengers for x in lanes)}</b>",
                 f"<b>{sum(x.completed for x in lanes)}</b>",
                 f"<b>{sum(x.no_shows for x in lanes)}</b>"])
    story += [Text("Passengers by lane", s.h2),
              grid_table(rows, [50 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm],
                         right_cols=(1, 2, 3, 4), total_row=True)]

    story.append(Text("Passengers by need group", s.h2))
    if doc.need_groups:
        grows = [["Need group", "Passengers"]]
        grows += [[GROUP_LABEL[g].capitalize(), str(n)] for g, n in doc.need_groups]
        story.append(grid_table(grows, [80 * mm, 30 * mm], right_cols=(1,)))
        story.append(Text("A passenger with several needs counts in each group.",
                               s.muted))
    else:
        story.append(Text("No passenger with special needs.", s.base))

    story.append(Text("Exceptions", s.h2))
    if doc.exceptions:
        erows = [["Time", "Flight", "Case", "What happened"]]
        for e in doc.exceptions:
            erows.append([fmt_time(e.time_local), esc(e.flight or "\u2013"),
                          esc(e.case_ref or "\u2013"), esc(e.description)])
        story.append(grid_table(erows, [14 * mm, 20 * mm, 24 * mm, CONTENT_W - 58 * mm]))
    else:
        story.append(Text("None.", s.base))

    story.append(Text("No-shows", s.h2))
    if doc.no_shows:
        nrows = [["Case", "Passenger", "Flight", "Reason"]]
        for n in doc.no_shows:
            nrows.append([esc(n.case_ref), esc(n.passenger_name), esc(n.flight),
                          esc(n.reason)])
        story.append(grid_table(nrows, [24 * mm, 50 * mm, 20 * mm, CONTENT_W - 94 * mm]))
    else:
        story.append(Text("None.", s.base))

    story.append(signature_blocks(
        ("Reported by", [("Name", doc.issued_by), ("Date and time", "")]),
        ("Seen by (team lead)", [("Name", ""), ("Date and time", "")]),
    ))
    return render(story, info)
