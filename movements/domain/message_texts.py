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

import gettext
from datetime import datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .clock import to_local
from .models import Booking, EscortAssignment, Handover, Movement
from .sms import GSM7, UCS2, measure
from .ssr import SSR_CODES

#: The migrant messages' gettext catalogues (domain "messages"), one per language; their
#: own directory so the console's catalogues (another domain) never mix with them.
LOCALES = Path(__file__).resolve().parent.parent / "notify" / "locales"
DOMAIN = "messages"
FALLBACK = "en"
#: The msgids are the English texts: English needs no catalogue.
SOURCE_LANGUAGE = "en"

#: Languages people may have recorded in words (the demo and imports use names), to
#: their locale codes.
_NAMES = {
    "english": "en", "dutch": "nl", "nederlands": "nl", "arabic": "ar", "farsi": "fa",
    "persian": "fa", "dari": "prs", "pashto": "ps", "french": "fr", "tigrinya": "ti",
    "amharic": "am", "somali": "so", "albanian": "sq", "russian": "ru", "ukrainian": "uk",
    "serbian": "sr", "mongolian": "mn",
    # Serbian is written in both scripts: the script named decides (CLDR's plain "sr" is
    # Cyrillic); each script's own name for the language too.
    "serbian (cyrillic)": "sr_Cyrl", "serbian cyrillic": "sr_Cyrl", "српски": "sr_Cyrl",
    "serbian (latin)": "sr_Latn", "serbian latin": "sr_Latn", "srpski": "sr_Latn",
}
#: Where a language goes before English when it has no catalogue of its own.  CLDR (and
#: so Babel) has no locale for Dari (ISO 639-3 ``prs``): CLDR names Dari
#: ``fa_AF``, Persian as written in Afghanistan, whose catalogue and date formats it
#: gets (and ``fa_AF`` in turn Persian's, by stripping the region).  A Tigrinya reader
#: without a catalogue would get Amharic (often their second language) before English.
_NEXT = {"prs": "fa_AF", "ti": "am"}
#: The CLDR locale that formats a language's dates (English: British, 24-hour clock).
_FORMAT_LOCALE = {"en": "en_GB"}
#: A passenger SMS is kept within this many segments per encoding by dropping its
#: optional sentences, least important first (what to bring, then the gate and terminal);
#: UCS-2 carries 67 characters a segment against GSM-7's 153, so it gets one more.
MAX_SEGMENTS = {GSM7: 2, UCS2: 3}
#: When to be at the agency's desk before a departure, in hours.
MEET_HOURS_BEFORE = 3


def _code(recorded: str) -> str | None:
    value = recorded.strip().lower()
    code = _NAMES.get(value, value.replace("-", "_"))
    try:
        return str(Locale.parse(code))
    except (UnknownLocaleError, ValueError):
        return code if code in _NEXT else None  # CLDR may lack it; its fallback may not


