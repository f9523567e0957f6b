"""The names a person sees for the fields a refusal is about.

A domain refusal names its field by the internal key (``exc.field``, and ``%(field)s``
in some phrases: "scheduled_at must carry a time zone").  A person reads the form's
label instead ("Time (local)"), in their language: the planning pages, the error page
and the JSON API's ``message`` all take it from this one table.
"""

from __future__ import annotations

from movements import i18n
from movements.domain.errors import DomainError
from movements.domain.phrases import Arg, Phrase
from movements.i18n import N_

#: Labels of the fields a refusal can name that the re-rendered page may not show as a
#: labelled input (the domain's names for what the forms split or combine).  A field on
#: the page is named by the page's own label (``_visible_label``).
FIELD_LABELS = {
    "flight": N_("Flight"), "date": N_("Date"), "time": N_("Time (local)"),
    "origin": N_("From"), "destination": N_("To"), "terminal": N_("Terminal"),
    "gate": N_("Gate"), "kind": N_("Kind"), "carrier": N_("Flight"),
    "flight_number": N_("Flight"), "scheduled_at": N_("Time (local)"),
    "operational_date": N_("Date"), "operator": N_("Operator"),
    "aircraft_type": N_("Aircraft type"), "aircraft_registration": N_("Registration"),
    "seat_capacity": N_("Seats"), "stops": N_("Stops"), "stop": N_("Stop"),
    "bookings": N_("Passengers"), "passengers": N_("Passengers"), "crew": N_("Crew"),
    "passenger_ids": N_("Members"), "pickup_at": N_("Time (local)"),
    "headcount": N_("Headcount"), "case": N_("Case"), "movement": N_("Movement"),
    "movement_id": N_("Movement"), "reference": N_("Reference"),
    "override_reason": N_("Reason"), "split_reason": N_("Reason"), "reason": N_("Reason"),
    "surname": N_("Surname"), "given_names": N_("Given names"), "sex": N_("Sex"),
    "birth_date": N_("Birth date"), "nationality": N_("Nationality"),
    "needs": N_("Special needs"), "doc_type": N_("Document"), "doc_number": N_("Number"),
    "doc_country": N_("Issuing country"), "doc_expiry": N_("Expires"),
    "medif_flights": N_("Flights"), "fingerprint": N_("Carrier notification"),
    "release_to_name": N_("Named adult at arrival"), "airport": N_("Airport"),
}
_LEG_LABELS = {"in_": (N_("Inbound leg"), {"time": N_("Arrives (local)")}),
               "out_": (N_("Onward leg"), {"time": N_("Leaves (local)")})}


def field_label(key: str, locale: str | None = None) -> str:
    """``key``'s label on the planning forms in ``locale`` ("in_time" -> "Inbound leg,
    Arrives (local)"); a field without one reads as its words, capitalised ("x_y" ->
    "X y"): never the internal name."""
    def one(name: str) -> str:
        known = FIELD_LABELS.get(name)
        if known is None:
            words = name.replace("_", " ").strip()
            return words[:1].upper() + words[1:]
        return i18n.gettext(known, locale)

    for prefix, (leg, own) in _LEG_LABELS.items():
        if key.startswith(prefix):
            rest = key[len(prefix):]
            label = i18n.gettext(own[rest], locale) if rest in own else one(rest)
            return f"{i18n.gettext(leg, locale)}, {label}"
    return one(key)


def labelled(phrase: Phrase, locale: str | None = None) -> Phrase:
    """``phrase`` with every ``field`` value that is an internal key (a plain string)
    replaced by the field's label in ``locale`` (nested phrases too)."""
    def value(name: str, v: Arg) -> Arg:
        if name == "field" and isinstance(v, Phrase) and not v.args and v.key.isidentifier():
            return field_label(v.key, locale)  # a key passed as a phrase (_common.required)
        if isinstance(v, Phrase):
            return labelled(v, locale)
        if isinstance(v, tuple):
            return tuple(labelled(p, locale) for p in v)
        if name == "field" and isinstance(v, str) and v.isidentifier():
            return field_label(v, locale)
        return v

    return Phrase(phrase.key, tuple((name, value(name, v)) for name, v in phrase.args))


def labelled_refusal(exc: DomainError, locale: str | None = None) -> str:
    """A refusal's message in ``locale`` (``i18n.refused``) naming its field by label."""
    return i18n.gettext(labelled(exc.phrase, locale), locale)
