"""The audit trail as a person reads it: entity kinds and the stored details' known shapes
through labels in the reader's language.  The stored entry stays as written (English,
machine-searchable); only its display changes.  A detail of no known shape is shown as
stored.  Newcomer, session 6: "session 52 from 127.0.0.1", "source=feed" on a Dutch page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from movements.domain.phrases import N_, Phrase

#: Entity kinds as written by ``tx.audit`` -> their label.
ENTITY_LABELS = {
    "movement": N_("movement"), "passenger": N_("passenger"), "user": N_("user"),
    "case": N_("case"), "alert": N_("alert"), "booking": N_("booking"),
    "airport": N_("airport"), "handover": N_("handover"),
    "manifest_document": N_("manifest document"),
    "webhook_subscription": N_("webhook subscription"), "retention": N_("retention"),
    "outbox_message": N_("outgoing message"), "organisation": N_("organisation"),
    "telex_message": N_("telex"), "carrier": N_("carrier"),
}

#: Where a flight's change came from (``update_flight(..., source=...)``).
SOURCE_LABELS = {"feed": N_("flight feed"), "manual": N_("a person's correction"),
                 "telex": N_("telex")}

_SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Phrase]]] = [
    (re.compile(r"session (\d+) from (\S+)"),
     lambda m: Phrase.of(N_("session %(id)s from %(client)s"), id=m[1], client=m[2])),
    (re.compile(r"session (\d+)"), lambda m: Phrase.of(N_("session %(id)s"), id=m[1])),
    (re.compile(r"username=(.*) from (\S+)"),
     lambda m: Phrase.of(N_("user name %(name)s from %(client)s"), name=m[1], client=m[2])),
    (re.compile(r"source=(\w+)(?:; reason: (.*))?", re.S),
     lambda m: Phrase.of(N_("source: %(source)s; reason: %(reason)s"),
                         source=Phrase(SOURCE_LABELS.get(m[1], m[1])), reason=m[2])
     if m[2] else Phrase.of(N_("source: %(source)s"),
                            source=Phrase(SOURCE_LABELS.get(m[1], m[1])))),
    (re.compile(r"reason: (.*)", re.S),
     lambda m: Phrase.of(N_("reason: %(reason)s"), reason=m[1])),
    (re.compile(r"from telex (\d+)"),
     lambda m: Phrase.of(N_("from telex %(telex)s"), telex=m[1])),
    (re.compile(r"by (\S+)"), lambda m: Phrase.of(N_("by %(name)s"), name=m[1])),
    (re.compile(r"retention period of (\d+) days"),
     lambda m: Phrase.of(N_("retention period of %(days)s days"), days=m[1])),
]

#: Whole details written as fixed English sentences.
_FIXED = {"identity": N_("identity"), "minor or health data": N_("minor or health data"),
          "import": N_("import"), "from telex": N_("from telex"),
          "named again by telex": N_("named again by telex"),
          "planning edit form": N_("planning edit form"),
          "released on shutdown": N_("released on shutdown"),
          "previous holder's lease expired": N_("previous holder's lease expired"),
          "replaced a one-time password": N_("replaced a one-time password"),
          "rolled back after its process stopped": N_("rolled back after its process stopped")}


def entity_label(entity: str) -> str:
    """The msgid naming an entity kind (the stored code when it has none)."""
    return ENTITY_LABELS.get(entity, entity)


def detail_phrase(detail: str | None) -> Phrase | str:
    """A stored detail as a phrase for the reader (the stored text when of no known
    shape)."""
    if not detail:
        return ""
    if detail in _FIXED:
        return Phrase(_FIXED[detail])
    for pattern, make in _SHAPES:
        found = pattern.fullmatch(detail)
        if found:
            return make(found)
    return detail
