"""The outbox's words (issue 16): a message's state and its channel.  Apart from the
tables so the edges (the sender, the pages) can name them without the ORM."""

from __future__ import annotations

import enum


class OutboxState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its (next) try
    SENDING = "sending"  # claimed by the sender until ``claimed_until``
    SENT = "sent"  # the channel accepted it
    DELIVERED = "delivered"  # the channel reported it reached the handset (a receipt)
    FAILED = "failed"  # every try failed (``last_error`` says why); resend queues it again
    CANCELLED = "cancelled"  # stopped: a coordinator, an opt-out, or the flight left


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"  # a partner system's URL, signed (Standard Webhooks)


__all__ = ["Channel", "OutboxState"]
