"""Carrier pre-notification of special-assistance needs (issue 14.5).

EU Regulation 1107/2006 (art. 7) guarantees assistance when the need is notified at
least 48 hours before the published departure.  For a movement with passengers who have
SSR needs we produce, from the data:

* a PSM-shaped Type B text in the one shape ``movements.ingest.psm`` documents (so the
  console's own parser reads it back), one line per passenger::

      PSM
      OR9301/15SEP AMS PART1
      WCHR 1 BGW HASSAN/LAYLA MRS FT LONG CORRIDORS
      ENDPSM

  A corrected notification (the needs changed after one was sent) starts with ``COR``.
* a readable email body for the carrier's special-assistance desk.

Free text of codes that carry health data (MEDA, STCR, OXYG...) is never sent: the
carrier gets the medical details on the MEDIF, not in a message.  The agency's own flags
(trafficking, chronic condition, escorts) are never part of either text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .errors import RuleViolation, not_found
from .models import Booking, BookingStatus, Movement, MovementKind, Passenger
from .phrases import N_, Phrase
from .planning_models import CarrierNotification
from .ssr import SSR_CODES

#: Regulation (EC) 1107/2006, art. 7(1): notified at least 48 hours before departure.
NOTICE_LEAD = timedelta(hours=48)
DEPARTING = (MovementKind.DEPARTURE, MovementKind.TRANSIT_OUT)


def type_b_word(text: str) -> str:
    """Upper-case A-Z only (Type B carries no accents, spaces or hyphens in names)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z]", "", plain.upper())


def _free_text(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 .,/-]", " ", plain)).strip()


def _title(p: Passenger, when: datetime) -> str | None:
    minor = p.is_minor_on(when.date())
    if p.sex == "M":
        return "MSTR" if minor else "MR"
    if p.sex == "F":
        return "MISS" if minor else "MRS"
    return None


@dataclass(frozen=True, slots=True)
class NoticeLine:
    passenger_id: int
    name: str  # SURNAME/GIVEN TITLE
    codes: tuple[str, ...]
    destination: str
    seat: str | None
    free_text: str | None
    meanings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CarrierNotice:
    movement_id: int
    flight: str
    carrier: str
    departs_at: datetime
    lines: tuple[NoticeLine, ...]
    telex: str
    email_subject: str
    email_body: str
    fingerprint: str
    corrected: bool
    last_sent_at: datetime | None
    last_sent_by: str | None
    deadline: datetime

    @property
    def up_to_date(self) -> bool:
        """Sent, and nothing changed since."""
        return self.last_sent_at is not None and not self.corrected


def _lines(session: Session, movement: Movement) -> tuple[NoticeLine, ...]:
    out: list[NoticeLine] = []
    bookings = session.scalars(select(Booking).where(
        Booking.movement_id == movement.id, Booking.status != BookingStatus.CANCELLED)
        .order_by(Booking.id)
        # Passengers and their needs in two statements, not two per passenger.
        .options(selectinload(Booking.passenger).selectinload(Passenger.needs)))
    for b in bookings:
        p = b.passenger
        codes = tuple(c for c in p.codes if c in SSR_CODES)
        if not codes or p.purged_at is not None:
            continue
        surname = type_b_word(p.surname)
        given = type_b_word(p.given_names)
        if not surname:
            raise RuleViolation(Phrase.of(N_("%(initials)s: the surname needs Latin letters as "
                                             "in the travel document for a Type B message"),
                                          initials=p.initials), field="surname")
        title = _title(p, movement.scheduled_at)
        name = f"{surname}/{given}" + (f" {title}" if title else "")
        texts = [_free_text(n.text) for n in p.needs
                 if n.text and n.code in SSR_CODES and not SSR_CODES[n.code].health_data]
        free = " ".join(t for t in texts if t) or None
        out.append(NoticeLine(p.id, name, codes, b.stop or movement.destination, b.seat, free,
                              tuple(SSR_CODES[c].meaning for c in codes)))
    return tuple(out)


def _telex(m: Movement, lines: tuple[NoticeLine, ...], corrected: bool) -> str:
    day = m.scheduled_at.strftime("%d%b").upper()
    rows = ["COR"] if corrected else []
    rows += ["PSM", f"{m.flight}/{day} {m.airport.iata} PART1"]
    for ln in lines:
        row = f"{'/'.join(ln.codes)} 1 {ln.destination} {ln.name}"
        if ln.seat:
            row += f" {ln.seat}"
        if ln.free_text:
            row += f" FT {ln.free_text}"
        rows.append(row)
    rows.append("ENDPSM")
    return "\n".join(rows) + "\n"


