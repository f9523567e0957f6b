"""The access walk: every route and both live sockets, for people of one airport or one
organisation, against the demo day's real rows at two airports (AMS, BRU) and two
reception organisations (COA, Fedasil).

Each probe asks for, or tries to change, something outside the person's scope, in a
request that would otherwise be valid.  A probe fails the walk when it

* answers 2xx (or a form's success redirect) for a row outside the scope,
* lists a foreign row (board rows, telexes, handovers, alerts), or
* writes anything while refusing (rows and audit entries are counted around it).

A route that is not in ``PROBES`` (or ``UNSCOPED``, with the reason) fails the walk too:
a new route must say how it is scoped.  ``test_the_walk_catches_a_removed_check`` removes
the airport check from the access policy and shows the walk notices.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.app import create_app
from movements.demo.day import load_demo_day
from movements.domain import access, milestones
from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import handovers as handover_actions
from movements.domain.actions import setup
from movements.domain.clock import ManualClock
from movements.domain.models import (
    Airport,
    Alert,
    AuditEntry,
    Booking,
    BookingStatus,
    Case,
    EscortAssignment,
    Handover,
    HandoverStatus,
    ManifestDocument,
    Milestone,
    Movement,
    MovementKind,
    Note,
    Organisation,
    ReconciliationDecision,
    Role,
    TelexMessage,
    UserSession,
)
from movements.domain.uow import Tx
from movements.ingest.apply import submit
from movements.platform.config import Settings
from movements.web.auth import COOKIE
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, login

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
TODAY = date(2026, 9, 15)


# -- the rows of one scope --------------------------------------------------------------

@dataclass
class Scope:
    """Ids of real rows inside one airport (or addressed to one organisation)."""

    airport: str
    movements: list[int] = field(default_factory=list)
    bookings: list[tuple[int, str]] = field(default_factory=list)  # (id, next step)
    passengers: list[int] = field(default_factory=list)  # booked, handover-able
    handover_movement: int | None = None
    signed_handovers: list[int] = field(default_factory=list)
    draft_handovers: list[int] = field(default_factory=list)
    alerts: list[int] = field(default_factory=list)
    telexes: list[int] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)  # the outbox's
    webhooks: list[int] = field(default_factory=list)  # partner systems' subscriptions


@dataclass
class Walk:
    app: Litestar
    scopes: dict[str, Scope]          # by airport code
    org_handovers: dict[str, list[int]]  # by organisation key: handovers addressed to it
    org_ids: dict[str, int]
    sessions: dict[str, int]          # username -> one open session id


#: Who walks, and whose rows are foreign to them.
WALKERS: dict[str, tuple[Role, list[str], str | None]] = {
    "gate": (Role.GATE_STAFF, ["AMS"], None),
    "gate_bru": (Role.GATE_STAFF, ["BRU"], None),
    "coord_bru": (Role.COORDINATOR, ["BRU"], None),
    "reception": (Role.RECEPTION, [], "coa"),
    "reception_fedasil": (Role.RECEPTION, [], "fedasil"),
    "manager": (Role.MANAGER, ["AMS"], None),
}
ORG_NAMES = {"coa": "Central Reception Agency (COA)",
             "fedasil": "Federal reception agency (Fedasil)"}


def _foreign_airport(user: str) -> str | None:
    _, airports, _ = WALKERS[user]
    if not airports:
        return None
    return "BRU" if airports == ["AMS"] else "AMS"


def _seed(tx: Tx) -> None:
    load_demo_day(tx, TODAY, NOW)
    for name, (role, airports, org) in WALKERS.items():
        setup.add_user(tx, name, name.replace("_", " ").title(), role, _HASH,
                       organisation=ORG_NAMES[org] if org else None, airports=airports)
    for code in ("AMS", "BRU"):
        alert_actions.evaluate_alerts(tx, code)
    _outbox_messages(tx)


def _outbox_messages(tx: Tx) -> None:
    """Two messages in each airport's outbox (the demo records no contacts)."""
    from movements.domain import outbox
    from movements.domain.outbox_models import Channel

    for code in ("AMS", "BRU"):
        movement = tx.session.scalar(select(Movement).join(Airport).where(
            Airport.iata == code).order_by(Movement.id))
        assert movement is not None
        for n in range(2):
            outbox.queue(tx, key=f"walk:{code}:{n}", event="gate_changed",
                         to=outbox.Recipient(Channel.SMS, f"+3161234567{n}"),
                         movement=movement, subject=f"walk {code} {n}", body="walk")
        from movements.domain.outbox_models import WebhookSubscription

        tx.session.add(WebhookSubscription(
            airport_id=movement.airport_id, url=f"https://partner.example/{code}",
            secret="whsec_d2Fsaw==", events="*", active=True, created_at=tx.now))


