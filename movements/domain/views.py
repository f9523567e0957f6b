"""What each screen reads, for one person: the read models of ``queries`` loaded through
the access policy (``access``), so that no edge decides scope by itself.

Every function takes the session and the ``Actor`` and raises ``NotFound`` for anything
outside the actor's scope (the same words as for a row that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from . import queries
from .access import (
    Need,
    access_booking,
    access_handover,
    access_movement,
    access_movement_id,
    choose_airport,
    may_see_protected,
    visible_airports,
)
from .clock import local_date
from .errors import not_found
from .planning_queries import MovementPlan, movement_plan
from .streams import board_stream, movement_stream
from .uow import Actor, stream_seq


@dataclass(frozen=True, slots=True)
class AirportChoice:
    """The airport a page is for and the ones the person may switch to."""

    code: str
    name: str
    timezone: str
    codes: tuple[str, ...]


def airport_choice(session: Session, actor: Actor, asked: str | None, default: str,
                   need: Need = Need.SEE) -> AirportChoice:
    """The airport asked for (NotFound unless the actor's), else the deployment default if
    the actor works it, else their first; with every airport the actor may pick."""
    mine = visible_airports(session, actor, need)  # read once: the choice is among them
    airport = choose_airport(session, actor, asked, default, need, mine=mine)
    return AirportChoice(airport.iata, airport.name, airport.timezone,
                         tuple(a.iata for a in mine))


def today_at(session: Session, actor: Actor, asked: str | None, default: str,
             now: datetime, need: Need = Need.SEE) -> tuple[AirportChoice, date]:
    """The airport choice and its local date at ``now`` (UTC)."""
    choice = airport_choice(session, actor, asked, default, need)
    return choice, local_date(now, choice.timezone)


def my_airport_codes(session: Session, actor: Actor, need: Need = Need.SEE
                     ) -> tuple[str, ...]:
    """The IATA codes of the airports where the actor may do ``need`` (their boards)."""
    return tuple(a.iata for a in visible_airports(session, actor, need))


@dataclass(frozen=True, slots=True)
class BoardPage:
    airport: AirportChoice
    day: date
    stream: str
    seq: int
    rows: list[queries.MovementSummary]


@dataclass(frozen=True, slots=True)
class BoardHead:
    """What a board request needs before its rows: the airport (chosen through the access
    policy), the day, its stream and the stream's number now."""

    airport: AirportChoice
    day: date
    stream: str
    seq: int


def board_head(session: Session, actor: Actor, asked: str | None, default: str,
               day: date | None, now: datetime) -> BoardHead:
    """The access decision and stream number of a day board (``day`` None: today at the
    airport); NotFound for an airport outside the actor's scope.  Cheap (a few
    statements): the web layer looks up rendered lanes by (stream, number) with it."""
    choice, today = today_at(session, actor, asked, default, now)
    the_day = day or today
    stream = board_stream(choice.code, the_day)
    return BoardHead(choice, the_day, stream, stream_seq(session, stream))


def board_page(session: Session, actor: Actor, asked: str | None, default: str,
               day: date | None, now: datetime) -> BoardPage:
    """One airport's day board (``day`` None: today there).  The stream number is read
    before the rows, so the rows are at least that fresh."""
    head = board_head(session, actor, asked, default, day, now)
    return BoardPage(head.airport, head.day, head.stream, head.seq,
                     queries.board(session, head.airport.code, head.day))


def board_rows(session: Session, head: BoardHead) -> list[queries.MovementSummary]:
    """The rows of a board whose ``head`` the access policy already gave (read after the
    head's number, so at least that fresh)."""
    return queries.board(session, head.airport.code, head.day)


@dataclass(frozen=True, slots=True)
class MovementPage:
    stream: str
    seq: int
    detail: queries.MovementDetail
    show_protected: bool


def movement_page(session: Session, actor: Actor, movement_id: int) -> MovementPage:
    """A movement page with its stream number (read first)."""
    access_movement(session, actor, movement_id, Need.SEE)
    stream = movement_stream(movement_id)
    seq = stream_seq(session, stream)
    detail = queries.movement_detail(session, movement_id)
    assert detail is not None
    return MovementPage(stream, seq, detail, may_see_protected(actor))


@dataclass(frozen=True, slots=True)
class MovementHead:
    """What a movement page request needs before its body: the access policy's yes (only
    ``movement_head`` makes one) and the movement stream's number now."""

    movement_id: int
    stream: str
    seq: int


def movement_head(session: Session, actor: Actor, movement_id: int) -> MovementHead:
    """The access decision and stream number of a movement page; NotFound outside the
    actor's scope.  Cheap (two statements): the web layer looks up a rendered body by
    (stream, number) with it."""
    access_movement_id(session, actor, movement_id, Need.SEE)
    stream = movement_stream(movement_id)
    return MovementHead(movement_id, stream, stream_seq(session, stream))


def movement_body(session: Session, head: MovementHead
                  ) -> tuple[queries.MovementDetail, MovementPlan | None]:
    """The page's read models for a movement whose ``head`` the access policy already
    gave (read after the head's number, so at least that fresh): the detail and the
    plan section (charter legs, readiness, carrier notice)."""
    detail = queries.movement_detail(session, head.movement_id)
    if detail is None:  # removed since the head was read (another transaction)
        raise not_found("movement")
    return detail, movement_plan(session, head.movement_id)


def movement_summary(session: Session, actor: Actor, movement_id: int,
                     need: Need = Need.SEE) -> queries.MovementSummary:
    """A movement's header row."""
    access_movement(session, actor, movement_id, need)
    summary = queries.movement_summary(session, movement_id)
    assert summary is not None
    return summary


def movement_timezone(session: Session, actor: Actor, movement_id: int,
                      need: Need = Need.SEE) -> tuple[date, str]:
    """(operational date, airport time zone) of a movement, for reading local times."""
    movement = access_movement(session, actor, movement_id, need)
    return movement.operational_date, movement.airport.timezone


def booking_row(session: Session, actor: Actor, booking_id: int,
                need: Need = Need.WORK) -> queries.PassengerView:
    """One passenger row (the partial a tap swaps)."""
    access_booking(session, actor, booking_id, need)
    found = queries.booking_view(session, booking_id)
    assert found is not None
    return found[1]


def movement_detail(session: Session, actor: Actor, movement_id: int,
                    need: Need = Need.SEE) -> queries.MovementDetail:
    access_movement(session, actor, movement_id, need)
    detail = queries.movement_detail(session, movement_id)
    assert detail is not None
    return detail


def movement_notes(session: Session, actor: Actor, movement_id: int
                   ) -> queries.MovementNotes:
    """Only the movement's notes (what the notes partial shows); NotFound as above."""
    access_movement(session, actor, movement_id, Need.SEE)
    notes = queries.movement_notes(session, movement_id)
    assert notes is not None
    return notes


def see_movement(session: Session, actor: Actor, movement_id: int) -> None:
    """Raises NotFound unless the actor may see the movement (its documents, say)."""
    access_movement(session, actor, movement_id, Need.SEE)


def see_handover(session: Session, actor: Actor, handover_id: int) -> None:
    """Raises NotFound unless the actor may see the handover (and so its manifest)."""
    access_handover(session, actor, handover_id, Need.SEE)


@dataclass(frozen=True, slots=True)
class AlertsPage:
    airport: AirportChoice
    alerts: list[Any]  # actions.alerts.AlertView
    watched: list[str]  # the board streams whose events change the list


def alerts_page(session: Session, actor: Actor, asked: str | None, default: str,
                now: datetime) -> AlertsPage:
    """A coordinator's alert list for one of their airports, and the board streams of
    yesterday, today and tomorrow there (alerts are events on those streams)."""
    from .actions.alerts import alert_list

    choice, today = today_at(session, actor, asked, default, now, Need.COORDINATE)
    watched = [board_stream(choice.code, today + timedelta(days=d)) for d in (-1, 0, 1)]
    return AlertsPage(choice, alert_list(session, choice.code, now), watched)


__all__ = ["AirportChoice", "AlertsPage", "BoardHead", "BoardPage", "MovementHead",
           "MovementPage", "airport_choice", "alerts_page", "board_head", "board_page",
           "board_rows", "booking_row", "movement_body", "movement_detail", "movement_head",
           "movement_page", "movement_summary",
           "movement_timezone", "my_airport_codes", "see_handover", "see_movement", "today_at"]
