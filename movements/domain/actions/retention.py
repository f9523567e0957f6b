"""Retention: personal data goes once the team's care has ended long enough ago.

A passenger is purged when every (not cancelled) booking is on a movement that is over
(marked completed, or departed / arrived per the flight state) and their care ended more
than ``older_than_days`` ago.  Care ends at the latest of: the signature of a handover
that names them, the last step of a leg (departed, boarded onward, handed over), or, for
a no-show, the flight itself.  A passenger whose every booking was cancelled (a telex
dropped them) is done when those flights are over or cancelled.  A passenger with no such
end (never handed over, still being worked) is kept: a coordinator must close the case
first.

Purged means: surname ``PURGED``, no given names, native name, birth date, booking
locator, medical notes, release-to adult, free text on needs, notes, no-show and
override reasons.  What the yearly figures count stays: the SSR codes, the agency's
flags, nationality, sex, the chronic-condition category, bookings and milestone times.

Then everything else that names purged people goes, whoever wrote it and whenever they
were purged (so a run also finishes what an earlier, smaller purge left):

* a handover whose passengers are all purged: receiving person, ID check, notes and the
  receiver's signature become placeholders (the organisation stays for the figures; the
  handing signature stays only when no user account names the issuer, because ``/verify``
  names the issuer from it); its stored manifest loses its bytes but keeps its id, kind,
  hash, issue time and issuer, so ``/verify`` still answers and a copy can still be
  checked against the hash;
* a movement that is over, older than the retention period and with nobody on it still in
  care ("done"): its charter manifests' bytes, its notes, its telex list entries (names,
  locators, remark text; the codes, flights and the count of entries stay), its
  reconciliation decisions, and the raw text of the passenger-list telexes about it (type,
  flight, date, part and outcome stay; the detail keeps only its counts);
* list entries, reconciliation decisions and alerts that name a purged passenger on a
  movement that is not done yet; a case whose members are all purged (its reference may
  be a booking locator or a family name);
* passenger-list telexes that never reached a movement (rejected, pending, duplicates)
  once older than the retention period (and at least a day);
* live-stream replay rows older than ``pruning.STREAM_EVENT_AGE`` and stored write
  replies older than ``pruning.RESPONSE_AGE`` (plus younger ones that name someone
  purged in this run); the payload of a younger stream row about a purged passenger.

Audit entries stay (they are the record of who did what; the actions keep names and
birth dates out of them).  ``purge_personal_data`` does one run in one transaction;
``purge_in_chunks`` (what the jobs run) does the same in bounded transactions so that
gate taps get in between (issue 19.4): the passengers in chunks of ``PURGE_CHUNK`` (each
chunk whole: a passenger is purged with everything of theirs, re-checked in the chunk's
own transaction), then each sweep over the other kinds of rows in its own transaction.
No all-or-nothing is needed: every step leaves a consistent state, and a run stopped
half-way (a crash, a busy database) is finished by the next run, which picks up what is
left.  Either way a run is audited once, as ``purge_personal_data`` with the counts, and
each purged passenger is pushed to the screens that show them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, selectinload

from .. import name_match
from ..errors import PermissionDenied, RuleViolation
from ..events import PassengerPurged
from ..models import (
    Alert,
    Booking,
    BookingStatus,
    Case,
    Handover,
    HandoverPassenger,
    HandoverStatus,
    IdempotentResponse,
    ManifestDocument,
    Movement,
    Note,
    Passenger,
    ReconciliationDecision,
    Role,
    StreamEvent,
    TelexEntry,
    TelexMessage,
)
from ..phrases import N_, Phrase, joined, phrase_data
from ..uow import Actor, Tx, UnitOfWork
from ..vocabulary import FINAL_STEPS, FlightState
from . import pruning
from ._common import require_role

PURGED_SURNAME = "PURGED"
PURGED_NOTE = N_("(removed: retention period ended)")
#: What a stored document's bytes become; its hash, id, kind, issuer and time stay.
PURGED_CONTENT = b""
#: A purged case's reference: ``PURGED-<case id>`` (references are unique).
PURGED_CASE_PREFIX = "PURGED-"
#: The step that ends the team's care on each leg.
#: Flight states after which a leg is over, even if nobody ticked "completed".
OVER_STATES = {FlightState.DEPARTED, FlightState.ARRIVED}
#: A telex that never reached a movement waits at least this long (a part may follow).
UNATTACHED_TELEX_MIN_AGE = timedelta(days=1)
_TELEX_SUMMARY = re.compile(
    r"^(?:parts 1-\d+ assembled; )?(?:PNL|ADL|PTM|PSM) \S+ \(\d+ names? on the list\)[^;]*")


@dataclass(frozen=True, slots=True)
class PurgeSummary:
    purged: int
    kept_in_care: int
    cutoff: datetime
    cases: int = 0
    handovers: int = 0
    documents: int = 0
    notes: int = 0
    telex_messages: int = 0
    telex_entries: int = 0
    decisions: int = 0
    alerts: int = 0
    stream_payloads: int = 0
    stream_events_deleted: int = 0
    responses_deleted: int = 0
    #: Contact rows (numbers, consent) and outbox messages of purged passengers (issue 16).
    contacts: int = 0
    messages: int = 0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k not in ("cutoff", "kept_in_care")}

    @property
    def changed(self) -> bool:
        return any(self.counts().values())


def movement_is_over(movement: Movement) -> bool:
    return movement.completed or movement.flight_state in OVER_STATES


def care_ended_at(passenger: Passenger, signed_at: list[datetime]) -> datetime | None:
    """When the team's care for the passenger ended, or None while it goes on."""
    ends: list[datetime] = list(signed_at)
    active = [b for b in passenger.bookings if b.status is not BookingStatus.CANCELLED]
    if not active:
        # Every booking cancelled (a later telex dropped them): nobody will work them
        # again once those flights are over or cancelled.
        legs = [b.movement for b in passenger.bookings]
        if not legs or not all(movement_is_over(m) or m.flight_state == "CNX" for m in legs):
            return None
        return max([*ends, *(m.best_time for m in legs)])
    for booking in active:
        if not movement_is_over(booking.movement):
            return None
        if booking.status is BookingStatus.NO_SHOW:
            ends.append(booking.movement.best_time)  # nothing more to do for them
        ends.extend(m.at for m in booking.milestones if m.kind in FINAL_STEPS)
    return max(ends) if ends else None


