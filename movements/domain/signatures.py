"""Signatures drawn with a finger on the tablet (issue 13.6).

A signature is the list of strokes the pad recorded, each a list of points ``[x, y]`` in
pad units: 0-1000 across and 0-``PAD_HEIGHT`` down (the pad is 3:1 whatever its size on
screen), sent as JSON.  Stored as that JSON on the handover and drawn into the manifest's
signature box with the typed name beneath.
"""

from __future__ import annotations

import json

from .errors import RuleViolation
from .phrases import N_, Phrase

PAD_WIDTH = 1000
PAD_HEIGHT = 333
MAX_STROKES = 120
MAX_POINTS = 6000
#: Fewer points than this is a tap, not a signature.
MIN_POINTS = 6

Strokes = tuple[tuple[tuple[int, int], ...], ...]


def parse_strokes(text: str | None, who: str) -> Strokes | None:
    """The strokes of a drawn signature, checked; None when nothing was sent.

    Raises RuleViolation (field ``who``) for anything that is not strokes in pad units,
    too many points, or too little ink to be a signature.
    """
    if text is None or not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise RuleViolation(Phrase.of(N_("the %(who)s is not a drawn signature"),
                                      who=Phrase(who)), field=who) from None
    if not isinstance(data, list) or len(data) > MAX_STROKES:
        raise RuleViolation(Phrase.of(N_("the %(who)s is not a drawn signature (at most %(most)s "
                                         "strokes)"),
                                      who=Phrase(who), most=MAX_STROKES), field=who)
    strokes: list[tuple[tuple[int, int], ...]] = []
    total = 0
    for stroke in data:
        if not isinstance(stroke, list):
            raise RuleViolation(Phrase.of(N_("the %(who)s is not a drawn signature"),
                                          who=Phrase(who)), field=who)
        points: list[tuple[int, int]] = []
        for point in stroke:
            if not (isinstance(point, list) and len(point) == 2
                    and all(isinstance(v, int | float) and not isinstance(v, bool)
                            for v in point)):
                raise RuleViolation(Phrase.of(N_("the %(who)s is not a drawn signature"),
                                              who=Phrase(who)), field=who)
            x, y = round(point[0]), round(point[1])
            if not (0 <= x <= PAD_WIDTH and 0 <= y <= PAD_HEIGHT):
                raise RuleViolation(Phrase.of(N_("the %(who)s has points outside the pad"),
                                              who=Phrase(who)), field=who)
            points.append((x, y))
        total += len(points)
        if points:
            strokes.append(tuple(points))
    if total > MAX_POINTS:
        raise RuleViolation(Phrase.of(N_("the %(who)s is too long (at most %(most)s points)"),
                                      who=Phrase(who), most=MAX_POINTS), field=who)
    if total < MIN_POINTS:
        raise RuleViolation(Phrase.of(N_("the %(who)s is empty: sign with a finger in the box"),
                                      who=Phrase(who)), field=who)
    return tuple(strokes)


def dump_strokes(strokes: Strokes | None) -> str | None:
    """The stored form (compact JSON)."""
    if strokes is None:
        return None
    return json.dumps([[list(p) for p in s] for s in strokes], separators=(",", ":"))