def _drafts(tx: Tx) -> None:
    """One open draft per airport (the demo signs its handovers), for the sign probe."""
    for code in ("AMS", "BRU"):
        movement, passenger = _handover_candidate(tx.session, code)
        org = tx.session.scalar(select(Organisation.id).where(
            Organisation.name == ORG_NAMES["coa"]))
        assert org is not None
        handover_actions.create_handover(tx, movement, org, "Walk Receiver", [passenger])


def _handover_candidate(session: Session, code: str) -> tuple[int, int]:
    rows = session.execute(
        select(Movement.id, Booking.passenger_id).join(Booking).join(Airport)
        .where(Airport.iata == code, Booking.status == BookingStatus.BOOKED,
               Movement.kind.in_([MovementKind.ARRIVAL, MovementKind.DEPARTURE,
                                  MovementKind.TRANSIT_IN]))
        .order_by(Movement.id, Booking.id)).all()
    taken = set(session.scalars(select(Handover.movement_id)))
    for movement_id, passenger_id in rows:
        if movement_id not in taken:
            return movement_id, passenger_id
    assert rows, f"no booked passenger at {code}"
    return rows[0][0], rows[0][1]


def _collect(session: Session) -> tuple[dict[str, Scope], dict[str, list[int]],
                                         dict[str, int]]:
    scopes = {code: Scope(code) for code in ("AMS", "BRU")}
    for c in session.scalars(select(Case).order_by(Case.id)):
        scopes[session.get(Airport, c.airport_id).iata].cases.append(c.id)  # type: ignore[union-attr]
    for m in session.scalars(select(Movement).order_by(Movement.id)):
        scope = scopes[m.airport.iata]
        scope.movements.append(m.id)
        for b in m.bookings:
            if b.status is not BookingStatus.BOOKED:
                continue
            done = {x.kind for x in b.milestones}
            step = milestones.next_step(m.kind, done)
            if step is not None:
                scope.bookings.append((b.id, step.key))
    for code, scope in scopes.items():
        scope.handover_movement, passenger = _handover_candidate(session, code)
        scope.passengers.append(passenger)
    for h in session.scalars(select(Handover).order_by(Handover.id)):
        scope = scopes[h.movement.airport.iata]
        (scope.signed_handovers if h.status is HandoverStatus.SIGNED
         else scope.draft_handovers).append(h.id)
    for a in session.scalars(select(Alert).order_by(Alert.id)):
        scopes[session.get(Airport, a.airport_id).iata].alerts.append(a.id)  # type: ignore[union-attr]
    from movements.domain.outbox_models import OutboxMessage, WebhookSubscription

    for o in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
        scopes[session.get(Airport, o.airport_id).iata].messages.append(o.id)  # type: ignore[union-attr]
    for wh in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)):
        scopes[session.get(Airport, wh.airport_id).iata].webhooks.append(wh.id)  # type: ignore[union-attr]
    for t in session.scalars(select(TelexMessage).order_by(TelexMessage.id)):
        if t.airport_id is not None:
            scopes[session.get(Airport, t.airport_id).iata].telexes.append(t.id)  # type: ignore[union-attr]
    org_ids = {key: int(session.scalar(select(Organisation.id).where(
        Organisation.name == name)) or 0) for key, name in ORG_NAMES.items()}
    by_org = {key: list(session.scalars(select(Handover.id).where(
        Handover.receiving_organisation_id == org_id).order_by(Handover.id)))
        for key, org_id in org_ids.items()}
    return scopes, by_org, org_ids


WRITTEN = (AuditEntry, Milestone, Note, EscortAssignment, Handover, ReconciliationDecision,
           TelexMessage, ManifestDocument)


def _written(session: Session) -> tuple[int, ...]:
    """Row counts that any write changes (every write is audited, so the audit count
    also catches updates in place), plus the bookings no longer booked."""
    counts = tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)
                   for model in WRITTEN)
    return (*counts, int(session.scalar(select(func.count(Booking.id)).where(
        Booking.status != BookingStatus.BOOKED)) or 0))


