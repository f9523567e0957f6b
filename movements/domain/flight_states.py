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

from .vocabulary import FlightState as S

_END = (S.CANCELLED, S.DIVERTED)
_NOTICES = (S.GATE_CHANGE, S.DELAYED, S.TOMORROW, S.SCHEDULED)
#: Highest first, per direction ("D" departures, "A" arrivals).
PRECEDENCE: dict[str, tuple[str, ...]] = {
    "D": (*_END, S.DEPARTED, S.GATE_CLOSED, S.GATE_CLOSING, S.BOARDING, S.GATE_OPEN,
          S.WAIT_IN_LOUNGE, *_NOTICES),
    "A": (*_END, S.ARRIVED, S.FIRST_BAG, S.LANDED, S.IN_AIRSPACE, S.EXPECTED, S.AIRBORNE,
          *_NOTICES),
}


#: States after which a departure has left its stand: off-block, airborne, landed, arrived.
LEFT_STATES = frozenset({S.DEPARTED, S.AIRBORNE, S.IN_AIRSPACE, S.EXPECTED, S.LANDED,
                         S.FIRST_BAG, S.ARRIVED})


def has_left(flight_state: str | None, flight_states: Sequence[str] | None,
             actual_at: object) -> bool:
    """Whether a departure has left: an actual (off-block) time is recorded, or the
    feed, a telex or a coordinator reports a state at or past off-block."""
    if actual_at is not None:
        return True
    return bool(LEFT_STATES.intersection([flight_state or "", *(flight_states or ())]))


def board_states(states: Iterable[str], direction: str) -> tuple[str, ...]:
    """The reported states the board knows, once each, in ``PRECEDENCE`` order
    (``SCH`` only when nothing else is reported); () when none is known."""
    order = PRECEDENCE["A" if direction == "A" else "D"]
    known = sorted({s for s in states if s in order}, key=order.index)
    if len(known) > 1 and S.SCHEDULED in known:
        known.remove(S.SCHEDULED)
    return tuple(str(state) for state in known)


def shown_states(flight_state: str, flight_states: Sequence[str] | None) -> tuple[str, ...]:
    """What a board row shows: the feed's full list while its first is still the
    movement's state (a telex or a coordinator may have moved the state on since),
    else the state alone."""
    if flight_states and flight_states[0] == flight_state:
        return tuple(flight_states)
    return (flight_state,)
