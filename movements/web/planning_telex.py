"""Telexes refused because their flight is not planned, offered for planning from their
own data (issue 14.6): the flight, the day, which side of the airport it is on, the other
end of the leg and, from an MVT, a time.  The planning page shows each as a filled-in
form: one press plans it (a time is asked for only when the telex has none); the
coordinator then sends the telex again from the imports page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from movements.domain.planning_views import AirportRef, HomeView, RefusedTelex, is_planned
from movements.ingest import Mvt, Psm, Ptm, TelexError, parse_telex
from movements.ingest.pnl import NameList

#: Words of the refusal in domain/actions/telex.py ``no_movement``.
NOT_PLANNED = "plan the movement first"
WINDOW = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class TelexOffer:
    telex_id: int
    kind: str
    flight: str
    day: str  # YYYY-MM-DD
    movement_kind: str  # departure | arrival
    origin: str
    destination: str
    time: str  # HH:MM local, or "" when the telex carries none
    registration: str


def _local(when: datetime | None, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%H:%M") if when else ""


def offer_of(row: RefusedTelex, airport: AirportRef) -> TelexOffer | None:
    """What a refused telex says about its flight, or None when it cannot be read."""
    try:
        parsed = parse_telex(row.raw, row.received_at.date())
    except TelexError:
        return None
    if parsed.flight_date is None:
        return None
    here, tz = airport.iata, airport.timezone
    flight, day = str(parsed.flight), parsed.flight_date.isoformat()
    if isinstance(parsed, Mvt):
        leaves = parsed.station == here
        arrival = parsed.estimated_arrival
        if leaves:
            other = arrival.station if arrival else ""
            when = parsed.off_block or parsed.estimated_departure
            time = _local(when.utc if when else None, tz)  # type: ignore[attr-defined]
            return TelexOffer(row.id, "MVT", flight, day, "departure", here, other, time,
                              parsed.registration)
        time = _local(arrival.time.utc if arrival else None, tz)  # type: ignore[attr-defined]
        return TelexOffer(row.id, "MVT", flight, day, "arrival", parsed.station, here, time,
                          parsed.registration)
    if isinstance(parsed, Ptm):
        return TelexOffer(row.id, "PTM", flight, day, "arrival", parsed.origin,
                          parsed.destination, "", "")
    if isinstance(parsed, NameList | Psm):
        station = parsed.station
        if station == here:
            dests = [e.destination for e in parsed.entries]
            return TelexOffer(row.id, parsed.KIND, flight, day, "departure", here,
                              dests[0] if dests else "", "", "")
        return TelexOffer(row.id, parsed.KIND, flight, day, "arrival", station, here, "", "")
    return None


def offers(session: Any, home: HomeView, now: datetime) -> list[TelexOffer]:
    """The home page's refused telexes read as offers, newest first, one per flight and
    side; those whose movement exists meanwhile are left out.  (Run through
    ``UnitOfWork.read``: ``session`` is only handed on to the domain.)"""
    seen: set[tuple[str, str, str]] = set()
    out: list[TelexOffer] = []
    for row in home.refused:
        offer = offer_of(row, home.airport)
        if offer is None or (offer.flight, offer.day, offer.movement_kind) in seen:
            continue
        seen.add((offer.flight, offer.day, offer.movement_kind))
        if not is_planned(session, home.airport.id, offer.flight,
                          date.fromisoformat(offer.day),
                          offer.movement_kind == "departure"):
            out.append(offer)
    return out


__all__ = ["TelexOffer", "offer_of", "offers"]
