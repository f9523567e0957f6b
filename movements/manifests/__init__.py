"""The PDF edge: read models from :mod:`movements.domain.documents` in, PDF bytes out.

No database, no HTTP, no asyncio here.  Every builder is a pure function of its read
model and returns deterministic bytes (the same document renders to the same PDF).
See :mod:`movements.manifests.text` for the font and script-shaping choices.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .briefing import build_escort_briefing
    from .charter import build_charter_manifest
    from .daily import build_daily_report
    from .handover import build_handover_manifest

#: builder -> its module.  Imported on first use (PEP 562): ReportLab, the fonts' tools
#: and the Arabic shaper cost every server, CLI and test process ~0.5 s of CPU at start,
#: and most of them never draw a PDF (the PDF pool's workers import them when they start).
_BUILDERS = {
    "build_escort_briefing": ".briefing",
    "build_charter_manifest": ".charter",
    "build_daily_report": ".daily",
    "build_handover_manifest": ".handover",
}

__all__ = [
    "build_charter_manifest",
    "build_daily_report",
    "build_escort_briefing",
    "build_handover_manifest",
]


def __getattr__(name: str) -> Any:
    if name in _BUILDERS:
        return getattr(importlib.import_module(_BUILDERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
