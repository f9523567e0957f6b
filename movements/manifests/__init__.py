"""The PDF edge: read models from :mod:`movements.domain.documents` in, PDF bytes out.

No database, no HTTP, no asyncio here.  Every builder is a pure function of its read
model and returns deterministic bytes (the same document renders to the same PDF).
See :mod:`movements.manifests.text` for the font and script-shaping choices.
"""

from .briefing import build_escort_briefing
from .charter import build_charter_manifest
from .daily import build_daily_report
from .handover import build_handover_manifest

__all__ = [
    "build_charter_manifest",
    "build_daily_report",
    "build_escort_briefing",
    "build_handover_manifest",
]
