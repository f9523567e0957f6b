"""The handover manifest: the record a receiving party keeps and both sides sign."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from movements.domain.documents import HandoverDoc

from .layout import (
    PageInfo,
    Text,
    bullet_list,
    esc,
    fmt_dt,
    group_by_case,
    movement_block,
    needs_markup,
    passenger_table,
    render,
    signature_blocks,
    standard_columns,
    styles,
    superseding_banner,
    title_block,
    verify_line,
)
from .lines import isolate
from .names import print_name

TITLE = "Handover manifest"


def build_handover_manifest(doc: HandoverDoc) -> bytes:
    """Render a handover manifest to PDF bytes.

    Needs are printed only as SSR code plus ``receiver_action``; ``health_notes`` are
    never printed.
    """
    s = styles()
    m = doc.movement
    n_cases = len(group_by_case(doc.passengers))
    supersedes = (f"{doc.supersedes_document_id} (version {doc.supersedes_version})"
                  if doc.supersedes_document_id else None)
    info = PageInfo(
        title=TITLE, agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=doc.version, issued=fmt_dt(doc.issued_at_local),
        supersedes=supersedes, subject=f"{m.flight} {m.operational_date.isoformat()}",
        author=doc.issued_by,
    )
    story: list[Flowable] = [
        *title_block(
            f"{TITLE} \u2013 {m.flight}",
            f"Handed over to {isolate(doc.receiving_party)}: {len(doc.passengers)} "
            f"passenger{'s' if len(doc.passengers) != 1 else ''} in {n_cases} "
            f"case{'s' if n_cases != 1 else ''}"),
    ]
    if doc.supersedes_document_id:
        story += [superseding_banner(doc.document_id, doc.version, doc.supersedes_document_id,
                                     doc.supersedes_version, doc.correction_note),
                  Spacer(1, 3)]
    extra = [
        ("Receiving party", esc(doc.receiving_party)),
        ("Handover place", esc(doc.handover_place or "\u2013")),
        ("Handover time", fmt_dt(doc.handed_over_at_local)
         if doc.handed_over_at_local else "________"),
        ("Issued", fmt_dt(doc.issued_at_local)),
        ("Issued by", esc(doc.issued_by)),
    ]
    story += [movement_block(m, extra, doc.verify_url), verify_line(doc.verify_url)]

    story.append(Text("Passengers handed over", s.h2))
    columns = standard_columns(
        lambda p: needs_markup(p, lambda n: n.receiver_action),
        needs_header="Needs the receiver must act on<br/>(SSR code and plain words)")
    story.append(passenger_table(doc.passengers, columns))

    if doc.escort_notes:
        story.append(Text("Escort notes", s.h2))
        story += bullet_list(doc.escort_notes)

    story.append(Text("Handover", s.h2))
    story.append(Text(
        f"The passengers listed above ({len(doc.passengers)} in total) were handed over by "
        f"{esc(doc.agency_name)} to {esc(doc.receiving_party)}. Unaccompanied minors are "
        "released only to the adult named, after an identity document check.", s.base))
    if doc.release_override:
        story.append(Text(
            f"<b>Released by override:</b> {esc(doc.release_override)}", s.base))
    when = fmt_dt(doc.handed_over_at_local) if doc.handed_over_at_local else ""
    receiver = print_name(doc.receiving_person)
    story.append(signature_blocks(
        ("Handed over by", [("Name", print_name(doc.handing_person)),
                            ("Organisation", doc.agency_name), ("Date and time", when)]),
        ("Received by", [("Name", receiver),
                         ("Organisation", doc.receiving_party), ("Date and time", when),
                         *([("Identity document checked (type and number)",
                             doc.receiver_id_checked or "")]
                           if doc.receiver_id_checked
                           or any(p.is_minor_unaccompanied for p in doc.passengers)
                           else [])]),
        drawn=(doc.handing_strokes, doc.receiving_strokes),
        signed_names=(print_name(doc.handing_person), receiver),
    ))
    return render(story, info)
