"""Render what a live stream pushes: a sync header, then out-of-band partials.

The header (``<!--sync stream=S from=A seq=B kind=K ...-->``, defined in wire.py) tells
the page which numbers the message covers; the partials are the same templates the HTTP replies use.
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
        #: The language of what ``render`` produces now (set by ``update``).
        self.locale = i18n.DEFAULT

    def render(self, template: str, **context: object) -> str:
        return self.env.get_template(template).render(locale=self.locale, **context)

    def in_locale(self, locale: str) -> Fragments:
        """The same renderer, writing ``locale`` (one small object per language)."""
        other = Fragments(self.env)
        other.locale = i18n.known(locale)
        return other

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
        out = [self.render("partials/board_row.html", m=s, oob=True, ready=update.ready)
               for s in update.rows]
        # No longer on this board (moved to another day, now shown on its inbound leg's
        # row): the open boards drop the row, as a fresh page would.
        out.extend(f'<div id="mv-{mid}" hx-swap-oob="delete"></div>' for mid in update.gone)
        return "".join(dict.fromkeys(out))

    def _movement(self, update: lv.MovementUpdate) -> str:
        if update.page is not None:
            return self.render("partials/movement_body.html", d=update.page, oob=True,
                               revealed=False, show_protected=False, message=None,
                               plan=update.plan)
        if update.header is None:
            return ""
        out = [self.render("partials/movement_header.html", m=update.header, oob=True,
                           message=None)]
        if update.plan is not None:  # headcount per leg, readiness, notice (issue 14)
            out.append(self.render("planning/plan_section.html", plan=update.plan, oob=True))
        out.extend(self.render("partials/pax_row.html", p=p, oob=True, revealed=False,
                               show_protected=False, message=None) for p in update.rows)
        if update.notes is not None:
            out.append(self.render("partials/notes.html", d=update.notes, oob=True))
        return "".join(out)
