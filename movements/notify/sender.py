"""The sender job: claim due messages, send each over its channel, record the result.

Run by the scheduler (``JobRunner.send_outbox``) on the process that holds the jobs'
lease, every ``MOVEMENTS_OUTBOX_INTERVAL_SECONDS``.  Claim and result are separate
transactions around the send (``movements.domain.actions.outbox``): nothing is held open
while a provider answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from movements.domain.actions import outbox as actions
from movements.domain.outbox_vocabulary import Channel, OutboxState
from movements.domain.uow import Actor, UnitOfWork
from movements.notify.channels import Channels

log = logging.getLogger(__name__)

SENDER = Actor.system("outbox")


@dataclass
class SendRun:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    outcomes: list[tuple[int, OutboxState]] = field(default_factory=list)


class OutboxSender:
    def __init__(self, uow: UnitOfWork, channels: Channels, *, public_url: str,
                 first_backoff: timedelta = actions.FIRST_BACKOFF,
                 max_attempts: int = actions.MAX_ATTEMPTS, batch: int = 20,
                 claim: timedelta = actions.CLAIM) -> None:
        self.uow = uow
        self.channels = channels
        self.public_url = public_url
        self.first_backoff = first_backoff
        self.max_attempts = max_attempts
        self.batch = batch
        self.claim = claim

    async def run_once(self) -> SendRun:
        """Send what is due now (one batch); returns what happened."""
        run = SendRun()
        ready = tuple(c for c in Channel if self.channels.configured(c))
        if not ready:
            return run
        claimed = await self.uow.run(actions.claim_due, SENDER, self.batch, self.claim,
                                     channels=ready)
        for message in claimed:
            result = await self.channels.send(message, self.public_url)
            state = await self.uow.run(actions.record_result, SENDER, message.id, result.ok,
                                       result.detail, first_backoff=self.first_backoff,
                                       max_attempts=self.max_attempts)
            run.outcomes.append((message.id, state))
            if state is OutboxState.SENT:
                run.sent += 1
            elif state is OutboxState.FAILED:
                run.failed += 1
                log.warning("outbox: message %d failed after %d tries: %s", message.id,
                            message.attempt, result.detail)
            else:
                run.retrying += 1
        return run

    async def drain(self, rounds: int = 50) -> SendRun:
        """``run_once`` until nothing was claimed (tests, the CLI)."""
        total = SendRun()
        for _ in range(rounds):
            run = await self.run_once()
            if not run.outcomes:
                break
            total.sent += run.sent
            total.retrying += run.retrying
            total.failed += run.failed
            total.outcomes += run.outcomes
        return total


__all__ = ["SENDER", "OutboxSender", "SendRun"]
