"""The charter manifest: every passenger of a (possibly multi-stop) charter, by stop."""

from __future__ import annotations

from collections import Counter

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from movements import i18n
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

TITLE = i18n.N_("Charter manifest")
_ = i18n.document_gettext
ngettext = i18n.document_ngettext


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


def build_charter_manifest(doc: CharterManifestDoc, locale: str = i18n.DEFAULT) -> bytes:
    """Render a charter manifest in ``locale`` (the language of the person who issues
    it; names, places and SSR codes as recorded): headcount per stop (adding up to the
    total), escorts on board, then one passenger table per stop in route order."""
    with i18n.document_language(locale):
        return _build(doc)


def _people(n: int) -> str:
    return ngettext("%(num)d passenger", "%(num)d passengers", n) % {"num": n}


def _cases(n: int) -> str:
    return ngettext("%(num)d case", "%(num)d cases", n) % {"num": n}


def _build(doc: CharterManifestDoc) -> bytes:
    s = styles()
    m = doc.movement
    counts = doc.headcounts()
    supersedes = (f"{doc.supersedes_document_id} ("
                  + _("version %(num)s") % {"num": doc.supersedes_version} + ")"
                  if doc.supersedes_document_id else None)
    info = PageInfo(
        title=_(TITLE), agency_name=doc.agency_name, airport_name=doc.airport_name,
        document_id=doc.document_id, version=doc.version, issued=fmt_dt(doc.issued_at_local),
        supersedes=supersedes, subject=f"{m.flight} {m.operational_date.isoformat()}",
        author=_(doc.issued_by),
    )
    route = " \u2013 ".join(m.route)
    story: list[Flowable] = [*title_block(
        f"{_(TITLE)} \u2013 {m.flight} {route}",
        _("%(passengers)s in %(cases)s, %(escorts)s on board") % {
            "passengers": _people(doc.total), "cases": _cases(doc.total_cases),
            "escorts": ngettext("%(num)d escort", "%(num)d escorts", len(doc.escorts))
            % {"num": len(doc.escorts)}})]
    if doc.supersedes_document_id:
        story += [superseding_banner(doc.document_id, doc.version, doc.supersedes_document_id,
                                     doc.supersedes_version, doc.correction_note),
                  Spacer(1, 3)]
    extra = [(_("Issued"), fmt_dt(doc.issued_at_local)), (_("Issued by"), esc(_(doc.issued_by)))]
    story += [movement_block(m, extra, doc.verify_url), verify_line(doc.verify_url)]

    # Headcount per stop, with the total that the rows add up to.
    rows = [[_("Stop"), _("Disembarking at"), _("Cases"), _("Passengers")]]
    for i, c in enumerate(counts, 1):
        rows.append([f"{i}", esc(_place(c.stop, c.stop_name)), str(c.cases), str(c.passengers)])
    rows.append(["", "<b>" + _("Total on board (excluding escorts)") + "</b>",
                 f"<b>{doc.total_cases}</b>", f"<b>{doc.total}</b>"])
    headcount = grid_table(rows, [14 * mm, 80 * mm, 22 * mm, 26 * mm],
                           right_cols=(2, 3), total_row=True)
    story += [Text(_("Headcount by stop"), s.h2), headcount]

    if doc.escorts:
        erows = [[_("Escort"), _("Role"), _("Phone")]]
        for e in doc.escorts:
            erows.append([esc(e.name), esc(_(e.role)), esc(e.phone or "\u2013")])
        story += [Text(_("Escorts on board"), s.h2),
                  grid_table(erows, [70 * mm, 60 * mm, 48 * mm])]

    columns = standard_columns(_codes, needs_header="SSR", seat=True, compact=True)
    present = Counter(c for p in doc.passengers for c in _codes_of(p))
    if present:
        lrows = [["SSR", _("What the receiver must do"), _("Passengers")]]
        for code in SSR_CODES:
            if present[code]:
                need = SSR_CODES[code]
                lrows.append([f"<b>{code}</b>", esc(_(need.receiver_action)),
                              str(present[code])])
        story += [Text(_("Special needs on this flight"), s.h2),
                  grid_table(lrows, [16 * mm, 130 * mm, 32 * mm], right_cols=(2,))]

    number = 1
    for i, c in enumerate(counts, 1):
        ps = doc.passengers_at(c.stop)
        heading = Text(
            _("Stop %(num)d of %(total)d: %(place)s") % {
                "num": i, "total": len(counts), "place": esc(_place(c.stop, c.stop_name))}
            + " \u2013 " + _("%(passengers)s in %(cases)s") % {
                "passengers": _people(c.passengers), "cases": _cases(c.cases)}, s.h2)
        story.append(CondPageBreak(40 * mm))
        if ps:
            story += [heading, passenger_table(ps, columns, number_from=number)]
        else:
            story += [heading, Text(_("No passengers leave the aircraft here."), s.base)]
        number += len(ps)

    story.append(KeepTogether([
        Text(_("Declaration"), s.h2),
        Text(
            _("This manifest lists %(passengers)s in %(cases)s and %(escorts)d escorts for "
              "flight %(flight)s on %(day)s.") % {
                "passengers": _people(doc.total), "cases": _cases(doc.total_cases),
                "escorts": len(doc.escorts), "flight": esc(m.flight),
                "day": esc(m.operational_date.strftime('%Y-%m-%d'))}, s.base),
    ]))
    story.append(signature_blocks(
        (_("Prepared by"), [(_("Name"), _(doc.issued_by)), (_("Organisation"), doc.agency_name),
                            (_("Date and time"), "")]),
        (_("Received by (operating carrier)"), [(_("Name"), ""), (_("Function"), ""),
                                                (_("Date and time"), "")]),
    ))
    return render(story, info)
