"""The one Jinja environment, shared by the HTTP pages and the pushed fragments, so a
partial renders byte-for-byte the same whichever path delivers it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from movements.domain import milestones as steps
from movements.domain.ssr import SSR_CODES
from movements.domain.vocabulary import FlightState, Lane

TEMPLATES = Path(__file__).parent / "web" / "templates"

BADGE_LABELS = {
    "escort": "Escort",
    "medical": "Medical",
    "stretcher_oxygen": "Stretcher/O₂",
    "wheelchair": "Wheelchair",
    "minor": "Minor alone",
    "meet_assist": "Meet & assist",
}
LANE_LABELS = Lane.labels()
STATE_LABELS = FlightState.labels()


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
        """``15 Sep 14:32`` in the airport's time (month names from CLDR via Babel, not
        from the server's locale)."""
        if not value:
            return ""
        return format_datetime(value.astimezone(ZoneInfo(tz)), "dd MMM HH:mm", locale="en")

    def isodate(value: date) -> str:
        return value.isoformat()

    env.filters.update(hhmm=hhmm, local=local, isodate=isodate)
    env.globals.update(BADGE_LABELS=BADGE_LABELS, LANE_LABELS=LANE_LABELS,
                       STATE_LABELS=STATE_LABELS, SSR=SSR_CODES,
                       MILESTONE_LABELS=steps.LABELS)
    return env