def purge_personal_data(tx: Tx, older_than_days: int, *,
                        stream_events_older_than: timedelta = pruning.STREAM_EVENT_AGE,
                        responses_older_than: timedelta = pruning.RESPONSE_AGE
                        ) -> PurgeSummary:
    require_role(tx, Role.ADMIN)
    cutoff, due, kept = _due(tx.session, tx.now, older_than_days)
    purged = [(p, None) for p in due]
    words = _words_of(p for p, _ in purged)
    notes = sum(_purge(tx, passenger) for passenger, _ in purged)
    tx.session.flush()

    s = tx.session
    counts = {
        "cases": _cases(s),
        "handovers": _handovers(s),
        "documents": _documents(s, cutoff),
        "notes": notes + _notes(s, cutoff),
        "telex_messages": _telex_messages(s, cutoff, tx.now),
        "telex_entries": _telex_entries(s, cutoff),
        "decisions": _decisions(s, cutoff, words),
        "alerts": _alerts(s),
        "stream_events_deleted": pruning.delete_stream_events_before(
            tx, tx.now - stream_events_older_than),
        "responses_deleted": pruning.delete_responses_before(tx, tx.now - responses_older_than)
        + _responses_naming(s, words),
    }
    counts["stream_payloads"] = _stream_payloads(s, cutoff)
    counts["contacts"], counts["messages"] = _contacts_and_messages(
        s, [p.id for p, _ in purged])
    s.flush()
    summary = PurgeSummary(purged=len(purged), kept_in_care=kept, cutoff=cutoff, **counts)
    for passenger, _ in purged:
        for movement in {b.movement.id: b.movement for b in passenger.bookings}.values():
            tx.record(PassengerPurged, movement, passenger_id=passenger.id)
    if summary.changed:
        tx.audit("purge_personal_data", "retention", None, after={
            **summary.counts(), "passengers": sorted(p.id for p, _ in purged),
            "cutoff": cutoff}, detail=f"retention period of {older_than_days} days")
    return summary


