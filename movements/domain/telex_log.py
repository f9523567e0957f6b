"""Read model: the telexes as received, newest first, with what became of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from .access import Need, access_airport, access_telex, all_airports, telex_airport_ids
from .models import TelexMessage
from .phrases import N_, Phrase, stored_phrase
from .uow import Actor, Tx
from .vocabulary import TelexOutcome

OUTCOMES = tuple(TelexOutcome)


@dataclass(frozen=True, slots=True)
class TelexRow:
    id: int
    received_at: datetime
    kind: str | None
    flight: str | None
    flight_date: date | None
    part: int | None
    outcome: str
    detail: str
    movement_id: int | None
    raw: str | None = None  # only for one telex, not in lists
    detail_phrase: str | None = None  # a refusal's phrase as stored (JSON)

    @property
    def shown(self) -> str | Phrase:
        """The detail to show a person: the stored refusal phrase, else the English."""
        return stored_phrase(self.detail_phrase, self.detail, ()) if self.detail_phrase \
            else self.detail

    @property
    def label(self) -> str | Phrase:
        """``PNL KL1234/15SEP part 2``; a phrase when it has a part ("part" translated
        where shown)."""
        what = self.kind or "?"
        if self.flight:
            what += f" {self.flight}"
        if self.flight_date:
            what += f"/{self.flight_date:%d%b}".upper()
        if self.part:
            return Phrase.of(N_("%(telex)s part %(part)s"), telex=what, part=self.part)
        return what


def _row(m: TelexMessage, raw: bool = False) -> TelexRow:
    return TelexRow(m.id, m.received_at, m.message_type, m.flight, m.flight_date, m.part,
                    m.outcome, m.detail or "", m.movement_id, m.raw if raw else None,
                    m.detail_phrase)


def recent(session: Session, actor: Actor, limit: int = 50, outcome: str | None = None,
           airport: str | None = None) -> list[TelexRow]:
    """The newest telexes (at most 500) received for the actor's airports (or for one of
    them, by IATA code), without their raw text; NotFound for an airport not theirs."""
    if airport:
        airport_ids = [access_airport(session, actor, airport, Need.COORDINATE).id]
    else:
        airport_ids = telex_airport_ids(session, actor)
    stmt = select(TelexMessage).order_by(TelexMessage.id.desc()).limit(max(1, min(limit, 500)))
    scope: ColumnElement[bool] = TelexMessage.airport_id.in_(airport_ids)
    if all_airports(actor):  # telexes older than their airport column: admins only
        scope = scope | TelexMessage.airport_id.is_(None)
    stmt = stmt.where(scope)
    if outcome:
        stmt = stmt.where(TelexMessage.outcome == outcome)
    return [_row(m) for m in session.scalars(stmt)]


def read_telex(tx: Tx, telex_id: int) -> TelexRow:
    """One telex with its raw text, for a coordinator of its airport.  A raw telex names
    people and may carry health and minors' data (PSM, PNL remarks): the read is audited
    in this transaction.  Raises NotFound outside the actor's scope."""
    m = access_telex(tx.session, tx.actor, telex_id, Need.COORDINATE)
    tx.audit("read_telex", "telex_message", m.id, detail=f"{m.message_type or '?'} raw text")
    return _row(m, raw=True)