@pytest.fixture
def walk(database_url: str, tmp_path: Path) -> Iterator[Walk]:
    clock = ManualClock(NOW)
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, heartbeat_seconds=30.0, run_jobs=False)
    app = create_app(settings, clock=clock)
    uow = app.state.services.uow
    with TestClient(app, base_url=BASE) as client:
        portal = client.blocking_portal
        portal.call(uow.run, _seed, SYSTEM)  # type: ignore[arg-type]
        portal.call(uow.run, _drafts, SYSTEM)  # type: ignore[arg-type]
        for code in ("AMS", "BRU"):  # a stored telex at each airport (rejected: junk)
            portal.call(lambda c=code: submit(uow, SYSTEM, "MVT\nXX999/15\nJUNK\n", airport=c))
        scopes, by_org, org_ids = portal.call(uow.read, _collect)  # type: ignore[arg-type]
    sessions: dict[str, int] = {}
    yield Walk(app, scopes, by_org, org_ids, sessions)


# -- probes -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    data: dict[str, Any] | None = None
    content: bytes | None = None
    json: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    #: A list page: it may answer 2xx, but none of ``absent`` (markers of foreign rows)
    #: may appear in its body.
    listing: bool = False
    absent: tuple[str, ...] = ()


ProbeMaker = Callable[[Walk, str], list[Probe]]


def _foreign(w: Walk, user: str) -> Scope | None:
    code = _foreign_airport(user)
    return w.scopes[code] if code else None


def _foreign_handovers(w: Walk, user: str) -> list[int]:
    _, _, org = WALKERS[user]
    if org is None:
        scope = _foreign(w, user)
        assert scope is not None
        return scope.signed_handovers[:2]
    return [h for key, ids in w.org_handovers.items() if key != org for h in ids][:3]


def _ids(w: Walk, user: str, what: str, n: int = 2) -> list[Any]:
    scope = _foreign(w, user)
    if scope is None:  # reception users: every airport's rows are foreign
        return [x for s in w.scopes.values() for x in getattr(s, what)[:1]]
    return list(getattr(scope, what)[:n])


def _markers(w: Walk, user: str, what: str, pattern: str) -> tuple[str, ...]:
    """How every foreign row of a kind shows in a list (``pattern`` with its id)."""
    return tuple(pattern.format(i) for s in _foreign_scopes(w, user) for i in getattr(s, what))


def _code(w: Walk, user: str) -> list[str]:
    code = _foreign_airport(user)
    return [code] if code else ["AMS", "BRU"]


def _mvt(flight_day: str = "15") -> bytes:
    return f"MVT\nXX999/{flight_day}.PHXXX.AMS\nAD151022/151035 EA1310 TIA\n".encode()


def _csv(w: Walk, user: str) -> bytes:
    header = ("case_reference,surname,given_names,birth_date,sex,nationality,flight,"
              "flight_date,movement_kind\n")
    return (header + f"WALK-1,Probe,Walker,1990-01-01,F,NLD,XX999,{TODAY.isoformat()},"
            "departure\n").encode()


def _report_probe(path: str) -> ProbeMaker:
    """A report of the walker's foreign airport(s)."""
    return lambda w, u: [Probe("GET", f"{path}?airport={c}") for c in _code(w, u)]


