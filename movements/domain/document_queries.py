"""Read models for the printed documents, built from the store.

Each function takes a sync ``Session`` (run it through ``UnitOfWork.read``) and returns a
read model of :mod:`movements.domain.documents`, which the PDF edge turns into bytes.
Two rules hold here, because the builders trust their input:

* **Local time.**  Every ``*_local`` value is converted to the airport's zone
  (``Airport.timezone``) and stays aware, so the PDF prints the zone (``CEST``).
* **The minimum on paper.**  A document for a receiving party carries only the SSR codes
  the receiver must act on (printed with ``receiver_action``).  ``medical_notes``, the
  chronic-condition category, the free text next to an SSR code and the
  trafficking flag never enter a read model: ``DocPassenger.health_notes`` stays empty.

The stored copies of issued documents (``ManifestDocument``) are read here too: for the
handover page, the verify page and the re-download of an issued document.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from . import milestones as steps
from .access import handovers_visible
from .documents import (
    CharterManifestDoc,
    DailyReportDoc,
    DocMovement,
    DocPassenger,
    EscortBriefingDoc,
    EscortOnBoard,
    ExceptionEntry,
    HandoverDoc,
    LaneCount,
    NoShowEntry,
)
from .errors import NotFound, RuleViolation, not_found
from .models import (
    Airport,
    Alert,
    AuditEntry,
    Booking,
    BookingStatus,
    EscortAssignment,
    EscortKind,
    Handover,
    HandoverStatus,
    ManifestDocument,
    Movement,
    MovementKind,
    Note,
    Organisation,
    OrganisationKind,
    Passenger,
    Role,
    Transit,
    User,
)
from .phrases import N_, Phrase, stored_phrase
from .signatures import parse_strokes
from .ssr import SSR_CODES, NeedGroup
from .uow import Actor

HANDOVER_MANIFEST = "handover_manifest"
CHARTER_MANIFEST = "charter_manifest"
#: Kinds of document that are stored when issued (and can be verified).
STORED_KINDS = (HANDOVER_MANIFEST, CHARTER_MANIFEST)
KIND_LABELS = {HANDOVER_MANIFEST: "Handover manifest", CHARTER_MANIFEST: "Charter manifest"}

DEFAULT_AGENCY = "Migration agency \u00b7 Airport operations team"
ROLE_WORDS = {Role.GATE_STAFF: N_("gate staff"), Role.COORDINATOR: N_("coordinator"),
              Role.RECEPTION: N_("reception"), Role.ADMIN: N_("admin"),
              Role.MANAGER: N_("manager")}
LANE_OF = {MovementKind.DEPARTURE: "departure", MovementKind.ARRIVAL: "arrival",
           MovementKind.TRANSIT_IN: "transit", MovementKind.TRANSIT_OUT: "transit"}
NEED_GROUP_ORDER = (NeedGroup.STRETCHER_OXYGEN, NeedGroup.MEDICAL, NeedGroup.MINOR,
                    NeedGroup.WHEELCHAIR, NeedGroup.ESCORT, NeedGroup.COMMUNICATION,
                    NeedGroup.MEET_ASSIST, NeedGroup.FAMILY)


def verify_url(public_url: str, document_id: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{document_id}"


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --------------------------------------------------------------------------- helpers

def _local(when: datetime | None, tz: str) -> datetime | None:
    return when.astimezone(ZoneInfo(tz)) if when is not None else None


def _user(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


PERSON = N_("%(name)s (%(role)s)")
AIRPORT_TEAM = N_("the airport team")
ESCORT_OF_KIND = {EscortKind.MEDICAL: N_("medical escort"),
                  EscortKind.OPERATIONAL: N_("operational escort")}


def person_label(user: User | None, fallback: str) -> Phrase:
    """``Sanne de Wit (gate staff)`` as a phrase (the role word is translated where the
    document is drawn); the fallback (a msgid or a signed name) when nobody is on
    record."""
    if user is None:
        return Phrase(fallback)
    return Phrase.of(PERSON, name=user.display_name, role=Phrase(ROLE_WORDS[user.role]))


def _agency_name(user: User | None) -> str:
    org = user.organisation if user is not None else None
    if org is not None and org.kind is OrganisationKind.AGENCY_TEAM:
        return org.name
    return DEFAULT_AGENCY


def _airport_name(airport: Airport) -> str:
    return f"{airport.name} ({airport.iata})"


def _onward_flight(session: Session, m: Movement) -> str | None:
    if m.kind is not MovementKind.TRANSIT_IN:
        return None
    link = session.scalar(select(Transit).where(Transit.inbound_movement_id == m.id))
    return link.onward.flight if link is not None else None


def doc_movement(session: Session, m: Movement) -> DocMovement:
    """The flight as printed; times local to the movement's airport."""
    tz = m.airport.timezone
    # Some plans list the final destination among the stops; print it once.
    stops = tuple(s.airport_code for s in m.stops
                  if s.airport_code not in (m.origin, m.destination))
    aircraft = " ".join(x for x in (m.aircraft_registration, m.aircraft_type) if x) or None
    here = m.airport.iata
    return DocMovement(
        flight=m.flight, operational_date=m.operational_date, origin=m.origin,
        destination=m.destination, kind=LANE_OF[m.kind],
        scheduled_local=_local(m.scheduled_at, tz), actual_local=_local(m.actual_at, tz),
        terminal=m.terminal, gate=m.gate, is_charter=m.is_charter, stops=stops,
        origin_name=m.airport.name if m.origin == here else None,
        destination_name=m.airport.name if m.destination == here else None,
        onward_flight=_onward_flight(session, m), aircraft=aircraft,
    )


