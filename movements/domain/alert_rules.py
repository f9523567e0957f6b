"""Alert rules: pure functions from a snapshot of one airport's work to the alerts it
calls for.

No database, no clock: ``Snapshot.now`` is the time the rules judge.  The action in
``actions/alerts.py`` builds the snapshot, runs ``evaluate`` and raises what is new and
clears what is no longer produced, keyed by ``AlertSpec.dedupe_key`` (so running the
rules again changes nothing).  All windows are exact durations on UTC times, so a
daylight-saving night neither stretches nor shrinks them; messages show the airport's
local wall-clock time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .phrases import N_, Phrase
from .vocabulary import ON_BOARD_STEPS
from .vocabulary import MilestoneKey as K

# Alert kinds (stored in Alert.kind).
GATE_CHANGE = "gate_change"
DELAY = "delay"
CANCELLED = "cancelled"
DIVERTED = "diverted"
ESCORT_MISSING = "escort_missing"
NOT_CHECKED_IN = "not_checked_in"
CONNECTION_RISK = "connection_risk"
WAIT_DEPARTURE = "wait_departure"
WAIT_ARRIVAL = "wait_arrival"
CASE_SPLIT = "case_split"
UMNR_CONNECTION = "umnr_connection"

KIND_LABELS = {
    GATE_CHANGE: "Gate change",
    DELAY: "Delay",
    CANCELLED: "Cancelled",
    DIVERTED: "Diverted",
    ESCORT_MISSING: "Escort not assigned",
    NOT_CHECKED_IN: "Not checked in",
    CONNECTION_RISK: "Connection at risk",
    WAIT_DEPARTURE: "Waiting (departure)",
    WAIT_ARRIVAL: "Waiting (arrival)",
    CASE_SPLIT: "Case split",
    UMNR_CONNECTION: "Minor on a forbidden connection",
}
RULE_KINDS = frozenset(KIND_LABELS)
#: Alerts an action raises (not a rule): they stay until a coordinator acknowledges them.
EVENT_KIND_LABELS = {"feed_over_person": "Feed overruled a person",
                     "carrier_notice_missing": "Carrier not notified",
                     "telex_far_from_schedule": "Telex time far from schedule"}

#: A delay worth telling the team about.
DELAY_MINUTES = 15
#: Escorts are assigned this long before departure.
ESCORT_LEAD = timedelta(hours=2)
#: Check-in closes this long before the scheduled departure.
CHECK_IN_CLOSES = timedelta(minutes=60)
#: Departing passengers report this long before the scheduled departure ...
REPORT_BEFORE = timedelta(hours=3)
#: ... and ECAC Doc 30 wants every pre-notified one met within 30 minutes of it.
DEPARTURE_WAIT = timedelta(minutes=30)
#: Arriving pre-notified passengers: every one met within 20 minutes of on-block.
ARRIVAL_WAIT = timedelta(minutes=20)
#: The onward gate closes this long before departure.
GATE_CLOSES = timedelta(minutes=15)

MEDICAL_ESCORT_CODES = frozenset({"STCR", "MEDA"})
OPERATIONAL_ESCORT_CODES = frozenset({"UMNR", "WCHC"})
DEPARTING = frozenset({"departure", "transit_out"})
ARRIVING = frozenset({"arrival", "transit_in"})
#: The first step of each kind: any recorded step means the passenger was met.
MET_STEP = {"departure": K.MET_AT_POINT, "arrival": K.MET_AT_AIRCRAFT,
            "transit_in": K.MET_AT_ARRIVAL_GATE}
#: Being at the gate (so a gate change no longer matters to them).
AT_GATE_STEPS = {"departure": (K.AT_GATE, K.BOARDED, K.DEPARTED),
                 "transit_out": (K.AT_ONWARD_GATE, K.BOARDED_ONWARD),
                 "arrival": (K.MET_AT_AIRCRAFT,), "transit_in": (K.MET_AT_ARRIVAL_GATE,)}
BOARDED_STEPS = ON_BOARD_STEPS


@dataclass(frozen=True, slots=True)
class PaxSnap:
    passenger_id: int
    initials: str
    status: str  # booked, no_show, cancelled
    codes: frozenset[str] = frozenset()
    medical_escort_required: bool = False
    operational_escort_required: bool = False
    #: Steps of the passenger's journey through this airport (a transit's steps are on
    #: the inbound booking; the onward leg sees them too).
    milestones: Mapping[str, datetime] = field(default_factory=dict)
    #: Escort kinds assigned for this journey (either leg of a transit).
    escorts: frozenset[str] = frozenset()
    case_id: int = 0
    case_reference: str = ""
    case_split: bool = False

    @property
    def active(self) -> bool:
        return self.status == "booked"

    @property
    def needs_medical_escort(self) -> bool:
        return self.medical_escort_required or bool(self.codes & MEDICAL_ESCORT_CODES)

    @property
    def needs_operational_escort(self) -> bool:
        return self.operational_escort_required or bool(self.codes & OPERATIONAL_ESCORT_CODES)

    @property
    def unaccompanied_minor(self) -> bool:
        return "UMNR" in self.codes


@dataclass(frozen=True, slots=True)
class GateChange:
    at: datetime
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class MovementSnap:
    id: int
    kind: str  # departure, arrival, transit_in, transit_out
    carrier: str
    flight: str
    scheduled_at: datetime
    estimated_at: datetime | None = None
    actual_at: datetime | None = None
    gate: str | None = None
    flight_state: str = "SCH"
    completed: bool = False
    passengers: tuple[PaxSnap, ...] = ()
    last_gate_change: GateChange | None = None
    #: every state shown (flight_states.shown_states); a DEL behind a GCH still counts
    flight_states: tuple[str, ...] = ()

    @property
    def expected_at(self) -> datetime:
        return self.actual_at or self.estimated_at or self.scheduled_at

    @property
    def departing(self) -> bool:
        return self.kind in DEPARTING

    @property
    def gone(self) -> bool:
        """Departed (for a departing leg) or arrived and off the stand (arriving)."""
        if self.completed:
            return True
        if self.departing:
            return self.flight_state == "DEP" or self.actual_at is not None
        return self.flight_state == "ARR"

    @property
    def active_passengers(self) -> tuple[PaxSnap, ...]:
        return tuple(p for p in self.passengers if p.active)


@dataclass(frozen=True, slots=True)
class Snapshot:
    now: datetime
    airport_id: int
    airport: str
    timezone: str = "UTC"  # always given: the airport row's zone
    escort_transfer_minutes: int = 20
    min_connection_minutes: int = 50
    connection_rules: Mapping[str, int] = field(default_factory=dict)  # carrier -> minutes
    umnr_rules: Mapping[str, tuple[bool, int]] = field(default_factory=dict)
    movements: Mapping[int, MovementSnap] = field(default_factory=dict)
    transits: tuple[tuple[int, int], ...] = ()  # (inbound id, onward id)

    def local(self, when: datetime) -> str:
        return when.astimezone(ZoneInfo(self.timezone)).strftime("%H:%M")


@dataclass(frozen=True, slots=True)
class AlertSpec:
    kind: str
    dedupe_key: str
    movement_id: int | None
    passenger_id: int | None
    phrase: Phrase

    @property
    def message(self) -> str:
        """The sentence in English (stored beside the phrase, for search and audit)."""
        return self.phrase.english()


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


#: A passenger in an alert (retention._alerts rewrites this shape when purging).
PAX = N_("%(initials)s (case %(reference)s)")
#: What a purged passenger becomes in an alert's sentence (retention._alerts).
PURGED_PAX = N_("a passenger")
PURGED_PAX_OLD = N_("passenger %(id)s")


def _pax(p: PaxSnap) -> Phrase | str:
    """A passenger as people read it: initials and the case reference, never an internal
    id (issue 13.7)."""
    return Phrase.of(PAX, initials=p.initials, reference=p.case_reference) \
        if p.case_reference else p.initials


GATE_CHANGED = N_("%(flight)s: gate changed %(old)s → %(new)s at %(time)s; %(n)d assisted "
                  "passenger(s) not there yet")
DELAYED_BY = N_("%(flight)s delayed %(minutes)d min: now %(time)s (scheduled %(scheduled)s)")
REPORTED = N_("%(flight)s reported %(what)s (scheduled %(scheduled)s, no new time yet)")
REPORTED_DELAYED = N_("delayed")
REPORTED_TOMORROW = N_("moved to tomorrow")
IS_CANCELLED = N_("%(flight)s (%(time)s) is cancelled: %(n)d passenger(s) to rebook or care "
                  "for")
IS_DIVERTED = N_("%(flight)s is diverted: %(n)d passenger(s) will not arrive here as planned")
NO_ESCORT = N_("%(flight)s leaves %(time)s: no %(kind)s escort assigned for %(pax)s")
ESCORT_KINDS = {"medical": N_("medical"), "operational": N_("operational")}
NOT_CHECKED = N_("%(pax)s is not checked in for %(flight)s (%(time)s); check-in closes "
                 "%(closes)s")
AT_GATE_LATE = N_("at the gate %(ready)s after a %(transfer)d-minute escorted transfer, gate "
                  "closes %(closes)s")
SHORT_CONNECTION = N_("%(minutes)d min to connect, %(carrier)s needs %(minimum)d")
CONNECTION = N_("%(inbound)s → %(onward)s: connection at risk for %(n)d passenger(s): "
                "%(reasons)s")
NOT_MET_DEPARTURE = N_("%(pax)s for %(flight)s not met 30 min after the report time %(time)s "
                       "(ECAC Doc 30: all within 30 min)")
NOT_MET_ARRIVAL = N_("%(pax)s off %(flight)s not met 20 min after on-block %(time)s (ECAC Doc "
                     "30: all within 20 min)")
SPLIT = N_("case %(reference)s is split across flights; %(flight)s carries part of it")
NO_UMNR = N_("does not carry unaccompanied minors on connections")
UMNR_MOST = N_("allows at most %(most)d connection(s), this journey has %(count)d")
UMNR = N_("unaccompanied minor %(pax)s on %(inbound)s → %(onward)s: %(carrier)s %(why)s")


# ---------------------------------------------------------------------------- rules

def gate_changes(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        change = m.last_gate_change
        if change is None or m.gone or m.flight_state in ("CNX", "DIV") or m.gate != change.new:
            continue
        steps = AT_GATE_STEPS[m.kind]
        waiting = [p for p in m.active_passengers if not any(k in p.milestones for k in steps)]
        if not waiting:
            continue
        yield AlertSpec(GATE_CHANGE, f"{GATE_CHANGE}:{m.id}:{change.new}", m.id, None,
                        Phrase.of(GATE_CHANGED, flight=m.flight, old=change.old,
                                  new=change.new, time=s.local(change.at), n=len(waiting)))


def delays(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if not m.active_passengers or m.gone or m.flight_state in ("CNX", "DIV"):
            continue
        if not m.departing and m.actual_at is not None:
            continue  # landed: the delay is history
        late = _minutes(m.estimated_at - m.scheduled_at) if m.estimated_at else 0
        if m.estimated_at is not None and late >= DELAY_MINUTES:
            text = Phrase.of(DELAYED_BY, flight=m.flight, minutes=late,
                             time=s.local(m.estimated_at), scheduled=s.local(m.scheduled_at))
        elif reported := next((st for st in (m.flight_state, *m.flight_states)
                               if st in ("DEL", "TOM")), None):
            what = REPORTED_DELAYED if reported == "DEL" else REPORTED_TOMORROW
            text = Phrase.of(REPORTED, flight=m.flight, what=Phrase(what),
                             scheduled=s.local(m.scheduled_at))
        else:
            continue
        yield AlertSpec(DELAY, f"{DELAY}:{m.id}", m.id, None, text)


def cancellations_and_diversions(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if m.completed or not m.active_passengers:
            continue
        n = len(m.active_passengers)
        if m.flight_state == "CNX":
            yield AlertSpec(CANCELLED, f"{CANCELLED}:{m.id}", m.id, None,
                            Phrase.of(IS_CANCELLED, flight=m.flight,
                                      time=s.local(m.scheduled_at), n=n))
        elif m.flight_state == "DIV":
            yield AlertSpec(DIVERTED, f"{DIVERTED}:{m.id}", m.id, None,
                            Phrase.of(IS_DIVERTED, flight=m.flight, n=n))


def escorts_missing(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if not m.departing or m.gone or m.flight_state == "CNX":
            continue
        leaves = m.estimated_at or m.scheduled_at
        if s.now < leaves - ESCORT_LEAD:
            continue
        for p in m.active_passengers:
            if any(k in p.milestones for k in BOARDED_STEPS):
                continue
            wanted = []
            if p.needs_medical_escort and "medical" not in p.escorts:
                wanted.append("medical")
            if p.needs_operational_escort and not p.escorts:
                wanted.append("operational")
            for kind in wanted:
                yield AlertSpec(ESCORT_MISSING, f"{ESCORT_MISSING}:{m.id}:{p.passenger_id}:{kind}",
                                m.id, p.passenger_id,
                                Phrase.of(NO_ESCORT, flight=m.flight, time=s.local(leaves),
                                          kind=Phrase(ESCORT_KINDS[kind]), pax=_pax(p)))


def not_checked_in(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if m.kind != "departure" or m.gone or m.flight_state == "CNX":
            continue
        if s.now < m.scheduled_at - CHECK_IN_CLOSES:
            continue
        for p in m.active_passengers:
            if K.CHECKED_IN in p.milestones or any(k in p.milestones for k in BOARDED_STEPS):
                continue
            yield AlertSpec(NOT_CHECKED_IN, f"{NOT_CHECKED_IN}:{m.id}:{p.passenger_id}", m.id,
                            p.passenger_id,
                            Phrase.of(NOT_CHECKED, pax=_pax(p), flight=m.flight,
                                      time=s.local(m.scheduled_at),
                                      closes=s.local(m.scheduled_at - CHECK_IN_CLOSES)))


def connection_risks(s: Snapshot) -> Iterator[AlertSpec]:
    transfer = timedelta(minutes=s.escort_transfer_minutes)
    for inbound_id, onward_id in s.transits:
        inbound = s.movements.get(inbound_id)
        onward = s.movements.get(onward_id)
        if inbound is None or onward is None or onward.gone or inbound.completed:
            continue
        if "CNX" in (inbound.flight_state, onward.flight_state) or inbound.flight_state == "DIV":
            continue  # the cancellation or diversion alert says it
        waiting = [p for p in inbound.active_passengers
                   if not any(k in p.milestones for k in AT_GATE_STEPS["transit_out"])]
        if not waiting:
            continue
        arrives = inbound.expected_at
        leaves = onward.estimated_at or onward.scheduled_at
        ready = arrives + transfer
        closes = leaves - GATE_CLOSES
        minimum = s.connection_rules.get(onward.carrier, s.min_connection_minutes)
        connection = _minutes(leaves - arrives)
        reasons: list[Phrase] = []
        if ready > closes:
            reasons.append(Phrase.of(AT_GATE_LATE, ready=s.local(ready),
                                     transfer=s.escort_transfer_minutes, closes=s.local(closes)))
        if connection < minimum:
            reasons.append(Phrase.of(SHORT_CONNECTION, minutes=connection,
                                     carrier=onward.carrier, minimum=minimum))
        if reasons:
            yield AlertSpec(CONNECTION_RISK, f"{CONNECTION_RISK}:{inbound.id}:{onward.id}",
                            inbound.id, None,
                            Phrase.of(CONNECTION, inbound=inbound.flight,
                                      onward=onward.flight, n=len(waiting),
                                      reasons=tuple(reasons)))


def waiting_times(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if m.completed or m.flight_state == "CNX":
            continue
        if m.kind == "departure":
            if m.gone:
                continue
            report = m.scheduled_at - REPORT_BEFORE
            if s.now <= report + DEPARTURE_WAIT:
                continue
            for p in m.active_passengers:
                if not p.milestones:
                    yield AlertSpec(WAIT_DEPARTURE, f"{WAIT_DEPARTURE}:{m.id}:{p.passenger_id}",
                                    m.id, p.passenger_id,
                                    Phrase.of(NOT_MET_DEPARTURE, pax=_pax(p), flight=m.flight,
                                              time=s.local(report)))
        elif m.kind in ARRIVING and m.actual_at is not None:
            if s.now <= m.actual_at + ARRIVAL_WAIT:
                continue
            for p in m.active_passengers:
                if not p.milestones:
                    yield AlertSpec(WAIT_ARRIVAL, f"{WAIT_ARRIVAL}:{m.id}:{p.passenger_id}",
                                    m.id, p.passenger_id,
                                    Phrase.of(NOT_MET_ARRIVAL, pax=_pax(p), flight=m.flight,
                                              time=s.local(m.actual_at)))


def case_splits(s: Snapshot) -> Iterator[AlertSpec]:
    for m in s.movements.values():
        if m.gone or m.kind == "transit_out":
            continue  # the onward leg is the same journey as its inbound leg
        seen: set[int] = set()
        for p in m.active_passengers:
            if p.case_split and p.case_id not in seen:
                seen.add(p.case_id)
                yield AlertSpec(CASE_SPLIT, f"{CASE_SPLIT}:{p.case_id}:{m.id}", m.id, None,
                                Phrase.of(SPLIT, reference=p.case_reference,
                                          flight=m.flight))


def umnr_connections(s: Snapshot) -> Iterator[AlertSpec]:
    connections: dict[int, int] = {}
    for inbound_id, _ in s.transits:
        inbound = s.movements.get(inbound_id)
        for p in inbound.active_passengers if inbound else ():
            connections[p.passenger_id] = connections.get(p.passenger_id, 0) + 1
    for inbound_id, onward_id in s.transits:
        inbound = s.movements.get(inbound_id)
        onward = s.movements.get(onward_id)
        if inbound is None or onward is None or onward.gone:
            continue
        for p in inbound.active_passengers:
            if not p.unaccompanied_minor:
                continue
            count = connections[p.passenger_id]
            for carrier in dict.fromkeys((inbound.carrier, onward.carrier)):
                rule = s.umnr_rules.get(carrier)
                if rule is None:
                    continue
                allows, most = rule
                if allows and count <= most:
                    continue
                why = (Phrase(NO_UMNR) if not allows
                       else Phrase.of(UMNR_MOST, most=most, count=count))
                yield AlertSpec(UMNR_CONNECTION,
                                f"{UMNR_CONNECTION}:{p.passenger_id}:{carrier}", inbound.id,
                                p.passenger_id,
                                Phrase.of(UMNR, pax=_pax(p), inbound=inbound.flight,
                                          onward=onward.flight, carrier=carrier, why=why))


RULES: tuple[Callable[[Snapshot], Iterable[AlertSpec]], ...] = (
    gate_changes, delays, cancellations_and_diversions, escorts_missing, not_checked_in,
    connection_risks, waiting_times, case_splits, umnr_connections,
)


def evaluate(snapshot: Snapshot) -> list[AlertSpec]:
    """Every alert the situation calls for, once per dedupe key."""
    out: dict[str, AlertSpec] = {}
    for rule in RULES:
        for spec in rule(snapshot):
            out.setdefault(spec.dedupe_key, spec)
    return list(out.values())


__all__ = ["KIND_LABELS", "RULES", "RULE_KINDS", "AlertSpec", "GateChange", "MovementSnap",
           "PaxSnap", "Snapshot", "evaluate"]