PROBES: dict[tuple[str, str], ProbeMaker] = {
    ("GET", "/board"): lambda w, u: [
        Probe("GET", f"/board?airport={c}") for c in _code(w, u)] + [
        Probe("GET", f"/board?date={TODAY.isoformat()}",
              listing=True, absent=_markers(w, u, "movements", 'id="mv-{}"'))],
    ("GET", "/movements/{movement_id:int}"): lambda w, u: [
        Probe("GET", f"/movements/{m}") for m in _ids(w, u, "movements")],
    ("POST", "/bookings/{booking_id:int}/milestones"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/milestones",
              data={"kind": step, "override_reason": "walk probe"})
        for b, step in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/no-show"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/no-show", data={"reason": "walk probe"})
        for b, _ in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/escort"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/escort",
              data={"escort_name": "Walk Probe", "kind": "operational"})
        for b, _ in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/escort/remove"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/escort/remove",
              data={"escort_name": "Walk Probe", "kind": "operational"})
        for b, _ in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/undo"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/undo") for b, _ in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/no-show/revoke"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/no-show/revoke", data={"reason": "walk probe"})
        for b, _ in _ids(w, u, "bookings")],
    ("POST", "/bookings/{booking_id:int}/correct"): lambda w, u: [
        Probe("POST", f"/bookings/{b}/correct", data={"kind": step, "reason": "walk probe"})
        for b, step in _ids(w, u, "bookings")],
    ("POST", "/handovers/{handover_id:int}/discard"): lambda w, u: [
        Probe("POST", f"/handovers/{h}/discard")
        for s in _foreign_scopes(w, u) for h in s.draft_handovers[:1]],
    ("GET", "/bookings/{booking_id:int}/reveal"): lambda w, u: [
        Probe("GET", f"/bookings/{b}/reveal") for b, _ in _ids(w, u, "bookings")],
    ("POST", "/movements/{movement_id:int}/notes"): lambda w, u: [
        Probe("POST", f"/movements/{m}/notes", data={"text": "walk probe"})
        for m in _ids(w, u, "movements")],
    ("POST", "/movements/{movement_id:int}/flight"): lambda w, u: [
        Probe("POST", f"/movements/{m}/flight", data={"gate": "Z99"})
        for m in _ids(w, u, "movements")],
    ("GET", "/api/v1/movements"): lambda w, u: [
        Probe("GET", f"/api/v1/movements?airport={c}") for c in _code(w, u)] + [
        Probe("GET", "/api/v1/movements",
              listing=True, absent=_markers(w, u, "movements", '"id":{},'))],
    ("GET", "/api/v1/movements/{movement_id:int}"): lambda w, u: [
        Probe("GET", f"/api/v1/movements/{m}") for m in _ids(w, u, "movements")],
    ("GET", "/movements/{movement_id:int}/handovers"): lambda w, u: [
        Probe("GET", f"/movements/{m}/handovers") for m in _ids(w, u, "movements")],
    ("POST", "/movements/{movement_id:int}/handovers"): lambda w, u: [
        Probe("POST", f"/movements/{s.handover_movement}/handovers",
              data={"organisation_id": str(w.org_ids["coa"]), "receiving_person": "Walk Probe",
                    "passenger": str(s.passengers[0])})
        for s in _foreign_scopes(w, u)],
    ("POST", "/handovers/{handover_id:int}/sign"): lambda w, u: [
        Probe("POST", f"/handovers/{h}/sign",
              data={"handing_signature": "Walk", "receiving_signature": "Probe",
                    "receiver_signed": "on"})
        for s in _foreign_scopes(w, u) for h in s.draft_handovers[:1]],
    ("POST", "/handovers/{handover_id:int}/correct"): lambda w, u: [
        Probe("POST", f"/handovers/{h}/correct",
              data={"reason": "walk probe", "receiving_person": "Walk Probe"})
        for h in _foreign_handovers(w, u)],
    ("GET", "/handovers/{handover_id:int}"): lambda w, u: [
        Probe("GET", f"/handovers/{h}") for h in _foreign_handovers(w, u)],
    ("GET", "/handovers/{handover_id:int}/manifest.pdf"): lambda w, u: [
        Probe("GET", f"/handovers/{h}/manifest.pdf") for h in _foreign_handovers(w, u)],
    ("GET", "/api/v1/handovers/{handover_id:int}/manifest"): lambda w, u: [
        Probe("GET", f"/api/v1/handovers/{h}/manifest") for h in _foreign_handovers(w, u)],
    ("GET", "/movements/{movement_id:int}/charter-manifest.pdf"): lambda w, u: [
        Probe("GET", f"/movements/{m}/charter-manifest.pdf") for m in _ids(w, u, "movements")],
    ("GET", "/movements/{movement_id:int}/briefing.pdf"): lambda w, u: [
        Probe("GET", f"/movements/{m}/briefing.pdf") for m in _ids(w, u, "movements")],
    ("GET", "/reports/daily.pdf"): lambda w, u: [
        Probe("GET", f"/reports/daily.pdf?airport={c}") for c in _code(w, u)],
    # The reports: aggregates of the airports asked for; another airport's are not found.
    **{("GET", route): _report_probe(path)
       for route, path in (("/reports", "/reports"),
                           ("/reports/charts/{name:str}", "/reports/charts/by_month.svg"),
                           ("/reports/tables/{name:str}", "/reports/tables/by_month.csv"),
                           ("/reports/export.xlsx", "/reports/export.xlsx"),
                           ("/reports/annual.pdf", "/reports/annual.pdf"),
                           ("/api/v1/reports/annual", "/api/v1/reports/annual"),
                           ("/api/v1/reports/days", "/api/v1/reports/days"),
                           ("/api/v1/reports/service-levels",
                            "/api/v1/reports/service-levels"))},
    ("GET", "/alerts"): lambda w, u: [
        Probe("GET", f"/alerts?airport={c}") for c in _code(w, u)] + [
        Probe("GET", "/alerts",
              listing=True, absent=_markers(w, u, "alerts", "/alerts/{}/ack"))],
    ("GET", "/outbox"): lambda w, u: [
        Probe("GET", f"/outbox?airport={c}") for c in _code(w, u)] + [
        Probe("GET", "/outbox", listing=True,
              absent=_markers(w, u, "messages", 'id="message-{}"'))],
    ("POST", "/outbox/{message_id:int}/resend"): lambda w, u: [
        Probe("POST", f"/outbox/{i}/resend") for i in _ids(w, u, "messages")],
    ("POST", "/outbox/{message_id:int}/cancel"): lambda w, u: [
        Probe("POST", f"/outbox/{i}/cancel") for i in _ids(w, u, "messages")],
    ("GET", "/webhooks"): lambda w, u: [
        Probe("GET", f"/webhooks?airport={c}") for c in _code(w, u)] + [
        Probe("GET", f"/webhooks?log={i}") for i in _ids(w, u, "webhooks")] + [
        Probe("GET", "/webhooks", listing=True,
              absent=_markers(w, u, "webhooks", 'id="webhook-{}"'))],
    ("POST", "/webhooks"): lambda w, u: [
        Probe("POST", "/webhooks", data={"airport": c, "url": "https://walk.example/h",
                                         "events": "*"}) for c in _code(w, u)],
    ("POST", "/webhooks/{webhook_id:int}/disable"): lambda w, u: [
        Probe("POST", f"/webhooks/{i}/disable") for i in _ids(w, u, "webhooks")],
    ("POST", "/alerts/{alert_id:int}/ack"): lambda w, u: [
        Probe("POST", f"/alerts/{a}/ack") for a in _ids(w, u, "alerts")],
    ("GET", "/feed/status"): lambda w, u: [
        Probe("GET", f"/feed/status?airport={c}") for c in _code(w, u)],
    ("GET", "/imports"): lambda w, u: [
        Probe("GET", f"/imports?airport={c}") for c in _code(w, u)],
    ("POST", "/imports/telex"): lambda w, u: [
        Probe("POST", "/imports/telex", data={"text": _mvt().decode(), "airport": c})
        for c in _code(w, u)],
    ("POST", "/imports/passengers"): lambda w, u: [
        Probe("POST", "/imports/passengers", data={"airport": c},
              files={"file": ("list.csv", _csv(w, u), "text/csv")}) for c in _code(w, u)],
    ("GET", "/movements/{movement_id:int}/reconciliation"): lambda w, u: [
        Probe("GET", f"/movements/{m}/reconciliation") for m in _ids(w, u, "movements")],
    ("POST", "/movements/{movement_id:int}/reconciliation"): lambda w, u: [
        Probe("POST", f"/movements/{m}/reconciliation",
              data={"key": "walk-probe", "decision": "dismiss"})
        for m in _ids(w, u, "movements")],
    ("GET", "/api/v1/telexes"): lambda w, u: [
        Probe("GET", f"/api/v1/telexes?airport={c}") for c in _code(w, u)] + [
        Probe("GET", "/api/v1/telexes",
              listing=True, absent=_markers(w, u, "telexes", '"id":{},'))],
    ("POST", "/api/v1/telexes"): lambda w, u: [
        Probe("POST", f"/api/v1/telexes?airport={c}", content=_mvt()) for c in _code(w, u)],
    ("GET", "/api/v1/telexes/{telex_id:int}"): lambda w, u: [
        Probe("GET", f"/api/v1/telexes/{t}") for t in _ids(w, u, "telexes")],
    ("GET", "/reception"): lambda w, u: [
        Probe("GET", "/reception",
              listing=True,
              absent=tuple(f'href="/handovers/{h}"' for h in _foreign_handovers(w, u)))],
    ("POST", "/account/sessions/{session_id:int}/end"): lambda w, u: [
        Probe("POST", f"/account/sessions/{sid}/end")
        for other, sid in w.sessions.items() if other != u][:2],
    ("WS", "/ws"): lambda w, u: [
        Probe("WS", f"/ws?stream=movement:{m}") for m in _ids(w, u, "movements")] + [
        Probe("WS", f"/ws?stream=board:{c}:{TODAY.isoformat()}") for c in _code(w, u)],
    ("WS", "/alerts/ws"): lambda w, u: [
        Probe("WS", f"/alerts/ws?airport={c}") for c in _code(w, u)],
}