def receiver_codes(p: Passenger) -> tuple[str, ...]:
    """The SSR codes a receiving party must act on (those with a receiver action)."""
    return tuple(dict.fromkeys(
        c for c in p.codes if c in SSR_CODES and SSR_CODES[c].receiver_action))


def _release_to(p: Passenger) -> str | None:
    if not p.release_to_name:
        return None
    return (f"{p.release_to_name} ({p.release_to_relation})" if p.release_to_relation
            else p.release_to_name)


def _stop(b: Booking | None, m: Movement) -> str | None:
    if b is None or not b.stop or b.stop == m.destination:
        return None
    return b.stop


def doc_passenger(p: Passenger, m: Movement, b: Booking | None, *,
                  codes: tuple[str, ...] | None = None,
                  escort_note: str | None = None) -> DocPassenger:
    """One passenger as printed.  Never carries health text (see the module doc)."""
    return DocPassenger(
        case_ref=p.case.reference, surname=p.surname, given_names=p.given_names,
        native_name=p.native_name, birth_date=p.birth_date, sex=p.sex,
        nationality=p.nationality or "",
        ssr_codes=codes if codes is not None else tuple(
            c for c in dict.fromkeys(p.codes) if c in SSR_CODES),
        seat=b.seat if b is not None else None, stop=_stop(b, m), escort_note=escort_note,
        unaccompanied_minor=p.is_unaccompanied_minor, release_to=_release_to(p),
    )


def _active_bookings(session: Session, movement_id: int) -> list[Booking]:
    """Booked passengers (no-shows and cancellations are not on a manifest), by case."""
    rows = session.scalars(
        select(Booking).where(Booking.movement_id == movement_id,
                              Booking.status == BookingStatus.BOOKED)
        .options(selectinload(Booking.passenger).selectinload(Passenger.needs),
                 selectinload(Booking.passenger).selectinload(Passenger.case)))
    return sorted(rows, key=lambda b: (b.passenger.case.reference, b.passenger.id))