def available() -> frozenset[str]:
    """The languages the passenger texts exist in (English and each catalogue)."""
    return frozenset({SOURCE_LANGUAGE} | {p.parent.parent.name for p in
                                          LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")})


def _candidates(code: str) -> list[str]:
    """The catalogues to try for one locale code, nearest first: the code itself, then
    language + script (``sr_Latn_RS`` -> ``sr_Latn``), then the bare language (CLDR's
    default script: ``sr`` is Cyrillic).  Babel has already filled in the script a
    region implies (``sr_ME`` -> ``sr_Latn_ME``, CLDR's likely subtags)."""
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return [code, code.split("_")[0]]
    out = [code]
    if locale.script:
        out.append(f"{locale.language}_{locale.script}")
    out.append(locale.language)
    return out


def language_of(recorded: str | None) -> str:
    """The language a passenger's texts are written in: the recorded one (a name like
    "Arabic" or "Serbian (Latin)", or a code like "ar" or "sr-Latn") if there is a
    catalogue for it, else the next in its fallback order, else English.

    Fallback order: the code, its language + script, the bare language, then ``_NEXT``.
    A script is kept before the language is: ``sr_Latn_RS`` reads ``sr_Latn``.  When a
    script has no catalogue its language's default script comes before English
    (``sr_Latn`` -> ``sr``, Cyrillic): Serbian schools teach both scripts, so a Serbian
    text in the other script is read where English may not be.  ``sr_Latn`` has its own
    catalogue, so this only matters for a script with none."""
    if not recorded:
        return FALLBACK
    code = _code(recorded)
    have = available()
    seen: set[str] = set()
    while code is not None and code not in seen:
        seen.add(code)
        for candidate in _candidates(code):
            if candidate in have:
                return candidate
        base = code.split("_")[0]
        code = _NEXT.get(code.lower(), _NEXT.get(base))
    return FALLBACK


def choices(console_locale: str) -> list[tuple[str, str]]:
    """The passenger languages for a picker: (code to record, label), the label in the
    console's language and in the language itself, with the script named where one
    language has catalogues in two (``sr``: "Serbian (Cyrillic) · српски (ћирилица)",
    ``sr_Latn``: "Serbian (Latin) · srpski (latinica)").  Names are CLDR's (Babel), so
    the Dutch console reads "Servisch (Latijns)"; sorted by that label."""
    codes = sorted(available())
    scripted = {Locale.parse(c).language for c in codes if Locale.parse(c).script}
    out = []
    for code in codes:
        locale = Locale.parse(code)
        likely = (get_global("likely_subtags").get(locale.language) or "").split("_")
        if locale.language in scripted and not locale.script and len(likely) > 1:
            locale = Locale.parse(f"{locale.language}_{likely[1]}")  # the default, named
        label = (f"{locale.get_display_name(console_locale)} · {locale.get_display_name()}"
                 if console_locale.split("_")[0] != locale.language
                 else str(locale.get_display_name()))
        out.append((code, label))
    return sorted(out, key=lambda pair: pair[1].casefold())


def first_language(*recorded: str | None) -> str:
    """The first of several recorded languages that has texts (each through its own
    fallback order, ``language_of``), else English: a minor's guardian reads their own
    language first, then the child's."""
    for value in recorded:
        if value and (code := language_of(value)) != FALLBACK:
            return code
    return FALLBACK


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language`` (read from its .po, compiled in memory), or the
    identity for English and unknown languages."""
    po = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


#: CLDR puts narrow and no-break spaces in dates and times ("2:05\u202fGD" in Somali,
#: "15\u00a0sept." in French); none is in the GSM 7-bit alphabet, so one such space
#: would make a whole Latin-script SMS UCS-2 (67 characters a segment instead of 153).
#: A plain space reads the same on a phone.
_SPACES = {ord(c): " " for c in "\u00a0\u2007\u2009\u200a\u202f"}


def _when(movement: Movement, language: str) -> tuple[str, str]:
    """The movement's date and time, local to its airport, in ``language``'s CLDR
    formats (medium date, short time), with CLDR's special spaces made plain."""
    local = to_local(movement.best_time, movement.airport.timezone)
    locale = _FORMAT_LOCALE.get(language, language)
    return (format_date(local.date(), format="medium", locale=locale).translate(_SPACES),
            format_time(local.time(), format="short", locale=locale).translate(_SPACES))


def passenger_text(kind: str, language: str, movement: Movement, *,
                   max_segments: int | None = None) -> tuple[str, str]:
    """(subject, body) of a passenger's SMS of ``kind`` (``outbox.Event``) in
    ``language`` (a code ``language_of`` returned).  Right-to-left texts stay in logical
    order (the phone lays them out).  Optional sentences are dropped, least important
    first, until the body fits ``max_segments`` SMS segments (default: ``MAX_SEGMENTS``
    of its encoding); the required ones (what, when, where to meet) always stay.  Raises
    ValueError for a kind that has no passenger text."""
    t = translations(language)
    day, time = _when(movement, language)
    values = {"flight": movement.flight, "airport": movement.airport.name, "date": day,
              "time": time, "gate": movement.gate or "", "terminal": movement.terminal or "",
              "hours": MEET_HOURS_BEFORE}
    # (text, optional), in reading order; optional ones are dropped from the end.
    parts: list[tuple[str, bool]]
    if kind == "booking_confirmed":
        parts = [(t.gettext("Your flight {flight} leaves {airport} on {date} at {time}."),
                  False)]
        if movement.terminal:
            parts.append((t.gettext("Terminal {terminal}."), True))
        if movement.gate:
            parts.append((t.gettext("Gate {gate}."), True))
        parts.append((t.ngettext(
            "Meet the team at the agency desk {hours} hour before departure.",
            "Meet the team at the agency desk {hours} hours before departure.",
            MEET_HOURS_BEFORE), False))
        parts.append((t.gettext("Bring your travel document."), True))
    elif kind == "gate_changed":
        parts = [(t.gettext("Flight {flight} on {date}: new gate {gate}."), False),
                 (t.gettext("Departure at {time}."), True)]
    elif kind == "delayed":
        parts = [(t.gettext("Flight {flight} on {date} now leaves at {time}."), False)]
        if movement.gate:
            parts.append((t.gettext("Gate {gate}."), True))
    elif kind == "family_arrived":  # to the person waiting: never whose family member
        parts = [(t.gettext("Your family member has arrived on flight {flight} at {time}."),
                  False), (t.gettext("Please wait in the arrivals hall."), True)]
    else:
        raise ValueError(f"no passenger text for {kind!r}")
    return f"{movement.flight}", _fit([(p.format(**values), o) for p, o in parts],
                                      max_segments)


def _fit(parts: list[tuple[str, bool]], max_segments: int | None) -> str:
    """Join the sentences; while the SMS is longer than its budget, drop the last
    optional one (what to bring goes before the gate)."""
    kept = list(parts)

    def over(text: str) -> bool:
        length = measure(text)
        return length.segments > (max_segments or MAX_SEGMENTS[length.encoding])

    while over(" ".join(p for p, _ in kept)):
        optional = [i for i, (_, o) in enumerate(kept) if o]
        if not optional:
            break
        del kept[optional[-1]]
    return " ".join(p for p, _ in kept)


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


def mission_text(movement: Movement, bookings: list[Booking],
                 escorts: list[EscortAssignment], *, arrival: datetime | None
                 ) -> tuple[str, str]:
    """(subject, body) of the e-mail to a receiving mission abroad when a departure with
    reception has left: flight, route, departure and expected arrival (UTC and the
    departure airport's local time), how many people of which cases, the escorts (kind
    and name: agency staff), and per person only what the receiver must do: SSR codes
    and ``receiver_action`` (never a name, a diagnosis or a free text)."""
    left = movement.actual_at or movement.best_time
    local = to_local(left, movement.airport.timezone)
    route = f"{movement.origin}-{movement.destination}"
    count = len(bookings)
    who = f"{count} person" if count == 1 else f"{count} people"
    cases = sorted({b.passenger.case.reference for b in bookings})
    lines = [f"Flight {movement.flight} ({route}) departed {movement.airport.iata} at "
             f"{left:%d %b %Y %H:%M} UTC ({local:%H:%M} local).",
             "Expected arrival at " + movement.destination + ": "
             + (f"{arrival:%d %b %Y %H:%M} UTC." if arrival is not None
                else "not reported to us yet; the carrier's movement message will say."),
             "", f"{who} of case(s) {', '.join(cases)} travel with reception by you.", ""]
    if escorts:
        lines.append("Escorts: " + "; ".join(f"{e.escort_name} ({e.kind.value})"
                                             for e in escorts) + ".")
    else:
        lines.append("Escorts: none.")
    lines += ["", "What the receivers need on arrival (IATA SSR codes):"]
    for n, booking in enumerate(bookings, 1):
        codes = [c for c in booking.passenger.codes if c in SSR_CODES]
        needs = "; ".join(f"{c}: {SSR_CODES[c].receiver_action}" for c in codes)
        lines.append(f"{n}. {needs or 'no special assistance'}")
    lines += ["", "Names travel on the handover manifest, not in e-mail."]
    return (f"{movement.flight} {route} departed: {who} for reception",
            "\n".join(lines) + "\n")


def carrier_notice_text(subject: str, email_body: str, telex: str, *,
                        issued_at: datetime, by: str | None) -> tuple[str, str]:
    """(subject, body) of a carrier's special-assistance pre-notification e-mail: the
    readable text stored when it was issued, who issued it and when (UTC), and the
    PSM-shaped Type B text for the carrier's systems."""
    footer = (f"\nIssued {issued_at:%d %b %Y %H:%M} UTC by {by or 'the agency'}.\n"
              f"\nType B (PSM):\n{telex}")
    return subject, email_body + footer


__all__ = ["FALLBACK", "MAX_SEGMENTS", "MEET_HOURS_BEFORE", "available",
           "carrier_notice_text", "choices", "counterpart_text", "first_language", "handover_text",
           "language_of", "mission_text", "passenger_text",
           "translations"]