#: Passengers purged per transaction by ``purge_in_chunks``.
PURGE_CHUNK = 100


def _due(session: Session, now: datetime, older_than_days: int,
         ids: Sequence[int] | None = None) -> tuple[datetime, list[Passenger], int]:
    """The cutoff, the passengers (of ``ids``, or all) whose care ended before it, and
    how many were kept because it did not."""
    if older_than_days < 0:
        raise RuleViolation(Phrase(N_("the retention period cannot be negative")),
                            field="older_than_days")
    cutoff = now - timedelta(days=older_than_days)
    query = select(Passenger).where(Passenger.purged_at.is_(None)).options(
        selectinload(Passenger.needs),
        selectinload(Passenger.bookings).selectinload(Booking.movement)
        .selectinload(Movement.airport),
        selectinload(Passenger.bookings).selectinload(Booking.milestones))
    signed_query = (select(HandoverPassenger.passenger_id, Handover.signed_at)
                    .join(Handover, Handover.id == HandoverPassenger.handover_id)
                    .where(Handover.status == HandoverStatus.SIGNED,
                           Handover.signed_at.is_not(None)))
    if ids is not None:
        query = query.where(Passenger.id.in_(ids))
        signed_query = signed_query.where(HandoverPassenger.passenger_id.in_(ids))
    signed: dict[int, list[datetime]] = {}
    for passenger_id, signed_at in session.execute(signed_query):
        if signed_at is not None:
            signed.setdefault(passenger_id, []).append(signed_at)
    kept, due = 0, []
    for passenger in session.scalars(query):
        ended = care_ended_at(passenger, signed.get(passenger.id, []))
        if ended is None or ended > cutoff:
            kept += 1
        else:
            due.append(passenger)
    return cutoff, due, kept


def purge_plan(session: Session, now: datetime, older_than_days: int
               ) -> tuple[datetime, list[int], int]:
    """Read only: the cutoff, the ids of the passengers due for the purge (oldest id
    first), and how many are kept in care."""
    cutoff, due, kept = _due(session, now, older_than_days)
    return cutoff, sorted(p.id for p in due), kept


def purge_chunk(tx: Tx, ids: Sequence[int], older_than_days: int) -> dict[str, int]:
    """Purge the passengers of ``ids`` that are still due (checked again here), with
    their notes, contacts, messages, stored replies and decisions naming them; pushes
    each one.  Returns the counts of this chunk (``purged`` among them)."""
    require_role(tx, Role.ADMIN)
    cutoff, due, _ = _due(tx.session, tx.now, older_than_days, ids)
    words = _words_of(due)
    notes = sum(_purge(tx, passenger) for passenger in due)
    tx.session.flush()
    s = tx.session
    contacts, messages = _contacts_and_messages(s, [p.id for p in due])
    counts = {"purged": len(due), "notes": notes, "contacts": contacts,
              "messages": messages, "responses_deleted": _responses_naming(s, words),
              "decisions": _decisions(s, cutoff, words)}
    s.flush()
    for passenger in due:
        for movement in {b.movement.id: b.movement for b in passenger.bookings}.values():
            tx.record(PassengerPurged, movement, passenger_id=passenger.id)
    return counts


def _sweep(tx: Tx, name: str, older_than_days: int, stream_events_older_than: timedelta,
           responses_older_than: timedelta) -> int:
    """One of the sweeps over rows that name purged people (see the module), alone."""
    require_role(tx, Role.ADMIN)
    s, cutoff = tx.session, tx.now - timedelta(days=older_than_days)
    sweeps: dict[str, Callable[[], int]] = {
        "cases": lambda: _cases(s),
        "handovers": lambda: _handovers(s),
        "documents": lambda: _documents(s, cutoff),
        "notes": lambda: _notes(s, cutoff),
        "telex_messages": lambda: _telex_messages(s, cutoff, tx.now),
        "telex_entries": lambda: _telex_entries(s, cutoff),
        "decisions": lambda: _decisions(s, cutoff, set()),
        "alerts": lambda: _alerts(s),
        "stream_events_deleted": lambda: pruning.delete_stream_events_before(
            tx, tx.now - stream_events_older_than),
        "responses_deleted": lambda: pruning.delete_responses_before(
            tx, tx.now - responses_older_than),
        "stream_payloads": lambda: _stream_payloads(s, cutoff),
    }
    done = sweeps[name]()
    s.flush()
    return done


