"""The one access policy: who may see, change or reveal what.

Every row a person asks for by id is loaded through one of the ``access_*`` helpers below
(the pattern of Zulip's ``access_stream_by_id``): it answers the row, or raises
``NotFound`` when the row does not exist *or* lies outside the person's scope, with the
same words, so that an id tells nothing about another airport or organisation.  Domain
actions load their rows through these helpers with ``tx.actor``, so a write is checked
before anything changes ("check, then write"), whichever edge asked: a page, the JSON
API, a websocket, the CLI or a job (jobs and the CLI act as ``Actor.system``, which may
do everything).

The rules, in one table:

============  ==========================================================================
role          scope
============  ==========================================================================
gate staff    SEE and WORK on the movements of the airports they work (board, movement
              page, milestones, no-shows, escorts, notes, handovers); reveal a
              passenger's identity (audited)
coordinator   the same plus COORDINATE at their airports: flight corrections, telexes,
              imports, reconciliation, alerts; sees the trafficking flag
admin         everything, at every airport of the deployment
reception     only the handovers addressed to their own organisation, and their manifests
manager       aggregates only (reports); no row with personal data
============  ==========================================================================

Source of the rules: DOMAIN.md ("Who uses it, and for what"), DESIGN.md ("Security and
privacy").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFound, not_found
from .models import (
    Airport,
    Alert,
    Booking,
    Case,
    EscortAssignment,
    Handover,
    ManifestDocument,
    Movement,
    Note,
    Passenger,
    Role,
    TelexMessage,
)
from .outbox_models import OutboxMessage, WebhookSubscription
from .phrases import N_, Phrase
from .streams import BoardStream, board_stream, movement_stream, parse_stream
from .uow import Actor


class Need(enum.StrEnum):
    """What the person wants to do with a thing."""

    SEE = "see"                  # read it (board row, movement page, initials, needs)
    WORK = "work"                # gate work: milestones, no-shows, escorts, notes, handovers
    COORDINATE = "coordinate"    # coordinator work: flight data, telexes, imports, alerts


#: What each role may do with the movements of its airports.
ROLE_NEEDS: dict[Role, frozenset[Need]] = {
    Role.GATE_STAFF: frozenset({Need.SEE, Need.WORK}),
    Role.COORDINATOR: frozenset({Need.SEE, Need.WORK, Need.COORDINATE}),
    Role.ADMIN: frozenset({Need.SEE, Need.WORK, Need.COORDINATE}),
    Role.RECEPTION: frozenset(),
    Role.MANAGER: frozenset(),  # aggregates only: movements/domain/reports.py
}


def role_may(actor: Actor, need: Need) -> bool:
    """Whether the actor's role allows ``need`` at all (at some airport)."""
    return need in ROLE_NEEDS.get(actor.role, frozenset())


def all_airports(actor: Actor) -> bool:
    """Admins (and the system: jobs, CLI) work every airport of the deployment."""
    return actor.role is Role.ADMIN


def may_at(actor: Actor, need: Need, airport_id: int) -> bool:
    """Whether the actor may do ``need`` at the airport with this id."""
    if not role_may(actor, need):
        return False
    return all_airports(actor) or airport_id in actor.airport_ids


def may_see_protected(actor: Actor) -> bool:
    """The victim-of-trafficking flag: coordinators and admins only (DOMAIN.md)."""
    return actor.role in (Role.COORDINATOR, Role.ADMIN)


def may_reveal(actor: Actor) -> bool:
    """Full name and birth date on a deliberate, audited reveal: staff who work there."""
    return role_may(actor, Need.WORK)


#: The things a refusal names ("movement 9 does not exist"), for the catalogue.
THINGS = {w: w for w in (
    N_("alert"), N_("booking"), N_("case"), N_("document"), N_("escort assignment"),
    N_("handover"), N_("message"), N_("movement"), N_("note"), N_("passenger"),
    N_("stream"), N_("telex"), N_("airport"), N_("organisation"), N_("user"), N_("webhook"))}
MISSING = N_("%(what)s %(id)s does not exist")


def _missing(what: str, ident: object) -> NotFound:
    """``ident`` stays out of the message (errors.not_found says why)."""
    return not_found(what)


# -- airports ---------------------------------------------------------------------------

def visible_airports(session: Session, actor: Actor, need: Need = Need.SEE) -> list[Airport]:
    """The airports where the actor may do ``need``, ordered by IATA code."""
    if not role_may(actor, need):
        return []
    query = select(Airport).order_by(Airport.iata)
    if not all_airports(actor):
        query = query.where(Airport.id.in_(actor.airport_ids))
    return list(session.scalars(query))


def access_airport(session: Session, actor: Actor, code: str, need: Need = Need.SEE
                   ) -> Airport:
    """The airport with this IATA code, if the actor may do ``need`` there.

    Raises NotFound ("no airport XXX among yours") otherwise."""
    wanted = code.strip().upper()
    airport = session.scalar(select(Airport).where(Airport.iata == wanted))
    if airport is None or not may_at(actor, need, airport.id):
        raise NotFound(Phrase.of(N_("no airport %(wanted)s among yours"), wanted=repr(wanted)))
    return airport


