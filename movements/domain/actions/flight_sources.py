"""People over the feed: a person's correction of gate, terminal, pier or times holds
until the flight feed reports a value different from what it last reported.

The rule (issue 13.2), per movement and field, kept in ``FlightFieldSource``:

* every feed report of the field is remembered (``feed_value``);
* a feed report equal to the feed's previous report is old news and changes nothing,
  whoever set the value since (a person, an MVT telex, the demo): the feed moves a field
  only when it reports something new.  This also covers the flight's state, which no
  person holds: a replayed "SCH" does not undo the "DEP" an MVT reported;
* a person's correction (``source="manual"``) marks the field as theirs, with who and when;
* while theirs, a feed report equal to the feed's previous report changes nothing (a
  replay of old news does not undo a person); a different report means the situation
  moved on: the feed's value is applied, the mark is dropped, and when it overrules the
  person's value an alert names both (who set what, what the feed says now);
* any other system source (an MVT telex, the demo) writing the field ends the mark too:
  the value then comes from that source.

Pure of web code; called only by ``update_flight`` inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from ..clock import to_local
from ..events import AlertRaised
from ..models import Alert, FlightFieldSource, Movement, User
from ..phrases import N_, Arg, Phrase, phrase_data
from ..uow import Tx

#: Fields a person's correction holds against the feed.
HELD_FIELDS = ("gate", "terminal", "pier", "estimated_at", "actual_at")
#: Fields whose feed reports are remembered, so that a replay changes nothing.
FEED_TRACKED = (*HELD_FIELDS, "flight_state", "flight_states")
#: The alert kind raised when the feed overrules a person (acknowledging clears it).
FEED_OVER_PERSON = "feed_over_person"
FIELD_LABELS = {"gate": N_("gate"), "terminal": N_("terminal"), "pier": N_("pier"),
                "estimated_at": N_("estimated time"), "actual_at": N_("actual time")}
#: The alert's sentence, with and without the time the person set the value.
OVERRULED = N_("%(flight)s: the feed changed the %(field)s to %(now)s over %(person)s set by "
               "%(by)s (the feed had said %(before)s)")
OVERRULED_AT = N_("%(flight)s: the feed changed the %(field)s to %(now)s over %(person)s set "
                  "by %(by)s at %(at)s (the feed had said %(before)s)")
NOTHING = N_("nothing")


def as_text(value: Any) -> str | None:
    """The stored form of a field value: ISO 8601 UTC for times, a list of states as
    "DEL,GCH", the text otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Overruled:
    field: str
    person_value: str | None
    set_by: str
    set_at: datetime | None
    feed_before: str | None
    feed_now: str | None


class FieldSources:
    """The field-source rows of one movement, loaded once per ``update_flight`` call."""

    def __init__(self, tx: Tx, movement: Movement) -> None:
        self.tx = tx
        self.movement = movement
        self.rows = {r.field: r for r in tx.session.scalars(select(FlightFieldSource).where(
            FlightFieldSource.movement_id == movement.id))}
        self.overruled: list[Overruled] = []

    def _row(self, key: str) -> FlightFieldSource:
        row = self.rows.get(key)
        if row is None:
            row = FlightFieldSource(movement_id=self.movement.id, field=key, person_set=False)
            self.tx.session.add(row)
            self.rows[key] = row
        return row

    def feed_reports(self, key: str, value: Any) -> bool:
        """Remember the feed's report; True when it may be applied to the movement."""
        text = as_text(value)
        row = self._row(key)
        before = row.feed_value
        news = row.feed_at is None or before != text
        if not news:
            return False  # the same report again: whatever was set since holds
        row.feed_value = text
        row.feed_at = self.tx.now
        if not row.person_set:
            return True
        if text != row.person_value:
            self.overruled.append(Overruled(
                field=key, person_value=row.person_value, set_by=row.set_by or "someone",
                set_at=row.set_at, feed_before=before, feed_now=text))
        self._release(row)
        return True

    def person_sets(self, key: str, value: Any) -> None:
        """A person corrected the field: their value holds over the feed's current one."""
        row = self._row(key)
        text = as_text(value)
        if row.feed_at is not None and row.feed_value == text:
            self._release(row)  # they agree with the feed: nothing to hold
            return
        row.person_set = True
        row.person_value = text
        row.set_by_user_id = self.tx.actor.user_id
        row.set_by = _display_name(self.tx)
        row.set_at = self.tx.now

    def other_source_sets(self, key: str) -> None:
        """An MVT or the demo wrote the field: the value is theirs now, not the person's."""
        row = self.rows.get(key)
        if row is not None and row.person_set:
            self._release(row)

    @staticmethod
    def _release(row: FlightFieldSource) -> None:
        row.person_set = False
        row.person_value = None
        row.set_by_user_id = None
        row.set_by = None
        row.set_at = None

    def raise_alerts(self) -> None:
        """One alert per overruled field, naming the person's value and the feed's."""
        m = self.movement
        for o in self.overruled:
            values: dict[str, Arg] = {
                "flight": m.flight, "field": Phrase(FIELD_LABELS.get(o.field, o.field)),
                "now": self._show(o.feed_now), "person": self._show(o.person_value),
                "by": o.set_by, "before": self._show(o.feed_before)}
            phrase = Phrase.of(OVERRULED_AT, at=self._show(o.set_at), **values) if o.set_at \
                else Phrase.of(OVERRULED, **values)
            message = phrase.english()
            alert = Alert(airport_id=m.airport_id, movement_id=m.id, passenger_id=None,
                          kind=FEED_OVER_PERSON,
                          dedupe_key=f"{FEED_OVER_PERSON}:{m.id}:{o.field}:"
                                     f"{self.tx.now.isoformat()}",
                          message=message[:500], message_phrase=phrase_data(phrase),
                          raised_at=self.tx.now)
            self.tx.session.add(alert)
            self.tx.session.flush()
            self.tx.record(AlertRaised, m, alert_id=alert.id, alert_kind=alert.kind)
            self.tx.audit("raise_alert", "alert", alert.id,
                          after={"kind": alert.kind, "movement": m.id, "field": o.field,
                                 "person_value": o.person_value, "feed_value": o.feed_now})

    def _show(self, value: str | datetime | None) -> Arg:
        """A stored value as a person reads it: times local to the airport with the zone."""
        if value is None:
            return Phrase(NOTHING)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return value
            if parsed.tzinfo is None:
                return value
            value = parsed
        local = to_local(value, self.movement.airport.timezone)
        return local.strftime("%H:%M %Z")


def _display_name(tx: Tx) -> str:
    if tx.actor.user_id is not None:
        user = tx.session.get(User, tx.actor.user_id)
        if user is not None:
            return user.display_name
    return tx.actor.username