def _movement(session: Session, movement_id: int) -> Movement:
    m = session.scalar(select(Movement).where(Movement.id == movement_id).options(
        selectinload(Movement.airport), selectinload(Movement.stops)))
    if m is None:
        raise not_found("movement")
    return m


def _escorts(session: Session, movement_id: int) -> list[EscortAssignment]:
    return list(session.scalars(select(EscortAssignment).where(
        EscortAssignment.movement_id == movement_id).order_by(EscortAssignment.id)))


def _crew(session: Session, movement_id: int) -> tuple[EscortOnBoard, ...]:
    """Escorts and medical staff planned on a charter (issue 14), with their stops."""
    from .planning_queries import crew_on_board

    return tuple(EscortOnBoard(name, role, phone)
                 for name, role, phone in crew_on_board(session, movement_id))


def _escorts_on_board(rows: list[EscortAssignment]) -> tuple[EscortOnBoard, ...]:
    seen: dict[tuple[str, EscortKind], EscortOnBoard] = {}
    for e in rows:
        seen.setdefault((e.escort_name, e.kind),
                        EscortOnBoard(e.escort_name, Phrase(ESCORT_OF_KIND[e.kind])))
    return tuple(seen.values())


# --------------------------------------------------------------------------- handover

def handover_for(session: Session, handover_id: int) -> Handover:
    h = session.get(Handover, handover_id)
    if h is None:
        raise not_found("handover")
    return h


def handover_doc(session: Session, handover_id: int, *, public_url: str) -> HandoverDoc:
    """The handover manifest of a signed handover, as issued when it was signed.

    Its issuer is the staff member who handed over and its issue time the signature, so
    the document does not depend on who first asks for it.
    """
    h = handover_for(session, handover_id)
    if h.status is not HandoverStatus.SIGNED:
        raise RuleViolation(
            Phrase(N_("this handover is not signed yet: a manifest is issued only for a signed "
                      "handover (a draft has none)")))
    m = _movement(session, h.movement_id)
    tz = m.airport.timezone
    if not h.passengers:
        raise RuleViolation(Phrase.of(N_("handover %(id)s has no passengers"), id=h.id))
    bookings = {b.passenger_id: b for b in session.scalars(select(Booking).where(
        Booking.movement_id == m.id, Booking.passenger_id.in_([p.id for p in h.passengers])))}
    passengers = tuple(
        doc_passenger(p, m, bookings.get(p.id), codes=receiver_codes(p))
        for p in sorted(h.passengers, key=lambda p: (p.case.reference, p.id)))
    handing = _user(session, h.handing_user_id)
    old = h.supersedes
    lines = [ln.strip() for ln in (h.notes or "").splitlines() if ln.strip()]
    correction = None
    if old is not None and lines and lines[0].startswith("Correction of version"):
        correction = lines.pop(0).split(":", 1)[-1].strip() or None
    return HandoverDoc(
        document_id=h.document_id, version=h.handover_version,
        supersedes_document_id=old.document_id if old is not None else None,
        supersedes_version=old.handover_version if old is not None else None,
        issued_at_local=_local(h.signed_at or h.handed_at, tz),  # type: ignore[arg-type]
        issued_by=person_label(handing, h.handing_signature or AIRPORT_TEAM),
        agency_name=_agency_name(handing), airport_name=_airport_name(m.airport),
        movement=doc_movement(session, m),
        receiving_party=h.receiving_organisation.name,
        receiving_person=h.receiving_person,
        handing_person=h.handing_signature or (handing.display_name if handing else ""),
        passengers=passengers, escort_notes=tuple(lines),
        verify_url=verify_url(public_url, h.document_id),
        handed_over_at_local=_local(h.handed_at, tz),
        correction_note=correction, receiver_id_checked=h.receiver_id_checked,
        release_override=h.release_override,
        handing_strokes=parse_strokes(h.handing_strokes, "handing signature"),
        receiving_strokes=parse_strokes(h.receiving_strokes, "receiving signature"),
    )


