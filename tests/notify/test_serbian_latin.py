"""Serbian in both scripts (issue 16): a passenger recorded as Serbian in Latin script
gets Latin texts, the picker names both scripts, the fallback keeps the script before the
language, and Latin Serbian's č ć š ž đ make an SMS UCS-2 (3GPP TS 23.038 has no Serbian
national shift table), while a Latin Serbian text without them stays GSM-7.  The SMS
through the real loopback gateway is in tests/notify/test_languages.py ("Serbian (Latin)")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements.domain import message_texts as texts
from movements.domain.models import Airport, Movement, MovementKind
from movements.domain.sms import GSM7, UCS2, measure
from movements.domain.uow import UnitOfWork
from movements.templating import make_environment
from tests.factories import SYSTEM

#: Serbian Cyrillic to Latin, letter for letter (the official correspondence; љ њ џ are
#: the digraphs lj nj dž).
_CYR = "абвгдђежзијклљмнњопрстћуфхцчџш"
_LAT = ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n",
        "nj", "o", "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"]
_TABLE = {**dict(zip(_CYR, _LAT, strict=True)),
          **{c.upper(): lat[0].upper() + lat[1:] for c, lat in zip(_CYR, _LAT, strict=True)}}


def _latin(text: str) -> str:
    return "".join(_TABLE.get(ch, ch) for ch in text)


def _catalogue(code: str) -> dict[str, object]:
    po = texts.LOCALES / code / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        return {str(m.id): m.string for m in read_po(f) if m.id}


@pytest.mark.parametrize(("recorded", "expected"), [
    ("Serbian", "sr"), ("sr", "sr"), ("sr-Cyrl", "sr"), ("sr_RS", "sr"), ("српски", "sr"),
    ("Serbian (Cyrillic)", "sr"),
    ("Serbian (Latin)", "sr_Latn"), ("serbian latin", "sr_Latn"), ("srpski", "sr_Latn"),
    ("sr-Latn", "sr_Latn"), ("sr_Latn", "sr_Latn"), ("sr-Latn-RS", "sr_Latn"),
    ("sr_Latn_BA", "sr_Latn"),
    ("sr_ME", "sr_Latn"),  # CLDR: Serbian in Montenegro is written in Latin
])
def test_the_recorded_script_decides(recorded: str, expected: str) -> None:
    assert texts.language_of(recorded) == expected


def test_without_a_latin_catalogue_latin_readers_get_cyrillic_before_english(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented order sr_Latn -> sr -> en: the same language in its other script
    before English (both scripts are taught in Serbian schools)."""
    monkeypatch.setattr(texts, "available", lambda: frozenset({"en", "sr", "nl"}))
    assert texts.language_of("sr-Latn-RS") == "sr"
    monkeypatch.setattr(texts, "available", lambda: frozenset({"en", "nl"}))
    assert texts.language_of("sr-Latn") == "en"


def test_the_latin_catalogue_says_what_the_cyrillic_one_says() -> None:
    """Same entries, same placeholders, and each is the Cyrillic one transliterated:
    a reviewer who changes one script must change the other.  No Cyrillic letter left."""
    cyrillic, latin = _catalogue("sr"), _catalogue("sr_Latn")
    assert cyrillic.keys() == latin.keys() and len(latin) >= 10
    for msgid, text in cyrillic.items():
        forms = text if isinstance(text, tuple) else (text,)
        latin_forms = latin[msgid] if isinstance(latin[msgid], tuple) else (latin[msgid],)
        assert tuple(_latin(str(f)) for f in forms) == tuple(latin_forms), msgid
        for form in latin_forms:
            assert not any("\u0400" <= ch <= "\u04ff" for ch in str(form)), form


@pytest.mark.parametrize("letter", list("čćšžđČĆŠŽĐ"))
def test_each_serbian_latin_letter_outside_gsm7_makes_the_sms_ucs2(letter: str) -> None:
    text = "Let KL1234 polazi u 12:00. " + letter
    assert measure(text).encoding == UCS2
    assert measure(text.replace(letter, "")).encoding == GSM7


async def test_latin_serbian_texts_and_their_segments(uow: UnitOfWork) -> None:
    """The booking SMS (with š) is UCS-2 and fits three segments whole; a gate change
    ("novi izlaz", no diacritics) stays GSM-7 in one; the dates are CLDR's sr_Latn."""
    from movements.domain.actions import setup

    await uow.run(lambda tx: setup.ensure_airport(tx, "AMS", "Amsterdam Schiphol",
                                                  "Europe/Amsterdam"), SYSTEM)

    def render(session: Session) -> dict[str, str]:
        airport = session.scalar(select(Airport).where(Airport.iata == "AMS"))
        assert airport is not None
        m = Movement(airport=airport, kind=MovementKind.DEPARTURE, carrier="KL",
                     flight_number="1234", operational_date=date(2026, 9, 15),
                     origin="AMS", destination="BEG",
                     scheduled_at=datetime(2026, 9, 15, 10, 0, tzinfo=UTC),
                     gate="D7", terminal="2")
        out = {kind: texts.passenger_text(kind, "sr_Latn", m)[1]
               for kind in ("booking_confirmed", "gate_changed", "delayed")}
        session.expunge_all()
        return out

    bodies = await uow.read(render)
    booking, gate = bodies["booking_confirmed"], bodies["gate_changed"]
    assert booking.startswith("Vaš let KL1234 polazi sa aerodroma Amsterdam Schiphol "
                              "15. 9. 2026. u 12:00.")
    assert "Ponesite putnu ispravu." in booking  # fits whole: nothing dropped
    length = measure(booking)
    assert (length.encoding, length.segments) == (UCS2, 3), length
    assert length.units == len(booking)  # all in the BMP: one UTF-16 unit a character
    assert gate == "Let KL1234 15. 9. 2026.: novi izlaz D7. Polazak u 12:00."
    assert (measure(gate).encoding, measure(gate).segments) == (GSM7, 1)


@pytest.mark.parametrize(("console", "cyrillic", "latin"), [
    ("en", "Serbian (Cyrillic) · српски (ћирилица)", "Serbian (Latin) · srpski (latinica)"),
    ("nl", "Servisch (Cyrillisch) · српски (ћирилица)",
     "Servisch (Latijns) · srpski (latinica)"),
])
def test_the_picker_names_both_scripts(console: str, cyrillic: str, latin: str) -> None:
    """The case page's language list: each script's own option, named in the console's
    language and in Serbian; other languages name no script."""
    html = make_environment().get_template("planning/_message_languages.html").render(
        locale=console)
    assert f'<option value="sr">{cyrillic}</option>' in html
    assert f'<option value="sr_Latn">{latin}</option>' in html
    labels = dict(texts.choices(console))
    assert "(" not in labels["ru"] and "(" not in labels["ar"]
    assert set(labels) == set(texts.available())
