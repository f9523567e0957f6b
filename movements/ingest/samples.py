"""Sample telexes for the demo day, with today's date filled in.

``fixtures/telex/demo_nairobi_ptm.txt`` is the PTM for the demo's Nairobi transit
(KQ116 from Nairobi, onward KL691 to Toronto, see ``fixtures/demo_day.json``).  It is a
template: ``{DD}`` is the day of month (two digits) and ``{MON}`` the month (``SEP``)
of the demo day, which the demo always loads for *today*.  ``demo_ptm(day)`` fills
them in; the imports page shows the result ready to paste, and
``movements import telex --demo-ptm`` sends it.

Against the demo manifest it says three things differently, so a coordinator sees
each kind of difference on the KQ116 movement page: Samuel Lual Akol is not on it (a
no-show?), Bahati Mwamba connects to KL1143 to Oslo instead of KL691, and Amani Okoth
is a name the manifest does not have.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

DEMO_PTM = Path(__file__).resolve().parents[2] / "fixtures" / "telex" / "demo_nairobi_ptm.txt"
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
           "DEC")


def fill(template: str, day: date) -> str:
    return template.replace("{DD}", f"{day.day:02d}").replace("{MON}", _MONTHS[day.month - 1])


def demo_ptm(day: date, path: Path = DEMO_PTM) -> str | None:
    """The demo PTM dated ``day``; None when the fixture is not there (an installed
    package without the repository)."""
    if not path.is_file():
        return None
    return fill(path.read_text(encoding="utf-8"), day)