# --------------------------------------------------------------------------- movements

def charter_doc(session: Session, movement_id: int, *, document_id: str, version: int,
                supersedes_document_id: str | None, issued_at: datetime,
                issued_by_user_id: int | None, public_url: str) -> CharterManifestDoc:
    m = _movement(session, movement_id)
    if not m.is_charter:
        raise RuleViolation(Phrase.of(N_("%(flight)s on %(operational_date)s is not a charter "
                                         "flight: use the escort briefing or the handover "
                                         "manifest"),
                                      flight=m.flight, operational_date=str(m.operational_date)))
    bookings = _active_bookings(session, m.id)
    if not bookings:
        raise RuleViolation(Phrase.of(N_("%(flight)s on %(operational_date)s has no passengers"),
                                      flight=m.flight, operational_date=str(m.operational_date)))
    issuer = _user(session, issued_by_user_id)
    return CharterManifestDoc(
        document_id=document_id, version=version,
        supersedes_document_id=supersedes_document_id,
        issued_at_local=_local(issued_at, m.airport.timezone),  # type: ignore[arg-type]
        issued_by=person_label(issuer, AIRPORT_TEAM),
        agency_name=_agency_name(issuer), airport_name=_airport_name(m.airport),
        movement=doc_movement(session, m),
        passengers=tuple(doc_passenger(b.passenger, m, b) for b in bookings),
        escorts=_escorts_on_board(_escorts(session, m.id)) + _crew(session, m.id),
        verify_url=verify_url(public_url, document_id),
    )


def charter_source(doc: CharterManifestDoc) -> str:
    """A fingerprint of what a charter manifest says (not of when or by whom it was
    issued): the same passengers and escorts give the same fingerprint, so asking again
    returns the document already issued instead of a new version."""
    body = repr((doc.movement, doc.passengers, doc.escorts))
    return sha256_hex(body.encode())


def _escort_note(p: Passenger, assigned: list[EscortAssignment]) -> str | None:
    parts: list[str] = []
    mine = [e for e in assigned if e.passenger_id == p.id]
    kinds = {e.kind for e in mine}
    if p.medical_escort_required and EscortKind.MEDICAL not in kinds:
        parts.append("medical escort required, none assigned yet")
    if p.operational_escort_required and not mine:
        parts.append("operational escort required, none assigned yet")
    for e in mine:
        parts.append(f"{e.kind.value} escort: {e.escort_name}")
    return "; ".join(parts) or None


def briefing_doc(session: Session, movement_id: int, *, issued_at: datetime,
                 issued_by_user_id: int | None) -> EscortBriefingDoc:
    """The team's escort briefing: a working document, rendered fresh on each request
    (not stored, so it carries no verification code)."""
    m = _movement(session, movement_id)
    bookings = _active_bookings(session, m.id)
    if not bookings:
        raise RuleViolation(Phrase.of(N_("%(flight)s on %(operational_date)s has no passengers"),
                                      flight=m.flight, operational_date=str(m.operational_date)))
    assigned = _escorts(session, m.id)
    issuer = _user(session, issued_by_user_id)
    notes = tuple(n.text for n in session.scalars(select(Note).where(
        Note.movement_id == m.id, Note.passenger_id.is_(None)).order_by(Note.id)))
    tz = m.airport.timezone
    stamp = _local(issued_at, tz)
    assert stamp is not None
    return EscortBriefingDoc(
        document_id=f"EB-{m.airport.iata}-{m.operational_date:%Y%m%d}-{m.flight}-"
                    f"{stamp:%H%M}",
        version=1, issued_at_local=stamp,
        issued_by=person_label(issuer, AIRPORT_TEAM),
        agency_name=_agency_name(issuer), airport_name=_airport_name(m.airport),
        movement=doc_movement(session, m),
        passengers=tuple(doc_passenger(b.passenger, m, b,
                                       escort_note=_escort_note(b.passenger, assigned))
                         for b in bookings),
        escorts=_escorts_on_board(assigned) + _crew(session, m.id), notes=notes,
    )