SWEEPS = ("cases", "handovers", "documents", "notes", "telex_messages", "telex_entries",
          "decisions", "alerts", "stream_events_deleted", "responses_deleted",
          "stream_payloads")


def _audit_run(tx: Tx, summary: PurgeSummary, purged_ids: list[int],
               older_than_days: int) -> None:
    require_role(tx, Role.ADMIN)
    if summary.changed:
        tx.audit("purge_personal_data", "retention", None, after={
            **summary.counts(), "passengers": sorted(purged_ids),
            "cutoff": summary.cutoff}, detail=f"retention period of {older_than_days} days")


async def purge_in_chunks(uow: UnitOfWork, actor: Actor, older_than_days: int, *,
                          stream_events_older_than: timedelta = pruning.STREAM_EVENT_AGE,
                          responses_older_than: timedelta = pruning.RESPONSE_AGE,
                          chunk: int = PURGE_CHUNK,
                          after_chunk: Callable[[int, int], Awaitable[None]] | None = None
                          ) -> PurgeSummary:
    """``purge_personal_data`` in bounded transactions (see the module): ``chunk``
    passengers per transaction, then one transaction per sweep, then the audit row.
    ``after_chunk(done, total)`` is awaited after each committed chunk of passengers.
    Raises PermissionDenied for anyone but an admin (or the system), RuleViolation for
    a negative period; a busy database (``Busy``) stops the run where it is (the next
    run goes on from there)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied(Phrase.of(N_("only %(allowed)s may do this; you are %(role)s"),
                                         allowed=Phrase(Role.ADMIN.value),
                                         role=Phrase(actor.role.value.replace("_", " "))))
    cutoff, ids, kept = await uow.read(purge_plan, uow.clock.now(), older_than_days)
    counts: dict[str, int] = {}
    purged_ids: list[int] = []
    for i in range(0, len(ids), chunk):
        part = ids[i:i + chunk]
        for key, value in (await uow.run(purge_chunk, actor, part, older_than_days)).items():
            counts[key] = counts.get(key, 0) + value
        purged_ids += part
        if after_chunk is not None:
            await after_chunk(min(i + chunk, len(ids)), len(ids))
    for name in SWEEPS:
        counts[name] = counts.get(name, 0) + await uow.run(
            _sweep, actor, name, older_than_days, stream_events_older_than,
            responses_older_than)
    purged = counts.pop("purged", 0)
    summary = PurgeSummary(purged=purged, kept_in_care=kept + len(ids) - purged,
                           cutoff=cutoff, **counts)
    await uow.run(_audit_run, actor, summary, purged_ids, older_than_days)
    return summary


def _contacts_and_messages(session: Session, passenger_ids: list[int]) -> tuple[int, int]:
    """Delete the purged passengers' contact rows and every outbox message to them (a
    number is personal data; the attempts and provider ids go with their message)."""
    from ..outbox_models import Contact, OutboxAttempt, OutboxMessage, ProviderRef

    if not passenger_ids:
        return 0, 0
    contact_ids = list(session.scalars(select(Contact.id).where(
        Contact.passenger_id.in_(passenger_ids))))
    if contact_ids:
        session.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
    ids = list(session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.passenger_id.in_(passenger_ids))))
    if ids:
        session.execute(delete(OutboxAttempt).where(OutboxAttempt.message_id.in_(ids)))
        session.execute(delete(ProviderRef).where(ProviderRef.message_id.in_(ids)))
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(contact_ids), len(ids)


def document_content_removed(session: Session, document_id: str) -> bool:
    """True when an issued document's bytes were deleted under the retention policy (its
    id, hash, issuer and time are still on record)."""
    size = session.scalar(select(func.length(ManifestDocument.content)).where(
        ManifestDocument.document_id == document_id))
    return size is not None and int(size) == len(PURGED_CONTENT)


# -- the passenger ------------------------------------------------------------------------

def _purge(tx: Tx, passenger: Passenger) -> int:
    """Blank the passenger's own rows; returns how many notes about them were blanked."""
    passenger.surname = PURGED_SURNAME
    passenger.given_names = ""
    passenger.native_name = None
    passenger.birth_date = None
    passenger.medical_notes = None
    passenger.release_to_name = None
    passenger.release_to_relation = None
    passenger.booking_locator = None
    passenger.purged_at = tx.now
    for need in passenger.needs:
        need.text = None  # the code stays: aggregates count codes
    for booking in passenger.bookings:
        if booking.no_show_reason:
            booking.no_show_reason = PURGED_NOTE  # the status stays: no-shows are counted
        for milestone in booking.milestones:
            if milestone.override_reason:
                milestone.override_reason = PURGED_NOTE
    notes = list(tx.session.scalars(select(Note).where(Note.passenger_id == passenger.id,
                                                       Note.text != PURGED_NOTE)))
    for note in notes:
        note.text = PURGED_NOTE
    return len(notes)


