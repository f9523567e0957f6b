"""Delivery receipts from real SMS providers (issue 16): a provider's status callback,
already verified and parsed at the edge (``movements.notify.receipts``), applied to the
outbox message it is about.

Which message: the provider's id for it (Twilio's MessageSid, Vonage's messageId) once
known.  Apprise reports only success or failure of a send, not the id the provider
answered with, so the id cannot be recorded at send time; it is learnt from the first
callback that names it: that callback is matched to the oldest message sent to the
callback's number (our E.164 recipient) that still has room for a provider id (one for
Twilio; one per SMS segment for Vonage, which gives every part of a long SMS its own id
and receipt), and the id is kept (``ProviderRef``).  Providers report a message's
statuses in the order they were sent, so two messages in flight to one number are told
apart by that order; a receipt that arrives for a number with nothing in flight matches
nothing and changes nothing.

States: ``delivered`` marks the message delivered once every part has been reported
delivered; ``failed`` marks it failed with the provider's reason (a coordinator may
resend); ``pending`` (queued, sent, accepted, buffered...) only records the id and the
provider's word.  The same status for the same id again changes nothing (providers send
callbacks again when they got no answer).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..errors import RuleViolation
from ..outbox_models import Channel, OutboxAttempt, OutboxMessage, ProviderRef
from ..outbox_models import OutboxState as S
from ..phrases import N_, Phrase
from ..uow import Tx

#: What a provider's status means for the outbox.
DELIVERED, FAILED, PENDING = "delivered", "failed", "pending"


@dataclass(frozen=True, slots=True)
class ProviderReceipt:
    """One provider callback, verified: ``provider`` ("twilio", "vonage"), its id for the
    message or part (``ref``), our recipient as E.164 (``to``), the provider's own status
    word, what it means (``meaning``: DELIVERED, FAILED or PENDING), a reason for a
    failure, and whether the provider gives each SMS segment its own id."""

    provider: str
    ref: str
    to: str
    status: str
    meaning: str
    reason: str | None = None
    per_segment: bool = False


@dataclass(frozen=True, slots=True)
class Applied:
    message_id: int
    state: S
    #: False: the same status for the same id was already recorded (nothing written).
    changed: bool


def record_provider_receipt(tx: Tx, receipt: ProviderReceipt) -> Applied | None:
    """Apply ``receipt`` (see the module text); None when it matches no message (nothing
    is written).  Raises RuleViolation for a meaning that is not one of the three."""
    if receipt.meaning not in (DELIVERED, FAILED, PENDING):
        raise RuleViolation(Phrase.of(N_("meaning %(meaning)s: one of delivered, failed, pending"),
                                      meaning=repr(receipt.meaning)),
                            field="status")
    session = tx.session
    ref = session.scalar(select(ProviderRef).where(ProviderRef.provider == receipt.provider,
                                                   ProviderRef.ref == receipt.ref))
    if ref is None:
        row = _first_in_flight(tx, receipt)
        if row is None:
            return None
        ref = ProviderRef(message_id=row.id, provider=receipt.provider, ref=receipt.ref,
                          status=receipt.status, at=tx.now)
        session.add(ref)
        session.flush()
    else:
        row = session.get(OutboxMessage, ref.message_id)
        assert row is not None  # the foreign key cascades
        if ref.status == receipt.status:
            return Applied(row.id, row.state, False)
        ref.status, ref.at = receipt.status, tx.now
    if receipt.meaning == PENDING or row.state not in (S.SENT, S.SENDING):
        return Applied(row.id, row.state, True)  # delivered, cancelled or resent already
    detail = f"{receipt.provider} {receipt.ref}: {receipt.status}" + (
        f" ({receipt.reason})" if receipt.reason else "")
    if receipt.meaning == FAILED:
        row.state, row.last_error = S.FAILED, detail[:500]
        row.claimed_until = None
        session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome="failed",
                                  detail=detail[:500]))
    elif _all_parts_delivered(tx, row, receipt):
        row.state, row.delivered_at, row.claimed_until = S.DELIVERED, tx.now, None
        session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome="delivered",
                                  detail=detail[:500]))
    return Applied(row.id, row.state, True)


def _parts(row: OutboxMessage, receipt: ProviderReceipt) -> int:
    return max(1, row.segments or 1) if receipt.per_segment else 1


def _first_in_flight(tx: Tx, receipt: ProviderReceipt) -> OutboxMessage | None:
    """The oldest SMS sent (or being sent) to ``receipt.to`` with room for another id of
    this provider."""
    known = (select(func.count()).select_from(ProviderRef)
             .where(ProviderRef.message_id == OutboxMessage.id,
                    ProviderRef.provider == receipt.provider).scalar_subquery())
    rows = tx.session.execute(
        select(OutboxMessage, known).where(OutboxMessage.channel == Channel.SMS,
                                           OutboxMessage.recipient == receipt.to,
                                           OutboxMessage.state.in_((S.SENT, S.SENDING)))
        .order_by(OutboxMessage.id))  # queued in this order, so sent in it
    for row, count in rows:
        if count < _parts(row, receipt):
            return row
    return None


def _all_parts_delivered(tx: Tx, row: OutboxMessage, receipt: ProviderReceipt) -> bool:
    refs = list(tx.session.scalars(select(ProviderRef.status).where(
        ProviderRef.message_id == row.id, ProviderRef.provider == receipt.provider)))
    return len(refs) >= _parts(row, receipt) and all(s == receipt.status for s in refs)


__all__ = ["DELIVERED", "FAILED", "PENDING", "Applied", "ProviderReceipt",
           "record_provider_receipt"]