# --------------------------------------------------------------------------- daily

def _groups(p: Passenger) -> set[NeedGroup]:
    groups: set[NeedGroup] = set()
    for code in p.codes:
        if code in SSR_CODES:
            groups |= SSR_CODES[code].groups
    if p.medical_escort_required or p.chronic_condition is not None:
        groups.add(NeedGroup.MEDICAL)
    if p.medical_escort_required or p.operational_escort_required:
        groups.add(NeedGroup.ESCORT)
    if p.is_unaccompanied_minor:
        groups.add(NeedGroup.MINOR)
    return groups


def daily_doc(session: Session, airport_code: str, day: date, *, issued_at: datetime,
              issued_by_user_id: int | None) -> DailyReportDoc:
    """The day's figures for one airport (counts, no health detail); not stored."""
    airport = session.scalar(select(Airport).where(Airport.iata == airport_code.upper()))
    if airport is None:
        raise NotFound(Phrase.of(N_("airport %(airport_code)s is not set up"),
                                 airport_code=repr(airport_code)))
    movements = list(session.scalars(
        select(Movement).where(Movement.airport_id == airport.id,
                               Movement.operational_date == day)
        .options(selectinload(Movement.bookings).selectinload(Booking.milestones),
                 selectinload(Movement.bookings).selectinload(Booking.passenger)
                 .selectinload(Passenger.needs),
                 selectinload(Movement.bookings).selectinload(Booking.passenger)
                 .selectinload(Passenger.case))
        .order_by(Movement.scheduled_at, Movement.id)))
    onward_linked = set(session.scalars(select(Transit.onward_movement_id).where(
        Transit.onward_movement_id.in_([m.id for m in movements]))))
    lanes: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in ("departure", "transit",
                                                             "arrival")}
    groups: Counter[NeedGroup] = Counter()
    no_shows: list[NoShowEntry] = []
    split_cases: dict[str, Movement] = {}
    for m in movements:
        if m.kind is MovementKind.TRANSIT_OUT and m.id in onward_linked:
            continue  # counted with its inbound leg: one transit, one passenger
        counts = lanes[LANE_OF[m.kind]]
        counts[0] += 1
        sequence = steps.sequence_for(m.kind)
        final = sequence[-1].key if sequence else None
        for b in m.bookings:
            if b.status is BookingStatus.CANCELLED:
                continue
            p = b.passenger
            counts[1] += 1
            if b.status is BookingStatus.NO_SHOW:
                counts[3] += 1
                no_shows.append(NoShowEntry(
                    p.case.reference, f"{p.surname.upper()}, {p.given_names}".strip(", "),
                    m.flight, b.no_show_reason or N_("no reason recorded")))
                continue
            if final and any(x.kind == final for x in b.milestones):
                counts[2] += 1
            groups.update(_groups(p) - {NeedGroup.NOT_AGENCY})
            if p.case.split_flagged:
                split_cases.setdefault(p.case.reference, m)
    tz = airport.timezone
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    alerts = session.scalars(select(Alert).where(
        Alert.airport_id == airport.id, Alert.raised_at >= start,
        Alert.raised_at < start + timedelta(days=1)).order_by(Alert.raised_at, Alert.id))
    flights = {m.id: m.flight for m in movements}
    from .actions.alerts import message_keys

    exceptions = [ExceptionEntry(_local(a.raised_at, tz), flights.get(a.movement_id or -1),
                                 stored_phrase(a.message_phrase, a.message, message_keys()))
                  for a in alerts]
    exceptions += [ExceptionEntry(None, m.flight, N_("Case travels split across flights"),
                                  ref) for ref, m in split_cases.items()]
    issuer = _user(session, issued_by_user_id)
    stamp = _local(issued_at, tz)
    assert stamp is not None
    return DailyReportDoc(
        document_id=f"DR-{airport.iata}-{day:%Y%m%d}", report_date=day,
        issued_at_local=stamp, issued_by=person_label(issuer, AIRPORT_TEAM),
        agency_name=_agency_name(issuer), airport_name=_airport_name(airport),
        lanes=tuple(LaneCount(k, *v) for k, v in lanes.items()),
        need_groups=tuple((g, groups[g]) for g in NEED_GROUP_ORDER if groups[g]),
        exceptions=tuple(exceptions), no_shows=tuple(no_shows),
    )


