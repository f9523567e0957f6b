"""Sentences the domain composes: rendered in the reader's language, stored, read back.

An alert is stored with its phrase (``alert.message_phrase``) beside the English; a row
written before phrases existed has only the English, and the read model recovers the
phrase from it, so old alerts read in Dutch too.  Pure tests (no database) plus one
through the real alert action and read model on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from movements import i18n
from movements.domain import alert_rules as rules
from movements.domain.actions import alerts as alert_actions
from movements.domain.clock import ManualClock
from movements.domain.errors import NotFound
from movements.domain.models import Alert
from movements.domain.phrases import Phrase, parse, phrase_data, stored_phrase
from movements.domain.uow import Tx, UnitOfWork
from tests.factories import SYSTEM, add_pax, world

CONNECTION = Phrase.of(
    rules.CONNECTION, inbound="KL1234", onward="KL0591", n=2,
    reasons=(Phrase.of(rules.AT_GATE_LATE, ready="14:05", transfer=20, closes="13:55"),
             Phrase.of(rules.SHORT_CONNECTION, minutes=35, carrier="KL", minimum=50)))


def test_a_phrase_renders_in_english_and_in_dutch_nested_values_too() -> None:
    assert CONNECTION.english() == (
        "KL1234 → KL0591: connection at risk for 2 passenger(s): at the gate 14:05 after a "
        "20-minute escorted transfer, gate closes 13:55; 35 min to connect, KL needs 50")
    dutch = i18n.gettext(CONNECTION, "nl")
    assert dutch.startswith("KL1234 → KL0591: aansluiting in gevaar voor 2 passagier(s): ")
    assert "begeleide overstap van 20 minuten" in dutch and "KL vereist 50" in dutch
    assert "connection" not in dutch and "needs" not in dutch


def test_a_phrase_survives_its_json_column() -> None:
    back = stored_phrase(phrase_data(CONNECTION), "ignored", ())
    assert back == CONNECTION


def test_an_english_sentence_of_an_older_row_is_read_back_as_its_phrase() -> None:
    keys = alert_actions.message_keys()
    back = parse(CONNECTION.english(), keys)
    assert back is not None and back.english() == CONNECTION.english()
    assert i18n.gettext(back, "nl") == i18n.gettext(CONNECTION, "nl")
    # A purged passenger's alert (retention rewrites the text): still a phrase.
    purged = Phrase.of(rules.NOT_CHECKED, pax=Phrase(rules.PURGED_PAX), flight="KL1",
                       time="10:00", closes="09:00").english()
    assert i18n.gettext(stored_phrase(None, purged, keys), "nl") == (
        "een passagier is niet ingecheckt voor KL1 (10:00); de check-in sluit om 09:00")
    # Text no key matches stays what it is.
    assert stored_phrase(None, "something typed long ago", keys) == "something typed long ago"


def test_a_translation_that_does_not_fit_its_values_falls_back_to_english() -> None:
    broken = Phrase.of("%(flight)s is diverted", flight="KL1")
    assert broken.render(lambda key: "%(vlucht)s is uitgeweken") == "KL1 is diverted"


def test_a_refusal_carries_its_phrase() -> None:
    from movements.domain.access import _missing

    exc = _missing("movement", 9)  # the id stays out of the message (errors.not_found)
    assert isinstance(exc, NotFound) and exc.message == "No such flight among yours."
    assert i18n.refused(exc, "nl") == "Deze vlucht is er niet (of niet voor u)."
    assert i18n.refused(NotFound("plain text 7"), "nl") == "plain text 7"


async def test_an_alert_stored_before_phrases_reads_in_dutch(
        uow: UnitOfWork, clock: ManualClock) -> None:
    """Raise real alerts, then make their rows look like ones written before migration
    0006 (no phrase): the read model gives the same sentences, in Dutch too."""
    w = await world(uow)  # KL1234 leaves 10:00 UTC
    await uow.run(add_pax, SYSTEM, w.departure_id, "AMS-PHR-1")
    clock.set(datetime(2026, 9, 15, 9, 30, tzinfo=UTC))  # check-in has closed
    await uow.run(alert_actions.evaluate_alerts, SYSTEM, "AMS")
    stored = await uow.read(lambda s: list(s.scalars(select(Alert))))
    assert stored and all(a.message_phrase for a in stored)
    now = clock.now()
    fresh = await uow.read(lambda s: alert_actions.alert_list(s, "AMS", now))

    def forget(tx: Tx) -> None:
        tx.session.execute(update(Alert).values(message_phrase=None))

    await uow.run(forget, SYSTEM)
    old = await uow.read(lambda s: alert_actions.alert_list(s, "AMS", now))
    dutch = [i18n.gettext(v.message, "nl") for v in old]
    assert dutch == [i18n.gettext(v.message, "nl") for v in fresh]
    assert any("is niet ingecheckt voor KL1234" in d and "(dossier AMS-PHR-1)" in d
               for d in dutch), dutch
