"""Record a carrier pre-notification as sent, and raise or clear the "not notified 48 h
before departure" alert (issue 14.5)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..errors import ConflictError, RuleViolation
from ..events import AlertCleared, AlertRaised, CarrierNoticeIssued
from ..models import Airport, Alert, Movement
from ..phrases import N_, Phrase, phrase_data
from ..planning_models import CarrierNotification, NotifiedPassenger
from ..prenotification import NOTICE_LEAD, carrier_notice, needs_notice
from ..uow import Tx
from ._common import get_or_404
from .planning import _plan_check, load_movement

#: Alert kind; not one of alert_rules.RULE_KINDS, so evaluate_alerts leaves it alone.
NOTICE_ALERT = "carrier_notice_missing"


def record_notice_sent(tx: Tx, movement_id: int, fingerprint: str) -> int:
    """Record that the notification shown to the coordinator (``fingerprint``) is issued
    to the operating carrier now, by the acting user, and return the stored row's id.

    Delivery is not done here: the ``CarrierNoticeIssued`` event (published after
    commit, also on the movement's streams) names the row for the outbox to send.

    Raises ``ConflictError`` when the data changed since it was shown (the text sent is
    not what we would store), ``RuleViolation`` when nothing changed since the last one
    sent.  Clears the overdue alert."""
    _plan_check(tx)
    movement = load_movement(tx, movement_id)
    notice = carrier_notice(tx.session, movement.id)
    if notice.fingerprint != fingerprint:
        raise ConflictError(Phrase.of(N_("the notification for %(flight)s changed since it was "
                                         "shown; review the current text and send again"),
                                      flight=movement.flight))
    if notice.up_to_date:
        raise RuleViolation(Phrase.of(N_("this notification for %(flight)s was already sent at "
                                         "%(last_sent_at)s UTC by %(last_sent_by)s"),
                                      flight=movement.flight,
                                      last_sent_at=format(notice.last_sent_at, "%d %b %H:%M"),
                                      last_sent_by=str(notice.last_sent_by)), field="fingerprint")
    row = CarrierNotification(
        movement_id=movement.id, sent_at=tx.now, by_user_id=tx.actor.user_id,
        username=tx.actor.username, corrected=notice.corrected, fingerprint=fingerprint,
        telex=notice.telex, email_body=notice.email_body)
    tx.session.add(row)
    tx.session.flush()
    # Who was named, with what: "pre-notified" in the service levels is read from these.
    tx.session.add_all(NotifiedPassenger(notification_id=row.id, passenger_id=line.passenger_id,
                                         codes=" ".join(line.codes)) for line in notice.lines)
    # The seam for delivery (issue 16's outbox): this event names the stored row; the
    # console sends no mail itself.
    tx.record(CarrierNoticeIssued, movement,
              changes={"carrier_notified": tx.now, "corrected": notice.corrected},
              notification_id=row.id, carrier=movement.carrier,
              email_subject=notice.email_subject, corrected=notice.corrected)
    tx.audit("carrier_notice_sent", "movement", movement.id,
             after={"corrected": notice.corrected, "passengers": len(notice.lines)})
    _clear(tx, movement)
    return row.id


def _clear(tx: Tx, movement: Movement) -> int:
    cleared = 0
    for alert in tx.session.scalars(select(Alert).where(
            Alert.movement_id == movement.id, Alert.kind == NOTICE_ALERT,
            Alert.cleared_at.is_(None))):
        alert.cleared_at = tx.now
        tx.session.flush()
        tx.record(AlertCleared, movement, alert_id=alert.id, alert_kind=NOTICE_ALERT)
        tx.audit("clear_alert", "alert", alert.id, after={"kind": NOTICE_ALERT})
        cleared += 1
    return cleared


def evaluate_notices(tx: Tx, airport_code: str) -> tuple[int, int]:
    """Raise an alert for each departing movement whose 48 h notification deadline has
    passed without the current notification sent; clear the ones now sent (or gone).
    Returns (raised, cleared); running it again changes nothing."""
    airport = tx.session.scalar(select(Airport).where(Airport.iata == airport_code.upper()))
    if airport is None:
        raise RuleViolation(Phrase.of(N_("airport %(airport_code)s is not set up"),
                                      airport_code=repr(airport_code)), field="airport")
    window = list(tx.session.scalars(select(Movement).where(
        Movement.airport_id == airport.id,
        Movement.scheduled_at > tx.now - timedelta(hours=1),
        Movement.scheduled_at <= tx.now + NOTICE_LEAD)))
    raised = cleared = 0
    open_ids = {a.movement_id: a for a in tx.session.scalars(select(Alert).where(
        Alert.airport_id == airport.id, Alert.kind == NOTICE_ALERT,
        Alert.cleared_at.is_(None)))}
    for movement in window:
        message = needs_notice(tx.session, movement, tx.now)
        existing = open_ids.pop(movement.id, None)
        if message is None:
            if existing is not None:
                cleared += _clear(tx, movement)
            continue
        if existing is not None:
            existing.message = message.english()[:500]
            existing.message_phrase = phrase_data(message)
            continue
        alert = Alert(airport_id=airport.id, movement_id=movement.id, kind=NOTICE_ALERT,
                      dedupe_key=f"{NOTICE_ALERT}:{movement.id}",
                      message=message.english()[:500], message_phrase=phrase_data(message),
                      raised_at=tx.now)
        tx.session.add(alert)
        tx.session.flush()
        tx.record(AlertRaised, movement, alert_id=alert.id, alert_kind=NOTICE_ALERT)
        tx.audit("raise_alert", "alert", alert.id, after={"kind": NOTICE_ALERT,
                                                          "movement": movement.id})
        raised += 1
    for movement_id in open_ids:  # departed or out of the window
        if movement_id is not None:
            cleared += _clear(tx, get_or_404(tx, Movement, movement_id, "movement"))
    return raised, cleared


__all__ = ["NOTICE_ALERT", "evaluate_notices", "record_notice_sent"]
