"""The one definition of a pushed message's header (server and page both follow it).

Every message the live socket sends starts with a header comment, then the HTML
fragments it carries::

    <!--sync stream=board:AMS:2026-09-15 from=12 seq=14 kind=event at=1789123456789.5-->

Grammar (also in ``sync_header.json`` beside this module, which the page receives as its
field list and which both test suites read for their examples)::

    header  = "<!--sync" 1*(" " field) "-->"
    field   = name "=" value
    name    = 1*(a-z)
    value   = 1*(any character except space and "-")   ; so "-->" cannot hide in one
              | value containing "-" when it is not followed by "->"

Fields: ``stream`` (the stream's name), ``from`` and ``seq`` (the first and last sequence
numbers the message covers; non-negative integers), ``kind`` (``event``, ``replay``,
``snapshot``, ``heartbeat``); optional ``at`` (unix milliseconds of the commit, a decimal
number).  A reader ignores fields it does not know, in any order after the required
ones, so adding a field can never make a page drop pushes (issue 13: adding ``at=`` did).
A missing required field, a malformed value, or an unknown kind makes the header
invalid (the page then ignores the message and the heartbeat's number repairs the gap).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("sync_header.json")
SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))

#: name -> "string" | "int" | "number" | "kind"; ``required`` lists the mandatory ones.
FIELDS: dict[str, str] = SPEC["fields"]
REQUIRED: tuple[str, ...] = tuple(SPEC["required"])
KINDS: tuple[str, ...] = tuple(SPEC["kinds"])

_HEADER = re.compile(SPEC["pattern"])
_FIELD = re.compile(SPEC["field_pattern"])
_VALUE = {"int": re.compile(r"^\d+$"), "number": re.compile(r"^\d+(\.\d+)?$"),
          "string": re.compile(r"^\S+$"), "kind": re.compile(r"^[a-z]+$")}


@dataclass(frozen=True, slots=True)
class SyncHeader:
    """A parsed header: ``first``..``seq`` are the numbers covered; ``at`` is unix ms."""

    stream: str
    first: int
    seq: int
    kind: str
    at: float | None = None
    length: int = 0  # characters the header occupies at the start of the message


def format_header(stream: str, first: int, last: int, kind: str,
                  at: float | None = None) -> str:
    """The header text for a message covering ``first``..``last`` of ``stream``.

    Raises ValueError for a value the grammar cannot carry (a space or ``-->`` in the
    stream name, a negative number, an unknown kind), so a bad header is never sent."""
    if kind not in KINDS:
        raise ValueError(f"sync header: unknown kind {kind!r} (expected one of {KINDS})")
    if first < 0 or last < 0:
        raise ValueError(f"sync header: negative sequence number {first}..{last}")
    if not _VALUE["string"].match(stream) or "-->" in stream or "=" in stream:
        raise ValueError(f"sync header: stream name {stream!r} has a space, '=' or '-->'")
    stamp = f" at={at:.1f}" if at is not None else ""
    return f"<!--sync stream={stream} from={first} seq={last} kind={kind}{stamp}-->"


def parse_header(message: str) -> SyncHeader | None:
    """The header at the start of ``message``, or None when it has none or it is invalid
    (see the module's grammar).  Unknown fields are ignored."""
    m = _HEADER.match(message)
    if m is None:
        return None
    values: dict[str, str] = {}
    for token in m.group(1).split(" ")[1:]:  # the group starts with its space
        f = _FIELD.match(token)
        if f is None:
            return None
        values.setdefault(f.group(1), f.group(2))
    for name in REQUIRED:
        if name not in values:
            return None
    for name, kind in FIELDS.items():
        if name in values and not _VALUE[kind].match(values[name]):
            return None
    if values["kind"] not in KINDS:
        return None
    at = float(values["at"]) if "at" in values else None
    return SyncHeader(stream=values["stream"], first=int(values["from"]),
                      seq=int(values["seq"]), kind=values["kind"], at=at,
                      length=m.end())


def page_spec() -> str:
    """The part of the definition the page's parser needs, as JSON for a data attribute."""
    return json.dumps({k: SPEC[k] for k in ("pattern", "field_pattern", "fields",
                                            "required", "kinds")}, separators=(",", ":"))