def _planning_form(w: Walk, user: str, code: str) -> dict[str, Any]:
    """A plausible planning form for another airport: every field a planning route may
    ask for, so that only the scope check stands between the probe and a write."""
    return {"airport": code, "kind": "departure", "carrier": "XX", "flight_number": "999",
            "operational_date": TODAY.isoformat(), "date": TODAY.isoformat(),
            "scheduled_local": "23:00", "time": "23:00", "origin": code,
            "destination": "TIA", "reference": "WALK-1", "programme": "voluntary_return",
            "surname": "Probe", "given_names": "Walker", "sex": "F", "reason": "walk probe",
            "operator": "Walk Air", "capacity": "100", "stops": "TIA",
            "name": "Walk Probe", "role": "medical", "code": "TIA",
            "at": f"{TODAY.isoformat()}T23:30"}


def _planning_probes(method: str, path: str) -> ProbeMaker:
    """Probes of a planning route: its ids from the other scope (or the other airport in
    the form), as a form for the pages and as JSON for the API."""
    api = path.startswith("/api/")
    kinds = {"movement_id": "movements", "case_id": "cases", "passenger_id": "passengers",
             "booking_id": "bookings"}

    def make(w: Walk, user: str) -> list[Probe]:
        probes: list[Probe] = []
        for code in _code(w, user):
            scope = w.scopes[code]
            url = path
            for param, what in kinds.items():
                if "{" + param in url:
                    rows = getattr(scope, what)
                    if not rows:
                        return probes
                    first = rows[0][0] if isinstance(rows[0], tuple) else rows[0]
                    url = re.sub(r"\{" + param + r":[^}]+\}", str(first), url)
            form = _planning_form(w, user, code)
            if method == "GET":
                listing = "{" not in path
                probes.append(Probe("GET", f"{url}?airport={code}" if listing else url))
                if listing:
                    probes.append(Probe("GET", url, listing=True, absent=tuple(
                        f"/plan/movements/{m}\"" for m in scope.movements)))
            elif api:
                probes.append(Probe("POST", url, json=form))
            else:
                probes.append(Probe("POST", url, data=form))
        return probes

    return make


