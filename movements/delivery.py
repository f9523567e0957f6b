"""Documents from the store to a person: read model, PDF, issue, hand out.

Shared by the web edge and the ``movements manifest`` command.  It joins three parts
that know nothing of each other: the read models built from the database
(:mod:`movements.domain.document_queries`), the PDF builders (:mod:`movements.manifests`,
pure functions) and the issuing actions (:mod:`movements.domain.actions.documents`).

PDF building is CPU work (about 1.5-2 s for a 400-passenger charter manifest), so it
never runs on the event loop: by default it goes to a small process pool (one worker per
CPU but one, at a lower priority), which also keeps it off the GIL that the loop needs
to push live updates.  bench/manifest.py measures both ways: with 4 manifests building,
the p95 of a live update grew ~2x with the pool and ~20-40x with worker threads.

The pool starts its workers through a forkserver (safe in a threaded server), which
imports the main module again: a script that serves the app must keep its entry point
under ``if __name__ == "__main__":`` (uvicorn, the ``movements`` command and pytest do).

Who owns the pool: whoever holds :func:`pdf_pool` (the app's lifespan, the
``movements manifest`` command).  When the last holder leaves, the workers are shut down
and joined; the forkserver and multiprocessing's resource tracker then end with the
server.  If the server is killed outright (SIGKILL), each worker sees it through
:func:`movements.platform.lifeline.end_with` and exits, and the forkserver and resource
tracker follow (they live only while a worker or the server holds their pipes).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Literal, TypeVar

import anyio.to_thread
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

# The package, not its builders: they (ReportLab, fonts, the Arabic shaper) are imported
# on first use (movements.manifests.__getattr__), not by every process that serves pages.
from movements import i18n, manifests
from movements.domain import document_queries as dq
from movements.domain import views
from movements.domain.access import Need
from movements.domain.actions import documents as issue
from movements.domain.errors import ConflictError, Gone
from movements.domain.phrases import N_, Phrase
from movements.domain.uow import Actor
from movements.platform.lifeline import end_with
from movements.services import Services

D = TypeVar("D")
RenderMode = Literal["process", "thread"]


# --------------------------------------------------------------------------- rendering

def _worker_start(owner_pid: int) -> None:
    """A PDF worker ends with the server that started the pool (``owner_pid``), however
    it ends, and yields the CPU to it: a document may take a second longer, a live
    update must not."""
    end_with(owner_pid)
    with contextlib.suppress(OSError):
        os.nice(10)
    from movements.manifests.text import register_fonts

    register_fonts()


class PdfRenderer:
    """Runs a builder off the event loop.

    ``process``: a pool of ``workers`` processes (forkserver: safe in a threaded server),
    started on first use; a worker that dies is replaced.  ``thread``: anyio's worker
    threads (no start-up cost, but ReportLab then competes with the loop for the GIL).
    """

    def __init__(self, mode: RenderMode = "process", workers: int | None = None) -> None:
        self.mode: RenderMode = mode
        self.workers = workers or max(1, (os.cpu_count() or 2) - 1)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> Executor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=_worker_start,
                                                 initargs=(os.getpid(),))
            return self._pool

    def _reset(self, broken: Executor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def render(self, build: Callable[[D], bytes], doc: D) -> bytes:
        if self.mode == "thread":
            return await anyio.to_thread.run_sync(build, doc)
        # A worker that died (out of memory, killed) breaks the pool: start a new one and
        # build once more; a second break is an error.
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(BrokenProcessPool),
                                           stop=stop_after_attempt(2), reraise=True):
            with attempt:
                pool = self._executor()
                try:
                    return await asyncio.wrap_future(pool.submit(build, doc))
                except BrokenProcessPool:
                    self._reset(pool)
                    raise
        raise AssertionError("unreachable")

    @property
    def started(self) -> bool:
        """True while worker processes may be running."""
        return self._pool is not None

    def shutdown(self) -> None:
        """Cancel queued builds, wait for running ones and join the workers (blocking)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


