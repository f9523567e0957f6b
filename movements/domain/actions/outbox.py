"""The outbox's life after the commit: the sender claims due messages, records each try,
retries with backoff, gives up as failed; coordinators resend or cancel (issue 16).

A message is claimed (state ``sending``, ``claimed_until`` set) in its own transaction
before it leaves the process, and its result is recorded in another.  If the process
dies between the two, the claim runs out and the message is due again: it is sent at
least once, and its idempotency key travels with every copy (``Idempotency-Key``), so a
receiver that keeps keys takes it once.  A process killed between the change's commit
and the claim leaves the message queued: the next sender (this process restarted, or
another holding the jobs' lease) sends it.

Backoff: 30 s, 1, 2, 4 ... minutes after the n-th failure, at most ``MAX_BACKOFF``;
after ``MAX_ATTEMPTS`` failures the message is ``failed`` with the channel's last reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..access import Need, access_outbox_message, access_passenger, may_at
from ..errors import ConflictError, NotFound, RuleViolation, not_found
from ..models import Airport, Movement, Organisation, Role
from ..outbox import BEFORE_DEPARTURE_EVENTS, LEFT_REASON, departure_left
from ..outbox_models import (
    CaseCounterpart,
    Channel,
    Contact,
    OutboxAttempt,
    OutboxMessage,
    WebhookSubscription,
)
from ..outbox_models import OutboxState as S
from ..phrases import N_, Phrase
from ..uow import Tx
from ._common import require_role

MAX_ATTEMPTS = 6
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)
#: How long a claimed message stays ours before another sender may take it again.
CLAIM = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed message, as the channels need it."""

    id: int
    idempotency_key: str
    channel: Channel
    recipient: str
    subject: str
    body: str
    attempt: int
    #: A webhook's signing secret (Standard Webhooks); None for SMS and e-mail.
    secret: str | None = None


def backoff(failures: int, first: timedelta = FIRST_BACKOFF) -> timedelta:
    """The wait after the ``failures``-th failed try: first, 2x, 4x ..., capped."""
    return min(MAX_BACKOFF, first * (2 ** max(0, failures - 1)))


def claim_due(tx: Tx, limit: int = 20, claim: timedelta = CLAIM, *,
              channels: tuple[Channel, ...] = tuple(Channel)) -> list[Outgoing]:
    """Claim up to ``limit`` due messages of ``channels`` (queued and due, or sending
    with a claim that ran out), oldest first, and return them.  Messages of a channel
    that is not configured stay queued."""
    now = tx.now
    rows = list(tx.session.scalars(
        select(OutboxMessage).where(or_(
            (OutboxMessage.state == S.QUEUED) & (OutboxMessage.next_attempt_at <= now),
            (OutboxMessage.state == S.SENDING) & (OutboxMessage.claimed_until <= now),
        ), OutboxMessage.channel.in_(channels))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)))
    out: list[Outgoing] = []
    for row in rows:
        if _opted_out(tx.session, row):  # consent withdrawn after it was queued
            row.state, row.claimed_until = S.CANCELLED, None
            row.last_error = "the person opted out of messages"
            tx.session.add(OutboxAttempt(message_id=row.id, at=now, outcome="cancel",
                                         detail=row.last_error))
            continue
        if _flight_left(tx.session, row):  # a gate/delay SMS for a flight that has gone
            row.state, row.claimed_until = S.CANCELLED, None
            row.last_error = LEFT_REASON
            tx.session.add(OutboxAttempt(message_id=row.id, at=now, outcome="cancel",
                                         detail=row.last_error))
            continue
        row.state = S.SENDING
        row.claimed_until = now + claim
        row.attempts += 1
        hook = tx.session.get(WebhookSubscription, row.webhook_id) \
            if row.webhook_id is not None else None
        out.append(Outgoing(row.id, row.idempotency_key, row.channel, row.recipient,
                            row.subject, row.body, row.attempts,
                            hook.secret if hook is not None else None))
    return out


