"""Alerts: raised and cleared by the rules as the situation changes, acknowledged by a
coordinator.

``evaluate_alerts`` builds a snapshot of one airport's open work (the movements of
yesterday, today and tomorrow, airport-local), runs the pure rules in
``movements.domain.alert_rules`` and reconciles the result with the open alerts by their
dedupe key: a new key raises an alert, a key the rules no longer produce clears it, the
same key again changes nothing (a changed message is updated in place).  Every raise,
clear and acknowledgement is an event on the movement's streams, so the board row's alert
count and the alert list follow live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import alert_rules as rules
from ..access import Need, access_alert
from ..clock import local_date
from ..errors import RuleViolation, not_found
from ..events import AlertAcknowledged, AlertCleared, AlertRaised
from ..flight_states import shown_states
from ..models import (
    Airport,
    Alert,
    AuditEntry,
    Booking,
    ConnectionRule,
    EscortAssignment,
    Movement,
    MovementKind,
    Passenger,
    Role,
    Transit,
    UmnrRule,
    User,
)
from ..phrases import N_, Phrase, phrase_data, stored_phrase
from ..uow import Tx
from ._common import require_role


@dataclass(frozen=True, slots=True)
class AlertRun:
    raised: int
    cleared: int
    open: int


# ------------------------------------------------------------------------- snapshot

def _window(now: datetime, tz: str) -> tuple[date, date]:
    today = local_date(now, tz)
    return today - timedelta(days=1), today + timedelta(days=1)


def _gate_changes(session: Session, ids: list[int]) -> dict[int, rules.GateChange]:
    """The latest gate change of each movement, from the audit trail of update_flight."""
    out: dict[int, rules.GateChange] = {}
    if not ids:
        return out
    for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update_flight",
                                     AuditEntry.entity == "movement",
                                     AuditEntry.entity_id.in_(ids))
            .order_by(AuditEntry.id)):
        before, after = entry.before or {}, entry.after or {}
        if "gate" in after and before.get("gate") and after.get("gate") and \
                entry.entity_id is not None:
            out[entry.entity_id] = rules.GateChange(entry.at, str(before["gate"]),
                                                    str(after["gate"]))
    return out


def build_snapshot(session: Session, airport: Airport, now: datetime) -> rules.Snapshot:
    first, last = _window(now, airport.timezone)
    movements = list(session.scalars(
        select(Movement).where(Movement.airport_id == airport.id,
                               Movement.operational_date >= first,
                               Movement.operational_date <= last,
                               Movement.completed.is_(False))
        .options(selectinload(Movement.bookings).selectinload(Booking.milestones),
                 selectinload(Movement.bookings).selectinload(Booking.passenger)
                 .selectinload(Passenger.needs),
                 selectinload(Movement.bookings).selectinload(Booking.passenger)
                 .selectinload(Passenger.case))))
    ids = [m.id for m in movements]
    transits: list[tuple[int, int]] = []
    onward_of: dict[int, int] = {}
    inbound_of: dict[int, int] = {}
    if ids:
        for inbound_id, onward_id in session.execute(
                select(Transit.inbound_movement_id, Transit.onward_movement_id).where(
                    Transit.inbound_movement_id.in_(ids) | Transit.onward_movement_id.in_(ids))):
            transits.append((inbound_id, onward_id))
            onward_of[inbound_id] = onward_id
            inbound_of[onward_id] = inbound_id
    escorts: dict[tuple[int, int], set[str]] = {}
    if ids:
        for e in session.scalars(select(EscortAssignment).where(
                EscortAssignment.movement_id.in_(ids))):
            escorts.setdefault((e.movement_id, e.passenger_id), set()).add(e.kind.value)
    steps: dict[tuple[int, int], dict[str, datetime]] = {}
    for m in movements:
        for b in m.bookings:
            steps[(m.id, b.passenger_id)] = {x.kind: x.at for x in b.milestones}
    gate_changes = _gate_changes(session, ids)

    def journey(movement_id: int) -> list[int]:
        legs = [movement_id]
        if movement_id in onward_of:
            legs.append(onward_of[movement_id])
        if movement_id in inbound_of:
            legs.append(inbound_of[movement_id])
        return legs

    snaps: dict[int, rules.MovementSnap] = {}
    for m in movements:
        pax = []
        for b in m.bookings:
            p = b.passenger
            legs = journey(m.id)
            done: dict[str, datetime] = {}
            kinds: set[str] = set()
            for leg in legs:
                done.update(steps.get((leg, p.id), {}))
                kinds |= escorts.get((leg, p.id), set())
            pax.append(rules.PaxSnap(
                passenger_id=p.id, initials=p.initials, status=b.status.value,
                codes=frozenset(p.codes), medical_escort_required=p.medical_escort_required,
                operational_escort_required=p.operational_escort_required, milestones=done,
                escorts=frozenset(kinds), case_id=p.case_id, case_reference=p.case.reference,
                case_split=p.case.split_flagged))
        snaps[m.id] = rules.MovementSnap(
            id=m.id, kind=m.kind.value, carrier=m.carrier, flight=m.flight,
            scheduled_at=m.scheduled_at, estimated_at=m.estimated_at, actual_at=m.actual_at,
            gate=m.gate, flight_state=m.flight_state, completed=m.completed,
            passengers=tuple(pax), last_gate_change=gate_changes.get(m.id),
            flight_states=shown_states(m.flight_state, m.flight_states))
    connection_rules = {r.carrier: r.min_connection_minutes for r in session.scalars(
        select(ConnectionRule).where(ConnectionRule.airport_id == airport.id))}
    umnr_rules = {r.carrier: (r.allows_connections, r.max_connections)
                  for r in session.scalars(select(UmnrRule))}
    return rules.Snapshot(
        now=now, airport_id=airport.id, airport=airport.iata, timezone=airport.timezone,
        escort_transfer_minutes=airport.escort_transfer_minutes,
        min_connection_minutes=airport.min_connection_minutes,
        connection_rules=connection_rules, umnr_rules=umnr_rules, movements=snaps,
        transits=tuple(t for t in transits if t[0] in snaps and t[1] in snaps))


# -------------------------------------------------------------------------- actions

def _airport(tx: Tx, code: str) -> Airport:
    airport = tx.session.scalar(select(Airport).where(Airport.iata == code.strip().upper()))
    if airport is None:
        raise RuleViolation(Phrase.of(N_("airport %(code)s is not set up"),
                                      code=repr(code)), field="airport")
    return airport


def airport_codes(session: Session) -> list[str]:
    """Every airport of the deployment (IATA codes, sorted): the alert job runs at each."""
    return list(session.scalars(select(Airport.iata).order_by(Airport.iata)))


def evaluate_alerts(tx: Tx, airport_code: str) -> AlertRun:
    """Raise what the rules call for now, clear what they no longer do (idempotent)."""
    require_role(tx, Role.ADMIN, Role.COORDINATOR)
    airport = _airport(tx, airport_code)
    specs = {s.dedupe_key: s for s in rules.evaluate(build_snapshot(tx.session, airport,
                                                                       tx.now))}
    open_alerts = {a.dedupe_key: a for a in tx.session.scalars(
        select(Alert).where(Alert.airport_id == airport.id, Alert.cleared_at.is_(None))
        .order_by(Alert.id))}
    raised = cleared = 0
    for key, spec in specs.items():
        existing = open_alerts.get(key)
        if existing is not None:
            if existing.message != spec.message or existing.message_phrase is None:
                existing.message = spec.message[:500]
                existing.message_phrase = phrase_data(spec.phrase)
            continue
        alert = Alert(airport_id=airport.id, movement_id=spec.movement_id,
                      passenger_id=spec.passenger_id, kind=spec.kind, dedupe_key=key,
                      message=spec.message[:500], message_phrase=phrase_data(spec.phrase),
                      raised_at=tx.now)
        tx.session.add(alert)
        tx.session.flush()
        _record(tx, AlertRaised, alert)
        tx.audit("raise_alert", "alert", alert.id,
                 after={"kind": alert.kind, "movement": alert.movement_id})
        raised += 1
    for key, alert in open_alerts.items():
        if key in specs or alert.kind not in rules.RULE_KINDS:
            continue
        alert.cleared_at = tx.now
        tx.session.flush()
        _record(tx, AlertCleared, alert)
        tx.audit("clear_alert", "alert", alert.id,
                 after={"kind": alert.kind, "movement": alert.movement_id})
        cleared += 1
    return AlertRun(raised=raised, cleared=cleared, open=len(specs))


def acknowledge_alert(tx: Tx, alert_id: int) -> bool:
    """A coordinator has seen it: who and when.  Acknowledging twice changes nothing."""
    require_role(tx, Role.COORDINATOR, Role.ADMIN)
    alert = access_alert(tx.session, tx.actor, alert_id, Need.COORDINATE)
    if alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at = tx.now
    alert.acknowledged_by_user_id = tx.actor.user_id
    if alert.kind not in rules.RULE_KINDS:
        alert.cleared_at = tx.now  # no rule clears an action's alert: being seen does
    tx.session.flush()
    _record(tx, AlertAcknowledged, alert)
    tx.audit("acknowledge_alert", "alert", alert.id, after={"kind": alert.kind})
    return True


def _record(tx: Tx, event: type[AlertRaised] | type[AlertCleared] | type[AlertAcknowledged],
            alert: Alert) -> None:
    if alert.movement_id is None:
        return
    movement = tx.session.get(Movement, alert.movement_id)
    if movement is not None:
        tx.record(event, movement, passenger_id=alert.passenger_id, alert_id=alert.id,
                  alert_kind=alert.kind)


# ---------------------------------------------------------------------- read model

@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    kind: str
    label: str
    #: The sentence: a phrase the edge renders in the reader's language (or, for a stored
    #: text no phrase matches, that text).
    message: Phrase | str
    movement_id: int | None
    flight: str | None
    operational_date: date | None
    lane: str | None
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @property
    def open(self) -> bool:
        return self.cleared_at is None


@cache
def message_keys() -> tuple[str, ...]:
    """Every msgid an alert's sentence is made of (to read back rows stored as English
    before phrases were): the rules', the carrier notice's and the feed's."""
    from .. import prenotification
    from . import flight_sources

    keys = [v for module in (rules, prenotification, flight_sources)
            for v in vars(module).values() if isinstance(v, str) and "%(" in v]
    keys += [rules.PURGED_PAX, rules.REPORTED_DELAYED, rules.REPORTED_TOMORROW, rules.NO_UMNR,
             flight_sources.NOTHING, *rules.ESCORT_KINDS.values(),
             *flight_sources.FIELD_LABELS.values()]
    return tuple(dict.fromkeys(keys))