def airport_id_for(session: Session, actor: Actor, code: str, need: Need = Need.SEE) -> int:
    """``access_airport(...).id``: for edges that only need to know the airport is theirs."""
    return access_airport(session, actor, code, need).id


def choose_airport(session: Session, actor: Actor, asked: str | None, default: str,
                   need: Need = Need.SEE, mine: list[Airport] | None = None) -> Airport:
    """The airport a page is for: the one asked for (NotFound if not the actor's), else
    the deployment's default if the actor works it, else the actor's first airport.
    ``mine``: ``visible_airports(session, actor, need)`` when the caller read it already
    (then no statement runs here: an airport asked for is the actor's exactly when it is
    among them).

    Raises NotFound when the actor works no airport at all (a user without airports sees
    a page that says so, not somebody else's board)."""
    if asked and asked.strip():
        if mine is None:
            return access_airport(session, actor, asked, need)
        wanted = asked.strip().upper()
        found = next((a for a in mine if a.iata == wanted), None)
        if found is None:
            raise NotFound(Phrase.of(N_("no airport %(wanted)s among yours"),
                                     wanted=repr(wanted)))
        return found
    if mine is None:
        mine = visible_airports(session, actor, need)
    if not mine:
        raise NotFound(Phrase(N_("you work no airport yet: ask an admin to add one to your "
                                 "account")))
    for airport in mine:
        if airport.iata == default.strip().upper():
            return airport
    return mine[0]


# -- movements and what hangs off them --------------------------------------------------

def access_movement(session: Session, actor: Actor, movement_id: int,
                    need: Need = Need.SEE) -> Movement:
    """The movement, if the actor may do ``need`` at its airport; else NotFound."""
    movement = session.get(Movement, movement_id)
    if movement is None or not may_at(actor, need, movement.airport_id):
        raise _missing("movement", movement_id)
    return movement


def access_movement_id(session: Session, actor: Actor, movement_id: int,
                       need: Need = Need.SEE) -> int:
    """``access_movement`` for a caller that needs only the yes (a page whose body is
    kept per stream number): reads the movement's airport column, no ORM object; the
    id, or NotFound with the same words."""
    airport_id = session.scalar(select(Movement.airport_id).where(Movement.id == movement_id))
    if airport_id is None or not may_at(actor, need, airport_id):
        raise _missing("movement", movement_id)
    return movement_id


def access_booking(session: Session, actor: Actor, booking_id: int,
                   need: Need = Need.WORK) -> Booking:
    """A passenger's place on a movement, scoped by the movement's airport."""
    booking = session.get(Booking, booking_id)
    if booking is None or not may_at(actor, need, booking.movement.airport_id):
        raise _missing("booking", booking_id)
    return booking


def access_case(session: Session, actor: Actor, case_id: int, need: Need = Need.SEE) -> Case:
    case = session.get(Case, case_id)
    if case is None or not may_at(actor, need, case.airport_id):
        raise _missing("case", case_id)
    return case


def access_passenger(session: Session, actor: Actor, passenger_id: int,
                     need: Need = Need.SEE) -> Passenger:
    """A passenger, scoped by the airport of their case or of any of their bookings."""
    passenger = session.get(Passenger, passenger_id)
    if passenger is None:
        raise _missing("passenger", passenger_id)
    airports = {passenger.case.airport_id} | {b.movement.airport_id
                                              for b in passenger.bookings}
    if not any(may_at(actor, need, a) for a in airports):
        raise _missing("passenger", passenger_id)
    return passenger


def access_note(session: Session, actor: Actor, note_id: int, need: Need = Need.SEE) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise _missing("note", note_id)
    access_movement(session, actor, note.movement_id, need)
    return note


def access_escort_assignment(session: Session, actor: Actor, assignment_id: int,
                             need: Need = Need.WORK) -> EscortAssignment:
    assignment = session.get(EscortAssignment, assignment_id)
    if assignment is None:
        raise _missing("escort assignment", assignment_id)
    try:
        access_movement(session, actor, assignment.movement_id, need)
    except NotFound:
        raise _missing("escort assignment", assignment_id) from None
    return assignment


# -- handovers and documents ------------------------------------------------------------

def may_see_handover(actor: Actor, handover: Handover) -> bool:
    """Staff of the movement's airport; a reception user only for their own organisation's
    handovers."""
    if actor.role is Role.RECEPTION:
        return actor.organisation_id is not None and \
            handover.receiving_organisation_id == actor.organisation_id
    return may_at(actor, Need.SEE, handover.movement.airport_id)