renderer = PdfRenderer()
_holders = 0


@contextlib.asynccontextmanager
async def pdf_pool() -> AsyncIterator[PdfRenderer]:
    """Hold the PDF pool for a while (an app from start-up to shutdown, a CLI command).

    The pool starts on first use; when the last holder leaves, it is shut down and its
    workers joined (off the event loop).  Several apps in one process (tests) share it.
    """
    global _holders
    _holders += 1
    try:
        yield renderer
    finally:
        _holders -= 1
        if _holders == 0:
            await anyio.to_thread.run_sync(renderer.shutdown)


def configure(mode: RenderMode, workers: int | None = None) -> None:
    """Choose how PDFs are built (the bench compares both); call before serving."""
    global renderer
    renderer.shutdown()
    renderer = PdfRenderer(mode, workers)


# --------------------------------------------------------------------------- documents

@dataclass(frozen=True, slots=True)
class Rendered:
    """A document handed out: its bytes, a file name, and its identity if issued."""

    content: bytes
    filename: str
    document_id: str
    sha256: str
    version: int | None = None

    @classmethod
    def of(cls, stored: dq.StoredDocument, filename: str) -> Rendered:
        return cls(stored.content, filename, stored.document_id, stored.sha256,
                   stored.version)


def _handover_filename(stored: dq.StoredDocument, flight: str, day: date) -> str:
    return f"handover-{flight}-{day.isoformat()}-v{stored.version}.pdf"


async def ensure_handover_manifest(services: Services, actor: Actor, handover_id: int
                                   ) -> dq.StoredDocument:
    """The handover's manifest as issued, issuing it (render + store) on first use.

    Refuses a draft (422 "not signed yet"); NotFound outside the actor's scope.  The
    stored bytes never change afterwards.
    """
    await services.uow.read(views.see_handover, actor, handover_id)
    stored = await services.uow.read(dq.stored_handover_document, handover_id)
    if stored is not None:
        return stored
    doc = await services.uow.read(dq.handover_doc, handover_id,
                                  public_url=services.settings.public_url)
    # Issued in the language of the person whose request issues it (i18n.current()).
    pdf = await renderer.render(
        partial(manifests.build_handover_manifest, locale=i18n.current()), doc)
    return await services.uow.run(issue.issue_document, actor, dq.HANDOVER_MANIFEST, pdf,
                                  handover_id=handover_id)


async def handover_manifest(services: Services, actor: Actor, handover_id: int,
                            *, reason: str = "download") -> Rendered:
    """The manifest's bytes for handing out (the read is audited)."""
    stored = await ensure_handover_manifest(services, actor, handover_id)
    view = await services.uow.read(dq.handover_view, handover_id)
    if not stored.content:
        raise Gone(Phrase.of(N_("the manifest %(document_id)s was issued, but its content has "
                                "been deleted under the retention policy; /verify still confirms "
                                "its hash"),
                             document_id=stored.document_id))
    out = await services.uow.run(issue.record_download, actor, stored.document_id,
                                 reason=reason)
    return Rendered.of(out, _handover_filename(out, view.flight, view.operational_date))


class _Superseded(Exception):
    """Another charter manifest version was issued between our read and our write."""


