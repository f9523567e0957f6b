"""The one error every telex parser raises.

A console must show the coordinator where a telex is wrong and why, and must never
half-apply one; a single exception type with the line attached lets the caller reject
the whole telex with a message a person can act on.  It subclasses ``ValueError`` so
code that already treats bad input as ``ValueError`` keeps working.

The reason is a :class:`~movements.domain.phrases.Phrase` (a msgid and its values), so
the rejection reads in the coordinator's language; ``reason`` and ``str()`` stay English
(what the telex log stores and machines read).
"""

from __future__ import annotations

from movements.domain.phrases import N_, Phrase

# Long garbage lines would drown the reason; the full line stays on ``.line``.
_SHOWN_CHARS = 80


class TelexError(ValueError):
    """A telex was rejected: ``line_no`` is 1-based in the text as received; ``reason``
    a phrase (or an English sentence, taken as a msgid)."""

    def __init__(self, line_no: int, line: str, reason: str | Phrase) -> None:
        # args mirror the constructor so the error pickles and copies faithfully.
        super().__init__(line_no, line, reason)
        self.line_no = line_no
        self.line = line
        self.reason_phrase = reason if isinstance(reason, Phrase) else Phrase(reason)
        self.reason = self.reason_phrase.english()

    @property
    def shown_line(self) -> str:
        """The line as shown in the message: its first 80 characters."""
        shown = self.line
        if len(shown) > _SHOWN_CHARS:
            shown = shown[: _SHOWN_CHARS - 3] + "..."
        return shown

    @property
    def phrase(self) -> Phrase:
        """The whole message as a phrase: the line number and text as values, the reason
        translated."""
        return Phrase.of(N_("line %(line)s: %(text)s — %(reason)s"), line=self.line_no,
                         text=repr(self.shown_line), reason=self.reason_phrase)

    def __str__(self) -> str:
        return self.phrase.english()