PLANNING_ROUTES = [
    ("GET", "/api/v1/plan/charters/{movement_id:int}"),
    ("GET", "/api/v1/plan/movements/{movement_id:int}/notice"),
    ("GET", "/api/v1/plan/movements/{movement_id:int}/readiness"),
    ("GET", "/plan"), ("GET", "/plan/cases/{case_id:int}"),
    ("GET", "/plan/charters/{movement_id:int}"),
    ("GET", "/plan/charters/{movement_id:int}/pickups"),
    ("GET", "/plan/movements/{movement_id:int}"),
    ("GET", "/plan/movements/{movement_id:int}/notice"),
    ("POST", "/api/v1/plan/bookings/{booking_id:int}/cancel"), ("POST", "/api/v1/plan/cases"),
    ("POST", "/api/v1/plan/cases/{case_id:int}/bookings"),
    ("POST", "/api/v1/plan/cases/{case_id:int}/confirm"),
    ("POST", "/api/v1/plan/cases/{case_id:int}/move"),
    ("POST", "/api/v1/plan/cases/{case_id:int}/passengers"),
    ("POST", "/api/v1/plan/charters"),
    ("POST", "/api/v1/plan/charters/{movement_id:int}/crew"),
    ("POST", "/api/v1/plan/charters/{movement_id:int}/stops"),
    ("POST", "/api/v1/plan/charters/{movement_id:int}/stops/remove"),
    ("POST", "/api/v1/plan/movements"), ("POST", "/api/v1/plan/movements/{movement_id:int}"),
    ("POST", "/api/v1/plan/movements/{movement_id:int}/cancel"),
    ("POST", "/api/v1/plan/movements/{movement_id:int}/notice"),
    ("POST", "/api/v1/plan/movements/{movement_id:int}/pickups"),
    ("POST", "/api/v1/plan/passengers/{passenger_id:int}"),
    ("POST", "/api/v1/plan/passengers/{passenger_id:int}/clearance"),
    ("POST", "/api/v1/plan/transits"), ("POST", "/plan/bookings/{booking_id:int}/cancel"),
    ("POST", "/plan/cases"), ("POST", "/plan/cases/{case_id:int}"),
    ("POST", "/plan/cases/{case_id:int}/book"), ("POST", "/plan/cases/{case_id:int}/confirm"),
    ("POST", "/plan/cases/{case_id:int}/move"),
    ("POST", "/plan/cases/{case_id:int}/passengers"), ("POST", "/plan/charters"),
    ("POST", "/plan/charters/{movement_id:int}"),
    ("POST", "/plan/charters/{movement_id:int}/crew"),
    ("POST", "/plan/charters/{movement_id:int}/stops"),
    ("POST", "/plan/charters/{movement_id:int}/stops/remove"),
    ("POST", "/plan/charters/{movement_id:int}/pickups"), ("POST", "/plan/movements"),
    ("POST", "/plan/movements/{movement_id:int}/cancel"),
    ("POST", "/plan/movements/{movement_id:int}/edit"),
    ("POST", "/plan/movements/{movement_id:int}/notice"),
    ("POST", "/plan/passengers/{passenger_id:int}"),
    ("POST", "/plan/passengers/{passenger_id:int}/clearance"),
    ("POST", "/plan/passengers/{passenger_id:int}/contact"),
]
PROBES.update({route: _planning_probes(*route) for route in PLANNING_ROUTES})

