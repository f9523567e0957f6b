"""Which changes tell whom, written to the outbox in the change's own transaction.

``queue_for_events(tx)`` runs inside ``UnitOfWork.run`` after every action, before the
COMMIT, over the events the action recorded; two actions that record no event queue
directly (``queue_flight_details`` from ``confirm_case``, ``queue_manifest_issued`` from
``issue_handover_manifest``).  A rollback therefore loses the messages with the change,
and a commit keeps both: nothing is sent for a change that did not happen, nothing is
lost for one that did (the sender job sends after the commit; see
``movements.domain.actions.outbox``).

Kinds (``Event``) and who hears of them:

* booking confirmed (``confirm_case``): each booked member, by SMS, the flight details;
* gate changed, delayed (a departure's ``MovementUpdated`` with ``gate`` or a later
  ``estimated_at``): each booked member, by SMS, only while the flight has not left
  (``departure_left``); one queued earlier and unsent when it leaves is cancelled by the
  sender (``actions.outbox.claim_due``);
* departed (a departure's ``departed`` step): the case's counterpart (the reception
  centre the returnee came from), by e-mail, once per case and flight;
* landed (an arrival's ``actual_at`` first set), through passport control (the
  ``passport_control`` step): the arrival's counterparts (receiving parties), by e-mail;
* handed over (``HandoverSigned``), handover manifest issued: the receiving organisation,
  by e-mail, with the link to verify the manifest (never the PDF itself);
* a departure with reception abroad, when it leaves (its ``departed`` step or its
  off-block time, whichever comes first): the case's receiving mission (``CaseMission``),
  by e-mail, once per flight: the flight, departure and arrival time, the escorts and
  the receivers' needs as SSR codes and what the receiver does (never a name, a
  diagnosis or a free text);
* a carrier pre-notification issued (``CarrierNoticeIssued``): the operating carrier's
  special-assistance desk (``CarrierContact``), by e-mail: the stored readable text and
  the PSM, who issued it and when, "CORRECTED" when it replaces one sent before.

A person is told only with a contact row that has a number and no opt-out; a minor's
messages go to the guardian's number, never to the child's.  No message carries a name,
a health detail, a note or a protection flag: only the flight, times, places, counts and
the case reference (the template texts are in ``movements.domain.message_texts``).
The idempotency key names the event and the recipient, so one event never makes two
rows for one person; the event's own stream sequence number is part of it for changes
that may happen more than once (a gate may change twice).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import message_texts as texts
from .clock import to_local
from .events import (
    CarrierNoticeIssued,
    DomainEvent,
    HandoverSigned,
    MilestoneRecorded,
    MovementUpdated,
)
from .flight_states import has_left
from .models import (
    Booking,
    BookingStatus,
    EscortAssignment,
    Handover,
    Movement,
    MovementKind,
    Organisation,
    OrganisationKind,
    Passenger,
)
from .outbox_models import (
    CarrierContact,
    CaseCounterpart,
    CaseMission,
    Channel,
    Contact,
    OutboxMessage,
    OutboxState,
    WebhookSubscription,
)
from .sms import measure
from .streams import movement_stream
from .vocabulary import MilestoneKey

if TYPE_CHECKING:  # the unit of work imports this module
    from .uow import Tx

#: A new estimate at least this much later than the previous time is a delay worth an SMS.
DELAY_MINUTES = 15


class Event:
    """The outbox's event kinds (``OutboxMessage.event``)."""

    BOOKING_CONFIRMED = "booking_confirmed"
    GATE_CHANGED = "gate_changed"
    DELAYED = "delayed"
    DEPARTED = "departed"
    LANDED = "landed"
    PASSPORT_CONTROL = "passport_control"
    HANDED_OVER = "handed_over"
    MANIFEST_ISSUED = "manifest_issued"

    #: E-mail only (no webhook, no SMS): the receiving mission, the carrier.
    MISSION_DEPARTED = "mission_departed"
    CARRIER_NOTICE = "carrier_notice"

    ALL = (BOOKING_CONFIRMED, GATE_CHANGED, DELAYED, DEPARTED, LANDED, PASSPORT_CONTROL,
           HANDED_OVER, MANIFEST_ISSUED)


@dataclass(frozen=True, slots=True)
class Recipient:
    channel: Channel
    address: str
    passenger_id: int | None = None
    organisation_id: int | None = None
    language: str = "en"
    webhook_id: int | None = None


