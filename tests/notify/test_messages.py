"""Migrant messages in their language (issue 16): complete catalogues, plural and date
formats per locale, the fallback order, right-to-left text in logical order, SMS length in
segments with deliberate shortening, and never a personal detail in an SMS (over every
template, language and passenger of the demo day)."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.demo.day import load_demo_day
from movements.domain import message_texts as texts
from movements.domain.models import Airport, Movement, MovementKind, Note, Passenger
from movements.domain.sms import GSM7, UCS2, measure
from movements.domain.uow import UnitOfWork
from tests.factories import SYSTEM

KINDS = ("booking_confirmed", "gate_changed", "delayed", "family_arrived")
CATALOGUES = sorted(texts.LOCALES.glob("*/LC_MESSAGES/messages.po"))


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("po", CATALOGUES, ids=[p.parts[-3] for p in CATALOGUES])
def test_every_catalogue_is_complete_and_keeps_the_placeholders(po: Path) -> None:
    with (texts.LOCALES / "messages.pot").open("rb") as source:
        pot = read_po(source)
    with po.open("rb") as source:
        catalog = read_po(source)
    assert {m.id for m in catalog if m.id} == {m.id for m in pot if m.id}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(forms) == catalog.num_plurals or not isinstance(message.id, tuple)
        wanted = set().union(*(_fields(i) for i in ids))
        for form in forms:
            assert form, f"{po}: {ids[0]!r} untranslated"
            # A plural form may spell the number out ("one hour"), never add a field.
            assert _fields(form) <= wanted, (ids[0], form)
            if not isinstance(message.id, tuple):
                assert _fields(form) == wanted, (ids[0], form)


def test_languages_and_their_fallback_order() -> None:
    assert texts.available() >= {"en", "nl", "fr", "ar", "fa"}
    assert texts.language_of("Arabic") == "ar"
    assert texts.language_of("fr-BE") == "fr"  # a region falls back to its language
    # CLDR has no "prs": Dari is CLDR's fa_AF (Persian of Afghanistan)
    assert texts.language_of("Dari") == "fa_AF" == texts.language_of("prs")
    assert texts.language_of("fa-AF") == "fa_AF"
    assert texts.language_of("Tigrinya") == "ti" and texts.language_of("Amharic") == "am"
    assert texts.language_of("sr-Latn") == "sr_Latn"  # its own script (test_serbian_latin)
    assert texts.language_of("Klingon") == "en"
    assert texts.language_of(None) == "en"


def test_plural_forms_follow_each_language() -> None:
    ar = texts.translations("ar")
    one, other = ("Meet the team at the agency desk {hours} hour before departure.",
                  "Meet the team at the agency desk {hours} hours before departure.")
    forms = {n: ar.ngettext(one, other, n).format(hours=n) for n in (1, 2, 3, 11, 100)}
    assert "بساعة واحدة" in forms[1] and "بساعتين" in forms[2]
    assert "بـ3 ساعات" in forms[3] and "بـ11 ساعة" in forms[11]
    fr = texts.translations("fr")
    assert "1 heure avant" in fr.ngettext(one, other, 1).format(hours=1)
    assert "3 heures avant" in fr.ngettext(one, other, 3).format(hours=3)
    assert "1 hour before" in texts.translations("en").ngettext(one, other, 1).format(hours=1)


def test_segments_gsm7_and_ucs2() -> None:
    assert measure("a" * 160) == measure("a" * 160) and measure("a" * 160).segments == 1
    assert measure("a" * 161).segments == 2 and measure("a" * 306).segments == 2
    assert measure("a" * 307).segments == 3
    euro = measure("€" * 80)  # extension table: two septets each
    assert (euro.encoding, euro.units, euro.segments) == (GSM7, 160, 1)
    assert measure("é" * 160).encoding == GSM7  # é is in the default alphabet
    assert measure("É").encoding == GSM7 and measure("ê").encoding == UCS2
    arabic = measure("س" * 70)
    assert (arabic.encoding, arabic.segments) == (UCS2, 1)
    assert measure("س" * 71).segments == 2 and measure("س" * 135).segments == 3


# -- with a movement --------------------------------------------------------------------

def _movement(session: Session, *, gate: str | None = "D7", terminal: str | None = "2"
              ) -> Movement:
    airport = session.scalar(select(Airport).where(Airport.iata == "AMS"))
    assert airport is not None
    return Movement(airport=airport, kind=MovementKind.DEPARTURE, carrier="KL",
                    flight_number="1234", operational_date=date(2026, 9, 15), origin="AMS",
                    destination="TIA", scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
                    gate=gate, terminal=terminal)


async def _seeded(uow: UnitOfWork) -> None:
    from movements.domain.actions import setup

    await uow.run(lambda tx: setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol",
                                                  "Europe/Amsterdam"), SYSTEM)


async def test_right_to_left_stays_in_logical_order_and_long_texts_are_shortened(
        uow: UnitOfWork) -> None:
    await _seeded(uow)

    def render(session: Session) -> dict[str, str]:
        m = _movement(session)
        out = {lang: texts.passenger_text("booking_confirmed", lang, m)[1]
               for lang in ("en", "ar", "fa")}
        out["fa-short"] = texts.passenger_text("booking_confirmed", "fa", m,
                                               max_segments=2)[1]
        out["en-short"] = texts.passenger_text("booking_confirmed", "en", m,
                                               max_segments=1)[1]
        session.expunge_all()
        return out

    bodies = await uow.read(render)
    en, ar, fa = bodies["en"], bodies["ar"], bodies["fa"]
    # English fits two GSM-7 segments whole, what to bring included.
    assert measure(en).encoding == GSM7 and measure(en).segments == 2
    assert en.endswith("Bring your travel document.")
    assert "Terminal 2." in en and "Gate D7." in en and "at 12:00" in en
    for body, first in ((ar, "رحلتك"), (fa, "پرواز")):
        assert body.startswith(first)  # logical order: the sentence starts first
        assert not set(body) & set("\u202a\u202b\u202d\u202e")  # no visual overrides
        length = measure(body)
        assert length.encoding == UCS2 and length.segments <= texts.MAX_SEGMENTS[UCS2]
    assert "أحضر وثيقة سفرك." in ar and "مدرک سفر" in fa  # both fit whole in three
    # A tighter budget drops what to bring first, and stops once it fits; where and when
    # to meet is never dropped.
    short = bodies["en-short"]
    assert measure(short).segments == 1
    assert "Bring your" not in short and "Gate D7." in short and "Terminal 2." in short
    assert short.startswith("Your flight KL1234") and "Meet the team" in short
    fa_short = bodies["fa-short"]
    assert "مدرک سفر" not in fa_short and "ملاقات کنید" in fa_short


@settings(max_examples=60, deadline=None)
@given(gate=st.one_of(st.none(), st.text(alphabet="ABCDEFGHJ0123456789", min_size=1,
                                          max_size=8)),
       terminal=st.one_of(st.none(), st.sampled_from(["1", "2", "3", "D", "E"])),
       language=st.sampled_from(sorted(texts.available())),
       kind=st.sampled_from(KINDS))
def test_every_text_fits_or_keeps_only_what_is_required(
        gate: str | None, terminal: str | None, language: str, kind: str) -> None:
    from movements.domain.models import Airport as A

    airport = A(iata="AMS", name="Amsterdam Schiphol", timezone="Europe/Amsterdam")
    movement = Movement(airport=airport, kind=MovementKind.DEPARTURE, carrier="KL",
                        flight_number="1234", operational_date=date(2026, 9, 15),
                        origin="AMS", destination="TIA",
                        scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
                        gate=gate, terminal=terminal)
    _, body = texts.passenger_text(kind, language, movement)
    length = measure(body)
    assert length.segments <= texts.MAX_SEGMENTS[length.encoding]
    assert "KL1234" in body and "{" not in body


# -- never a personal detail in an SMS ---------------------------------------------------

def _personal(session: Session, passenger: Passenger) -> set[str]:
    values = [passenger.surname, passenger.given_names, passenger.native_name,
              passenger.medical_notes, passenger.release_to_name,
              passenger.chronic_condition.value if passenger.chronic_condition else None,
              *(n.text for n in passenger.needs),
              *session.scalars(select(Note.text).where(Note.passenger_id == passenger.id))]
    words: set[str] = {"trafficking", "victim", "medical", "MEDA", "STCR", "WCHC"}
    for value in values:
        for word in re.findall(r"\w{3,}", value or ""):
            words.add(word)
    return words


def _template_words() -> set[str]:
    """Words the templates themselves use: a note that says "the flight" does not leak
    through "the" or "flight"; names, conditions and note texts do."""
    words: set[str] = set()
    for po in [texts.LOCALES / "messages.pot", *CATALOGUES]:
        with po.open("rb") as source:
            for message in read_po(source):
                for text in (*(message.id if isinstance(message.id, tuple)
                               else (message.id,)),
                             *(message.string if isinstance(message.string, tuple)
                               else (message.string,))):
                    words.update(re.findall(r"\w{3,}", text or ""))
    return words


async def test_no_sms_carries_a_name_health_note_or_protection_detail(
        uow: UnitOfWork) -> None:
    """Every passenger text, in every language, for every movement of the demo day,
    against every personal word of every passenger on it (their own and others')."""
    now = datetime(2026, 9, 15, 8, 0, tzinfo=UTC)
    await uow.run(load_demo_day, SYSTEM, date(2026, 9, 15), now)

    common = _template_words() | {"Amsterdam", "Schiphol"}

    def check(session: Session) -> tuple[int, int, list[str]]:
        found: list[str] = []
        rendered = people = 0
        for movement in session.scalars(select(Movement).where(
                Movement.kind == MovementKind.DEPARTURE)):
            on_board = [b.passenger for b in movement.bookings]
            forbidden = set().union(*(_personal(session, p) for p in on_board)) \
                if on_board else set()
            people += len(on_board)
            languages = texts.available() | {texts.language_of(p.language) for p in on_board}
            for language in sorted(languages):
                for kind in KINDS:
                    subject, body = texts.passenger_text(kind, language, movement)
                    rendered += 1
                    words = set(re.findall(r"\w{3,}", f"{subject} {body}"))
                    leaked = words & (forbidden - common)
                    if leaked:
                        found.append(f"{movement.flight} {kind} {language}: {leaked}")
        return rendered, people, found

    rendered, people, leaks = await uow.read(check)
    assert people > 20 and rendered > 50  # the demo day was really walked
    assert leaks == []
