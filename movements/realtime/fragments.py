"""The one render layer: pages, and the swappable partials with their sync header.

Every partial that a live stream can swap (a board row, the lanes, a movement's header,
body, passenger row, notes, plan section, the alert list and row) has ONE renderer here,
used both by the HTTP reply that draws it (through ``movements.web.render``) and by the
push that swaps it (``update``): the same template with the same context, so what a tap
draws is what the other tablets get.  The header (``<!--sync stream=S from=A seq=B
kind=K ...-->``, defined in wire.py) tells the page which numbers a push covers.
Whole pages render here too (``page``, through ``movements.web.render.page``): no
handler holds the Jinja environment.
"""

from __future__ import annotations

from jinja2 import Environment

from movements import i18n
from movements.domain import live_views as lv
from movements.domain import queries

from .wire import format_header


def header(stream: str, first: int, last: int, kind: str, at: float | None = None) -> str:
    """``at`` (unix ms, for events) is when the change was committed: clients and the
    fan-out bench measure delivery delay from it.  The grammar is wire.py's."""
    return format_header(stream, first, last, kind, at)


def channel_for(stream: str, locale: str) -> str:
    """The fan-out channel that carries ``stream`` rendered in ``locale``: English on the
    stream's own name (what every other subscriber and the benches use), another language
    on ``stream@locale``."""
    return stream if locale == i18n.DEFAULT else f"{stream}@{locale}"


class Fragments:
    def __init__(self, env: Environment) -> None:
        self.env = env
        #: The language this renderer writes (``in_locale``); None: the current request's
        #: (i18n.current(), the signed-in person's), as for an HTTP reply.
        self.locale: str | None = None

    def render(self, template: str, **context: object) -> str:
        if self.locale is not None:
            context = {"locale": self.locale, **context}
        return self.env.get_template(template).render(**context)

    def page(self, template: str, **context: object) -> str:
        """A whole page (HTTP only; nothing pushes a page): the same environment and
        language as the partials it embeds."""
        return self.render(template, **context)

    def in_locale(self, locale: str) -> Fragments:
        """The same renderer, writing ``locale`` (one small object per language)."""
        other = Fragments(self.env)
        other.locale = i18n.known(locale)
        return other

    # -- the swappable partials: one renderer each (HTTP reply and push) ----------------
    def board_row(self, m: object, *, oob: bool, ready: dict[int, str] | None = None,
                  **extra: object) -> str:
        return self.render("partials/board_row.html", m=m, oob=oob, ready=ready or {},
                           **extra)

    def movement_body(self, d: object, *, oob: bool, revealed: bool = False,
                      show_protected: bool = False, message: str | None = None,
                      plan: object = None, **extra: object) -> str:
        return self.render("partials/movement_body.html", d=d, oob=oob, revealed=revealed,
                           show_protected=show_protected, message=message, plan=plan,
                           **extra)

    def movement_header(self, m: object, *, oob: bool, message: str | None = None,
                        **extra: object) -> str:
        return self.render("partials/movement_header.html", m=m, oob=oob, message=message,
                           **extra)

    def pax_row(self, p: object, *, oob: bool, revealed: bool = False,
                show_protected: bool = False, message: str | None = None,
                **extra: object) -> str:
        return self.render("partials/pax_row.html", p=p, oob=oob, revealed=revealed,
                           show_protected=show_protected, message=message, **extra)

    def notes(self, d: object, *, oob: bool, **extra: object) -> str:
        return self.render("partials/notes.html", d=d, oob=oob, **extra)

    def plan_section(self, plan: object, *, oob: bool, **extra: object) -> str:
        return self.render("planning/plan_section.html", plan=plan, oob=oob, **extra)

    def alert_list(self, alerts: object, *, oob: bool, **extra: object) -> str:
        return self.render("partials/alert_list.html", alerts=alerts, oob=oob, **extra)

    def alert_row(self, a: object, **extra: object) -> str:
        return self.render("partials/alert_row.html", a=a, **extra)

    # -- board ------------------------------------------------------------------------
    def lanes(self, rows: list[queries.MovementSummary], oob: bool,
              ready: dict[int, str] | None = None) -> str:
        lanes: dict[str, list[queries.MovementSummary]] = {
            "departure": [], "transit": [], "arrival": []}
        for r in rows:
            if r.shown_on_board:
                lanes[r.lane].append(r)
        return self.render("partials/lanes.html", lanes=lanes, oob=oob, ready=ready or {})

    def update(self, update: lv.Update | None) -> str:
        """The out-of-band partials of one stream update (the same templates the HTTP
        replies use), rendered from read models: no database here."""
        if isinstance(update, lv.BoardUpdate):
            return self._board(update)
        if isinstance(update, lv.MovementUpdate):
            return self._movement(update)
        return ""

    def _board(self, update: lv.BoardUpdate) -> str:
        if update.lanes is not None:
            return self.lanes(update.lanes, oob=True, ready=update.ready)
        out = [self.board_row(s, oob=True, ready=update.ready) for s in update.rows]
        # No longer on this board (moved to another day, now shown on its inbound leg's
        # row): the open boards drop the row, as a fresh page would.
        out.extend(f'<div id="mv-{mid}" hx-swap-oob="delete"></div>' for mid in update.gone)
        return "".join(dict.fromkeys(out))

    def _movement(self, update: lv.MovementUpdate) -> str:
        # Times print in the movement's airport zone, as on the page the push replaces
        # (without it the plan section's notice deadline came out in UTC).
        if update.page is not None:
            return self.movement_body(update.page, oob=True, plan=update.plan,
                                      page_timezone=update.page.timezone)
        if update.header is None:
            return ""
        zone = update.header.timezone
        out = [self.movement_header(update.header, oob=True, page_timezone=zone)]
        if update.plan is not None:  # headcount per leg, readiness, notice (issue 14)
            out.append(self.plan_section(update.plan, oob=True, page_timezone=zone))
        out.extend(self.pax_row(p, oob=True, page_timezone=zone) for p in update.rows)
        if update.notes is not None:
            out.append(self.notes(update.notes, oob=True, page_timezone=zone))
        return "".join(out)
