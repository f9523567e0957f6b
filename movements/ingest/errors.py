"""The one error every telex parser raises.

A console must show the coordinator where a telex is wrong and why, and must never
half-apply one; a single exception type with the line attached lets the caller reject
the whole telex with a message a person can act on.  It subclasses ``ValueError`` so
code that already treats bad input as ``ValueError`` keeps working.
"""

from __future__ import annotations

# Long garbage lines would drown the reason; the full line stays on ``.line``.
_SHOWN_CHARS = 80


class TelexError(ValueError):
    """A telex was rejected: ``line_no`` is 1-based in the text as received."""

    def __init__(self, line_no: int, line: str, reason: str) -> None:
        # args mirror the constructor so the error pickles and copies faithfully.
        super().__init__(line_no, line, reason)
        self.line_no = line_no
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        shown = self.line
        if len(shown) > _SHOWN_CHARS:
            shown = shown[: _SHOWN_CHARS - 3] + "..."
        return f"line {self.line_no}: {shown!r} — {self.reason}"