# --------------------------------------------------------------------------- stored

@dataclass(frozen=True, slots=True)
class StoredDocument:
    """An issued document as stored: its bytes are what was handed out."""

    id: int
    document_id: str
    kind: str
    version: int
    handover_id: int | None
    movement_id: int | None
    sha256: str
    issued_at: datetime
    issued_by: str | Phrase  # "name (role)", translated where shown
    content: bytes = b""


def _version_of(session: Session, row: ManifestDocument) -> int:
    if row.handover_id is not None:
        h = session.get(Handover, row.handover_id)
        return h.handover_version if h is not None else 1
    earlier = session.scalar(select(func.count(ManifestDocument.id)).where(
        ManifestDocument.kind == row.kind, ManifestDocument.movement_id == row.movement_id,
        ManifestDocument.id < row.id))
    return int(earlier or 0) + 1


def _issuer(session: Session, row: ManifestDocument) -> Phrase:
    fallback = AIRPORT_TEAM
    if row.handover_id is not None:
        h = session.get(Handover, row.handover_id)
        fallback = (h.handing_signature if h is not None else None) or fallback
    return person_label(_user(session, row.issued_by_user_id), fallback)


def _stored(session: Session, row: ManifestDocument, *, with_content: bool) -> StoredDocument:
    return StoredDocument(
        id=row.id, document_id=row.document_id, kind=row.kind,
        version=_version_of(session, row), handover_id=row.handover_id,
        movement_id=row.movement_id, sha256=row.sha256, issued_at=row.issued_at,
        issued_by=_issuer(session, row), content=row.content if with_content else b"")


def stored_document(session: Session, document_id: str, *, with_content: bool = True
                    ) -> StoredDocument | None:
    row = session.scalar(select(ManifestDocument).where(
        ManifestDocument.document_id == document_id))
    return _stored(session, row, with_content=with_content) if row is not None else None


def stored_handover_document(session: Session, handover_id: int, *,
                             with_content: bool = True) -> StoredDocument | None:
    h = handover_for(session, handover_id)
    return stored_document(session, h.document_id, with_content=with_content)


@dataclass(frozen=True, slots=True)
class LatestCharter:
    document: StoredDocument
    source: str | None


def latest_charter(session: Session, movement_id: int) -> LatestCharter | None:
    """The newest charter manifest issued for a movement, with the fingerprint of what
    it says (kept in the audit entry of its issue)."""
    row = session.scalar(select(ManifestDocument).where(
        ManifestDocument.kind == CHARTER_MANIFEST, ManifestDocument.movement_id == movement_id)
        .order_by(ManifestDocument.id.desc()).limit(1))
    if row is None:
        return None
    entry = session.scalar(select(AuditEntry).where(
        AuditEntry.action == "issue_document", AuditEntry.entity == "manifest_document",
        AuditEntry.entity_id == row.id))
    source = (entry.after or {}).get("source") if entry is not None else None
    return LatestCharter(_stored(session, row, with_content=True),
                         str(source) if source else None)


# --------------------------------------------------------------------------- pages

@dataclass(frozen=True, slots=True)
class VersionView:
    handover_id: int
    version: int
    document_id: str
    signed: bool
    issued: bool