def _flight_left(session: Session, row: OutboxMessage) -> bool:
    if row.passenger_id is None or row.movement_id is None \
            or row.event not in BEFORE_DEPARTURE_EVENTS:
        return False
    movement = session.get(Movement, row.movement_id)
    return movement is not None and departure_left(movement)


def _opted_out(session: Session, row: OutboxMessage) -> bool:
    if row.passenger_id is None:
        return False
    contact = session.scalar(select(Contact).where(Contact.passenger_id == row.passenger_id))
    return contact is None or contact.opted_out


def record_result(tx: Tx, message_id: int, ok: bool, detail: str | None = None, *,
                  first_backoff: timedelta = FIRST_BACKOFF,
                  max_attempts: int = MAX_ATTEMPTS) -> S:
    """Record one try of a claimed message and move it on: sent, queued again after the
    backoff, or failed after ``max_attempts``.  Returns the new state.  A message a
    coordinator cancelled meanwhile stays cancelled (the try is still recorded)."""
    row = tx.session.get(OutboxMessage, message_id)
    if row is None:
        raise not_found("message")
    text = (detail or "")[:500] or None
    tx.session.add(OutboxAttempt(message_id=row.id, at=tx.now,
                                 outcome="sent" if ok else "error", detail=text))
    if row.state is S.DELIVERED and ok and row.sent_at is None:
        row.sent_at = tx.now  # its receipt came before the send was recorded
    if row.state in (S.CANCELLED, S.DELIVERED):
        return row.state
    row.claimed_until = None
    if ok:
        row.state, row.sent_at, row.last_error = S.SENT, tx.now, None
    else:
        row.last_error = text or "the channel refused the message"
        if row.attempts >= max_attempts:
            row.state = S.FAILED
        else:
            row.state = S.QUEUED
            row.next_attempt_at = tx.now + backoff(row.attempts, first_backoff)
    return row.state


def record_delivery(tx: Tx, key: str, status: str, detail: str | None = None) -> S | None:
    """A channel's delivery receipt for the message with idempotency ``key``:
    ``delivered`` marks a sent message delivered (``delivered_at``); ``failed`` /
    ``undelivered`` records the reason and marks it failed (a coordinator may resend).
    A receipt for an unknown key returns None; a repeated one changes nothing.  Raises
    RuleViolation for another status."""
    row = tx.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if status not in ("delivered", "failed", "undelivered"):
        raise RuleViolation(Phrase.of(N_("status %(status)s: one of delivered, failed, "
                                         "undelivered"),
                                      status=repr(status)),
                            field="status")
    if row is None:
        return None
    if row.state not in (S.SENT, S.SENDING):
        return row.state  # delivered already, cancelled, or queued again by a resend
    text = (detail or "")[:500] or None
    if status == "delivered":
        row.state, row.delivered_at = S.DELIVERED, tx.now
        row.claimed_until = None
    else:
        row.state, row.last_error = S.FAILED, text or f"the handset was not reached ({status})"
    tx.session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome=status,
                                 detail=text))
    return row.state


def resend(tx: Tx, message_id: int) -> None:
    """A coordinator queues a failed, cancelled or sent message again, now; its
    idempotency key stays (a receiver that keeps keys knows it is the same message)."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    row = access_outbox_message(tx.session, tx.actor, message_id)
    if row.state in (S.QUEUED, S.SENDING):
        raise ConflictError(Phrase.of(N_("message %(id)s is %(state)s already"),
                                      id=row.id, state=Phrase(row.state.value)))
    before = row.state.value
    row.state, row.next_attempt_at, row.attempts = S.QUEUED, tx.now, 0
    row.claimed_until = None
    tx.session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome="resend",
                                 detail=f"by {tx.actor.username}"))
    tx.audit("resend_message", "outbox_message", row.id, before={"state": before},
             after={"state": row.state.value})


def cancel(tx: Tx, message_id: int) -> None:
    """A coordinator stops a message that has not been sent."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    row = access_outbox_message(tx.session, tx.actor, message_id)
    if row.state in (S.SENT, S.DELIVERED, S.CANCELLED):
        raise ConflictError(Phrase.of(N_("message %(id)s is %(state)s already"),
                                      id=row.id, state=Phrase(row.state.value)))
    before = row.state.value
    row.state, row.claimed_until = S.CANCELLED, None
    tx.session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome="cancel",
                                 detail=f"by {tx.actor.username}"))
    tx.audit("cancel_message", "outbox_message", row.id, before={"state": before},
             after={"state": row.state.value})


