"""Reading a calendar day typed as YYYY-MM-DD, saying *why* one is refused.

``date.fromisoformat`` refuses "2026-02-31" as it refuses "15-09-2026"; a person who typed
the first wrote the right format and a day that does not exist, and is told so ("month 2
of 2026 has 28 days"), not "expected YYYY-MM-DD".  Used by every date field: the planning
forms (flight date, birth date, document expiry), the passenger import, the query
parameters of pages and the JSON API.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from .phrases import N_, Phrase, quoted

_SHAPE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def no_such_day(value: str) -> Phrase | None:
    """Why ``value``, in the YYYY-MM-DD shape, is not a day of the calendar (a month
    past 12, a day past the month's last, a zero), as a phrase; ``None`` when it is not in
    that shape or is a real day.  The month's length is the Gregorian calendar's
    (``calendar.monthrange``, leap years included)."""
    found = _SHAPE.fullmatch(value.strip())
    if found is None:
        return None
    year, month, day = (int(g) for g in found.groups())
    shown = quoted(value.strip())
    if not 1 <= month <= 12:
        return Phrase.of(N_("%(value)s is not a date: there is no month %(month)d"),
                         value=shown, month=month)
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return Phrase.of(N_("%(value)s is not a date: month %(month)d of %(year)d has "
                            "%(days)d days"), value=shown, month=month, year=year, days=days)
    return None


def parse_day(value: str) -> date:
    """``value`` (YYYY-MM-DD, surrounding spaces ignored) as a date.  Raises
    :class:`NoSuchDay` (a ``ValueError``) for a well-shaped day the calendar has not, and
    ``date.fromisoformat``'s ``ValueError`` for anything else."""
    text = value.strip()
    why = no_such_day(text)
    if why is not None:
        raise NoSuchDay(why)
    return date.fromisoformat(text)


class NoSuchDay(ValueError):
    """A day in the right shape that the calendar does not have; ``phrase`` says why."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase


__all__ = ["NoSuchDay", "no_such_day", "parse_day"]