def queue(tx: Tx, *, key: str, event: str, to: Recipient, movement: Movement | None,
          subject: str, body: str) -> OutboxMessage | None:
    """Add one message unless its key exists already (returns None then).  Runs in the
    caller's transaction: the row commits or rolls back with the change."""
    session = tx.session
    now = tx.now
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return None
    pending = next((o for o in session.new if isinstance(o, OutboxMessage)
                    and o.idempotency_key == key), None)
    if pending is not None:
        return None
    airport_id = movement.airport_id if movement is not None else None
    row = OutboxMessage(
        idempotency_key=key, event=event, channel=to.channel, recipient=to.address,
        language=to.language, subject=subject[:200], body=body, airport_id=airport_id,
        segments=measure(body).segments if to.channel is Channel.SMS else None,
        movement_id=movement.id if movement is not None else None,
        passenger_id=to.passenger_id, organisation_id=to.organisation_id,
        webhook_id=to.webhook_id,
        state=OutboxState.QUEUED, attempts=0, next_attempt_at=now, created_at=now)
    session.add(row)
    return row


# -- who ---------------------------------------------------------------------------------
def passenger_recipient(session: Session, passenger: Passenger, movement: Movement
                        ) -> Recipient | None:
    """Where a passenger's SMS goes: their number, a minor's guardian's number, or
    nowhere (no contact, no number, opted out, purged)."""
    if passenger.purged_at is not None:
        return None
    contact = session.scalar(select(Contact).where(Contact.passenger_id == passenger.id))
    if contact is None or contact.opted_out:
        return None
    if passenger.is_minor_on(movement.operational_date) or passenger.is_unaccompanied_minor:
        # The guardian reads it: their recorded language first, then the child's.
        number = contact.guardian_phone
        language = texts.first_language(contact.guardian_language, passenger.language)
    else:
        number = contact.phone
        language = texts.language_of(passenger.language)
    if not number:
        return None
    return Recipient(Channel.SMS, number, passenger_id=passenger.id, language=language)


def organisation_recipient(session: Session, organisation_id: int) -> Recipient | None:
    contact = session.scalar(select(Contact).where(
        Contact.organisation_id == organisation_id))
    if contact is None or not contact.email:
        return None
    return Recipient(Channel.EMAIL, contact.email, organisation_id=organisation_id)


def _booked(movement: Movement) -> list[Booking]:
    return [b for b in movement.bookings if b.status is BookingStatus.BOOKED]


def _counterparts(session: Session, case_ids: Iterable[int]) -> dict[int, list[int]]:
    """organisation id -> the case ids it is the counterpart of."""
    found: dict[int, list[int]] = {}
    for row in session.scalars(select(CaseCounterpart).where(
            CaseCounterpart.case_id.in_(sorted(set(case_ids))))):
        found.setdefault(row.organisation_id, []).append(row.case_id)
    return found


def _seq(event: DomainEvent, movement_id: int) -> int:
    return event.streams.get(movement_stream(movement_id), 0)


# -- partner systems ---------------------------------------------------------------------
def _iso(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def queue_webhooks(tx: Tx, movement: Movement, kind: str, discriminator: str,
                   extra: dict[str, object] | None = None) -> int:
    """One signed POST per active subscription of the movement's airport that asked for
    ``kind``: a JSON body with the flight's facts (never a person's), in this
    transaction.  ``discriminator`` keeps two events of one kind apart in the key."""
    subscriptions = tx.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.airport_id == movement.airport_id,
        WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id))
    added = 0
    for sub in subscriptions:
        wanted = {e.strip() for e in sub.events.split(",")}
        if kind not in wanted and "*" not in wanted:
            continue
        key = f"wh{sub.id}:{kind}:m{movement.id}" + (f":{discriminator}"
                                                      if discriminator else "")
        payload = {
            "type": kind, "id": key, "airport": movement.airport.iata,
            "flight": movement.flight, "date": movement.operational_date.isoformat(),
            "direction": movement.kind.value, "origin": movement.origin,
            "destination": movement.destination, "scheduled_at": _iso(movement.scheduled_at),
            "estimated_at": _iso(movement.estimated_at), "actual_at": _iso(movement.actual_at),
            "terminal": movement.terminal, "gate": movement.gate, **(extra or {})}
        to = Recipient(Channel.WEBHOOK, sub.url, organisation_id=sub.organisation_id,
                       webhook_id=sub.id)
        if queue(tx, key=key, event=kind, to=to, movement=movement,
                 subject=f"{kind} {movement.flight}",
                 body=json.dumps(payload, sort_keys=True, ensure_ascii=False)):
            added += 1
    return added


