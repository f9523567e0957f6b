"""The words of the outbox's messages: short, plain, and free of personal detail.

A passenger's SMS says only the flight, the date and local time, the airport, terminal and
gate, and where to meet the team: never a name, a health detail, a note or a protection
flag (a property test checks every template with every demo passenger).  Dates and times
are formatted for the recipient's locale by Babel.  A counterpart's e-mail names the
flight, times, the number of people and the case references; a handover's, the link to
verify the manifest (never the PDF itself).

``{public_url}`` in a body is filled in by the sender from ``MOVEMENTS_PUBLIC_URL`` (the
domain does not know where it is served).
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from .clock import to_local
from .models import Handover, Movement

#: Languages people may have recorded in words (the demo and imports use names), to the
#: locale codes the templates know; anything else falls back to English.
_NAMES = {
    "english": "en", "dutch": "nl", "nederlands": "nl", "arabic": "ar", "farsi": "fa",
    "persian": "fa", "dari": "fa", "french": "fr", "tigrinya": "ti",
}
FALLBACK = "en"
#: Languages the passenger texts exist in; any other falls back to ``FALLBACK`` (dates
#: and times are formatted in the language of the text, never mixed).
TEXT_LANGUAGES = frozenset({"en"})


def language_of(recorded: str | None) -> str:
    """A passenger's recorded language (a name like "Arabic" or a code like "ar") as a
    locale code Babel knows, else ``FALLBACK``."""
    if not recorded:
        return FALLBACK
    value = recorded.strip().lower()
    code = _NAMES.get(value, value.replace("-", "_"))
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return FALLBACK
    return locale.language if locale.language in TEXT_LANGUAGES else FALLBACK


#: The CLDR locale that formats a language's dates (English: British, 24-hour clock).
_FORMAT_LOCALE = {"en": "en_GB"}


def _when(movement: Movement, language: str) -> tuple[str, str]:
    local = to_local(movement.best_time, movement.airport.timezone)
    locale = _FORMAT_LOCALE.get(language, language)
    return (format_date(local.date(), format="medium", locale=locale),
            format_time(local.time(), format="short", locale=locale))


def passenger_text(kind: str, language: str, movement: Movement) -> tuple[str, str]:
    """(subject, body) of a passenger's SMS of ``kind`` (``outbox.Event``)."""
    day, time = _when(movement, language)
    flight = movement.flight
    where = movement.airport.iata + (f" T{movement.terminal}" if movement.terminal else "")
    gate = f", gate {movement.gate}" if movement.gate else ""
    if kind == "booking_confirmed":
        body = (f"Your flight {flight} leaves {where} on {day} at {time}{gate}. "
                "Please meet the team at the agency desk 3 hours before. "
                "Bring your travel document.")
        return f"Flight {flight}", body
    if kind == "gate_changed":
        return f"Flight {flight}: new gate", (
            f"Flight {flight} on {day}: new gate {movement.gate or '-'}. Time {time}.")
    if kind == "delayed":
        return f"Flight {flight}: new time", (
            f"Flight {flight} on {day} now leaves at {time}{gate}.")
    raise ValueError(f"no passenger text for {kind!r}")


def counterpart_text(kind: str, movement: Movement, *, people: int,
                     cases: list[str]) -> tuple[str, str]:
    """(subject, body) of a counterpart's e-mail of ``kind``."""
    day, time = _when(movement, "en")
    what = {"departed": "has departed", "landed": "has landed",
            "passport_control": "is through passport control"}[kind]
    who = f"{people} person" if people == 1 else f"{people} people"
    route = f"{movement.origin}-{movement.destination}"
    subject = f"{movement.flight} {route} {what}"
    body = (f"Flight {movement.flight} ({route}) of {day} {what} ({time} local time at "
            f"{movement.airport.iata}).\n{who} of case(s) {', '.join(cases)}.\n")
    return subject, body


def handover_text(kind: str, handover: Handover) -> tuple[str, str]:
    """(subject, body) of the receiving organisation's e-mail about a handover."""
    movement = handover.movement
    link = "{public_url}/verify/" + handover.document_id
    count = len(handover.passengers)
    who = f"{count} person" if count == 1 else f"{count} people"
    if kind == "handed_over":
        subject = f"Handed over: {movement.flight} ({who})"
        body = (f"{who} of flight {movement.flight} were handed over to your organisation "
                f"(handover version {handover.handover_version}).\n"
                f"Verify the manifest: {link}\n")
    else:
        subject = f"Handover manifest issued: {movement.flight}"
        body = (f"The handover manifest for flight {movement.flight} ({who}) is issued.\n"
                f"Verify it, or check a copy you hold, at: {link}\n")
    return subject, body


__all__ = ["FALLBACK", "counterpart_text", "handover_text", "language_of",
           "passenger_text"]
