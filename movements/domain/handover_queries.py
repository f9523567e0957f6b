"""Read models of the handover screens: the movement page's Handovers section and what
staff see on a handover page, each loaded through the access policy.

A passenger already in a signed handover (not replaced by a signed correction) is not
offered again; one in an open draft is offered with that draft named.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import document_queries as dq
from .access import Need, access_handover, access_movement
from .models import (
    BookingStatus,
    Handover,
    HandoverStatus,
    Movement,
    MovementKind,
    Organisation,
    OrganisationKind,
    Passenger,
)
from .phrases import Phrase
from .release import release_blockers
from .ssr import SSR_CODES
from .uow import Actor

#: Where the team hands passengers to a receiving party (an onward transit leg's
#: passengers are handed over on its inbound leg).
HANDOVER_KINDS = frozenset({MovementKind.ARRIVAL, MovementKind.TRANSIT_IN,
                            MovementKind.DEPARTURE})
ID_DOCUMENTS = ("passport", "national ID card", "residence permit", "travel document",
                "driving licence")


@dataclass(frozen=True, slots=True)
class PassengerChoice:
    """A passenger as a handover form shows one: initials, case and needs, no name."""

    passenger_id: int
    initials: str
    case_reference: str
    codes: tuple[str, ...]
    unaccompanied_minor: bool
    in_draft: int | None = None  # an unsigned handover that already names this passenger


@dataclass(frozen=True, slots=True)
class HandoverLine:
    id: int
    version: int
    status: str
    receiving_organisation: str
    receiving_person: str
    handed_at: datetime
    signed_at: datetime | None
    passenger_count: int
    superseded_by: int | None
    supersedes_version: int | None

    @property
    def signed(self) -> bool:
        return self.status == HandoverStatus.SIGNED.value


@dataclass(frozen=True, slots=True)
class HandoverSection:
    """What the movement page's Handovers section shows."""

    movement_id: int
    flight: str
    operational_date: date
    kind: str
    airport: str
    timezone: str
    takes_handovers: bool
    handovers: tuple[HandoverLine, ...]
    choices: tuple[PassengerChoice, ...]
    organisations: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class StaffHandover:
    """What only staff see on the handover page: the row version the forms carry, who is
    in it (initials), and what a correction may add."""

    id: int
    row_version: int
    signed: bool
    newest: bool
    receiving_person: str
    id_checked: bool
    replaces_version: int | None
    replaces_id: int | None
    correction_reason: str | None
    passengers: tuple[PassengerChoice, ...]
    others: tuple[PassengerChoice, ...]
    #: Why an inbound draft may not be signed yet (sign needs an override reason then).
    blockers: tuple[Phrase, ...] = ()
    release_override: str | None = None


def _choice(p: Passenger, in_draft: int | None = None) -> PassengerChoice:
    return PassengerChoice(p.id, p.initials, p.case.reference,
                           tuple(c for c in p.codes if c in SSR_CODES),
                           p.is_unaccompanied_minor, in_draft)


def _handed_over(handovers: Iterable[Handover]) -> set[int]:
    """Passengers in a signed handover that no signed correction replaces."""
    rows = list(handovers)
    replaced = {h.supersedes_id for h in rows
                if h.status is HandoverStatus.SIGNED and h.supersedes_id is not None}
    return {p.id for h in rows if h.status is HandoverStatus.SIGNED and h.id not in replaced
            for p in h.passengers}


def _open_choices(m: Movement, handovers: list[Handover], skip: set[int]
                  ) -> list[PassengerChoice]:
    # A passenger in a draft is not offered again (the draft is signed or discarded).
    done = _handed_over(handovers) | skip | {
        p.id for h in handovers if h.status is HandoverStatus.DRAFT for p in h.passengers}
    out = [_choice(b.passenger) for b in m.bookings
           if b.status is BookingStatus.BOOKED and b.passenger.purged_at is None
           and b.passenger_id not in done]
    return sorted(out, key=lambda c: (c.case_reference, c.passenger_id))


def _movement_handovers(session: Session, movement_id: int) -> list[Handover]:
    return list(session.scalars(select(Handover).where(Handover.movement_id == movement_id)
                                .order_by(Handover.id)))


def handover_section(session: Session, actor: Actor, movement_id: int) -> HandoverSection:
    """The movement page's Handovers section, for staff of the movement's airport."""
    m = access_movement(session, actor, movement_id, Need.WORK)
    handovers = _movement_handovers(session, movement_id)
    newer = {h.supersedes_id: h.id for h in handovers if h.supersedes_id is not None}
    versions = {h.id: h.handover_version for h in handovers}
    lines = tuple(HandoverLine(
        id=h.id, version=h.handover_version, status=h.status.value,
        receiving_organisation=h.receiving_organisation.name,
        receiving_person=h.receiving_person, handed_at=h.handed_at, signed_at=h.signed_at,
        passenger_count=len(h.passengers), superseded_by=newer.get(h.id),
        supersedes_version=versions.get(h.supersedes_id) if h.supersedes_id else None)
        for h in handovers)
    organisations = tuple((o.id, o.name) for o in session.scalars(
        select(Organisation).where(Organisation.kind != OrganisationKind.AGENCY_TEAM)
        .order_by(Organisation.name)))
    return HandoverSection(
        movement_id=m.id, flight=m.flight, operational_date=m.operational_date,
        kind=m.kind.value, airport=m.airport.iata, timezone=m.airport.timezone,
        takes_handovers=m.kind in HANDOVER_KINDS, handovers=lines,
        choices=tuple(_open_choices(m, handovers, set())), organisations=organisations)


def staff_handover(session: Session, actor: Actor, handover_id: int) -> StaffHandover:
    """What staff see on a handover page (the forms' row version, who is in it)."""
    h = access_handover(session, actor, handover_id, Need.WORK)
    newer = session.scalar(select(Handover.id).where(Handover.supersedes_id == h.id))
    old = h.supersedes
    reason = None
    first_line = (h.notes or "").strip().splitlines()[:1]
    if old is not None and first_line and first_line[0].startswith("Correction of version"):
        reason = first_line[0].split(":", 1)[-1].strip() or None
    mine = {p.id for p in h.passengers}
    others = _open_choices(h.movement, _movement_handovers(session, h.movement_id), mine)
    return StaffHandover(
        id=h.id, row_version=h.version, signed=h.status is HandoverStatus.SIGNED,
        newest=newer is None, receiving_person=h.receiving_person,
        id_checked=bool(h.receiver_id_checked),
        replaces_version=old.handover_version if old is not None else None,
        replaces_id=old.id if old is not None else None, correction_reason=reason,
        passengers=tuple(_choice(p) for p in sorted(
            h.passengers, key=lambda p: (p.case.reference, p.id))),
        others=tuple(c for c in others if c.in_draft != h.id),
        blockers=tuple(release_blockers(session, h))
        if h.status is HandoverStatus.DRAFT else (),
        release_override=h.release_override)




def handover_view(session: Session, actor: Actor, handover_id: int) -> dq.HandoverView:
    """A handover as its page shows it, for anyone who may see it (its receiving
    organisation's reception users, the staff of its airport)."""
    access_handover(session, actor, handover_id, Need.SEE)
    return dq.handover_view(session, handover_id)


__all__ = ["HANDOVER_KINDS", "ID_DOCUMENTS", "HandoverLine", "HandoverSection",
           "PassengerChoice", "StaffHandover", "handover_section", "handover_view",
           "staff_handover"]
