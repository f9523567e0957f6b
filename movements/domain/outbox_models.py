"""Telling people (issue 16): how to reach someone, and the transactional outbox.

A message to send is an ``OutboxMessage`` row written in the same transaction as the
change that causes it (``movements.domain.outbox``); the sender job sends it after the
commit and records every try as an ``OutboxAttempt``.  The unique ``idempotency_key``
makes a second row for the same event and recipient impossible, and is handed to the
channel (a ``Idempotency-Key`` header on the SMS gateway's request and on the e-mail) so
a receiver can drop a copy sent again after a crash between sending and recording.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, UtcDateTime, _enum
from .outbox_vocabulary import Channel, OutboxState


class Contact(Base):
    """How to reach a passenger (a mobile number in E.164, their consent) or an
    organisation (an e-mail address).  One row per passenger or per organisation."""

    __tablename__ = "notify_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    passenger_id: Mapped[int | None] = mapped_column(
        ForeignKey("passenger.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    #: E.164 (``+31612345678``), validated by phonenumbers before it is stored.
    phone: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The person said no to messages: nothing is queued for them.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: A minor's messages go to this number (the guardian's), never to the child's.
    guardian_phone: Mapped[str | None] = mapped_column(String(16))
    #: The guardian's own language (a name or code, as ``Passenger.language``): a
    #: minor's messages are written in it, not in the child's.
    guardian_language: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseCounterpart(Base):
    """The organisation told about a case's journey: the reception centre a returnee
    came from (told "departed"), or the party receiving an arrival (told "landed",
    "through passport control", "handed over")."""

    __tablename__ = "case_counterpart"
    case_id: Mapped[int] = mapped_column(ForeignKey("travel_case.id", ondelete="CASCADE"),
                                         primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))


class CaseMission(Base):
    """The receiving mission abroad for a case that departs with reception: told the
    flight, the arrival time, the escorts and the receivers' needs (SSR codes) when it
    departs."""

    __tablename__ = "case_mission"
    case_id: Mapped[int] = mapped_column(ForeignKey("travel_case.id", ondelete="CASCADE"),
                                         primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))


class CarrierContact(Base):
    """Where a carrier (IATA airline designator) takes special-assistance
    pre-notifications (PSM) by e-mail."""

    __tablename__ = "carrier_contact"
    carrier: Mapped[str] = mapped_column(String(3), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookSubscription(Base):
    """A partner system that wants the events of one airport posted to its URL, signed
    with its secret (HMAC-SHA256 over id, timestamp and body: Standard Webhooks)."""

    __tablename__ = "webhook_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    url: Mapped[str] = mapped_column(String(500))
    #: ``whsec_`` + base64 of 24 random bytes; shown once, when subscribed.
    secret: Mapped[str] = mapped_column(String(100))
    #: Comma-separated ``outbox.Event`` kinds.
    events: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """One message to one recipient on one channel."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    #: What happened: ``vocabulary``-like keys (booking_confirmed, gate_changed, ...).
    event: Mapped[str] = mapped_column(String(32))
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    #: E.164 number (sms), e-mail address, or the webhook's URL.
    recipient: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(16), default="en")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: SMS only: how many segments the body is sent as (``movements.domain.sms``).
    segments: Mapped[int | None] = mapped_column(Integer)
    airport_id: Mapped[int] = mapped_column(ForeignKey("airport.id"), index=True)
    movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movement.id", ondelete="SET NULL"))
    passenger_id: Mapped[int | None] = mapped_column(
        ForeignKey("passenger.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState),
                                               default=OutboxState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: When the channel reported it delivered to the handset (an SMS gateway's
    #: delivery receipt); None where the channel reports only "accepted".
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    attempt_log: Mapped[list[OutboxAttempt]] = relationship(
        order_by="OutboxAttempt.id", cascade="all, delete-orphan")


class OutboxAttempt(Base):
    """One try to send a message: when, and what the channel said."""

    __tablename__ = "outbox_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: "sent", "error", or "resend"/"cancel" (a coordinator's hand).
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(String(500))


class ProviderRef(Base):
    """An SMS provider's own id for (a part of) one of our messages, learnt from its
    delivery-status callback (Apprise does not hand back the id the provider answered the
    send with), with the last status the provider reported for it.  A (provider, ref)
    belongs to one message for good, so later callbacks for it find the same message."""

    __tablename__ = "outbox_provider_ref"
    __table_args__ = (UniqueConstraint("provider", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    #: "twilio", "vonage".
    provider: Mapped[str] = mapped_column(String(16))
    #: Twilio's MessageSid, Vonage's messageId (one per part of a long SMS).
    ref: Mapped[str] = mapped_column(String(100))
    #: The provider's own word, as last reported ("sent", "delivered", "undelivered"...).
    status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
