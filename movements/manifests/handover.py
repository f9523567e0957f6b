"""The handover manifest: the record a receiving party keeps and both sides sign."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from movements import i18n
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

TITLE = i18n.N_("Handover manifest")
_ = i18n.document_gettext
ngettext = i18n.document_ngettext


def build_handover_manifest(doc: HandoverDoc, locale: str = i18n.DEFAULT) -> bytes:
    """Render a handover manifest to PDF bytes, in ``locale`` (``en``, ``nl``: the
    language of the person who issues it; names, places and SSR codes as recorded).

    Needs are printed only as SSR code plus ``receiver_action``; ``health_notes`` are
    never printed.
    """
    with i18n.document_language(locale):
        return _build(doc)


def _build(doc: HandoverDoc) -> bytes:
    s = styles()
    m = doc.movement
    n_cases = len(group_by_case(doc.passengers))
    supersedes = (f"{doc.supersedes_document_id} ("
                  + _("version %(num)s") % {"num": doc.supersedes_version} + ")"
                  if doc.supersedes_document_id else None)
    info = PageInfo(
        title=_(TITLE), agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=doc.version, issued=fmt_dt(doc.issued_at_local),
        supersedes=supersedes, subject=f"{m.flight} {m.operational_date.isoformat()}",
        author=_(doc.issued_by),
    )
    story: list[Flowable] = [
        *title_block(
            f"{_(TITLE)} \u2013 {m.flight}",
            _("Handed over to %(party)s: %(passengers)s in %(cases)s") % {
                "party": isolate(doc.receiving_party),
                "passengers": ngettext("%(num)d passenger", "%(num)d passengers",
                                       len(doc.passengers)) % {"num": len(doc.passengers)},
                "cases": ngettext("%(num)d case", "%(num)d cases", n_cases) % {
                    "num": n_cases}}),
    ]
    if doc.supersedes_document_id:
        story += [superseding_banner(doc.document_id, doc.version, doc.supersedes_document_id,
                                     doc.supersedes_version, doc.correction_note),
                  Spacer(1, 3)]
    extra = [
        (_("Receiving party"), esc(doc.receiving_party)),
        (_("Handover place"), esc(doc.handover_place or "\u2013")),
        (_("Handover time"), fmt_dt(doc.handed_over_at_local)
         if doc.handed_over_at_local else "________"),
        (_("Issued"), fmt_dt(doc.issued_at_local)),
        (_("Issued by"), esc(_(doc.issued_by))),
    ]
    story += [movement_block(m, extra, doc.verify_url), verify_line(doc.verify_url)]

    story.append(Text(_("Passengers handed over"), s.h2))
    columns = standard_columns(
        lambda p: needs_markup(p, lambda n: n.receiver_action),
        needs_header=_("Needs the receiver must act on<br/>(SSR code and plain words)"))
    story.append(passenger_table(doc.passengers, columns))

    if doc.escort_notes:
        story.append(Text(_("Escort notes"), s.h2))
        story += bullet_list(doc.escort_notes)

    story.append(Text(_("Handover"), s.h2))
    story.append(Text(_(
        "The passengers listed above (%(num)s in total) were handed over by %(agency)s to "
        "%(party)s. Unaccompanied minors are released only to the adult named, after an "
        "identity document check.") % {"num": len(doc.passengers),
                                        "agency": esc(doc.agency_name),
                                        "party": esc(doc.receiving_party)}, s.base))
    if doc.release_override:
        story.append(Text(
            "<b>" + _("Released by override:") + f"</b> {esc(doc.release_override)}", s.base))
    when = fmt_dt(doc.handed_over_at_local) if doc.handed_over_at_local else ""
    receiver = print_name(doc.receiving_person)
    story.append(signature_blocks(
        (_("Handed over by"), [(_("Name"), print_name(doc.handing_person)),
                               (_("Organisation"), doc.agency_name),
                               (_("Date and time"), when)]),
        (_("Received by"), [(_("Name"), receiver),
                            (_("Organisation"), doc.receiving_party),
                            (_("Date and time"), when),
                         *([(_("Identity document checked (type and number)"),
                             doc.receiver_id_checked or "")]
                           if doc.receiver_id_checked
                           or any(p.is_minor_unaccompanied for p in doc.passengers)
                           else [])]),
        drawn=(doc.handing_strokes, doc.receiving_strokes),
        signed_names=(print_name(doc.handing_person), receiver),
    ))
    return render(story, info)
