"""Write a parsed telex back as Type B text, from its parsed fields only.

``render(parse_telex(text))`` is a telex that parses to the same facts as ``text``
(line numbers aside): the property test in ``tests/ingest/test_properties.py`` holds
every parser to it, so a field the parser reads but loses, or reads two ways, shows up
as a difference.  The layout is canonical, not the sender's: one element per line,
times with their day where the original's day was explicit or implied (an implicit
rollover is written as ``HHMM`` again so it is inferred the same way), and the plain
envelope form (a gateway's ``=`` sections are written back as ``=`` sections).
"""

from __future__ import annotations

from movements.ingest.mvt import Mvt, MvtTime
from movements.ingest.names import PersonName
from movements.ingest.pnl import Connection, NameEntry, NameList
from movements.ingest.psm import Psm
from movements.ingest.ptm import Ptm, Transfer
from movements.ingest.telex_common import MONTHS, DayMonth, Envelope

_MONTH_NAMES = {no: name for name, no in MONTHS.items()}
ParsedTelex = Mvt | Ptm | NameList | Psm


def render(parsed: ParsedTelex) -> str:
    """The telex as text (lines joined with ``\\n``, ending with a newline)."""
    if isinstance(parsed, Mvt):
        body = _mvt(parsed)
    elif isinstance(parsed, Ptm):
        body = _ptm(parsed)
    elif isinstance(parsed, Psm):
        body = _psm(parsed)
    else:
        body = _name_list(parsed)
    kind = parsed.KIND + (" COR" if parsed.envelope.correction else "")
    return "\n".join([*_envelope(parsed.envelope), kind, *body]) + "\n"


def _envelope(env: Envelope) -> list[str]:
    lines: list[str] = []
    if env.extra or (env.message_id and not env.origin_time and env.origin is None):
        # A gateway's envelope: write it back as sections.
        if env.priority:
            lines += ["=PRIORITY", env.priority]
        if env.addresses:
            lines += ["=DESTINATION TYPE B", *(f"STX,{a}" for a in env.addresses)]
        if env.origin:
            lines += ["=ORIGIN", env.origin]
        if env.message_id:
            lines += ["=MSGID", env.message_id]
        for item in env.extra:
            section, _, value = item.partition(": ")
            lines += [f"={section}", value]
        lines.append("=TEXT")
    else:
        if env.addresses:
            lines.append(" ".join(([env.priority] if env.priority else []) +
                                  list(env.addresses)))
        elif env.priority:
            lines.append(env.priority)
        if env.origin:
            lines.append(" ".join(x for x in (f".{env.origin}", env.origin_time,
                                              env.message_id) if x))
    if env.possible_duplicate:
        lines.append("PDM")
    return lines


def _day_month(dm: DayMonth) -> str:
    return f"{dm.day:02d}{_MONTH_NAMES[dm.month]}"


# -- MVT --------------------------------------------------------------------------------

def _t(t: MvtTime) -> str:
    # An implicit rollover (next_day) is only expressible as HHMM after the time it
    # follows; every other time carries its day, which reads back the same.
    hhmm = f"{t.hour:02d}{t.minute:02d}"
    return hhmm if t.next_day else f"{t.day:02d}{hhmm}"


def _pair(first: MvtTime | None, second: MvtTime | None) -> str:
    # A lone second time (airborne without off-block) cannot be written: the parser
    # only produces it after a first.
    assert first is not None
    return _t(first) + (f"/{_t(second)}" if second else "")


def _mvt(m: Mvt) -> list[str]:
    lines = [f"{m.flight}/{m.flight_day:02d}.{m.registration}.{m.station}"]
    eo = f" EO{_t(m.estimated_takeoff)}" if m.estimated_takeoff else ""
    if m.off_block:
        lines.append("AD" + _pair(m.off_block, m.airborne) + eo)
        eo = ""
    if m.touchdown:
        lines.append("AA" + _pair(m.touchdown, m.on_block))
    if m.estimated_departure:
        lines.append(f"ED{_t(m.estimated_departure)}" + eo)
        eo = ""
    if eo:
        lines.append(eo.strip())
    if m.estimated_arrival:
        lines.append(f"EA{_t(m.estimated_arrival.time)} {m.estimated_arrival.station}")
    if m.delays:
        codes = [d.code for d in m.delays]
        minutes = [d.minutes for d in m.delays if d.minutes is not None]
        lines.append("DL" + "/".join(codes + [f"{n // 60:02d}{n % 60:02d}" for n in minutes]))
    if m.passengers is not None:
        figures = [m.passengers, *([m.infants] if m.infants is not None else []),
                   *m.passenger_figures]
        lines.append("PX" + "/".join(str(f) for f in figures))
    lines += [f"{code}{data}" for code, data in m.other]
    if m.supplementary is not None:
        first, *more = m.supplementary.split("\n")
        lines += [f"SI {first}".rstrip(), *more]
    return lines