# -- contacts ----------------------------------------------------------------------------
def e164(number: str, region: str | None = "NL", *, field: str = "phone") -> str:
    """A phone number as E.164 (``+31612345678``); a national number is read in
    ``region``.  Raises RuleViolation naming the field when it is not a valid number."""
    text = (number or "").strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise RuleViolation(Phrase.of(N_("%(field)s %(text)s is not a phone number (%(reason)s)"),
                                      field=field, text=repr(text), reason=str(exc)),
                            field=field) from None
    if not phonenumbers.is_valid_number(parsed):
        raise RuleViolation(Phrase.of(N_("%(field)s %(text)s is not a valid phone number"),
                                      field=field, text=repr(text)), field=field)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def set_passenger_contact(tx: Tx, passenger_id: int, *, phone: str | None = None,
                          guardian_phone: str | None = None, opted_out: bool = False,
                          region: str | None = "NL",
                          guardian_language: str | None = None) -> int:
    """Record how to reach a passenger by SMS (numbers stored E.164) and their consent:
    ``opted_out`` stops every message to them; a minor's go to ``guardian_phone`` in
    ``guardian_language`` (a name or code; the child's language when not given).
    Returns the contact id.  Raises RuleViolation naming the field for a bad number, a
    language name over 40 characters, or when nothing is given."""
    passenger = access_passenger(tx.session, tx.actor, passenger_id, Need.COORDINATE)
    if not (phone or "").strip() and not (guardian_phone or "").strip() and not opted_out:
        raise RuleViolation(Phrase(N_("give a mobile number, a guardian's number, or that they "
                                      "do not want messages")), field="phone")
    numbers = {"phone": e164(phone, region) if phone else None,
               "guardian_phone": e164(guardian_phone, region, field="guardian_phone")
               if guardian_phone else None}
    contact = tx.session.scalar(select(Contact).where(Contact.passenger_id == passenger.id))
    if contact is None:
        contact = Contact(passenger_id=passenger.id, updated_at=tx.now)
        tx.session.add(contact)
    contact.phone, contact.guardian_phone = numbers["phone"], numbers["guardian_phone"]
    language = (guardian_language or "").strip() or None
    if language is not None and len(language) > 40:
        raise RuleViolation(Phrase(N_("guardian_language: at most 40 characters")),
                            field="guardian_language")
    contact.opted_out, contact.updated_at = opted_out, tx.now
    contact.guardian_language = language
    tx.session.flush()
    # Numbers are personal data: the audit says what kind changed, not the number.
    tx.audit("set_contact", "passenger", passenger.id, after={
        "phone": bool(contact.phone), "guardian_phone": bool(contact.guardian_phone),
        "opted_out": opted_out, "guardian_language": language})
    return contact.id


