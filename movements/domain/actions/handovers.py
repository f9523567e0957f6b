"""Handing passengers to a receiving party.  A signed handover is never edited."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence

from sqlalchemy import select

from ..access import Need, access_handover, access_movement
from ..errors import Problems, RuleViolation
from ..events import HandoverCreated, HandoverDiscarded, HandoverSigned, MilestoneRecorded
from ..input_rules import check_name
from ..models import (
    Booking,
    BookingStatus,
    Handover,
    HandoverStatus,
    Milestone,
    Movement,
    MovementKind,
    Organisation,
    Passenger,
)
from ..phrases import N_, Phrase
from ..release import release_blockers
from ..signatures import dump_strokes, parse_strokes
from ..uow import Tx
from ..vocabulary import MilestoneKey
from ._common import check_version, clean_text, get_or_404, touch

HANDED_OVER = MilestoneKey.HANDED_OVER
CANNOT_RELEASE = N_("cannot release yet: %(why)s. Give an override reason to release anyway "
                    "(it is printed on the manifest)")


def _same_person(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).casefold()
        return " ".join("".join(c for c in s if not unicodedata.combining(c)).split())

    return norm(a) == norm(b)


def live_handovers(tx: Tx, movement_id: int, *, besides: int | None = None
                   ) -> list[Handover]:
    """Handovers of a movement that hold their passengers: every draft, and every signed
    one no signed correction replaces (``besides``: the one being corrected)."""
    rows = list(tx.session.scalars(select(Handover).where(Handover.movement_id == movement_id)
                                   .order_by(Handover.id)))
    replaced = {h.supersedes_id for h in rows
                if h.status is HandoverStatus.SIGNED and h.supersedes_id is not None}
    return [h for h in rows if h.id != besides and h.id not in replaced]


def _check_passengers(tx: Tx, movement: Movement, passenger_ids: Sequence[int],
                      *, besides: int | None = None) -> list[Passenger]:
    """The passengers as rows; refuses one not booked on the movement, not booked any more,
    or already in a draft or a signed handover of it (a correction replaces, so the
    handover it corrects is ``besides``)."""
    if not passenger_ids:
        raise RuleViolation(Phrase(N_("a handover needs at least one passenger")),
                            field="passengers")
    holding: dict[int, Handover] = {}
    for h in live_handovers(tx, movement.id, besides=besides):
        for p in h.passengers:
            holding.setdefault(p.id, h)
    passengers: list[Passenger] = []
    for pid in dict.fromkeys(passenger_ids):
        booking = tx.session.scalar(select(Booking).where(
            Booking.movement_id == movement.id, Booking.passenger_id == pid))
        if booking is None:
            # Never an id, and nothing about someone outside this flight (issue 13.7).
            raise RuleViolation(Phrase.of(
                N_("a chosen passenger is not on %(flight)s: choose from the list"),
                flight=movement.flight), field="passengers")
        if booking.status is not BookingStatus.BOOKED:
            raise RuleViolation(Phrase.of(
                N_("passenger %(initials)s is %(status)s"), initials=booking.passenger.initials,
                status=Phrase(booking.status.value.replace("_", "-"))), field="passengers")
        other = holding.get(pid)
        if other is not None:
            what = Phrase(N_("a draft handover (discard it or sign it)")
                          if other.status is HandoverStatus.DRAFT else
                          N_("a signed handover (issue a correction of it instead)"))
            raise RuleViolation(Phrase.of(
                N_("passenger %(initials)s (%(reference)s) is already in %(what)s: version "
                   "%(version)s to %(organisation)s"), initials=booking.passenger.initials,
                reference=booking.passenger.case.reference, what=what,
                version=str(other.handover_version),
                organisation=other.receiving_organisation.name), field="passengers")
        passengers.append(booking.passenger)
    return passengers


def _check_minors(passengers: list[Passenger], receiving_person: str,
                  receiver_id_checked: str | None) -> None:
    for p in passengers:
        if not p.is_unaccompanied_minor:
            continue
        if not p.release_to_name or not _same_person(p.release_to_name, receiving_person):
            raise RuleViolation(Phrase.of(
                N_("unaccompanied minor %(initials)s (%(reference)s) may be released only to "
                   "the named adult"), initials=p.initials, reference=p.case.reference),
                field="receiving_person")
        if not receiver_id_checked:
            raise RuleViolation(Phrase.of(
                N_("releasing unaccompanied minor %(initials)s needs the receiver's ID checked "
                   "(document type and number)"), initials=p.initials),
                field="receiver_id_checked")


def create_handover(tx: Tx, movement_id: int, organisation_id: int, receiving_person: str,
                    passenger_ids: Sequence[int], *, receiver_id_checked: str | None = None,
                    notes: str | None = None, supersedes: Handover | None = None) -> int:
    movement = access_movement(tx.session, tx.actor, movement_id, Need.WORK)
    organisation = get_or_404(tx, Organisation, organisation_id, "organisation")
    person = clean_text(receiving_person, N_("receiving person"), required=True, max_len=200)
    check_name(Phrase(N_("receiving person")), person, field="receiving_person")
    id_checked = clean_text(receiver_id_checked, N_("receiver ID check"), max_len=200)
    passengers = _check_passengers(tx, movement, passenger_ids,
                                   besides=supersedes.id if supersedes else None)
    _check_minors(passengers, person or "", id_checked)
    handover = Handover(
        document_id=str(uuid.uuid4()), movement=movement,
        receiving_organisation=organisation, receiving_person=person or "",
        receiver_id_checked=id_checked, handing_user_id=tx.actor.user_id, handed_at=tx.now,
        notes=clean_text(notes, N_("notes"), max_len=2000),
        handover_version=(supersedes.handover_version + 1) if supersedes else 1,
        supersedes_id=supersedes.id if supersedes else None,
    )
    handover.passengers = passengers
    tx.session.add(handover)
    tx.session.flush()
    tx.record(HandoverCreated, movement, handover_id=handover.id,
              supersedes_id=handover.supersedes_id)
    # No names in the audit (it outlives the retention purge): the receiving person is
    # on the handover row until then.
    tx.audit("create_handover", "handover", handover.id, after={
        "organisation": organisation.id, "receiver_id_checked": bool(id_checked),
        "passengers": [p.id for p in passengers], "supersedes": handover.supersedes_id})
    return handover.id


def edit_handover(tx: Tx, handover_id: int, expected_version: int | None = None, *,
                  receiving_person: str | None = None, receiver_id_checked: str | None = None,
                  notes: str | None = None) -> None:
    handover = access_handover(tx.session, tx.actor, handover_id, Need.WORK)
    if handover.status is HandoverStatus.SIGNED:
        raise RuleViolation(Phrase(N_("a signed handover is never edited: issue a correction, "
                                      "which becomes a new version naming the one it "
                                      "replaces")))
    check_version(handover, expected_version, "handover")
    before = {"receiving_person": handover.receiving_person,
              "receiver_id_checked": handover.receiver_id_checked, "notes": handover.notes}
    if receiving_person is not None:
        handover.receiving_person = clean_text(receiving_person, N_("receiving person"),
                                               required=True) or ""
        check_name(Phrase(N_("receiving person")), handover.receiving_person,
                   field="receiving_person")
    if receiver_id_checked is not None:
        handover.receiver_id_checked = clean_text(receiver_id_checked, N_("receiver ID check"))
    if notes is not None:
        handover.notes = clean_text(notes, N_("notes"), max_len=2000)
    _check_minors(list(handover.passengers), handover.receiving_person,
                  handover.receiver_id_checked)
    tx.session.flush()
    # Which fields changed, not their text (names: the audit outlives the purge).
    changed = sorted(k for k, v in before.items() if getattr(handover, k) != v)
    tx.audit("edit_handover", "handover", handover.id, after={"changed": changed})


def sign_handover(tx: Tx, handover_id: int, handing_signature: str, receiving_signature: str,
                  expected_version: int | None = None, *,
                  override_reason: str | None = None,
                  handing_strokes: str | None = None,
                  receiving_strokes: str | None = None) -> None:
    """Sign a draft (both sides).  An inbound handover needs the aircraft on blocks and
    every passenger met (``release_blockers``), or ``override_reason``, which is stored
    and printed on the manifest.  Raises RuleViolation with what is missing."""
    handover = access_handover(tx.session, tx.actor, handover_id, Need.WORK)
    check_version(handover, expected_version, "handover")
    if handover.status is HandoverStatus.SIGNED:
        raise RuleViolation(Phrase(N_("this handover is signed already")))
    handing = clean_text(handing_signature, N_("handing signature"), required=True, max_len=200)
    receiving = clean_text(receiving_signature, N_("receiving signature"), required=True,
                           max_len=200)
    # A typed signature is the signer's name: the person-name rule applies (fixe's).
    problems = Problems()
    problems.check(check_name, Phrase(N_("handing signature")), handing,
                   field="handing_signature")
    problems.check(check_name, Phrase(N_("receiving signature")), receiving,
                   field="receiving_signature")
    problems.raise_any()
    _check_minors(list(handover.passengers), handover.receiving_person,
                  handover.receiver_id_checked)
    drawn_handing = parse_strokes(handing_strokes, "handing signature")
    drawn_receiving = parse_strokes(receiving_strokes, "receiving signature")
    blockers = release_blockers(tx.session, handover)
    reason = clean_text(override_reason, N_("override reason"), max_len=500)
    if blockers and not reason:
        raise RuleViolation(Phrase.of(CANNOT_RELEASE, why=tuple(blockers)),
                            field="override_reason")
    # Stored as recorded (English around the person's reason), printed on the manifest.
    handover.release_override = (f"{reason} (released although "
                                 f"{'; '.join(map(str, blockers))})"
                                 if blockers and reason else None)
    handover.status = HandoverStatus.SIGNED
    handover.handing_strokes = dump_strokes(drawn_handing)
    handover.receiving_strokes = dump_strokes(drawn_receiving)
    handover.handing_signature = handing
    handover.receiving_signature = receiving
    handover.signed_at = tx.now
    movement = handover.movement
    if movement.kind is MovementKind.ARRIVAL:
        _tick_handed_over(tx, handover)
    tx.session.flush()
    tx.record(HandoverSigned, movement, handover_id=handover.id)
    tx.audit("sign_handover", "handover", handover.id,
             after={"passengers": [p.id for p in handover.passengers],
                    "override": bool(handover.release_override)})


def discard_handover(tx: Tx, handover_id: int, expected_version: int | None = None) -> int:
    """Discard a draft (nothing was signed, no manifest exists): its passengers are free
    again.  Returns the movement id.  A signed handover is never discarded (correct it)."""
    handover = access_handover(tx.session, tx.actor, handover_id, Need.WORK)
    check_version(handover, expected_version, "handover")
    if handover.status is not HandoverStatus.DRAFT:
        raise RuleViolation(Phrase(N_("a signed handover is never discarded: issue a "
                                      "correction")))
    movement = handover.movement
    after = {"passengers": [p.id for p in handover.passengers],
             "version": handover.handover_version, "supersedes": handover.supersedes_id}
    tx.session.delete(handover)
    tx.session.flush()
    tx.record(HandoverDiscarded, movement, handover_id=handover_id)
    tx.audit("discard_handover", "handover", handover_id, after=after)
    return movement.id


def _tick_handed_over(tx: Tx, handover: Handover) -> None:
    for passenger in handover.passengers:
        booking = tx.session.scalar(select(Booking).where(
            Booking.movement_id == handover.movement_id, Booking.passenger_id == passenger.id))
        if booking is None or any(m.kind == HANDED_OVER for m in booking.milestones):
            continue
        tx.session.add(Milestone(booking=booking, kind=HANDED_OVER, at=tx.now,
                                 by_user_id=tx.actor.user_id))
        touch(booking, "seat")
        tx.record(MilestoneRecorded, handover.movement, passenger_id=passenger.id,
                  milestone=HANDED_OVER)
        tx.audit("record_milestone", "booking", booking.id,
                 after={"milestone": HANDED_OVER, "handover": handover.id})


def correct_handover(tx: Tx, handover_id: int, *, receiving_person: str | None = None,
                     passenger_ids: Sequence[int] | None = None,
                     receiver_id_checked: str | None = None, notes: str | None = None,
                     reason: str, expected_version: int | None = None) -> int:
    """A correction of a signed handover: a new draft version naming what it replaces.

    ``expected_version`` is the handover row's version the person saw (ConflictError 409
    if it moved on); ``reason`` is required and printed as the draft's first note line."""
    old = access_handover(tx.session, tx.actor, handover_id, Need.WORK)
    check_version(old, expected_version, "handover")
    why = clean_text(reason, N_("correction reason"), required=True, max_len=500)
    if old.status is not HandoverStatus.SIGNED:
        raise RuleViolation(Phrase(N_("a draft handover is edited, not corrected")))
    newer = tx.session.scalar(select(Handover.id).where(Handover.supersedes_id == old.id))
    if newer is not None:
        raise RuleViolation(Phrase(N_("this handover is already replaced by a newer version; "
                                      "correct the newest version")))
    new_id = create_handover(
        tx, old.movement_id, old.receiving_organisation_id,
        receiving_person if receiving_person is not None else old.receiving_person,
        passenger_ids if passenger_ids is not None else [p.id for p in old.passengers],
        receiver_id_checked=(receiver_id_checked if receiver_id_checked is not None
                             else old.receiver_id_checked),
        notes=f"Correction of version {old.handover_version}: {why}"
              + (f"\n{notes}" if notes else ""),
        supersedes=old,
    )
    return new_id


def superseding_handover_id(tx_session: object, handover_id: int) -> int | None:
    from sqlalchemy.orm import Session

    assert isinstance(tx_session, Session)
    return tx_session.scalar(select(Handover.id).where(Handover.supersedes_id == handover_id))


def organisation_by_name(tx: Tx, name: str) -> Organisation:
    org = tx.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        raise RuleViolation(Phrase.of(N_("organisation %(name)s does not exist"),
                                      name=repr(name)))
    return org