def _words_of(passengers: Iterable[Passenger]) -> set[str]:
    """The folded names and locators of the passengers purged in this run, to find them
    in free text that no key ties to them."""
    words: set[str] = set()
    for p in passengers:
        for value in (p.surname, p.given_names, p.native_name, p.booking_locator,
                      p.release_to_name):
            folded = name_match.fold(value)
            if len(folded) >= 3:
                words.add(folded)
            words.update(w for w in name_match.fold_words(value) if len(w) >= 4)
        if p.birth_date is not None:
            words.add(name_match.fold(p.birth_date.isoformat()))
    return words


def _names_someone(text: str | None, words: set[str]) -> bool:
    if not text or not words:
        return False
    folded = name_match.fold(text)
    return any(w in folded for w in words)


# -- what the retention decides on, as SQL --------------------------------------------------

def _in_care_on(movement_id: Any) -> ColumnElement[bool]:
    """Someone booked on the movement (any status) is not purged yet."""
    return select(Booking.id).join(Passenger, Passenger.id == Booking.passenger_id).where(
        Booking.movement_id == movement_id, Passenger.purged_at.is_(None)).exists()


def _done(movement_id: Any, cutoff: datetime) -> ColumnElement[bool]:
    """The movement is over, older than the retention period, and nobody on it is still
    in care: whatever free text it carries goes."""
    over = select(Movement.id).where(
        Movement.id == movement_id, Movement.scheduled_at < cutoff,
        or_(Movement.completed.is_(True), Movement.flight_state.in_(OVER_STATES))).exists()
    return and_(movement_id.is_not(None), over, ~_in_care_on(movement_id))


def _purged(passenger_id: Any) -> ColumnElement[bool]:
    return select(Passenger.id).where(Passenger.id == passenger_id,
                                      Passenger.purged_at.is_not(None)).exists()


def _all_handed_purged(handover_id: Any) -> ColumnElement[bool]:
    """The handover names passengers, and every one of them is purged."""
    named = select(HandoverPassenger.passenger_id).where(
        HandoverPassenger.handover_id == handover_id).exists()
    in_care = select(HandoverPassenger.passenger_id).join(
        Passenger, Passenger.id == HandoverPassenger.passenger_id).where(
        HandoverPassenger.handover_id == handover_id, Passenger.purged_at.is_(None)).exists()
    return and_(named, ~in_care)


def _rowcount(result: object) -> int:
    assert isinstance(result, CursorResult)
    return max(int(result.rowcount or 0), 0)


# -- each kind of row -----------------------------------------------------------------------

def _cases(s: Session) -> int:
    rows = list(s.scalars(select(Case).where(
        ~Case.reference.startswith(PURGED_CASE_PREFIX),
        select(Passenger.id).where(Passenger.case_id == Case.id).exists(),
        ~select(Passenger.id).where(Passenger.case_id == Case.id,
                                    Passenger.purged_at.is_(None)).exists())))
    for case in rows:
        case.reference = f"{PURGED_CASE_PREFIX}{case.id}"
    return len(rows)


def _handovers(s: Session) -> int:
    rows = list(s.scalars(select(Handover).where(
        Handover.receiving_person != PURGED_NOTE, _all_handed_purged(Handover.id))))
    for h in rows:
        h.receiving_person = PURGED_NOTE
        h.receiver_id_checked = PURGED_NOTE if h.receiver_id_checked else None
        h.notes = PURGED_NOTE if h.notes else None
        h.receiving_signature = PURGED_NOTE if h.receiving_signature else None
        if h.handing_user_id is not None and h.handing_signature:
            # The issuer is named from the user account; without one, the signature is
            # the only name /verify can give as the issuer (a staff member, not a
            # passenger), so it stays.
            h.handing_signature = PURGED_NOTE
    return len(rows)