def set_organisation_email(tx: Tx, organisation_id: int, email: str | None, *,
                           phone: str | None = None, region: str | None = "NL") -> int:
    """The address an organisation's messages go to, and for a family waiting at
    arrivals the number their SMS goes to (coordinators and admins)."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    org = tx.session.get(Organisation, organisation_id)
    if org is None:
        raise not_found("organisation")
    address = _email(email)
    contact = tx.session.scalar(select(Contact).where(Contact.organisation_id == org.id))
    if contact is None:
        contact = Contact(organisation_id=org.id, updated_at=tx.now)
        tx.session.add(contact)
    contact.email, contact.updated_at = address, tx.now
    contact.phone = e164(phone, region) if phone else None
    tx.session.flush()
    tx.audit("set_contact", "organisation", org.id,
             after={"email": address, "phone": bool(contact.phone)})
    return contact.id


def _email(value: str | None, field: str = "email") -> str | None:
    address = (value or "").strip() or None
    if address is not None and (address.count("@") != 1 or " " in address
                                or len(address) > 254 or address.startswith("@")
                                or address.endswith("@")):
        raise RuleViolation(Phrase.of(N_("%(field)s %(address)s is not an e-mail address"),
                                      field=field, address=repr(address)), field=field)
    return address


def set_carrier_contact(tx: Tx, carrier: str, email: str | None) -> str:
    """Where carrier ``carrier`` (IATA designator, 2-3 letters/digits) takes its
    special-assistance pre-notifications; None removes it.  Coordinators and admins.
    Returns the designator.  Raises RuleViolation naming the field."""
    from ..outbox_models import CarrierContact

    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    code = (carrier or "").strip().upper()
    if not (2 <= len(code) <= 3 and code.isalnum()):
        raise RuleViolation(Phrase.of(N_("carrier %(carrier)s is not an IATA designator (2-3 "
                                         "letters or digits, e.g. KL)"),
                                      carrier=repr(carrier)), field="carrier")
    address = _email(email)
    row = tx.session.get(CarrierContact, code)
    if address is None:
        if row is not None:
            tx.session.delete(row)
    elif row is None:
        tx.session.add(CarrierContact(carrier=code, email=address, updated_at=tx.now))
    else:
        row.email, row.updated_at = address, tx.now
    tx.session.flush()
    tx.audit("set_contact", "carrier", None, after={"carrier": code, "email": address})
    return code


def set_case_mission(tx: Tx, case_reference: str, organisation_name: str | None) -> int:
    """The receiving mission abroad (an organisation of kind receiving_mission) that
    receives a case departing with reception; None: nobody.  Returns the case id.
    NotFound names what is missing; RuleViolation when the organisation is not a
    receiving mission."""
    from ..access import access_case
    from ..models import Case
    from ..outbox_models import CaseMission
    from ..vocabulary import OrganisationKind
    from .handovers import organisation_by_name

    ref = case_reference.strip().upper()
    case_id = tx.session.scalar(select(Case.id).where(Case.reference == ref))
    if case_id is None:
        raise NotFound(Phrase.of(N_("case %(ref)s does not exist"), ref=ref))
    case = access_case(tx.session, tx.actor, int(case_id), Need.COORDINATE)
    row = tx.session.get(CaseMission, case.id)
    if organisation_name is None:
        if row is not None:
            tx.session.delete(row)
        org_id = None
    else:
        org = organisation_by_name(tx, organisation_name)
        if org.kind is not OrganisationKind.RECEIVING_MISSION:
            raise RuleViolation(Phrase.of(N_("%(name)s is a %(kind)s, not a receiving mission"),
                                          name=org.name,
                                          kind=Phrase(org.kind.value.replace("_", " "))),
                                field="organisation")
        org_id = org.id
        if row is None:
            tx.session.add(CaseMission(case_id=case.id, organisation_id=org.id))
        else:
            row.organisation_id = org.id
    tx.session.flush()
    tx.audit("set_mission", "case", case.id, after={"organisation": org_id})
    return case.id


def set_case_counterpart(tx: Tx, case_id: int, organisation_id: int | None) -> None:
    """The organisation told about the case's journey (None: nobody)."""
    from ..access import access_case

    case = access_case(tx.session, tx.actor, case_id, Need.COORDINATE)
    row = tx.session.get(CaseCounterpart, case.id)
    if organisation_id is None:
        if row is not None:
            tx.session.delete(row)
    else:
        if tx.session.get(Organisation, organisation_id) is None:
            raise not_found("organisation")
        if row is None:
            tx.session.add(CaseCounterpart(case_id=case.id, organisation_id=organisation_id))
        else:
            row.organisation_id = organisation_id
    tx.session.flush()
    tx.audit("set_counterpart", "case", case.id, after={"organisation": organisation_id})