@dataclass(frozen=True, slots=True)
class HandoverView:
    """What the handover page shows: facts and versions, no passenger names."""

    id: int
    document_id: str
    version: int
    status: str
    movement_id: int
    flight: str
    operational_date: date
    airport: str
    timezone: str
    receiving_organisation_id: int
    receiving_organisation: str
    receiving_person: str
    handed_at: datetime
    signed_at: datetime | None
    passenger_count: int
    case_count: int
    needs: tuple[tuple[str, int], ...]
    versions: tuple[VersionView, ...]
    superseded_by: VersionView | None
    document: StoredDocument | None

    @property
    def signed(self) -> bool:
        return self.status == HandoverStatus.SIGNED.value


def _chain(session: Session, h: Handover) -> list[Handover]:
    """Every version of a handover, oldest first."""
    first = h
    while first.supersedes is not None:
        first = first.supersedes
    chain = [first]
    while True:
        newer = session.scalar(select(Handover).where(Handover.supersedes_id == chain[-1].id))
        if newer is None or newer in chain:
            return chain
        chain.append(newer)


def _version_view(session: Session, h: Handover) -> VersionView:
    issued = session.scalar(select(ManifestDocument.id).where(
        ManifestDocument.document_id == h.document_id)) is not None
    return VersionView(h.id, h.handover_version, h.document_id,
                       h.status is HandoverStatus.SIGNED, issued)


def handover_view(session: Session, handover_id: int) -> HandoverView:
    h = handover_for(session, handover_id)
    m = h.movement
    chain = _chain(session, h)
    index = chain.index(h)
    newer = chain[index + 1] if index + 1 < len(chain) else None
    needs: Counter[str] = Counter()
    for p in h.passengers:
        needs.update(receiver_codes(p))
    return HandoverView(
        id=h.id, document_id=h.document_id, version=h.handover_version,
        status=h.status.value, movement_id=m.id, flight=m.flight,
        operational_date=m.operational_date, airport=m.airport.iata,
        timezone=m.airport.timezone, receiving_organisation_id=h.receiving_organisation_id,
        receiving_organisation=h.receiving_organisation.name,
        receiving_person=h.receiving_person, handed_at=h.handed_at, signed_at=h.signed_at,
        passenger_count=len(h.passengers),
        case_count=len({p.case_id for p in h.passengers}),
        needs=tuple(sorted(needs.items())),
        versions=tuple(_version_view(session, v) for v in chain),
        superseded_by=_version_view(session, newer) if newer is not None else None,
        document=stored_document(session, h.document_id, with_content=False),
    )


@dataclass(frozen=True, slots=True)
class ReceptionRow:
    handover_id: int
    version: int
    flight: str
    operational_date: date
    receiving_organisation: str
    handed_at: datetime
    passenger_count: int
    superseded: bool
    timezone: str


def reception_handovers(session: Session, actor: Actor, *, limit: int = 200
                        ) -> list[ReceptionRow]:
    """The signed handovers the actor may see (access.handovers_visible: a reception
    user's own organisation's, staff's at their airports), newest first."""
    visible = handovers_visible(session, actor)
    stmt = (select(Handover).where(Handover.status == HandoverStatus.SIGNED,
                                   Handover.id.in_(visible))
            .options(selectinload(Handover.passengers), selectinload(Handover.movement)
                     .selectinload(Movement.airport),
                     selectinload(Handover.receiving_organisation))
            .order_by(Handover.handed_at.desc(), Handover.id.desc()).limit(limit))
    rows = list(session.scalars(stmt))
    replaced = set(session.scalars(select(Handover.supersedes_id).where(
        Handover.supersedes_id.in_([h.id for h in rows]),
        Handover.status == HandoverStatus.SIGNED)))
    return [ReceptionRow(h.id, h.handover_version, h.movement.flight,
                         h.movement.operational_date, h.receiving_organisation.name,
                         h.handed_at, len(h.passengers), h.id in replaced,
                         h.movement.airport.timezone) for h in rows]