# -- what --------------------------------------------------------------------------------
def queue_for_events(tx: Tx, events: list[DomainEvent]) -> int:
    """The messages the given events call for (see the module docstring); returns how
    many rows were added."""
    session = tx.session
    added = 0
    for event in events:
        if event.movement_id is None:
            continue
        movement = session.get(Movement, event.movement_id)
        if movement is None:
            continue
        if isinstance(event, CarrierNoticeIssued):
            added += _carrier_notice(tx, event, movement)
        elif isinstance(event, MovementUpdated):
            added += _movement_changed(tx, session, event, movement)
        elif isinstance(event, MilestoneRecorded):
            added += _milestone(tx, session, event, movement)
        elif isinstance(event, HandoverSigned):
            added += _handed_over(tx, session, event.handover_id)
    return added


def _movement_changed(tx: Tx, session: Session, event: MovementUpdated,
                      movement: Movement) -> int:
    changes = event.changes
    added = 0
    if movement.kind is MovementKind.DEPARTURE and not movement.completed \
            and not departure_left(movement):
        kinds: list[tuple[str, str]] = []
        if "gate" in changes and changes["gate"]:
            kinds.append((Event.GATE_CHANGED, f"g{changes['gate']}"))
        estimate = changes.get("estimated_at")
        if estimate is not None and _worth_telling(session, movement, estimate):
            kinds.append((Event.DELAYED, f"t{estimate:%Y%m%d%H%M}"))
        seq = _seq(event, movement.id)
        for kind, what in kinds:
            added += queue_webhooks(tx, movement, kind, f"s{seq}:{what}")
            for booking in _booked(movement):
                to = passenger_recipient(session, booking.passenger, movement)
                if to is None:
                    continue
                subject, body = texts.passenger_text(kind, to.language, movement)
                if queue(tx, key=f"{kind}:m{movement.id}:s{seq}:{what}:p{booking.passenger_id}",
                         event=kind, to=to, movement=movement, subject=subject, body=body):
                    added += 1
    if movement.kind is MovementKind.DEPARTURE and changes.get("actual_at") is not None:
        added += _tell_missions(tx, session, movement)
    if movement.kind is MovementKind.ARRIVAL and changes.get("actual_at") is not None:
        added += _tell_counterparts(tx, session, movement, Event.LANDED)
        added += queue_webhooks(tx, movement, Event.LANDED, "")
    return added


#: Passenger messages about a departure's gate or time: pointless once it has left.
BEFORE_DEPARTURE_EVENTS = frozenset({Event.GATE_CHANGED, Event.DELAYED})
#: Why such a message queued earlier is cancelled instead of sent.
LEFT_REASON = "flight already left"


def departure_left(movement: Movement) -> bool:
    """A departure that is off-block, airborne or further (``flight_states.has_left``)."""
    return movement.kind is MovementKind.DEPARTURE and has_left(
        movement.flight_state, movement.flight_states, movement.actual_at)


def _worth_telling(session: Session, movement: Movement, estimate: datetime) -> bool:
    """A new estimate is told when it is ``DELAY_MINUTES`` or more away from the time
    people were last told (the last delay message, else the schedule): a feed that moves
    the estimate a minute at a time sends one SMS, not one a minute."""
    last_key = session.scalar(
        select(OutboxMessage.idempotency_key).where(
            OutboxMessage.movement_id == movement.id,
            OutboxMessage.event == Event.DELAYED).order_by(OutboxMessage.id.desc()).limit(1))
    told = movement.scheduled_at
    if last_key:
        stamp = last_key.split(":t", 1)[1].split(":", 1)[0]
        told = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
    return abs(estimate - told) >= timedelta(minutes=DELAY_MINUTES)


def _milestone(tx: Tx, session: Session, event: MilestoneRecorded,
               movement: Movement) -> int:
    kind = None
    if movement.kind is MovementKind.DEPARTURE and event.milestone == MilestoneKey.DEPARTED:
        kind = Event.DEPARTED
    elif movement.kind is MovementKind.ARRIVAL and \
            event.milestone == MilestoneKey.PASSPORT_CONTROL:
        kind = Event.PASSPORT_CONTROL
    if kind is None:
        return 0
    added = _tell_missions(tx, session, movement, only_passenger=event.passenger_id) \
        if kind == Event.DEPARTED else 0
    return added + _tell_counterparts(tx, session, movement, kind,
                              only_passenger=event.passenger_id) \
        + queue_webhooks(tx, movement, kind, "")