def set_counterpart_by_names(tx: Tx, case_reference: str, organisation_name: str) -> int:
    """``set_case_counterpart`` by the case's reference and the organisation's name (the
    command line); returns the case id.  NotFound names what is missing."""
    from ..models import Case
    from .handovers import organisation_by_name

    ref = case_reference.strip().upper()
    case_id = tx.session.scalar(select(Case.id).where(Case.reference == ref))
    if case_id is None:
        raise NotFound(Phrase.of(N_("case %(ref)s does not exist"), ref=ref))
    set_case_counterpart(tx, case_id, organisation_by_name(tx, organisation_name).id)
    return int(case_id)


# -- partner systems ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Subscribed:
    id: int
    #: Shown once: the partner verifies our signatures with it.
    secret: str


def subscribe_webhook(tx: Tx, airport: str, url: str, events: list[str], *,
                      organisation_id: int | None = None,
                      allow_private: bool = False) -> Subscribed:
    """A partner system's URL gets the airport's ``events`` (``outbox.Event`` kinds, or
    ``*``) as signed JSON POSTs.  Coordinators of that airport and admins.  Raises
    RuleViolation naming the field for a URL a webhook may not post to
    (:func:`..webhook_address.check_webhook_url`; ``allow_private`` is the
    ``MOVEMENTS_WEBHOOK_ALLOW_PRIVATE`` setting) or an unknown kind."""
    import base64
    import secrets

    from ..access import access_airport
    from ..outbox import Event
    from ..webhook_address import check_webhook_url

    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    place = access_airport(tx.session, tx.actor, airport, Need.COORDINATE)
    address = check_webhook_url(url, allow_private=allow_private)
    kinds = sorted({e.strip() for e in events if e.strip()})
    unknown = [k for k in kinds if k != "*" and k not in Event.ALL]
    if not kinds or unknown:
        raise RuleViolation(Phrase.of(N_("events: unknown %(unknown)s; known: %(known)s or *"),
                                      unknown=", ".join(unknown) or Phrase(N_("(none given)")),
                                      known=", ".join(Event.ALL)), field="events")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    row = WebhookSubscription(airport_id=place.id, organisation_id=organisation_id,
                              url=address, secret=secret, events=",".join(kinds),
                              active=True, created_at=tx.now)
    tx.session.add(row)
    tx.session.flush()
    tx.audit("subscribe_webhook", "webhook_subscription", row.id,
             after={"url": address, "events": kinds, "airport": place.iata})
    return Subscribed(row.id, secret)


def disable_webhook(tx: Tx, webhook_id: int) -> str:
    """Stop posting to a subscription (its queued deliveries are cancelled; its log
    stays).  Coordinators of its airport and admins; returns the airport's code.
    Raises ConflictError when it is disabled already."""
    from ..access import access_webhook

    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    hook = access_webhook(tx.session, tx.actor, webhook_id)
    if not hook.active:
        raise ConflictError(Phrase.of(N_("webhook %(id)s is disabled already"), id=hook.id))
    hook.active = False
    for row in tx.session.scalars(select(OutboxMessage).where(
            OutboxMessage.webhook_id == hook.id,
            OutboxMessage.state.in_((S.QUEUED, S.FAILED)))):
        row.state, row.claimed_until, row.last_error = S.CANCELLED, None, "webhook disabled"
        tx.session.add(OutboxAttempt(message_id=row.id, at=tx.now, outcome="cancel",
                                     detail=f"webhook disabled by {tx.actor.username}"))
    tx.audit("disable_webhook", "webhook_subscription", hook.id, before={"active": True},
             after={"active": False})
    airport = tx.session.get(Airport, hook.airport_id)
    return airport.iata if airport is not None else ""


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: int
    url: str
    events: str
    active: bool
    created_at: datetime
    delivered: int
    failing: int
    organisation: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    message_id: int
    event: str
    state: str
    attempts: tuple[tuple[datetime, str, str | None], ...]