#: Routes with no row of an airport or organisation behind them, and why.
UNSCOPED: dict[tuple[str, str], str] = {
    ("GET", "/"): "public: a redirect to the person's home",
    ("GET", "/healthz"): "public: process health",
    ("GET", "/readyz"): "public: database health",
    ("GET", "/login"): "public: the sign-in form",
    ("POST", "/login"): "public: signing in",
    ("POST", "/logout"): "ends the caller's own session",
    **{("GET", f"/schema{p}"): "the API description (signed in): routes and fields, no rows"
       for p in ("", "/swagger", "/openapi.json", "/openapi.yml", "/openapi.yaml",
                 "/{path:str}")},
    ("GET", "/account/sessions"): "the caller's own sessions",
    ("POST", "/outbox/receipts"): "public: an SMS provider's delivery receipt, refused "
                                  "unless signed with the receipt secret (no session)",
    ("POST", "/outbox/receipts/twilio"): "public: Twilio's StatusCallback, refused unless "
                                         "X-Twilio-Signature verifies (no session)",
    ("POST", "/outbox/receipts/vonage"): "public: Vonage's delivery receipt, refused unless "
                                         "its 'sig' verifies (no session)",
    ("GET", "/outbox/receipts/vonage"): "public: Vonage's delivery receipt by GET, refused "
                                        "unless its 'sig' verifies (no session)",
    ("GET", "/static/{file_path:path}"): "public files",
    ("HEAD", "/static/{file_path:path}"): "public files",
    ("GET", "/verify/{document_id:str}"): "public by design: no personal data (verify.py)",
    ("POST", "/verify/{document_id:str}"): "public by design: no personal data",
    ("GET", "/verify"): "public: the form to type a document id",
    ("GET", "/account/password"): "the caller's own password",
    ("POST", "/account/password"): "the caller's own password",
    ("POST", "/account/language"): "the caller's own console language",
    ("POST", "/admin/users/reset-password"): "deployment-wide, admins only",
    ("GET", "/admin/users"): "deployment-wide, admins only (role table: test_routes.py)",
    ("POST", "/admin/users"): "deployment-wide, admins only",
    ("POST", "/admin/users/deactivate"): "deployment-wide, admins only",
    ("POST", "/admin/users/access"): "deployment-wide, admins only",
    ("POST", "/admin/users/reactivate"): "deployment-wide, admins only",
    ("POST", "/admin/users/language"): "deployment-wide, admins only",
    ("GET", "/admin/organisations"): "deployment-wide, admins only",
    ("POST", "/admin/organisations"): "deployment-wide, admins only",
    ("GET", "/admin/validity"): "deployment-wide (a table of countries), admins only",
    ("POST", "/admin/validity"): "deployment-wide (a table of countries), admins only",
    ("POST", "/admin/validity/revert"): "deployment-wide (a table of countries), admins only",
    ("GET", "/admin/audit"): "deployment-wide, admins only",
    ("GET", "/admin/audit.csv"): "deployment-wide, admins only",
}


def _foreign_scopes(w: Walk, user: str) -> list[Scope]:
    scope = _foreign(w, user)
    return [scope] if scope is not None else list(w.scopes.values())


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", None) or {"WS"}:
                if method != "OPTIONS":
                    found.add((method, route.path))
    return found


# -- the walk ---------------------------------------------------------------------------

SUCCESS_REDIRECT = re.compile(r"^/(handovers|movements)/")


def run_walk(w: Walk) -> tuple[list[str], dict[tuple[str, str], int]]:
    """(violations, how many foreign probes each route got)."""
    violations: list[str] = []
    probed: dict[tuple[str, str], int] = dict.fromkeys(PROBES, 0)
    uow = w.app.state.services.uow
    # One client (one app lifespan); each walker is a session cookie and its CSRF token.
    people: dict[str, tuple[str, str]] = {}
    with TestClient(w.app, base_url=BASE) as client:
        for user in WALKERS:
            client.cookies.clear()
            csrf = login(client, user)
            people[user] = (str(client.cookies.get(COOKIE)), csrf)
        w.sessions.update(client.blocking_portal.call(uow.read, _session_ids))  # type: ignore[arg-type]
        for key, make in PROBES.items():
            for user, (token, csrf) in people.items():
                for probe in make(w, user):
                    probed[key] += 1
                    client.cookies.clear()
                    client.cookies.set(COOKIE, token)
                    problem = _send(client, csrf, probe, uow)
                    if problem:
                        violations.append(f"{user} {key[0]} {key[1]} -> {probe.url}: "
                                          f"{problem}")
    return violations, probed


