"""Each migrant language (issue 16, item 3): a booking-confirmed SMS reaches the real
loopback SMS gateway in the passenger's language and script, with its date in that
locale's CLDR format, the stored segment count matching GSM-7 or UCS-2 as that text
needs, and right-to-left text in logical order (the flight number where the sentence
puts it, no bidi control characters)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import pytest
from babel.dates import format_date, format_time
from sqlalchemy import select

from movements.domain import message_texts as texts
from movements.domain.actions import outbox as ob
from movements.domain.actions.readiness import confirm_case
from movements.domain.outbox_models import OutboxMessage
from movements.domain.sms import GSM7, UCS2, measure
from movements.domain.uow import Tx, UnitOfWork
from movements.notify.channels import Channels
from movements.notify.loopback import SmsGateway
from movements.notify.sender import OutboxSender
from tests.factories import COORD, SYSTEM, add_pax, build_world

DAY = date(2026, 9, 15)
#: language as recorded -> (catalogue, script's Unicode block, encoding, right-to-left)
LANGUAGES = {
    "Dari": ("fa_AF", "ARABIC", UCS2, True),
    "Pashto": ("ps", "ARABIC", UCS2, True),
    "Tigrinya": ("ti", "ETHIOPIC", UCS2, False),
    "Amharic": ("am", "ETHIOPIC", UCS2, False),
    "Somali": ("so", "LATIN", GSM7, False),
    "Albanian": ("sq", "LATIN", UCS2, False),  # ë is not in the GSM 7-bit alphabet
    "Mongolian": ("mn", "CYRILLIC", UCS2, False),
    "Russian": ("ru", "CYRILLIC", UCS2, False),
    "Ukrainian": ("uk", "CYRILLIC", UCS2, False),
    "Serbian": ("sr", "CYRILLIC", UCS2, False),
    # č ć š ž đ are not in the GSM 7-bit alphabet (nor in any national shift table for
    # Serbian): Latin Serbian with them is UCS-2 too.
    "Serbian (Latin)": ("sr_Latn", "LATIN", UCS2, False),
    "Arabic": ("ar", "ARABIC", UCS2, True),
    "Farsi": ("fa", "ARABIC", UCS2, True),
    "French": ("fr", "LATIN", GSM7, False),
    "Dutch": ("nl", "LATIN", GSM7, False),
    "English": ("en", "LATIN", GSM7, False),
}
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _script_letters(text: str) -> dict[str, int]:
    """How many letters of each script (the first word of their Unicode name)."""
    counts: dict[str, int] = {}
    for ch in text:
        if unicodedata.category(ch).startswith("L"):
            script = unicodedata.name(ch, "UNKNOWN").split()[0]
            counts[script] = counts.get(script, 0) + 1
    return counts


def test_every_listed_language_has_a_catalogue_and_babel_formats() -> None:
    """The agency's languages named in the issue each have texts (none falls back to
    English); Dari is CLDR's fa_AF since CLDR has no "prs"."""
    for recorded, (code, *_rest) in LANGUAGES.items():
        assert texts.language_of(recorded) == code, recorded
    assert texts.available() >= {code for code, *_ in LANGUAGES.values()}