# -- PTM --------------------------------------------------------------------------------

def _groups(names: tuple[PersonName, ...]) -> list[str]:
    """Consecutive given names of one surname as one group: OKELLO/GRACE/JOHN."""
    out: list[str] = []
    last: PersonName | None = None
    for n in names:
        if n.given_name is None:
            out.append(n.surname)
            last = None
        elif last is not None and last.surname == n.surname and out:
            out[-1] += f"/{n.given_name}"
        else:
            out.append(f"{n.surname}/{n.given_name}")
            last = n
    return out


def _transfer(t: Transfer) -> str:
    words = [f"{t.onward.flight}/{t.onward.day:02d}", t.destination,
             "".join(f"{s.count}{s.cabin_class}" for s in t.seats)]
    if t.children:
        words.append(f"{t.children}CHD")
    if t.infants:
        words.append(f"{t.infants}INF")
    if t.bags is not None:
        weight = f"{t.bag_weight}{t.bag_unit}" if t.bag_weight is not None else ""
        words.append(f"{t.bags}B{weight}")
    return " ".join(words + _groups(t.names))


def _end(kind: str, part: int, last: bool) -> str:
    return f"END{kind}" if last else f"ENDPART{part}"


def _ptm(p: Ptm) -> list[str]:
    lines = [f"{p.flight}/{_day_month(p.flight_day)} {p.origin}{p.destination} PART{p.part}"]
    lines += [_transfer(t) for t in p.transfers] or ["NIL"]
    return [*lines, _end("PTM", p.part, p.last_part)]


# -- PNL / ADL ----------------------------------------------------------------------------

def _names(names: tuple[PersonName, ...]) -> str:
    """PNL shape: the surname once, then /GIVEN TITLE [CHD] per passenger."""
    parts = []
    for n in names:
        words = [w for w in (n.given_name, n.title, "CHD" if n.child else None) if w]
        parts.append(" ".join(words))
    return names[0].surname + "".join(f"/{p}" for p in parts)


def _connection(c: Connection) -> str:
    stations = (c.board or "") + (c.off or "")
    time = f"{c.departure_time:%H%M}" if c.departure_time else ""
    return f"{c.flight}{c.cabin_class}{c.day:02d}{stations}{time}{c.status or ''}"


def _entry(e: NameEntry) -> list[str]:
    group = f"-{e.group.code}{e.group.size}{e.group.name}" if e.group else ""
    lines = [f"{len(e.names)}{_names(e.names)}{group}"]
    lines += [f".L/{locator}" for locator in e.locators]
    lines += [f".R/{r.code} {r.text}".rstrip() + (f"-1{r.for_name}" if r.for_name else "")
              for r in e.remarks]
    if e.inbound:
        lines.append(f".I/{_connection(e.inbound)}")
    lines += [f".O{'' if i == 0 else i + 1}/{_connection(c)}" for i, c in enumerate(e.onward)]
    lines += [f".{o.code}/{o.text}" for o in e.other]
    return lines


def _name_list(n: NameList) -> list[str]:
    lines = [f"{n.flight}/{_day_month(n.flight_day)} {n.station} PART{n.part}", *n.header]
    totals = list(n.totals)
    current: tuple[str, str] | None = None
    action: str | None = None

    def total_line(index: int) -> str:
        t = totals[index]
        return " ".join([f"-{t.destination}{t.count:03d}{t.cabin_class}", *t.suffixes])

    at = 0
    for e in n.entries:
        if e.action is not None and e.action != action:
            lines.append(e.action)
            action = e.action
        while current != (e.destination, e.cabin_class) and at < len(totals):
            lines.append(total_line(at))
            current = (totals[at].destination, totals[at].cabin_class)
            at += 1
        lines += _entry(e)
    lines += [total_line(i) for i in range(at, len(totals))]
    return [*lines, _end(n.KIND, n.part, n.last_part)]


# -- PSM --------------------------------------------------------------------------------

def _psm(p: Psm) -> list[str]:
    lines = [f"{p.flight}/{_day_month(p.flight_day)} {p.station} PART{p.part}"]
    for e in p.entries:
        words = ["/".join(e.ssr_codes), str(len(e.names)), e.destination, _names(e.names),
                 *e.seats]
        if e.onward:
            words += ["ONWARD", f"{e.onward.flight}/{e.onward.day:02d}"]
        if e.free_text is not None:
            words += ["FT", e.free_text]
        lines.append(" ".join(words))
    if not p.entries:
        lines.append("NIL")
    return [*lines, _end("PSM", p.part, p.last_part)]