def _session_ids(session: Session) -> dict[str, int]:
    from movements.domain.models import User

    rows = session.execute(select(User.username, func.max(UserSession.id)).join(
        UserSession, UserSession.user_id == User.id).where(UserSession.ended_at.is_(None))
        .group_by(User.username))
    return {name: int(sid) for name, sid in rows}


def _send(client: TestClient[Litestar], csrf: str, probe: Probe, uow: Any) -> str | None:
    portal = client.blocking_portal
    before = portal.call(uow.read, _written)
    if probe.method == "WS":
        try:
            with client.websocket_connect(probe.url) as socket:
                socket.send_text('{"hello": {"after": 0}}')
                text = socket.receive_text()
            return f"socket accepted and sent {text[:60]!r}"
        except WebSocketDisconnect:
            return None
    headers = {"x-csrf-token": csrf, "idempotency-key": str(uuid.uuid4())}
    response = client.request(probe.method, probe.url, data=probe.data, content=probe.content,
                              files=probe.files, json=probe.json, headers=headers,
                              follow_redirects=False)
    after = portal.call(uow.read, _written)
    status = response.status_code
    if probe.listing:
        leaked = [m for m in probe.absent if m in response.text]
        if status < 300 and leaked:
            return f"{status} lists foreign rows {leaked[:3]}"
        return None if before == after else f"{status} and wrote {before} -> {after}"
    if status == 404:  # says what was not found in people's terms, never the row's id
        echoed = [n for n in re.findall(r"/(\d+)(?=/|$|\?)", probe.url)
                  if re.search(rf"(?<![\d.:-]){n}(?![\d.:-])", _visible(response.text))]
        if echoed:
            return f"404 names the id(s) {echoed} from the address: {response.text[:120]!r}"
    location = response.headers.get("location", "") + response.headers.get("hx-redirect", "")
    if status < 300 or (status in (302, 303) and SUCCESS_REDIRECT.match(location)):
        return f"{status} for a foreign row"
    if before != after:
        return f"refused with {status} but wrote {before} -> {after}"
    return None


def _visible(text: str) -> str:
    """What a person reads of a reply: an HTML page without its tags and attributes
    (ids in links and data attributes are not shown), a JSON body as it is."""
    return re.sub(r"<[^>]*>", " ", text)


# -- the tests --------------------------------------------------------------------------

def test_every_route_says_how_it_is_scoped(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    missing = sorted(app_routes(app) - set(PROBES) - set(UNSCOPED))
    assert missing == [], f"routes the access walk does not probe: {missing}"


def test_nobody_reaches_a_row_outside_their_scope(walk: Walk) -> None:
    violations, probed = run_walk(walk)
    assert violations == []
    unprobed = sorted(k for k, n in probed.items() if n == 0)
    assert unprobed == [], f"routes that got no foreign row to probe: {unprobed}"


@pytest.mark.parametrize("backend", ["sqlite"])  # the point is the walk, not the database
def test_the_walk_catches_a_removed_check(walk: Walk, monkeypatch: pytest.MonkeyPatch,
                                          backend: str) -> None:
    # Remove the airport half of the policy: the role alone decides.
    monkeypatch.setattr(access, "may_at", lambda actor, need, airport_id:
                        access.role_may(actor, need))
    violations, _ = run_walk(walk)
    assert any("/bookings/{booking_id:int}/reveal" in v for v in violations)
    assert any("/movements/{movement_id:int}/notes" in v for v in violations)
    assert any("WS /ws" in v for v in violations)


def test_reading_a_raw_telex_is_an_audited_read(walk: Walk) -> None:
    """A raw telex names people (PSM, PNL remarks): reading one writes an audit entry."""
    telex = walk.scopes["BRU"].telexes[0]
    uow = walk.app.state.services.uow
    with TestClient(walk.app, base_url=BASE) as client:
        login(client, "coord_bru")
        before = client.blocking_portal.call(uow.read, _reads_of_telexes)
        reply = client.get(f"/api/v1/telexes/{telex}")
        assert reply.status_code == 200 and reply.json()["raw"]
        assert reply.headers["cache-control"] == "no-store"
        after = client.blocking_portal.call(uow.read, _reads_of_telexes)
    assert after == [*before, ("coord_bru", telex)]


def _reads_of_telexes(session: Session) -> list[tuple[str, int]]:
    return [(a.username, int(a.entity_id or 0)) for a in session.scalars(
        select(AuditEntry).where(AuditEntry.action == "read_telex").order_by(AuditEntry.id))]
