"""Read model: the telexes as received, newest first, with what became of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import TelexMessage
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

    @property
    def label(self) -> str:
        what = self.kind or "?"
        if self.flight:
            what += f" {self.flight}"
        if self.flight_date:
            what += f"/{self.flight_date:%d%b}".upper()
        if self.part:
            what += f" part {self.part}"
        return what


def _row(m: TelexMessage, raw: bool = False) -> TelexRow:
    return TelexRow(m.id, m.received_at, m.message_type, m.flight, m.flight_date, m.part,
                    m.outcome, m.detail or "", m.movement_id, m.raw if raw else None)


def recent(session: Session, limit: int = 50, outcome: str | None = None) -> list[TelexRow]:
    stmt = select(TelexMessage).order_by(TelexMessage.id.desc()).limit(max(1, min(limit, 500)))
    if outcome:
        stmt = stmt.where(TelexMessage.outcome == outcome)
    return [_row(m) for m in session.scalars(stmt)]


def one(session: Session, telex_id: int) -> TelexRow | None:
    m = session.get(TelexMessage, telex_id)
    return _row(m, raw=True) if m is not None else None