def alert_airport(session: Session, alert_id: int) -> str:
    """The IATA code of the airport an alert belongs to."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise not_found("alert")
    airport = session.get(Airport, alert.airport_id)
    assert airport is not None
    return airport.iata


def alert_list(session: Session, airport_code: str, now: datetime,
               cleared_within: timedelta = timedelta(hours=6)) -> list[AlertView]:
    """Open alerts (newest first), then those cleared recently, for one airport."""
    airport = session.scalar(select(Airport).where(Airport.iata == airport_code.upper()))
    if airport is None:
        return []
    rows = session.scalars(select(Alert).where(
        Alert.airport_id == airport.id,
        Alert.cleared_at.is_(None) | (Alert.cleared_at >= now - cleared_within))
        .order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(500))
    alerts = list(rows)
    movement_ids = {a.movement_id for a in alerts if a.movement_id}
    movements = {m.id: m for m in session.scalars(
        select(Movement).where(Movement.id.in_(movement_ids)))} if movement_ids else {}
    user_ids = {a.acknowledged_by_user_id for a in alerts if a.acknowledged_by_user_id}
    users = {u.id: u.display_name for u in session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    views = []
    for a in alerts:
        m = movements.get(a.movement_id or -1)
        views.append(AlertView(
            id=a.id, kind=a.kind,
            label=rules.KIND_LABELS.get(a.kind, rules.EVENT_KIND_LABELS.get(a.kind, a.kind)),
            message=stored_phrase(a.message_phrase, a.message, message_keys()),
            movement_id=a.movement_id, flight=m.flight if m else None,
            operational_date=m.operational_date if m else None,
            lane=(MovementKind(m.kind).lane if m else None), raised_at=a.raised_at,
            cleared_at=a.cleared_at, acknowledged_at=a.acknowledged_at,
            acknowledged_by=(users.get(a.acknowledged_by_user_id)
                             if a.acknowledged_by_user_id else
                             ("system" if a.acknowledged_at else None))))
    views.sort(key=lambda v: (not v.open, -v.raised_at.timestamp(), -v.id))
    return views


__all__ = ["AlertRun", "AlertView", "acknowledge_alert", "alert_list", "build_snapshot",
           "evaluate_alerts"]


# ------------------------------------------------------------------- configuration

def set_connection_rule(tx: Tx, airport_code: str, carrier: str, minutes: int) -> int:
    """A carrier's minimum connection time at an airport (replaces the previous one)."""
    require_role(tx, Role.ADMIN)
    airport = _airport(tx, airport_code)
    code = carrier.strip().upper()
    if not (2 <= len(code) <= 3 and code.isalnum()):
        raise RuleViolation(Phrase.of(N_("carrier %(carrier)s is not an airline code"),
                                      carrier=repr(carrier)), field="carrier")
    if not (0 < minutes <= 24 * 60):
        raise RuleViolation(Phrase(N_("a minimum connection time is 1-1440 minutes")),
                            field="minutes")
    rule = tx.session.scalar(select(ConnectionRule).where(
        ConnectionRule.airport_id == airport.id, ConnectionRule.carrier == code))
    before = {"minutes": rule.min_connection_minutes} if rule else None
    if rule is None:
        rule = ConnectionRule(airport_id=airport.id, carrier=code, min_connection_minutes=minutes)
        tx.session.add(rule)
    rule.min_connection_minutes = minutes
    tx.session.flush()
    tx.audit("set_connection_rule", "connection_rule", rule.id, before=before,
             after={"airport": airport.iata, "carrier": code, "minutes": minutes})
    return rule.id


def set_umnr_rule(tx: Tx, carrier: str, allows_connections: bool, max_connections: int) -> None:
    """Whether a carrier takes an unaccompanied minor on connections, and on how many."""
    require_role(tx, Role.ADMIN)
    code = carrier.strip().upper()
    if not (2 <= len(code) <= 3 and code.isalnum()):
        raise RuleViolation(Phrase.of(N_("carrier %(carrier)s is not an airline code"),
                                      carrier=repr(carrier)), field="carrier")
    if max_connections < 0 or (not allows_connections and max_connections):
        raise RuleViolation(Phrase(N_("max connections is 0 or more, and 0 when connections are "
                                      "not allowed")), field="max_connections")
    rule = tx.session.get(UmnrRule, code)
    before = ({"allows": rule.allows_connections, "max": rule.max_connections}
              if rule else None)
    if rule is None:
        rule = UmnrRule(carrier=code)
        tx.session.add(rule)
    rule.allows_connections = allows_connections
    rule.max_connections = max_connections
    tx.session.flush()
    tx.audit("set_umnr_rule", "umnr_rule", None, before=before,
             after={"carrier": code, "allows": allows_connections, "max": max_connections})
