"""The escort briefing: the special-needs passengers of one movement and what the team
must do for each (``team_action``), for the escorts to carry and tick off."""

from __future__ import annotations

from collections import Counter
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from movements import i18n
from movements.domain.documents import DocPassenger, EscortBriefingDoc
from movements.domain.ssr import NeedGroup

from .layout import (
    CONTENT_W,
    Column,
    PageInfo,
    Text,
    TickBox,
    bullet_list,
    esc,
    fmt_date,
    fmt_dt,
    grid_table,
    group_by_case,
    movement_block,
    name_cell,
    needs_markup,
    passenger_table,
    render,
    styles,
    superseding_banner,
    title_block,
)

TITLE = i18n.N_("Escort briefing")
_ = i18n.document_gettext
ngettext = i18n.document_ngettext
N_ = i18n.N_

# Most demanding first: the briefing lists cases in this order.
PRIORITY = (
    NeedGroup.STRETCHER_OXYGEN,
    NeedGroup.MEDICAL,
    NeedGroup.MINOR,
    NeedGroup.WHEELCHAIR,
    NeedGroup.ESCORT,
    NeedGroup.COMMUNICATION,
    NeedGroup.MEET_ASSIST,
    NeedGroup.FAMILY,
)

GROUP_LABEL = {
    NeedGroup.ESCORT: N_("escort"),
    NeedGroup.MEDICAL: N_("medical"),
    NeedGroup.STRETCHER_OXYGEN: N_("stretcher / oxygen"),
    NeedGroup.WHEELCHAIR: N_("wheelchair"),
    NeedGroup.MINOR: N_("unaccompanied minor"),
    NeedGroup.MEET_ASSIST: N_("meet and assist"),
    NeedGroup.COMMUNICATION: N_("communication"),
    NeedGroup.FAMILY: N_("infant or child"),
    NeedGroup.NOT_AGENCY: N_("not agency passengers"),
}


def _groups(p: DocPassenger) -> set[NeedGroup]:
    groups: set[NeedGroup] = set()
    for n in p.needs:
        groups |= n.groups
    if p.is_minor_unaccompanied:
        groups |= {NeedGroup.MINOR, NeedGroup.ESCORT}
    return groups


def _rank(p: DocPassenger) -> int:
    g = _groups(p)
    return min((i for i, grp in enumerate(PRIORITY) if grp in g), default=len(PRIORITY))


def _age(born: date | None, on: date) -> str:
    if born is None:
        return ""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years < 2:
        months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
        return " (" + ngettext("age %(num)d month", "age %(num)d months",
                               max(months, 0)) % {"num": max(months, 0)} + ")"
    return " (" + _("age %(num)d") % {"num": years} + ")"


def build_escort_briefing(doc: EscortBriefingDoc, locale: str = i18n.DEFAULT) -> bytes:
    """Render the escort briefing in ``locale`` (the language of the person who asks
    for it; names, places and SSR codes as recorded).  Only passengers with special
    needs are listed, most demanding case first; needs as SSR code, meaning and
    ``team_action``."""
    with i18n.document_language(locale):
        return _build(doc)


def _build(doc: EscortBriefingDoc) -> bytes:
    s = styles()
    m = doc.movement
    listed = doc.special_needs_passengers
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
        ngettext("%(num)d of %(total)d passenger needs assistance.",
                 "%(num)d of %(total)d passengers need assistance.", len(doc.passengers))
        % {"num": len(listed), "total": len(doc.passengers)} + " "
        + _("For the team only: do not hand this briefing to passengers or third parties."))]
    if doc.supersedes_document_id:
        story += [superseding_banner(doc.document_id, doc.version, doc.supersedes_document_id,
                                     doc.supersedes_version, None), Spacer(1, 3)]
    extra = [
        (_("Meeting point"), esc(doc.meeting_point or "\u2013")),
        (_("Escorts report at"), fmt_dt(doc.report_time_local)),
        (_("Issued"), _("%(time)s by %(person)s") % {"time": fmt_dt(doc.issued_at_local),
                                                       "person": esc(_(doc.issued_by))}),
    ]
    story.append(movement_block(m, extra, doc.verify_url))

    if doc.escorts:
        rows = [[_("Escort"), _("Role"), _("Phone")]]
        rows += [[esc(e.name), esc(_(e.role)), esc(e.phone or "\u2013")]
                 for e in doc.escorts]
        story += [Text(_("Escorts"), s.h2), grid_table(rows, [70 * mm, 60 * mm, 48 * mm])]

    counts: Counter[NeedGroup] = Counter()
    for p in listed:
        counts.update(_groups(p))
    if counts:
        summary = " \u00b7 ".join(f"{_(GROUP_LABEL[g])} <b>{counts[g]}</b>"
                                  for g in PRIORITY if counts[g])
        story += [Text(_("Needs on this movement"), s.h2), Text(summary, s.base)]

    if doc.notes:
        story += [Text(_("Notes"), s.h2), *bullet_list(doc.notes)]

    story.append(Text(_("Passengers and what to do"), s.h2))
    if not listed:
        story.append(Text(_("No passenger on this movement has special needs."), s.base))
        return render(story, info)

    cases = group_by_case(listed)
    cases.sort(key=lambda kv: min(_rank(p) for p in kv[1]))  # stable: ties keep order
    ordered = [p for _, members in cases for p in members]

    case_size = Counter(p.case_ref for p in doc.passengers)

    def who(p: DocPassenger, width: float, n: int) -> list[Flowable]:
        cell = name_cell(p, width)
        size = case_size[p.case_ref]
        facts = [_("Case %(ref)s") % {"ref": esc(p.case_ref)}
                 + (" (" + _("%(num)d persons") % {"num": size} + ")" if size > 1 else ""),
                 _("born %(day)s") % {"day": fmt_date(p.birth_date)}
                 + _age(p.birth_date, m.operational_date)]
        if p.seat:
            facts.append(_("seat %(seat)s") % {"seat": esc(p.seat)})
        cell.append(Text(" \u00b7 ".join(facts), s.muted))
        return cell

    fixed = [
        Column(_("No."), 9 * mm, lambda p, w, n: str(n), "RIGHT", plain=True),
        Column(_("Passenger"), 64 * mm, who),
        Column(_("Done"), 13 * mm, lambda p, w, n: TickBox()),
    ]
    what = Column(_("What the team must do (SSR code, meaning: action)"),
                  CONTENT_W - sum(c.width for c in fixed),
                  lambda p, w, n: needs_markup(p, lambda nd: nd.team_action,
                                               with_meaning=True))
    story.append(passenger_table(ordered, [fixed[0], fixed[1], what, fixed[2]]))
    return render(story, info)