@dataclass(frozen=True, slots=True)
class VerifyView:
    """What the public verify page may say: no personal data at all."""

    document_id: str
    kind: str
    kind_label: str
    flight: str
    operational_date: date
    airport: str
    timezone: str
    version: int
    issued_at: datetime
    issued_by: str | Phrase  # "name (role)", translated where shown
    sha256: str
    supersedes: tuple[str, int] | None
    superseded_by: tuple[str, int, bool] | None  # document id, version, issued (signed)
    #: For checking a paper copy of a handover manifest: who received, how many, and
    #: each passenger's initials and birth year (nothing once purged).
    receiving_party: str | None = None
    passenger_count: int | None = None
    passengers: tuple[tuple[str, int | None], ...] = ()


def verify_view(session: Session, document_id: str) -> VerifyView | None:
    row = session.scalar(select(ManifestDocument).where(
        ManifestDocument.document_id == document_id))
    if row is None:
        return None
    stored = _stored(session, row, with_content=False)
    supersedes: tuple[str, int] | None = None
    superseded_by: tuple[str, int, bool] | None = None
    paper: dict[str, Any] = {}
    if row.handover_id is not None:
        h = handover_for(session, row.handover_id)
        m = h.movement
        paper = {"receiving_party": h.receiving_organisation.name,
                 "passenger_count": len(h.passengers),
                 "passengers": tuple(
                     (p.initials, p.birth_date.year if p.birth_date else None)
                     for p in sorted(h.passengers, key=lambda p: (p.case.reference, p.id))
                     if p.purged_at is None)}
        if h.supersedes is not None:
            supersedes = (h.supersedes.document_id, h.supersedes.handover_version)
        newer = session.scalar(select(Handover).where(Handover.supersedes_id == h.id))
        if newer is not None:
            superseded_by = (newer.document_id, newer.handover_version,
                             newer.status is HandoverStatus.SIGNED)
    else:
        m = _movement(session, row.movement_id or -1)
        siblings = list(session.scalars(select(ManifestDocument).where(
            ManifestDocument.kind == row.kind, ManifestDocument.movement_id == m.id)
            .order_by(ManifestDocument.id)))
        at = [s.id for s in siblings].index(row.id)
        if at > 0:
            supersedes = (siblings[at - 1].document_id, at)
        if at + 1 < len(siblings):
            superseded_by = (siblings[-1].document_id, len(siblings), True)
    return VerifyView(
        document_id=row.document_id, kind=row.kind,
        kind_label=KIND_LABELS.get(row.kind, row.kind), flight=m.flight,
        operational_date=m.operational_date, airport=m.airport.iata,
        timezone=m.airport.timezone, version=stored.version, issued_at=row.issued_at,
        issued_by=stored.issued_by, sha256=row.sha256, supersedes=supersedes,
        superseded_by=superseded_by, **paper)


def verify_page(session: Session, document_id: str) -> tuple[VerifyView | None, bool]:
    """The public verification page's read: the document's record (None: never issued)
    and whether the retention purge deleted its bytes."""
    from .actions.retention import document_content_removed  # the purge owns its marker

    view = verify_view(session, document_id)
    return view, view is not None and document_content_removed(session, document_id)


def organisation_name(session: Session, organisation_id: int) -> str | None:
    org = session.get(Organisation, organisation_id)
    return org.name if org is not None else None


__all__ = ["CHARTER_MANIFEST", "HANDOVER_MANIFEST", "KIND_LABELS", "STORED_KINDS",
           "HandoverView", "LatestCharter", "ReceptionRow", "StoredDocument",
           "VerifyView", "briefing_doc", "charter_doc", "charter_source", "daily_doc",
           "handover_doc", "handover_view", "latest_charter", "reception_handovers",
           "stored_document", "stored_handover_document", "verify_page", "verify_view"]