@pytest.mark.parametrize("recorded", sorted(LANGUAGES))
async def test_a_booking_sms_arrives_in_the_language_and_script(
        uow: UnitOfWork, gateway: SmsGateway, recorded: str) -> None:
    code, script, encoding, rtl = LANGUAGES[recorded]

    def scene(tx: Tx) -> tuple[int, int]:
        world = build_world(tx, DAY)
        pid, _ = add_pax(tx, world.departure_id, "CASE-L", "Okello", "Grace",
                         language=recorded, birth_date=date(1990, 1, 1))
        ob.set_passenger_contact(tx, pid, phone="+31612345678")
        from movements.domain.models import Passenger

        passenger = tx.session.get(Passenger, pid)
        assert passenger is not None
        return passenger.case_id, world.departure_id

    case_id, departure = await uow.run(scene, SYSTEM)
    await uow.run(confirm_case, COORD, case_id, departure, override_reason="test: languages")
    run = await OutboxSender(uow, Channels(gateway.url, ""),
                             public_url="https://movements.example").drain()
    assert run.sent == 1
    [received] = gateway.accepted
    text = received.text
    assert received.to == "+31612345678"
    letters = _script_letters(text)
    # The sentence's own words are in the language's script: KL1234, TIA and the
    # airport's name are Latin in every language, so count the rest.
    assert max(letters, key=letters.__getitem__) == script or script == "LATIN", letters
    if script != "LATIN":
        assert letters.get(script, 0) > 20, letters
    local = datetime(2026, 9, 15, 12, 0)  # 10:00 UTC is noon in Amsterdam in September
    babel_locale = {"en": "en_GB"}.get(code, code)
    if script == "LATIN":  # a Latin-script language: no letter of another script
        assert set(letters) == {"LATIN"}, letters
    # CLDR's formats, its narrow/no-break spaces made plain (else GSM-7 is lost)
    plain = {ord(c): " " for c in "\u00a0\u2007\u2009\u200a\u202f"}
    day = format_date(local.date(), format="medium", locale=babel_locale).translate(plain)
    clock = format_time(local.time(), format="short", locale=babel_locale).translate(plain)
    assert day in text and clock in text
    assert "KL1234" in text
    # Logical order: no reordering marks of ours (CLDR's Arabic date pattern has its own
    # right-to-left marks, which are part of the locale's format).
    assert not BIDI_CONTROLS.search(text.replace(day, "").replace(clock, ""))
    if rtl:  # the text starts with a right-to-left letter: stored as read
        first = next(ch for ch in text if unicodedata.category(ch).startswith("L"))
        assert unicodedata.bidirectional(first) in ("AL", "R"), text
    length = measure(text)
    assert length.encoding == encoding, (length, text)

    def stored(session: object) -> tuple[str, int | None]:
        row = session.scalar(select(OutboxMessage))  # type: ignore[attr-defined]
        return row.language, row.segments

    language, segments = await uow.read(stored)
    assert (language, segments) == (code, length.segments)
    assert length.segments <= texts.MAX_SEGMENTS[encoding]


@pytest.mark.parametrize(("code", "forms"), [
    ("ru", {1: "1 час ", 3: "3 часа ", 5: "5 часов ", 21: "21 час "}),
    ("uk", {1: "1 годину", 3: "3 години", 5: "5 годин", 22: "22 години"}),
    ("sr", {1: "1 сат ", 3: "3 сата ", 5: "5 сати ", 11: "11 сати "}),
    ("so", {1: "1 saac ", 3: "3 saacadood "}),
])
def test_plural_forms_follow_each_new_language(code: str, forms: dict[int, str]) -> None:
    one, other = ("Meet the team at the agency desk {hours} hour before departure.",
                  "Meet the team at the agency desk {hours} hours before departure.")
    t = texts.translations(code)
    for n, expected in forms.items():
        assert expected in t.ngettext(one, other, n).format(hours=n), (code, n)


def test_catalogues_not_professionally_translated_say_so() -> None:
    """Every catalogue but Dutch/French/Arabic/Persian (session 3's) carries the
    native-review warning in its header comment, and the README lists them."""
    readme = (texts.LOCALES.parent.parent.parent / "README.md").read_text(encoding="utf-8")
    for code in ("fa_AF", "ps", "ti", "am", "so", "sq", "mn", "ru", "uk", "sr",
                 "sr_Latn"):
        po = texts.LOCALES / code / "LC_MESSAGES" / "messages.po"
        assert "NEEDS REVIEW BY A NATIVE SPEAKER" in po.read_text(encoding="utf-8"), code
        assert f"`{code}`" in readme, code