def _documents(s: Session, cutoff: datetime) -> int:
    """Bulk update: the bytes are never loaded."""
    handed = and_(ManifestDocument.handover_id.is_not(None),
                  _all_handed_purged(ManifestDocument.handover_id))
    charter = and_(ManifestDocument.handover_id.is_(None),
                   _done(ManifestDocument.movement_id, cutoff))
    return _rowcount(s.execute(
        update(ManifestDocument)
        .where(func.length(ManifestDocument.content) > len(PURGED_CONTENT),
               or_(handed, charter))
        .values(content=PURGED_CONTENT)
        .execution_options(synchronize_session=False)))


def _notes(s: Session, cutoff: datetime) -> int:
    rows = list(s.scalars(select(Note).where(
        Note.text != PURGED_NOTE,
        or_(_done(Note.movement_id, cutoff),
            and_(Note.passenger_id.is_not(None), _purged(Note.passenger_id))))))
    for note in rows:
        note.text = PURGED_NOTE
    return len(rows)


def _telex_messages(s: Session, cutoff: datetime, now: datetime) -> int:
    unattached_before = min(cutoff, now - UNATTACHED_TELEX_MIN_AGE)
    rows = list(s.scalars(select(TelexMessage).where(
        TelexMessage.raw != "",
        or_(TelexMessage.message_type.is_(None), TelexMessage.message_type != "MVT"),
        TelexMessage.received_at < cutoff,
        or_(_done(TelexMessage.movement_id, cutoff),
            and_(TelexMessage.movement_id.is_(None),
                 TelexMessage.received_at < unattached_before)))))
    for row in rows:
        row.raw = ""
        kept = _TELEX_SUMMARY.match(row.detail or "")
        row.detail = f"{kept.group(0)}; {PURGED_NOTE}" if kept else PURGED_NOTE
        row.detail_phrase = _purged_phrase(row.detail_phrase)
    return len(rows)


#: The parts of a telex's stored outcome phrase that name no one (what the list was,
#: its counts, its assembly), kept by the purge like ``_TELEX_SUMMARY`` keeps its English.
_SUMMARY_KEYS = frozenset((
    N_("parts 1-%(last)s assembled"), N_("%(list)s: %(done)s"),
    N_("%(kind)s %(flight)s (%(count)s name on the list)"),
    N_("%(kind)s %(flight)s (%(count)s names on the list)")))


def _flat(phrase: Phrase) -> list[Phrase]:
    # A telex outcome is nested ``joined`` phrases (summary and notes, then PDM, then
    # the assembly): their parts in order.
    if phrase.key == "%(parts)s":
        return [q for _, v in phrase.args if isinstance(v, tuple) for p in v for q in _flat(p)]
    return [phrase]


def _purged_phrase(data: str | None) -> str:
    """The outcome phrase of a purged telex: the parts naming no one, then the purge
    note (every other value, a name in a note or a refusal, goes)."""
    kept: list[Phrase] = []
    if data:
        try:
            kept = [p for p in _flat(Phrase.from_data(json.loads(data)))
                    if p.key in _SUMMARY_KEYS]
        except (ValueError, KeyError, TypeError, AttributeError):
            kept = []
    return phrase_data(joined(*kept, Phrase(PURGED_NOTE)))


def _telex_entries(s: Session, cutoff: datetime) -> int:
    rows = list(s.scalars(select(TelexEntry).where(
        TelexEntry.surname != PURGED_SURNAME,
        or_(_done(TelexEntry.movement_id, cutoff),
            and_(TelexEntry.passenger_id.is_not(None), _purged(TelexEntry.passenger_id))))))
    for e in rows:
        e.surname = PURGED_SURNAME
        e.given_name = None
        e.locator = None
        e.birth_date = None
        e.lap_of = None
        e.group_key = f"L{e.line_no}"  # a PTM's group key carries the surname
        e.remarks = [[str(code), ""] for code, *_ in e.remarks]
    return len(rows)