def _email(m: Movement, lines: tuple[NoticeLine, ...], corrected: bool,
           agency: str) -> tuple[str, str]:
    when = m.scheduled_at.strftime("%d %b %Y %H:%M UTC")
    subject = (f"{'CORRECTED ' if corrected else ''}Special assistance notification "
               f"{m.flight} {m.operational_date.isoformat()} {m.airport.iata}-{m.destination}")
    body = [f"To the special assistance desk of {m.carrier},", "",
            ("This CORRECTS our earlier notification for this flight; please replace it."
             if corrected else
             "Under Regulation (EC) 1107/2006 we notify the assistance needs below."),
            "", f"Flight: {m.flight}, departing {m.airport.iata} {when}", "",
            f"Passengers needing assistance: {len(lines)}", ""]
    for i, ln in enumerate(lines, 1):
        needs = "; ".join(f"{c} ({meaning})" for c, meaning in zip(ln.codes, ln.meanings,
                                                                     strict=True))
        body.append(f"{i}. {ln.name} to {ln.destination}: {needs}")
        if ln.free_text:
            body.append(f"   Note: {ln.free_text}")
    body += ["", "Medical clearances (MEDIF) travel separately.", "", f"Regards, {agency}"]
    return subject, "\n".join(body) + "\n"


def carrier_notice(session: Session, movement_id: int,
                   agency: str | None = None) -> CarrierNotice:
    """The notification as it would be sent now, and whether it corrects a sent one.

    Signed by ``agency``, by default "the agency's <IATA> airport team" of the
    movement's airport: the one signature for what a coordinator is shown (pages, API)
    and what is stored when it is issued (and sent by the outbox).

    Raises ``NotFound`` for an unknown movement and ``RuleViolation`` when no passenger
    on it has SSR needs (nothing to notify)."""
    m = session.get(Movement, movement_id)
    if m is None:
        raise not_found("movement")
    lines = _lines(session, m)
    if not lines:
        raise RuleViolation(Phrase.of(N_("no passenger on %(flight)s has special-assistance "
                                         "needs: nothing to notify"),
                                      flight=m.flight), field="movement")
    fingerprint = hashlib.sha256(repr((m.flight, m.scheduled_at.isoformat(),
                                       lines)).encode()).hexdigest()
    last = session.scalars(select(CarrierNotification).where(
        CarrierNotification.movement_id == m.id)
        .order_by(CarrierNotification.id.desc()).limit(1)).first()
    corrected = last is not None and last.fingerprint != fingerprint
    subject, body = _email(m, lines, corrected,
                           agency or f"the agency's {m.airport.iata} airport team")
    return CarrierNotice(
        movement_id=m.id, flight=m.flight, carrier=m.carrier, departs_at=m.scheduled_at,
        lines=lines, telex=_telex(m, lines, corrected), email_subject=subject,
        email_body=body, fingerprint=fingerprint, corrected=corrected,
        last_sent_at=last.sent_at if last else None,
        last_sent_by=last.username if last else None,
        deadline=m.scheduled_at - NOTICE_LEAD)


NOTICE_CHANGED = N_("%(flight)s: the carrier notification changed after it was sent; send "
                    "the corrected notification")
NOTICE_MISSING = N_("%(flight)s: carrier not notified of %(n)d passenger(s) needing "
                    "assistance, 48 h before departure passed at %(deadline)s")


def needs_notice(session: Session, movement: Movement, now: datetime) -> Phrase | None:
    """Why the carrier's notification is overdue (a phrase), or None.

    Overdue: a departing movement within 48 hours, not yet gone, with SSR passengers,
    and no notification sent for what the data says now."""
    if movement.kind not in DEPARTING or movement.flight_state == "CNX":
        return None
    if not (movement.scheduled_at - NOTICE_LEAD <= now < movement.scheduled_at):
        return None
    try:
        notice = carrier_notice(session, movement.id)
    except RuleViolation:
        return None
    if notice.up_to_date:
        return None
    if notice.last_sent_at is not None:
        return Phrase.of(NOTICE_CHANGED, flight=movement.flight)
    deadline = notice.deadline.astimezone(ZoneInfo(movement.airport.timezone))
    return Phrase.of(NOTICE_MISSING, flight=movement.flight, n=len(notice.lines),
                     deadline=f"{deadline:%d-%m %H:%M}")


__all__ = ["NOTICE_LEAD", "CarrierNotice", "NoticeLine", "carrier_notice", "needs_notice",
           "type_b_word"]
