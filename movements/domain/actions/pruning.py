"""Pruning the short-lived buffers: live-stream replay rows and stored write replies.

* ``StreamEvent`` rows exist only so that a screen that lost its socket can be replayed
  what it missed.  A screen that was away longer than a couple of days gets a snapshot
  instead (``realtime.hub`` replays only when every missed number is still stored), so
  older rows are dead weight, and some carry free text (a no-show reason).
* ``IdempotentResponse`` rows replay a tablet's retried write.  A retry comes within
  seconds or minutes; a day-old reply is never asked for again, and its body is a
  rendered fragment with the passenger's initials.

Both prunes also run inside the retention purge's transaction
(:func:`movements.domain.actions.retention.purge_personal_data`), which audits their
counts in its own entry; the actions here are for running one on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import CursorResult

from ..errors import RuleViolation
from ..models import IdempotentResponse, Role, StreamEvent
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import require_role

#: How long a stream's events stay available for an exact replay.
STREAM_EVENT_AGE = timedelta(days=2)
#: How long a stored reply to a write stays available for a retry.
RESPONSE_AGE = timedelta(days=1)


def _deleted(result: object) -> int:
    assert isinstance(result, CursorResult)
    return max(int(result.rowcount or 0), 0)


def delete_stream_events_before(tx: Tx, cutoff: datetime) -> int:
    """Delete the replay rows written before ``cutoff``; no audit (the caller's)."""
    return _deleted(tx.session.execute(
        delete(StreamEvent).where(StreamEvent.created_at < cutoff)
        .execution_options(synchronize_session=False)))


def delete_responses_before(tx: Tx, cutoff: datetime) -> int:
    """Delete the stored write replies made before ``cutoff``; no audit (the caller's)."""
    return _deleted(tx.session.execute(
        delete(IdempotentResponse).where(IdempotentResponse.created_at < cutoff)
        .execution_options(synchronize_session=False)))


def _cutoff(tx: Tx, older_than: timedelta) -> datetime:
    require_role(tx, Role.ADMIN)
    if older_than < timedelta(0):
        raise RuleViolation(Phrase(N_("the age to prune cannot be negative")), field="older_than")
    return tx.now - older_than


def prune_stream_events(tx: Tx, older_than: timedelta = STREAM_EVENT_AGE) -> int:
    """Delete live-stream events older than ``older_than``; returns how many went."""
    cutoff = _cutoff(tx, older_than)
    count = delete_stream_events_before(tx, cutoff)
    if count:
        tx.audit("prune_stream_events", "stream_event", None,
                 after={"deleted": count, "created_before": cutoff})
    return count


def prune_idempotent_responses(tx: Tx, older_than: timedelta = RESPONSE_AGE) -> int:
    """Delete stored write replies older than ``older_than``; returns how many went."""
    cutoff = _cutoff(tx, older_than)
    count = delete_responses_before(tx, cutoff)
    if count:
        tx.audit("prune_idempotent_responses", "idempotent_response", None,
                 after={"deleted": count, "created_before": cutoff})
    return count


__all__ = ["RESPONSE_AGE", "STREAM_EVENT_AGE", "delete_responses_before",
           "delete_stream_events_before", "prune_idempotent_responses", "prune_stream_events"]