def _decisions(s: Session, cutoff: datetime, words: set[str]) -> int:
    """On a done movement all go; elsewhere those whose key names a purged passenger
    (or their booking), or whose text names someone purged in this run."""
    rows = list(s.scalars(select(ReconciliationDecision).where(
        ReconciliationDecision.summary != PURGED_NOTE,
        or_(_done(ReconciliationDecision.movement_id, cutoff),
            select(Booking.id).join(Passenger, Passenger.id == Booking.passenger_id).where(
                Booking.movement_id == ReconciliationDecision.movement_id,
                Passenger.purged_at.is_not(None)).exists()))))
    if not rows:
        return 0
    done_ids = set(s.scalars(select(Movement.id).where(
        Movement.id.in_({r.movement_id for r in rows}), _done(Movement.id, cutoff))))
    purged_ids = set(s.scalars(select(Passenger.id).where(Passenger.purged_at.is_not(None),
                                                          Passenger.id.in_(_key_ids(rows)))))
    purged_bookings = set(s.scalars(select(Booking.id).join(
        Passenger, Passenger.id == Booking.passenger_id).where(
        Passenger.purged_at.is_not(None), Booking.id.in_(_key_ids(rows)))))
    changed = 0
    for row in rows:
        kind, _, rest = row.key.partition(":")
        first = rest.split(":", 1)[0]
        ref = int(first) if first.isdigit() else None
        names_purged = (kind == "no_show" and ref in purged_bookings) or (
            kind in ("onward", "needs") and ref in purged_ids)
        if row.movement_id in done_ids or names_purged or \
                _names_someone(row.summary, words) or _names_someone(row.key, words):
            row.key = f"{kind}:purged:{row.id}"[:300]
            row.summary = PURGED_NOTE
            changed += 1
    return changed


def _key_ids(rows: list[ReconciliationDecision]) -> set[int]:
    ids: set[int] = set()
    for row in rows:
        first = row.key.partition(":")[2].split(":", 1)[0]
        if first.isdigit():
            ids.add(int(first))
    return ids


def _alerts(s: Session) -> int:
    """Alert texts name a passenger by initials and case (alert_rules._pax):
    ``AB (case AMS-1)`` becomes ``a passenger``; texts of earlier versions,
    ``AB (passenger 7)``, become ``passenger 7``."""
    rows = list(s.scalars(select(Alert).where(
        Alert.passenger_id.is_not(None), _purged(Alert.passenger_id),
        or_(Alert.message.contains(" (passenger "), Alert.message.contains(" (case ")))))
    changed = 0
    for alert in rows:
        text = re.sub(rf"\S+ \(passenger {alert.passenger_id}\)",
                      f"passenger {alert.passenger_id}", alert.message)
        text = re.sub(r"\S+ \(case [^)]*\)", "a passenger", text, count=1)
        if text != alert.message:
            alert.message = text
            alert.message_phrase = None  # read back from the text (alerts.message_keys)
            changed += 1
    return changed


def _responses_naming(s: Session, words: set[str]) -> int:
    """Stored replies younger than the pruning age that show someone purged now."""
    if not words:
        return 0
    gone = 0
    for row in list(s.scalars(select(IdempotentResponse))):
        if _names_someone(row.body, words):
            s.delete(row)
            gone += 1
    return gone


def _stream_payloads(s: Session, cutoff: datetime) -> int:
    """Replay rows still kept (younger than the pruning age) about a purged passenger or a
    done movement keep their sequence number and kind (replay needs only those) but lose
    their payload (a no-show reason, a case reference)."""
    rows = list(s.scalars(select(StreamEvent).where(or_(
        and_(StreamEvent.passenger_id.is_not(None), _purged(StreamEvent.passenger_id)),
        _done(StreamEvent.movement_id, cutoff)))))
    changed = 0
    for row in rows:
        if row.payload:
            row.payload = {}
            changed += 1
    return changed


__all__ = ["PURGED_CONTENT", "PURGED_NOTE", "PURGED_SURNAME", "PURGE_CHUNK", "SWEEPS",
           "PurgeSummary", "care_ended_at", "document_content_removed", "movement_is_over",
           "purge_chunk", "purge_in_chunks", "purge_personal_data", "purge_plan"]

