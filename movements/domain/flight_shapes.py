"""The shapes of a flight number, an aircraft registration and an aircraft type, checked
the same way on every edge (plan forms, charters, JSON API, CLI).

* Flight number (IATA Standard Schedules Information Manual, ch. 2 "flight designator"):
  after the airline designator, 1 to 4 digits and an optional operational suffix letter
  ("1571", "57", "1234A"); "9X12" is not one.
* Aircraft registration (ICAO Annex 7, Aircraft Nationality and Registration Marks): a
  nationality mark and letters or digits, with an optional hyphen between them ("PH-BXA",
  "N123AB", "OO-SNA"); no other punctuation.
* Aircraft type: an ICAO Doc 8643 type designator, 2 to 4 letters or digits with at least
  one letter ("A20N", "B738", "E190", "AT76").
"""

from __future__ import annotations

import re

from .errors import RuleViolation
from .phrases import N_, Phrase

FLIGHT_NUMBER = re.compile(r"[0-9]{1,4}[A-Z]?")
REGISTRATION = re.compile(r"[A-Z0-9]{1,3}-?[A-Z0-9]{1,5}")
TYPE_DESIGNATOR = re.compile(r"(?=.*[A-Z])[A-Z0-9]{2,4}")


def check_flight_number(number: str, *, field: str = "flight_number") -> None:
    """Raise RuleViolation on ``field`` unless ``number`` (upper case, no spaces) is 1-4
    digits and an optional suffix letter."""
    if not FLIGHT_NUMBER.fullmatch(number):
        raise RuleViolation(Phrase.of(
            N_("flight number %(number)s is not valid: 1 to 4 digits and an optional "
               "suffix letter after the airline code, as in KL1234 or KL1234A"),
            number=repr(number)), field=field)


def check_registration(text: str | None, *, field: str = "aircraft_registration") -> None:
    """Raise RuleViolation unless ``text`` (upper case) is a registration mark; None or
    empty passes (not known yet)."""
    if text and (not REGISTRATION.fullmatch(text) or len(text.replace("-", "")) < 3):
        raise RuleViolation(Phrase.of(
            N_("aircraft registration %(value)s is not a registration mark: a nationality "
               "mark and letters or digits, with an optional hyphen, as in PH-BXA or N123AB"),
            value=repr(text)), field=field)


def check_aircraft_type(text: str | None, *, field: str = "aircraft_type") -> None:
    """Raise RuleViolation unless ``text`` (upper case) is an ICAO type designator; None or
    empty passes."""
    if text and not TYPE_DESIGNATOR.fullmatch(text):
        raise RuleViolation(Phrase.of(
            N_("aircraft type %(value)s is not an ICAO type designator: 2 to 4 letters or "
               "digits (ICAO Doc 8643), as in A20N for an Airbus A320neo or B738 for a "
               "Boeing 737-800"), value=repr(text)), field=field)