@dataclass(frozen=True, slots=True)
class WebhooksPage:
    airport: str
    timezone: str
    airports: tuple[str, ...]
    hooks: list[WebhookRow]
    events: tuple[str, ...]
    #: The subscription shown with its delivery log (``?log=<id>``), and that log.
    log_of: WebhookRow | None = None
    log: list[DeliveryRow] | None = None


def webhooks_page(session: Session, actor: object, asked: str | None, default: str,
                  log_of: int | None = None) -> WebhooksPage:
    """The partner systems subscribed to one of the actor's airports (coordinators and
    admins; NotFound otherwise), and optionally one subscription's delivery log: each
    delivery (newest first, at most 50) with every try and what the receiver answered."""
    from sqlalchemy import func

    from ..access import access_webhook
    from ..outbox import Event
    from ..uow import Actor
    from ..views import airport_choice

    assert isinstance(actor, Actor)
    choice = airport_choice(session, actor, asked, default, Need.COORDINATE)
    airport_id = int(session.scalar(select(Airport.id).where(Airport.iata == choice.code))
                     or 0)
    counts: dict[tuple[int, str], int] = {
        (int(h or 0), str(st.value if isinstance(st, S) else st)): int(n)
        for h, st, n in session.execute(
            select(OutboxMessage.webhook_id, OutboxMessage.state, func.count())
            .where(OutboxMessage.webhook_id.is_not(None),
                   OutboxMessage.airport_id == airport_id)
            .group_by(OutboxMessage.webhook_id, OutboxMessage.state))}

    def row(h: WebhookSubscription) -> WebhookRow:
        org = session.get(Organisation, h.organisation_id) if h.organisation_id else None
        return WebhookRow(h.id, h.url, h.events, h.active, h.created_at,
                          counts.get((h.id, "sent"), 0), counts.get((h.id, "failed"), 0)
                          + counts.get((h.id, "queued"), 0), org.name if org else None)

    hooks = [row(h) for h in session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.airport_id == airport_id).order_by(WebhookSubscription.id))]
    shown = log = None
    if log_of is not None:
        hook = access_webhook(session, actor, log_of)
        if hook.airport_id != airport_id:
            raise NotFound(Phrase.of(N_("webhook %(log_of)s is not one of %(code)s's"),
                                     log_of=log_of, code=choice.code))
        shown = row(hook)
        log = [DeliveryRow(m.id, m.event, m.state.value,
                           tuple((a.at, a.outcome, a.detail) for a in m.attempt_log))
               for m in session.scalars(select(OutboxMessage).where(
                   OutboxMessage.webhook_id == hook.id)
                   .order_by(OutboxMessage.id.desc()).limit(50))]
    return WebhooksPage(choice.code, choice.timezone, choice.codes, hooks,
                        Event.ALL, shown, log)


# -- reading -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    event: str
    channel: str
    recipient: str
    language: str
    subject: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    segments: int | None = None
    #: What was said: an SMS whole (free of health data by construction), an e-mail's
    #: first lines, a webhook's JSON cut short.
    text: str = ""
    delivered_at: datetime | None = None


#: What a stored body says where the console's public address goes: stored unfilled so
#: a changed ``MOVEMENTS_PUBLIC_URL`` applies to messages still queued.
PUBLIC_URL = "{public_url}"


def filled(body: str, public_url: str) -> str:
    """A stored message body as it is sent, and so as the outbox shows it: the
    ``{public_url}`` placeholder replaced by the console's public address (no trailing
    slash).  The one renderer of stored bodies (channels and outbox page)."""
    return body.replace(PUBLIC_URL, public_url.rstrip("/"))


