"""Render what a live stream pushes: a sync header, then out-of-band partials.

The header ``<!--sync stream=S from=A seq=B kind=K-->`` tells the page which numbers the
message covers; the partials are the same templates the HTTP replies use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain import queries
from movements.domain.models import Booking, Movement
from movements.domain.planning_queries import board_readiness, movement_plan

#: Events after which a movement page is re-rendered whole (rows appear or vanish).
WHOLE_PAGE_KINDS = {"PassengerBooked", "CaseSplitFlagged", "HandoverCreated",
                    "HandoverSigned", "MovementCreated", "PassengerPurged"}


def header(stream: str, first: int, last: int, kind: str, at: float | None = None) -> str:
    """``at`` (unix ms, for events) is when the change was committed: clients and the
    fan-out bench measure delivery delay from it."""
    stamp = f" at={at:.1f}" if at is not None else ""
    return f"<!--sync stream={stream} from={first} seq={last} kind={kind}{stamp}-->"


def parse_stream(stream: str) -> tuple[str, str, date] | tuple[str, int] | None:
    """``board:AMS:2026-09-15`` -> ("board", "AMS", date); ``movement:42`` -> ("movement",
    42); anything else -> None."""
    parts = stream.split(":")
    try:
        if len(parts) == 3 and parts[0] == "board" and len(parts[1]) == 3 and parts[1].isalpha():
            return ("board", parts[1].upper(), date.fromisoformat(parts[2]))
        if len(parts) == 2 and parts[0] == "movement" and parts[1].isdigit():
            return ("movement", int(parts[1]))
    except ValueError:
        return None
    return None


class Fragments:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def render(self, template: str, **context: object) -> str:
        return self.env.get_template(template).render(**context)

    # -- board ------------------------------------------------------------------------
    def lanes(self, rows: list[queries.MovementSummary], oob: bool,
              ready: dict[int, str] | None = None) -> str:
        lanes: dict[str, list[queries.MovementSummary]] = {
            "departure": [], "transit": [], "arrival": []}
        for r in rows:
            if r.shown_on_board:
                lanes[r.lane].append(r)
        return self.render("partials/lanes.html", lanes=lanes, oob=oob, ready=ready or {})

    def board_snapshot(self, session: Session, airport: str, day: date) -> str:
        rows = queries.board(session, airport, day)
        return self.lanes(rows, oob=True, ready=board_readiness(session, [r.id for r in rows]))

    def board_update(self, session: Session, airport: str, day: date,
                     movement_ids: Iterable[int], kinds: set[str]) -> str:
        if "MovementCreated" in kinds:
            return self.board_snapshot(session, airport, day)
        out: list[str] = []
        for mid in sorted(set(movement_ids)):
            s = queries.movement_summary(session, mid)
            if s is None:
                continue
            if s.kind == "transit_out" and s.inbound_id is not None:
                s = queries.movement_summary(session, s.inbound_id) or s
            if s.airport == airport and s.operational_date == day and s.shown_on_board:
                out.append(self.render("partials/board_row.html", m=s, oob=True,
                                       ready=board_readiness(session, [s.id])))
        return "".join(dict.fromkeys(out))

    # -- movement page ----------------------------------------------------------------
    def movement_snapshot(self, session: Session, movement_id: int) -> str:
        detail = queries.movement_detail(session, movement_id)
        if detail is None:
            return ""
        return self.render("partials/movement_body.html", d=detail, oob=True,
                           revealed=False, show_protected=False, message=None,
                           plan=movement_plan(session, movement_id))

    def movement_update(self, session: Session, movement_id: int,
                        items: list[tuple[str, int | None, int | None]]) -> str:
        """items: (event kind, event movement id, passenger id).  Renders only what
        changed: the header, the touched passengers' rows, the notes."""
        kinds = {k for k, _, _ in items}
        if kinds & WHOLE_PAGE_KINDS:
            return self.movement_snapshot(session, movement_id)
        summary = queries.movement_summary(session, movement_id)
        if summary is None:
            return ""
        out = [self.render("partials/movement_header.html", m=summary, oob=True,
                           message=None)]
        plan = movement_plan(session, movement_id)
        if plan is not None:  # headcount per leg, readiness, notification (issue 14)
            out.append(self.render("planning/plan_section.html", plan=plan, oob=True))
        for pid in dict.fromkeys(pid for _, _, pid in items if pid is not None):
            booking_id = session.scalar(select(Booking.id).where(
                Booking.movement_id == movement_id, Booking.passenger_id == pid))
            found = queries.booking_view(session, booking_id) if booking_id else None
            if found is not None:
                out.append(self.render("partials/pax_row.html", p=found[1], oob=True,
                                       revealed=False, show_protected=False, message=None))
        if "NoteAdded" in kinds:
            detail = queries.movement_detail(session, movement_id)
            if detail is not None:
                out.append(self.render("partials/notes.html", d=detail, oob=True))
        return "".join(out)


def movement_exists(session: Session, movement_id: int) -> bool:
    return session.get(Movement, movement_id) is not None