def access_handover(session: Session, actor: Actor, handover_id: int,
                    need: Need = Need.SEE) -> Handover:
    """A handover: SEE for its receiving organisation's reception users and the staff of
    its airport; WORK (draft, sign, correct) for the staff only."""
    handover = session.get(Handover, handover_id)
    allowed = handover is not None and (
        may_see_handover(actor, handover) if need is Need.SEE
        else may_at(actor, need, handover.movement.airport_id))
    if handover is None or not allowed:
        raise _missing("handover", handover_id)
    return handover


def access_document(session: Session, actor: Actor, document_id: str) -> ManifestDocument:
    """An issued PDF by its document id: a handover manifest for those who may see the
    handover; a movement's charter manifest or briefing for staff of its airport; a daily
    report for coordinators of its airport."""
    doc = session.scalar(select(ManifestDocument).where(
        ManifestDocument.document_id == document_id))
    if doc is None:
        raise _missing("document", document_id)
    try:
        if doc.handover_id is not None:
            access_handover(session, actor, doc.handover_id)
        elif doc.movement_id is not None:
            access_movement(session, actor, doc.movement_id)
        elif not all_airports(actor):
            raise _missing("document", document_id)
    except NotFound:
        raise _missing("document", document_id) from None
    return doc


def handovers_visible(session: Session, actor: Actor) -> list[int]:
    """Ids of every handover the actor may see (the reception portal's list)."""
    query = select(Handover.id, Handover.receiving_organisation_id, Movement.airport_id) \
        .join(Movement, Movement.id == Handover.movement_id)
    if actor.role is Role.RECEPTION:
        if actor.organisation_id is None:
            return []
        query = query.where(Handover.receiving_organisation_id == actor.organisation_id)
    elif not role_may(actor, Need.SEE):
        return []
    elif not all_airports(actor):
        query = query.where(Movement.airport_id.in_(actor.airport_ids))
    return [row.id for row in session.execute(query)]


# -- alerts and telexes -----------------------------------------------------------------

def access_alert(session: Session, actor: Actor, alert_id: int,
                 need: Need = Need.COORDINATE) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or not may_at(actor, need, alert.airport_id):
        raise _missing("alert", alert_id)
    return alert


def access_telex(session: Session, actor: Actor, telex_id: int,
                 need: Need = Need.COORDINATE) -> TelexMessage:
    """A received telex, for coordinators of the airport it was received for."""
    telex = session.get(TelexMessage, telex_id)
    if telex is None:
        raise _missing("telex", telex_id)
    # A telex older than the airport column (no airport known): admins only.
    scoped = may_at(actor, need, telex.airport_id) if telex.airport_id is not None \
        else role_may(actor, need) and all_airports(actor)
    if not scoped:
        raise _missing("telex", telex_id)
    return telex


def telex_airport_ids(session: Session, actor: Actor) -> list[int]:
    """The airports whose telexes the actor may list."""
    return [a.id for a in visible_airports(session, actor, Need.COORDINATE)]


def access_outbox_message(session: Session, actor: Actor, message_id: int,
                          need: Need = Need.COORDINATE) -> OutboxMessage:
    """A message of the outbox (issue 16), for coordinators of its airport."""
    message = session.get(OutboxMessage, message_id)
    if message is None or not may_at(actor, need, message.airport_id):
        raise _missing("message", message_id)
    return message


def access_webhook(session: Session, actor: Actor, webhook_id: int,
                   need: Need = Need.COORDINATE) -> WebhookSubscription:
    """A partner system's webhook subscription, for coordinators of its airport."""
    hook = session.get(WebhookSubscription, webhook_id)
    if hook is None or not may_at(actor, need, hook.airport_id):
        raise _missing("webhook", webhook_id)
    return hook


# -- live streams -----------------------------------------------------------------------

def access_stream(session: Session, actor: Actor, name: str) -> str:
    """A live stream the actor may follow (the board of one of their airports' days, or
    the page of a movement they may see), in its canonical spelling; NotFound otherwise."""
    stream = parse_stream(name)
    if stream is None:
        raise _missing("stream", name)
    if isinstance(stream, BoardStream):
        airport = access_airport(session, actor, stream.airport, Need.SEE)
        return board_stream(airport.iata, stream.day)
    movement = access_movement(session, actor, stream.movement_id, Need.SEE)
    return movement_stream(movement.id)


def scoped_ids(ids: Iterable[int], allowed: Iterable[int]) -> list[int]:
    """The ids of ``ids`` that are in ``allowed``, in their order."""
    keep = set(allowed)
    return [i for i in ids if i in keep]


__all__ = [
    "Need", "ROLE_NEEDS", "access_airport", "access_alert", "access_booking", "access_case",
    "access_document", "access_escort_assignment", "access_handover", "access_movement",
    "access_movement_id",
    "access_note", "access_outbox_message", "access_passenger", "access_stream",
    "access_telex", "access_webhook", "airport_id_for",
    "all_airports", "choose_airport", "handovers_visible", "may_at", "may_reveal",
    "may_see_handover", "may_see_protected", "role_may", "scoped_ids", "telex_airport_ids",
    "visible_airports",
]