def outbox_rows(session: Session, actor: object, airport_id: int, *,
                states: tuple[str, ...] | None = None, limit: int = 200,
                public_url: str = "") -> list[OutboxRow]:
    """The airport's outbox, newest first, for the coordinators' page.  Recipients are
    shown masked (the last 3 digits of a number, the domain of an address); the text is
    as sent (:func:`filled` with ``public_url``)."""
    from ..uow import Actor

    assert isinstance(actor, Actor)
    if not may_at(actor, Need.COORDINATE, airport_id):
        raise NotFound(Phrase(N_("no outbox among yours")))
    query = select(OutboxMessage).where(OutboxMessage.airport_id == airport_id)
    if states:
        query = query.where(OutboxMessage.state.in_(states))
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit))
    return [OutboxRow(r.id, r.event, r.channel.value, mask(r.recipient), r.language,
                      r.subject, r.state.value, r.attempts, r.last_error, r.created_at,
                      r.next_attempt_at, r.sent_at, r.segments, preview(r, public_url),
                      r.delivered_at) for r in rows]


#: How many lines of an e-mail the outbox page shows.
PREVIEW_LINES = 3


def preview(row: OutboxMessage, public_url: str = "") -> str:
    """The part of a message a list shows, filled as sent (:func:`filled`): an SMS's
    whole body, an e-mail's first ``PREVIEW_LINES`` non-empty lines, a webhook body's
    first 160 characters."""
    body = filled(row.body, public_url)
    if row.channel is Channel.SMS:
        return body
    if row.channel is Channel.EMAIL:
        lines = [line for line in body.splitlines() if line.strip()]
        more = " …" if len(lines) > PREVIEW_LINES else ""
        return "\n".join(lines[:PREVIEW_LINES]) + more
    return body[:160] + (" …" if len(body) > 160 else "")


@dataclass(frozen=True, slots=True)
class OutboxPage:
    airport: str
    timezone: str
    airports: tuple[str, ...]
    state: str | None
    rows: list[OutboxRow]
    counts: dict[str, int]


def outbox_page(session: Session, actor: object, asked: str | None, default: str,
                state: str | None = None, *, public_url: str = "") -> OutboxPage:
    """The coordinators' outbox page of one of their airports (NotFound otherwise):
    newest messages first, optionally of one state, and how many there are per state.
    Raises RuleViolation for a state that does not exist."""
    from sqlalchemy import func

    from ..uow import Actor
    from ..views import airport_choice

    assert isinstance(actor, Actor)
    if state is not None and state not in {s.value for s in S}:
        raise RuleViolation(Phrase.of(N_("unknown state %(state)s: one of %(states)s"),
                                      state=repr(state), states=", ".join(s.value for s in S)),
                            field="state")
    choice = airport_choice(session, actor, asked, default, Need.COORDINATE)
    airport_id = int(session.scalar(select(Airport.id).where(Airport.iata == choice.code))
                     or 0)
    rows = outbox_rows(session, actor, airport_id, states=(state,) if state else None,
                       public_url=public_url)
    counts = {str(k.value if isinstance(k, S) else k): int(n) for k, n in session.execute(
        select(OutboxMessage.state, func.count()).where(
            OutboxMessage.airport_id == airport_id).group_by(OutboxMessage.state))}
    return OutboxPage(choice.code, choice.timezone, choice.codes, state, rows, counts)


def message_airport(session: Session, message_id: int) -> str:
    """The IATA code of a message's airport (after an action that checked access)."""
    row = session.get(OutboxMessage, message_id)
    airport = session.get(Airport, row.airport_id) if row is not None else None
    return airport.iata if airport is not None else ""


def mask(recipient: str) -> str:
    """A recipient as a list shows it: ``+31•••••678``, ``•••@example.org``."""
    if "@" in recipient:
        return "•••@" + recipient.split("@", 1)[1]
    return recipient[:3] + "•" * max(0, len(recipient) - 6) + recipient[-3:]


__all__ = ["CLAIM", "MAX_ATTEMPTS", "OutboxPage", "OutboxRow", "Outgoing", "backoff",
           "cancel", "claim_due", "e164", "filled", "mask", "message_airport", "outbox_page",
           "outbox_rows", "preview", "record_delivery", "record_result", "resend",
           "set_carrier_contact", "set_case_mission", "disable_webhook", "webhooks_page",
           "WebhooksPage", "set_case_counterpart",
           "set_organisation_email", "set_passenger_contact", "subscribe_webhook"]