def _tell_counterparts(tx: Tx, session: Session, movement: Movement, kind: str, *,
                       only_passenger: int | None = None) -> int:
    """One e-mail per counterpart organisation and flight for ``kind``."""
    bookings = _booked(movement)
    if only_passenger is not None:
        bookings = [b for b in bookings if b.passenger_id == only_passenger]
    cases = {b.passenger.case_id for b in bookings}
    added = 0
    for org_id, case_ids in sorted(_counterparts(session, cases).items()):
        if kind == Event.LANDED and _is_family(session, org_id):
            added += _tell_family(tx, session, movement, org_id, case_ids)
            continue
        to = organisation_recipient(session, org_id)
        if to is None:
            continue
        people = sum(1 for b in _booked(movement) if b.passenger.case_id in case_ids)
        references = sorted(b.passenger.case.reference for b in _booked(movement)
                            if b.passenger.case_id in case_ids)
        subject, body = texts.counterpart_text(kind, movement, people=people,
                                               cases=sorted(set(references)))
        if queue(tx, key=f"{kind}:m{movement.id}:o{org_id}", event=kind, to=to,
                 movement=movement, subject=subject, body=body):
            added += 1
    return added


def _tell_missions(tx: Tx, session: Session, movement: Movement, *,
                   only_passenger: int | None = None) -> int:
    """One e-mail per receiving mission abroad (``CaseMission``) of the cases booked on a
    departure that has left (or, for a ``departed`` step, of that passenger's case), once
    per flight (its key names the flight and mission)."""
    bookings = _booked(movement)
    missions: dict[int, list[Booking]] = {}
    case_ids = sorted({b.passenger.case_id for b in bookings
                       if only_passenger is None or b.passenger_id == only_passenger})
    if not case_ids:
        return 0
    for row in session.scalars(select(CaseMission).where(CaseMission.case_id.in_(case_ids))):
        missions.setdefault(row.organisation_id, []).extend(
            b for b in bookings if b.passenger.case_id == row.case_id)
    added = 0
    for org_id, theirs in sorted(missions.items()):
        to = organisation_recipient(session, org_id)
        if to is None:
            continue
        escorts = list(session.scalars(select(EscortAssignment).where(
            EscortAssignment.movement_id == movement.id,
            EscortAssignment.passenger_id.in_([b.passenger_id for b in theirs]))
            .order_by(EscortAssignment.id)))
        subject, body = texts.mission_text(movement, theirs, escorts,
                                           arrival=expected_arrival(session, movement))
        if queue(tx, key=f"{Event.MISSION_DEPARTED}:m{movement.id}:o{org_id}",
                 event=Event.MISSION_DEPARTED, to=to, movement=movement, subject=subject,
                 body=body):
            added += 1
    return added


def expected_arrival(session: Session, movement: Movement) -> datetime | None:
    """When a departure is expected at its destination, where the console knows it: the
    same flight's arrival movement at the destination (when the agency works there), or
    a charter's stop time at the destination; None otherwise (UTC)."""
    arrival = session.scalar(select(Movement).join(Movement.airport).where(
        Movement.kind == MovementKind.ARRIVAL, Movement.carrier == movement.carrier,
        Movement.flight_number == movement.flight_number,
        Movement.operational_date.between(movement.operational_date,
                                          movement.operational_date + timedelta(days=1)),
        Movement.airport.has(iata=movement.destination)).limit(1))
    if arrival is not None:
        return arrival.best_time
    stop = next((s for s in movement.stops if s.airport_code == movement.destination
                 and s.scheduled_at is not None), None)
    return stop.scheduled_at if stop is not None else None


def _carrier_notice(tx: Tx, event: CarrierNoticeIssued, movement: Movement) -> int:
    """The operating carrier's special-assistance desk gets the issued notification by
    e-mail (the stored readable text, then the PSM), naming who issued it and when.  A
    carrier without an address still gets a row: failed, saying which address is
    missing, so the coordinators' outbox shows it."""
    from .planning_models import CarrierNotification

    row = tx.session.get(CarrierNotification, event.notification_id)
    if row is None:
        return 0
    contact = tx.session.get(CarrierContact, event.carrier)
    subject, body = texts.carrier_notice_text(event.email_subject, row.email_body, row.telex,
                                              issued_at=row.sent_at, by=row.username)
    to = Recipient(Channel.EMAIL, contact.email if contact is not None else "")
    message = queue(tx, key=f"{Event.CARRIER_NOTICE}:n{row.id}", event=Event.CARRIER_NOTICE,
                    to=to, movement=movement, subject=subject, body=body)
    if message is None:
        return 0
    if contact is None:
        message.state = OutboxState.FAILED
        message.last_error = (f"no e-mail address for carrier {event.carrier}: "
                              f"movements contacts carrier {event.carrier} --email ...")
    return 1


