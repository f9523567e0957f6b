"""Issuing documents: a generated PDF is stored with its hash, so that anyone holding a
copy can check it against the server, and a re-download returns the very same bytes.

An issued document is never replaced.  A signed handover's manifest is issued once
(under the handover's ``document_id``); a correction is a new handover version with its
own document that names the one it replaces.  A charter manifest is issued again only
when what it says has changed, as the next version of that movement's manifest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import Need, access_document, access_handover, access_movement
from ..document_queries import (
    CHARTER_MANIFEST,
    HANDOVER_MANIFEST,
    STORED_KINDS,
    StoredDocument,
    sha256_hex,
    stored_document,
)
from ..errors import ConflictError, RuleViolation
from ..models import HandoverStatus, ManifestDocument, Movement
from ..outbox import queue_manifest_issued
from ..phrases import N_, Phrase
from ..uow import Tx

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _check_pdf(content: bytes) -> None:
    if not content.startswith(b"%PDF-"):
        raise RuleViolation(Phrase(N_("only a PDF can be issued as a document")))
    if len(content) > MAX_DOCUMENT_BYTES:
        raise RuleViolation(Phrase.of(N_("a document larger than %(most)s bytes is refused"),
                                      most=MAX_DOCUMENT_BYTES))


def _insert(tx: Tx, row: ManifestDocument) -> bool:
    """Insert inside a savepoint: False if another transaction issued the same document
    id first (PostgreSQL lets two first requests race; SQLite serialises writers)."""
    try:
        with tx.session.begin_nested():
            tx.session.add(row)
            tx.session.flush()
    except IntegrityError:
        return False
    return True


def issue_handover_manifest(tx: Tx, handover_id: int, content: bytes) -> StoredDocument:
    """Store the manifest of a signed handover (rendered by the caller from
    :func:`movements.domain.document_queries.handover_doc`).

    Idempotent: if the document was issued already, the stored one is returned and the
    given bytes are dropped, so every copy handed out is the same file.
    """
    handover = access_handover(tx.session, tx.actor, handover_id, Need.SEE)
    if handover.status is not HandoverStatus.SIGNED:
        raise RuleViolation(Phrase(N_("this handover is not signed yet: a draft has no manifest")))
    existing = stored_document(tx.session, handover.document_id)
    if existing is not None:
        return existing
    _check_pdf(content)
    row = ManifestDocument(
        document_id=handover.document_id, kind=HANDOVER_MANIFEST, handover_id=handover.id,
        movement_id=handover.movement_id, sha256=sha256_hex(content),
        # The document is the signed handover: it is issued by the one who handed over,
        # when both signed, whoever first asks for the file.
        issued_at=handover.signed_at or tx.now, issued_by_user_id=handover.handing_user_id,
        content=content)
    if not _insert(tx, row):
        stored = stored_document(tx.session, handover.document_id)
        assert stored is not None
        return stored
    queue_manifest_issued(tx, handover)  # the receiving party hears, in this transaction
    tx.audit("issue_document", "manifest_document", row.id, after={
        "document_id": row.document_id, "kind": row.kind, "handover": handover.id,
        "version": handover.handover_version, "sha256": row.sha256})
    stored = stored_document(tx.session, row.document_id)
    assert stored is not None
    return stored


def issue_charter_manifest(tx: Tx, movement_id: int, document_id: str, content: bytes, *,
                           issued_at: datetime, supersedes_document_id: str | None,
                           source: str) -> StoredDocument:
    """Store a new version of a movement's charter manifest.

    ``supersedes_document_id`` is the newest version the caller rendered against (None
    for the first); if someone issued another version meanwhile the caller must look
    again (409), so two versions never claim to replace the same one.
    """
    movement = access_movement(tx.session, tx.actor, movement_id, Need.SEE)
    # Serialise issues for one movement (PostgreSQL; SQLite's writer lock does it).
    tx.session.execute(select(Movement.id).where(Movement.id == movement.id)
                       .with_for_update())
    newest = tx.session.scalar(select(ManifestDocument.document_id).where(
        ManifestDocument.kind == CHARTER_MANIFEST, ManifestDocument.movement_id == movement.id)
        .order_by(ManifestDocument.id.desc()).limit(1))
    if newest != supersedes_document_id:
        raise ConflictError(Phrase.of(N_("the charter manifest of %(flight)s was issued again "
                                         "meanwhile; ask for it again"),
                                      flight=movement.flight))
    _check_pdf(content)
    if issued_at.tzinfo is None:
        raise RuleViolation(Phrase(N_("issued_at must carry a time zone")))
    row = ManifestDocument(
        document_id=document_id, kind=CHARTER_MANIFEST, movement_id=movement.id,
        sha256=sha256_hex(content), issued_at=issued_at,
        issued_by_user_id=tx.actor.user_id, content=content)
    if not _insert(tx, row):
        raise ConflictError(Phrase.of(N_("document id %(document_id)s is taken"),
                                      document_id=document_id))
    tx.audit("issue_document", "manifest_document", row.id, after={
        "document_id": document_id, "kind": CHARTER_MANIFEST, "movement": movement.id,
        "supersedes": supersedes_document_id, "sha256": row.sha256, "source": source})
    stored = stored_document(tx.session, document_id)
    assert stored is not None
    return stored


def record_download(tx: Tx, document_id: str, *, reason: str = "download") -> StoredDocument:
    """Hand out a stored document: the read of the personal data it holds is audited in
    the same transaction.  Raises NotFound for a document outside the actor's scope."""
    access_document(tx.session, tx.actor, document_id)
    stored = stored_document(tx.session, document_id)
    if stored is None:
        raise RuleViolation(Phrase.of(N_("document %(document_id)s has not been issued"),
                                      document_id=document_id))
    tx.audit("read_document", "manifest_document", stored.id,
             detail=f"{reason}: {stored.kind} {stored.document_id}")
    return stored


def audit_rendered(tx: Tx, kind: str, movement_id: int | None, document_id: str) -> None:
    """A working document (escort briefing, daily report) is not stored; who produced
    which one, and when, is still on record."""
    if kind in STORED_KINDS:
        raise RuleViolation(Phrase.of(N_("%(kind)s is issued, not merely rendered"), kind=kind))
    tx.audit("render_document", "movement" if movement_id is not None else "report",
             movement_id, detail=f"{kind} {document_id}")


def issue_document(tx: Tx, kind: str, content: bytes, *, handover_id: int | None = None,
                   movement_id: int | None = None, document_id: str | None = None,
                   issued_at: datetime | None = None,
                   supersedes_document_id: str | None = None,
                   source: str = "") -> StoredDocument:
    """Issue a rendered document of ``kind`` (one of ``STORED_KINDS``); see the two
    kind-specific actions for the rules."""
    if kind == HANDOVER_MANIFEST:
        if handover_id is None:
            raise RuleViolation(Phrase(N_("a handover manifest names its handover")))
        return issue_handover_manifest(tx, handover_id, content)
    if kind == CHARTER_MANIFEST:
        if movement_id is None or document_id is None:
            raise RuleViolation(Phrase(N_("a charter manifest names its movement and document id")))
        return issue_charter_manifest(
            tx, movement_id, document_id, content, issued_at=issued_at or tx.now,
            supersedes_document_id=supersedes_document_id, source=source)
    raise RuleViolation(Phrase.of(N_("%(kind)s is not a kind of document that is issued"),
                                  kind=repr(kind)))
