"""The charter manifest: every passenger of a (possibly multi-stop) charter, by stop."""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from movements.domain.documents import CharterManifestDoc, DocPassenger
from movements.domain.ssr import SSR_CODES

from .layout import (
    PageInfo,
    Text,
    esc,
    fmt_dt,
    grid_table,
    movement_block,
    passenger_table,
    render,
    signature_blocks,
    standard_columns,
    styles,
    superseding_banner,
    title_block,
    verify_line,
)

TITLE = "Charter manifest"


def _place(code: str, name: str | None) -> str:
    return f"{code} {name}" if name else code


def _codes_of(p: DocPassenger) -> list[str]:
    codes = list(p.ssr_codes)
    if p.unaccompanied_minor and "UMNR" not in codes:
        codes.append("UMNR")
    return codes


def _codes(p: DocPassenger) -> str:
    codes = _codes_of(p)
    return " ".join(f"<b>{c}</b>" for c in codes) if codes else "\u2013"


def build_charter_manifest(doc: CharterManifestDoc) -> bytes:
    """Render a charter manifest: headcount per stop (adding up to the total), escorts
    on board, then one passenger table per stop in route order."""
    s = styles()
    m = doc.movement
    counts = doc.headcounts()
    supersedes = (f"{doc.supersedes_document_id} (version {doc.supersedes_version})"
                  if doc.supersedes_document_id else None)
    info = PageInfo(
        title=TITLE, agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=doc.version, issued=fmt_dt(doc.issued_at_local),
        supersedes=supersedes, subject=f"{m.flight} {m.operational_date.isoformat()}",
        author=doc.issued_by,
    )
    route = " \u2013 ".join(m.route)
    story: list[Flowable] = [*title_block(
        f"{TITLE} \u2013 {m.flight} {route}",
        f"{doc.total} passengers in {doc.total_cases} cases, "
        f"{len(doc.escorts)} escort{'s' if len(doc.escorts) != 1 else ''} on board")]
    if doc.supersedes_document_id:
        story += [superseding_banner(doc.document_id, doc.version, doc.supersedes_document_id,
                                     doc.supersedes_version, doc.correction_note),
                  Spacer(1, 3)]
    extra = [("Issued", fmt_dt(doc.issued_at_local)), ("Issued by", esc(doc.issued_by))]
    story += [movement_block(m, extra, doc.verify_url), verify_line(doc.verify_url)]

    # Headcount per stop, with the total that the rows add up to.
    rows = [["Stop", "Disembarking at", "Cases", "Passengers"]]
    for i, c in enumerate(counts, 1):
        rows.append([f"{i}", esc(_place(c.stop, c.stop_name)), str(c.cases), str(c.passengers)])
    rows.append(["", "<b>Total on board (excluding escorts)</b>",
                 f"<b>{doc.total_cases}</b>", f"<b>{doc.total}</b>"])
    headcount = grid_table(rows, [14 * mm, 80 * mm, 22 * mm, 26 * mm],
                           right_cols=(2, 3), total_row=True)
    story += [Text("Headcount by stop", s.h2), headcount]

    if doc.escorts:
        erows = [["Escort", "Role", "Phone"]]
        for e in doc.escorts:
            erows.append([esc(e.name), esc(e.role), esc(e.phone or "\u2013")])
        story += [Text("Escorts on board", s.h2),
                  grid_table(erows, [70 * mm, 60 * mm, 48 * mm])]

    columns = standard_columns(_codes, needs_header="SSR", seat=True, compact=True)
    present = Counter(c for p in doc.passengers for c in _codes_of(p))
    if present:
        lrows = [["SSR", "What the receiver must do", "Passengers"]]
        for code in SSR_CODES:
            if present[code]:
                need = SSR_CODES[code]
                lrows.append([f"<b>{code}</b>", esc(need.receiver_action), str(present[code])])
        story += [Text("Special needs on this flight", s.h2),
                  grid_table(lrows, [16 * mm, 130 * mm, 32 * mm], right_cols=(2,))]

    number = 1
    for i, c in enumerate(counts, 1):
        ps = doc.passengers_at(c.stop)
        heading = Text(
            f"Stop {i} of {len(counts)}: {esc(_place(c.stop, c.stop_name))} \u2013 "
            f"{c.passengers} passenger{'s' if c.passengers != 1 else ''} in {c.cases} "
            f"case{'s' if c.cases != 1 else ''}", s.h2)
        story.append(CondPageBreak(40 * mm))
        if ps:
            story += [heading, passenger_table(ps, columns, number_from=number)]
        else:
            story += [heading, Text("No passengers leave the aircraft here.", s.base)]
        number += len(ps)

    story.append(KeepTogether([
        Text("Declaration", s.h2),
        Text(
            f"This manifest lists {doc.total} passengers in {doc.total_cases} cases and "
            f"{len(doc.escorts)} escorts for flight {esc(m.flight)} on "
            f"{esc(m.operational_date.strftime('%Y-%m-%d'))}.", s.base),
    ]))
    story.append(signature_blocks(
        ("Prepared by", [("Name", doc.issued_by), ("Organisation", doc.agency_name),
                         ("Date and time", "")]),
        ("Received by (operating carrier)", [("Name", ""), ("Function", ""),
                                             ("Date and time", "")]),
    ))
    return render(story, info)
