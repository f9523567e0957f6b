"""Timed jobs: the flight feed, alert evaluation, the outbox's sender, the retention purge.

The flight feed and the alert rules run at every airport of the deployment (the
``airport`` rows, read again at each run, so an airport added later is picked up): each
airport has its own ``FeedPoller`` with its own feed settings (``Settings.feed_for``:
its ``MOVEMENTS_FEEDS`` entry, else the deployment's feed URL), its own backoff and its
own transaction, so one airport's failing feed never holds up another's.

The retention job runs in bounded transactions (``retention.purge_in_chunks``): the
personal data whose retention period ended, everything else that names those people
(handovers, manifest bytes, telexes, notes...), and the short-lived buffers
(``pruning``: live-stream replay rows older than two days, stored write replies older
than a day), audited once with the counts.

APScheduler 3.11's ``AsyncIOScheduler`` runs in the app's event loop (started in the
lifespan when ``settings.run_jobs``).  When several processes serve one database, every
one renews a leader lease (``job_lease`` row, ``actions.leases``) every few seconds, and
only the holder runs the other jobs; if it dies, its lease expires and another process
takes over at its next renewal.  Each job calls domain actions through the unit of work;
each job's body is also a plain coroutine (``JobRunner.renew_lease()``, ``.poll_feed()``,
...) so tests drive them with a ManualClock and no sleeping.  All times that decide
anything (lease expiry, feed backoff, alert windows) come from the injected clock; the
scheduler's timers only decide how often to look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.wait import wait_base

from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import bulk, leases, prenotification, pruning, retention
from movements.domain.errors import Busy, DomainError
from movements.domain.storage import StorageUnavailable
from movements.domain.uow import Actor, database_busy
from movements.feed.client import FeedClient, FeedPoller, FeedResult
from movements.notify.channels import Channels
from movements.notify.sender import OutboxSender
from movements.platform.config import FeedSettings
from movements.services import Services

log = logging.getLogger(__name__)

JOB_ACTOR = Actor.system("jobs")
#: Failed lease renewals back off 2, 4, 8 ... seconds, up to this.
LEASE_MAX_BACKOFF_SECONDS = 60


#: A job run that meets a busy database (a bulk write's chunk, a checkpoint, another
#: process's write) tries this often in all; each try already waits the write bound
#: (``uow.WRITE_WAIT_SECONDS``), and the next scheduled run tries again anyway.
BUSY_ATTEMPTS = 3


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class JobRunner:
    def __init__(self, services: Services, *, holder: str | None = None,
                 pollers: Iterable[FeedPoller] | None = None) -> None:
        """``pollers``: the feeds to poll, one per airport (tests inject them); by default
        one per airport that has a feed (``Settings.feed_for``), built as airports appear.
        """
        self.services = services
        self.settings = services.settings
        self.clock = services.clock
        self.holder = holder or default_holder()
        self.leader_until: datetime | None = None
        self.pollers: dict[str, FeedPoller] = {p.airport: p for p in pollers or ()}
        self._fixed_pollers = pollers is not None
        self.sender = OutboxSender(
            services.uow, Channels(self.settings.notify_sms_url,
                                   self.settings.notify_email_url,
                                   webhook_allow_private=self.settings.webhook_allow_private),
            public_url=self.settings.public_url,
            first_backoff=timedelta(seconds=self.settings.outbox_first_backoff_seconds),
            max_attempts=self.settings.outbox_max_attempts,
            claim=timedelta(seconds=self.settings.outbox_claim_seconds))
        self.scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._lease_failures = 0
        self._lease_retry_at: datetime | None = None
        #: How a job run retries a busy database (tests shorten the wait).
        self.busy_attempts = BUSY_ATTEMPTS
        self.busy_wait: wait_base = wait_exponential(multiplier=0.5, max=4)

    def _build_poller(self, feed: FeedSettings) -> FeedPoller:
        client = FeedClient(feed.url, feed.app_id, feed.app_key,
                            timeout=feed.timeout_seconds)
        return FeedPoller(client=client, uow=self.services.uow, clock=self.clock,
                          airport=feed.airport, poll_seconds=feed.poll_seconds,
                          max_backoff_seconds=feed.max_backoff_seconds)

    async def _follow_airports(self) -> None:
        """One poller per airport with a feed: new airports get one, removed ones lose
        theirs."""
        codes = await self.services.uow.read(alert_actions.airport_codes)
        for code in sorted(set(self.pollers) - set(codes)):
            await self.pollers.pop(code).close()
        for code in codes:
            if code not in self.pollers:
                feed = self.settings.feed_for(code)
                if feed is not None:
                    self.pollers[code] = self._build_poller(feed)
                    log.info("feed: %s polls %s every %d s", code, feed.url,
                             feed.poll_seconds)

    # -- leadership -----------------------------------------------------------------
    @property
    def is_leader(self) -> bool:
        return self.leader_until is not None and self.clock.now() < self.leader_until

    async def renew_lease(self) -> bool:
        was = self.is_leader
        if self._lease_retry_at is not None and self.clock.now() < self._lease_retry_at:
            return self.is_leader  # backing off after failures
        try:
            state = await self.services.uow.run(
                leases.renew_lease, JOB_ACTOR, leases.JOBS, self.holder,
                self.settings.job_lease_seconds)
        except Exception as exc:  # noqa: BLE001 - keep what we had until it runs out
            self._lease_failures += 1
            delay = min(LEASE_MAX_BACKOFF_SECONDS, 2 ** self._lease_failures)
            self._lease_retry_at = self.clock.now() + timedelta(seconds=delay)
            if database_busy(exc):  # expected under a bulk write: the next renewal retries
                log.warning("jobs: could not renew the lease: the database is busy; next "
                            "try in %d s", delay)
            elif not isinstance(exc, StorageUnavailable):  # logged once a minute elsewhere
                log.error("jobs: could not renew the lease (%s: %s); next try in %d s",
                          type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "",
                          delay)
            return self.is_leader
        self._lease_failures = 0
        self._lease_retry_at = None
        if state.held:
            self.leader_until = state.expires_at
            if not was:
                log.warning("jobs: %s runs the jobs now%s", self.holder,
                            f" (took over from {state.taken_over_from})"
                            if state.taken_over_from else "")
        else:
            if was:
                log.warning("jobs: %s holds the lease now; %s stops running jobs",
                            state.holder, self.holder)
            self.leader_until = None
        return state.held

    async def release_lease(self) -> None:
        if self.leader_until is None:
            return
        self.leader_until = None
        with contextlib.suppress(Exception):
            await self.services.uow.run(leases.release_lease, JOB_ACTOR, leases.JOBS,
                                        self.holder)

    # -- the jobs -------------------------------------------------------------------
    async def poll_feed(self) -> dict[str, FeedResult | None] | None:
        """Poll every airport's feed that is due, side by side (each poll is its own
        transaction on its own airport's movements); the result per airport polled
        (None: that poll failed, recorded on its feed status)."""
        if not self.is_leader:
            return None
        if not self._fixed_pollers:
            await self._follow_airports()
        due = [p for _, p in sorted(self.pollers.items()) if p.due()]
        results = await asyncio.gather(*(p.poll() for p in due))
        return {p.airport: r for p, r in zip(due, results, strict=True)}

    async def evaluate_alerts(self) -> dict[str, alert_actions.AlertRun] | None:
        """Evaluate the alert rules at every airport of the deployment, one transaction
        per airport (one airport's trouble never holds up another's alerts)."""
        if not self.is_leader:
            return None
        runs: dict[str, alert_actions.AlertRun] = {}
        for code in await self.services.uow.read(alert_actions.airport_codes):
            try:
                runs[code] = await self.services.uow.run(alert_actions.evaluate_alerts,
                                                         JOB_ACTOR, code)
                # Carrier pre-notification 48 h before departure (issue 14.5).
                await self.services.uow.run(prenotification.evaluate_notices, JOB_ACTOR,
                                            code)
            except StorageUnavailable:
                return runs  # logged once a minute by StorageHealth
            except Busy:
                raise  # the job's run retries it (``_job``); evaluating again is harmless
            except DomainError as exc:
                log.info("jobs: alerts at %s not evaluated: %s", code, exc.message)
        return runs

    async def send_outbox(self) -> None:
        """Send the outbox's due messages (issue 16); the leader only, so two processes
        never claim in a race (the claim is a row lock too, on PostgreSQL)."""
        if not self.is_leader:
            return
        await self.sender.run_once()

    async def purge(self) -> retention.PurgeSummary | None:
        """The retention purge and the buffer pruning, in bounded transactions."""
        if not self.is_leader:
            return None
        summary = await retention.purge_in_chunks(
            self.services.uow, JOB_ACTOR, self.settings.retention_days,
            stream_events_older_than=pruning.STREAM_EVENT_AGE,
            responses_older_than=pruning.RESPONSE_AGE)
        if summary.purged:
            log.warning("retention: purged the personal data of %d passenger(s)",
                        summary.purged)
        if summary.changed:
            log.info("retention: %s", ", ".join(
                f"{k}={v}" for k, v in summary.counts().items() if v))
        return summary

    async def recover_bulk(self) -> list[str] | None:
        """Roll back bulk writes left unfinished by a process that died (``bulk``)."""
        if not self.is_leader:
            return None
        return await bulk.recover_unfinished(self.services.uow, JOB_ACTOR)

    # -- the scheduler --------------------------------------------------------------
    def _job(self, body: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        """One scheduled run of ``body``: a busy database is tried again (tenacity, up
        to ``busy_attempts``), then skipped with one warning line; storage faults are
        quiet (StorageHealth logs them); anything else is logged with its traceback and
        the schedule goes on."""
        name = getattr(body, "__name__", "job")

        def said_busy(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action else 0.0
            log.info("jobs: %s: the database is busy; trying again in %.1f s", name, wait)

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)  # type: ignore[arg-type]
            try:
                async for attempt in AsyncRetrying(
                        retry=retry_if_exception(database_busy),
                        stop=stop_after_attempt(self.busy_attempts), wait=self.busy_wait,
                        before_sleep=said_busy, reraise=True):
                    with attempt:
                        await body()
            except StorageUnavailable:
                pass  # an operating state, logged once a minute by StorageHealth
            except Exception as exc:  # noqa: BLE001 - one bad run must not stop the schedule
                if database_busy(exc):
                    log.warning("jobs: %s skipped: the database stayed busy (%d tries); "
                                "the next run tries again", name, self.busy_attempts)
                else:
                    log.exception("jobs: %s failed", name)
            finally:
                if task is not None:
                    self._running.discard(task)  # type: ignore[arg-type]

        run.__name__ = name
        return run

    def start(self) -> JobRunner:
        s = self.settings
        scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        now = datetime.now(UTC)
        renew_every = max(0.5, s.job_lease_seconds / 3)
        scheduler.add_job(self._job(self.renew_lease), "interval", seconds=renew_every,
                          next_run_time=now, id="lease")
        if self.pollers or s.any_feed:
            scheduler.add_job(self._job(self.poll_feed), "interval",
                              seconds=min(5.0, float(s.feed_poll_seconds)),
                              next_run_time=now + timedelta(seconds=1), id="feed")
        scheduler.add_job(self._job(self.evaluate_alerts), "interval",
                          seconds=s.alert_interval_seconds, id="alerts")
        scheduler.add_job(self._job(self.send_outbox), "interval",
                          seconds=s.outbox_interval_seconds, id="outbox")
        scheduler.add_job(self._job(self.purge), "interval",
                          seconds=s.retention_interval_seconds, id="retention")
        scheduler.add_job(self._job(self.recover_bulk), "interval", seconds=60, id="bulk")
        scheduler.start()
        self.scheduler = scheduler
        log.info("jobs: scheduler started as %s", self.holder)
        return self

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
        running = list(self._running)
        if running:
            _, pending = await asyncio.wait(running, timeout=5)
            for task in pending:
                task.cancel()
        await self.release_lease()
        for poller in self.pollers.values():
            await poller.close()
        self.pollers = {}


async def recover_bulk_writes(services: Services) -> None:
    """At a process start: roll back the bulk writes a killed process left unfinished
    (``bulk.recover_unfinished``).  A busy or unavailable database is left to the jobs'
    next try, with one warning line."""
    try:
        await bulk.recover_unfinished(services.uow, Actor.system("recovery"))
    except StorageUnavailable:
        pass  # logged once a minute by StorageHealth
    except Exception as exc:  # noqa: BLE001 - a start must not fail for this
        if database_busy(exc):
            log.warning("bulk: the database is busy; unfinished bulk writes are rolled "
                        "back by the jobs later")
        else:
            log.exception("bulk: rolling back unfinished bulk writes failed")


def start_jobs(services: Services) -> JobRunner:
    """Called from the app's lifespan when ``settings.run_jobs``."""
    return JobRunner(services).start()


__all__ = ["BUSY_ATTEMPTS", "JOB_ACTOR", "JobRunner", "database_busy", "default_holder",
           "recover_bulk_writes", "start_jobs"]