async def _charter_once(services: Services, actor: Actor, movement_id: int, reason: str
                        ) -> Rendered:
    """One read-compare-issue round of :func:`charter_manifest`."""
    latest = await services.uow.read(dq.latest_charter, movement_id)
    previous = latest.document if latest is not None else None
    now = services.clock.now()
    document_id = str(uuid.uuid4())
    doc = await services.uow.read(
        dq.charter_doc, movement_id, document_id=document_id,
        version=previous.version + 1 if previous else 1,
        supersedes_document_id=previous.document_id if previous else None,
        issued_at=now, issued_by_user_id=actor.user_id,
        public_url=services.settings.public_url)
    name = (f"charter-manifest-{doc.movement.flight}-"
            f"{doc.movement.operational_date.isoformat()}")
    source = dq.charter_source(doc)
    if latest is not None and previous is not None and latest.source == source:
        out = await services.uow.run(issue.record_download, actor, previous.document_id,
                                     reason=reason)
        return Rendered.of(out, f"{name}-v{out.version}.pdf")
    pdf = await renderer.render(
        partial(manifests.build_charter_manifest, locale=i18n.current()), doc)
    try:
        await services.uow.run(
            issue.issue_document, actor, dq.CHARTER_MANIFEST, pdf,
            movement_id=movement_id, document_id=document_id, issued_at=now,
            supersedes_document_id=previous.document_id if previous else None,
            source=source)
    except ConflictError as exc:
        raise _Superseded from exc  # someone issued a version meanwhile
    out = await services.uow.run(issue.record_download, actor, document_id,
                                 reason=reason)
    return Rendered.of(out, f"{name}-v{out.version}.pdf")


async def charter_manifest(services: Services, actor: Actor, movement_id: int,
                           *, reason: str = "download") -> Rendered:
    """The movement's charter manifest: the newest issued version if it still says the
    same, else a new version that names the one it replaces."""
    await services.uow.read(views.see_movement, actor, movement_id)
    # Someone may issue a version between our read and our write: compare against theirs
    # (three tries, then a conflict for the person).
    try:
        async for attempt in AsyncRetrying(retry=retry_if_exception_type(_Superseded),
                                           stop=stop_after_attempt(3), reraise=True):
            with attempt:
                return await _charter_once(services, actor, movement_id, reason)
    except _Superseded:
        pass
    raise ConflictError(Phrase(N_("the charter manifest keeps changing; try again in a moment")))


async def escort_briefing(services: Services, actor: Actor, movement_id: int) -> Rendered:
    """The escort briefing of a movement (rendered anew each time; the read is audited)."""
    await services.uow.read(views.see_movement, actor, movement_id)
    doc = await services.uow.read(dq.briefing_doc, movement_id,
                                  issued_at=services.clock.now(),
                                  issued_by_user_id=actor.user_id)
    pdf = await renderer.render(
        partial(manifests.build_escort_briefing, locale=i18n.current()), doc)
    await services.uow.run(issue.audit_rendered, actor, "escort_briefing", movement_id,
                           doc.document_id)
    return Rendered(pdf, f"escort-briefing-{doc.movement.flight}-"
                         f"{doc.movement.operational_date.isoformat()}.pdf",
                    doc.document_id, dq.sha256_hex(pdf))


async def daily_report(services: Services, actor: Actor, asked: str | None, default: str,
                       day: date | None = None) -> Rendered:
    """The daily report of one of the actor's airports (``asked``, else ``default`` if
    theirs, else their first) for ``day`` (None: today there)."""
    choice, today = await services.uow.read(views.today_at, actor, asked, default,
                                            services.clock.now(), Need.COORDINATE)
    airport, day = choice.code, day or today
    doc = await services.uow.read(dq.daily_doc, airport, day,
                                  issued_at=services.clock.now(),
                                  issued_by_user_id=actor.user_id)
    pdf = await renderer.render(
        partial(manifests.build_daily_report, locale=i18n.current()), doc)
    await services.uow.run(issue.audit_rendered, actor, "daily_report", None,
                           doc.document_id)
    return Rendered(pdf, f"daily-report-{airport.upper()}-{day.isoformat()}.pdf",
                    doc.document_id, dq.sha256_hex(pdf))


def pdf_headers(doc: Rendered, *, inline: bool = False) -> dict[str, Any]:
    """Response headers for a PDF holding personal data: never cached by a proxy."""
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{doc.filename}"',
               "Cache-Control": "no-store", "X-Document-Id": doc.document_id,
               "X-Document-SHA256": doc.sha256}
    if doc.version is not None:
        headers["X-Document-Version"] = str(doc.version)
    return headers
