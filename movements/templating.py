"""The one Jinja environment, shared by the HTTP pages and the pushed fragments, so a
partial renders byte-for-byte the same whichever path delivers it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from movements.domain import milestones as steps
from movements.domain.ssr import SSR_CODES

TEMPLATES = Path(__file__).parent / "web" / "templates"

BADGE_LABELS = {
    "escort": "Escort",
    "medical": "Medical",
    "stretcher_oxygen": "Stretcher/O₂",
    "wheelchair": "Wheelchair",
    "minor": "Minor alone",
    "meet_assist": "Meet & assist",
}
LANE_LABELS = {"departure": "Departures", "transit": "Transits", "arrival": "Arrivals"}
STATE_LABELS = {
    "SCH": "Scheduled", "DEL": "Delayed", "WIL": "Wait in lounge", "GTO": "Gate open",
    "BRD": "Boarding", "GCL": "Gate closing", "GTD": "Gate closed", "DEP": "Departed",
    "CNX": "Cancelled", "GCH": "Gate change", "TOM": "Tomorrow", "AIR": "Airborne",
    "EXP": "Expected", "FIR": "In Dutch airspace", "LND": "Landed", "FIB": "First bag",
    "ARR": "Arrived", "DIV": "Diverted",
}


def make_environment(default_tz: str = "Europe/Amsterdam") -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def hhmm(value: datetime | None, tz: str = default_tz) -> str:
        return value.astimezone(ZoneInfo(tz)).strftime("%H:%M") if value else ""

    def local(value: datetime | None, tz: str = default_tz) -> str:
        return value.astimezone(ZoneInfo(tz)).strftime("%d %b %H:%M") if value else ""

    def isodate(value: date) -> str:
        return value.isoformat()

    def feedvalue(value: str | None, tz: str = default_tz) -> str:
        """A stored field value (times as ISO 8601 UTC) as a person reads it."""
        if not value:
            return ""
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return hhmm(when, tz) if when.tzinfo else value

    env.filters.update(hhmm=hhmm, local=local, isodate=isodate, feedvalue=feedvalue)
    env.globals.update(BADGE_LABELS=BADGE_LABELS, LANE_LABELS=LANE_LABELS,
                       STATE_LABELS=STATE_LABELS, SSR=SSR_CODES,
                       MILESTONE_LABELS=steps.LABELS)
    return env
