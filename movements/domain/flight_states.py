"""Which of a flight's states the board shows, and in what order: the one place.

The airport feed reports a list of states per flight (Schiphol Public Flight API v4,
``publicFlightState.flightStates``): a delayed flight whose gate changed is
``["DEL", "GCH"]``.  The board shows every state reported, the first in bold, ordered
by ``PRECEDENCE``: an end state (cancelled, diverted) first, then the furthest step of
the flight's progress, then notices (gate change, delayed, tomorrow), then scheduled
(which is dropped when anything else is reported).  ``Movement.flight_state`` holds the
first; ``Movement.flight_states`` the whole ordered list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Highest first, per direction ("D" departures, "A" arrivals).
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "D": ("CNX", "DIV", "DEP", "GTD", "GCL", "BRD", "GTO", "WIL", "GCH", "DEL", "TOM", "SCH"),
    "A": ("CNX", "DIV", "ARR", "FIB", "LND", "FIR", "EXP", "AIR", "GCH", "DEL", "TOM", "SCH"),
}


def board_states(states: Iterable[str], direction: str) -> tuple[str, ...]:
    """The reported states the board knows, once each, in ``PRECEDENCE`` order
    (``SCH`` only when nothing else is reported); () when none is known."""
    order = PRECEDENCE["A" if direction == "A" else "D"]
    known = sorted({s for s in states if s in order}, key=order.index)
    if len(known) > 1 and "SCH" in known:
        known.remove("SCH")
    return tuple(known)


def shown_states(flight_state: str, flight_states: Sequence[str] | None) -> tuple[str, ...]:
    """What a board row shows: the feed's full list while its first is still the
    movement's state (a telex or a coordinator may have moved the state on since),
    else the state alone."""
    if flight_states and flight_states[0] == flight_state:
        return tuple(flight_states)
    return (flight_state,)