def _is_family(session: Session, organisation_id: int) -> bool:
    org = session.get(Organisation, organisation_id)
    return org is not None and org.kind is OrganisationKind.FAMILY


def _tell_family(tx: Tx, session: Session, movement: Movement, org_id: int,
                 case_ids: list[int]) -> int:
    """The person waiting at arrivals (a family counterpart with a number) hears by SMS
    that their family member has arrived, in the travellers' language; the SMS names
    nobody."""
    contact = session.scalar(select(Contact).where(Contact.organisation_id == org_id))
    if contact is None or contact.opted_out or not contact.phone:
        return 0
    travellers = [b.passenger for b in _booked(movement) if b.passenger.case_id in case_ids]
    language = texts.language_of(travellers[0].language if travellers else None)
    subject, body = texts.passenger_text("family_arrived", language, movement)
    to = Recipient(Channel.SMS, contact.phone, organisation_id=org_id, language=language)
    return 1 if queue(tx, key=f"{Event.LANDED}:m{movement.id}:o{org_id}:sms", event=Event.LANDED,
                      to=to, movement=movement, subject=subject, body=body) else 0


def _handed_over(tx: Tx, session: Session, handover_id: int) -> int:
    handover = session.get(Handover, handover_id)
    if handover is None:
        return 0
    return _tell_receiver(tx, handover, Event.HANDED_OVER,
                          {"verify_url": "{public_url}/verify/" + handover.document_id,
                           "people": len(handover.passengers)})


def queue_manifest_issued(tx: Tx, handover: Handover) -> int:
    """The receiving organisation hears that the manifest is issued, with the link to
    verify it (called by ``issue_handover_manifest`` the first time it stores one)."""
    return _tell_receiver(tx, handover, Event.MANIFEST_ISSUED,
                          {"verify_url": "{public_url}/verify/" + handover.document_id})


def _tell_receiver(tx: Tx, handover: Handover, kind: str, payload: dict[str, object]) -> int:
    """Webhooks of the handover's movement, and an e-mail to its receiving organisation
    (when it has an address), for one handover event; returns how many rows were added."""
    hooks = queue_webhooks(tx, handover.movement, kind, f"h{handover.id}", payload)
    to = organisation_recipient(tx.session, handover.receiving_organisation_id)
    if to is None:
        return hooks
    subject, body = texts.handover_text(kind, handover)
    return hooks + (1 if queue(
        tx, key=f"{kind}:h{handover.id}:o{to.organisation_id}", event=kind, to=to,
        movement=handover.movement, subject=subject, body=body) else 0)


def queue_flight_details(tx: Tx, movement: Movement, passengers: Iterable[Passenger]
                         ) -> int:
    """Each confirmed passenger (or a minor's guardian) gets the flight details by SMS
    (called by ``confirm_case``).  Confirming again for the same flight sends nothing new."""
    session = tx.session
    people = list(passengers)
    cases = sorted({p.case_id for p in people})
    added = queue_webhooks(tx, movement, Event.BOOKING_CONFIRMED,
                           "c" + "-".join(str(c) for c in cases), {"people": len(people)})
    for passenger in people:
        to = passenger_recipient(session, passenger, movement)
        if to is None:
            continue
        subject, body = texts.passenger_text(Event.BOOKING_CONFIRMED, to.language, movement)
        if queue(tx, key=f"{Event.BOOKING_CONFIRMED}:m{movement.id}:p{passenger.id}",
                 event=Event.BOOKING_CONFIRMED, to=to, movement=movement, subject=subject,
                 body=body):
            added += 1
    return added


def local_time(movement: Movement) -> str:
    """The movement's best time, local to its airport, as ``HH:MM``."""
    return f"{to_local(movement.best_time, movement.airport.timezone):%H:%M}"


__all__ = ["BEFORE_DEPARTURE_EVENTS", "DELAY_MINUTES", "Event", "LEFT_REASON",
           "departure_left", "Recipient", "local_time", "organisation_recipient",
           "passenger_recipient", "queue", "queue_flight_details", "queue_for_events",
           "queue_manifest_issued", "queue_webhooks"]
