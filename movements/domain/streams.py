"""Live streams: what one screen follows, named once.

A stream is the board of one airport's day (``board:AMS:2026-09-15``) or one movement
page (``movement:42``).  Every committed change takes the next number of each stream that
shows it (``uow.Tx.record``); the socket, the hub and the pages name streams only through
this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class BoardStream:
    """One airport's day board.  ``airport`` is the IATA code, ``day`` the local date."""

    airport: str
    day: date

    def __str__(self) -> str:
        return f"board:{self.airport.upper()}:{self.day.isoformat()}"


@dataclass(frozen=True, slots=True)
class MovementStream:
    """One movement page (it also shows a transit's linked leg)."""

    movement_id: int

    def __str__(self) -> str:
        return f"movement:{self.movement_id}"


Stream = BoardStream | MovementStream


def board_stream(airport: str, day: date) -> str:
    """``board_stream("ams", date(2026, 9, 15))`` -> ``"board:AMS:2026-09-15"``."""
    return str(BoardStream(airport.upper(), day))


def movement_stream(movement_id: int) -> str:
    """``movement_stream(42)`` -> ``"movement:42"``."""
    return str(MovementStream(movement_id))


def alerts_stream(airport: str) -> str:
    """The live alert list of one airport (``alerts_stream("ams")`` -> ``"alerts:AMS"``):
    its socket's snapshots are labelled with it; no counter of its own."""
    return f"alerts:{airport.upper()}"


#: The report-stamp scope of a write whose airport is not known (no live event): it
#: invalidates every airport's cached reports.
EVERY_AIRPORT = "*"


def report_counter(scope: str) -> str:
    """The counter bumped by every committed write that may change reports of an
    airport (``report_counter("ams")`` -> ``"reports:AMS"``), or of every airport
    (``EVERY_AIRPORT``).  Kept in ``stream_counter`` beside the live streams' counters,
    but no screen follows it (``parse_stream`` answers None for it)."""
    return f"reports:{scope.upper()}"


def report_month_scope(airport: str, day: date) -> str:
    """The report scope of an airport's month (``report_month_scope("ams", date(2016, 9,
    3))`` -> ``"AMS:2016-09"``): its counter (``report_counter``) moves with every write
    that may change that month's figures at that airport."""
    return f"{airport.upper()}:{day.year:04d}-{day.month:02d}"


def parse_stream(name: str) -> Stream | None:
    """The typed stream a name stands for, or None for anything else (never raises).

    ``board:AMS:2026-09-15`` -> BoardStream("AMS", date); ``movement:42`` ->
    MovementStream(42)."""
    parts = name.split(":")
    if len(parts) == 3 and parts[0] == "board" and len(parts[1]) == 3 and parts[1].isalpha() \
            and parts[1].isascii():
        try:
            return BoardStream(parts[1].upper(), date.fromisoformat(parts[2]))
        except ValueError:
            return None
    if len(parts) == 2 and parts[0] == "movement" and parts[1].isascii() \
            and parts[1].isdigit() and len(parts[1]) < 10:
        return MovementStream(int(parts[1]))
    return None


__all__ = ["EVERY_AIRPORT", "BoardStream", "MovementStream", "Stream", "board_stream",
           "movement_stream", "report_counter",
           "parse_stream"]
