"""The pushed header's one definition: the shared examples (also run in the page's parser
by tests/browser/test_live_push.py), and the server's own messages following it."""

from __future__ import annotations

from typing import Any

import pytest

from movements.realtime.fragments import header
from movements.realtime.wire import KINDS, SPEC, format_header, page_spec, parse_header

EXAMPLES: list[dict[str, Any]] = SPEC["examples"]


def as_dict(text: str) -> dict[str, Any] | None:
    h = parse_header(text)
    if h is None:
        return None
    return {"stream": h.stream, "first": h.first, "seq": h.seq, "kind": h.kind, "at": h.at}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["header"][:60] or "empty"
                                                   for e in EXAMPLES])
def test_shared_examples(example: dict[str, Any]) -> None:
    assert as_dict(example["header"] + example.get("follow", "")) == example["expect"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_header_the_server_writes_parses_back(kind: str) -> None:
    for at in (None, 1789123456789.25):
        text = header("board:AMS:2026-09-15", 3, 9, kind, at)
        h = parse_header(text + '<div id="x"></div>')
        assert h is not None and (h.stream, h.first, h.seq, h.kind) == (
            "board:AMS:2026-09-15", 3, 9, kind)
        assert h.length == len(text)
        assert (h.at is None) == (at is None)


def test_a_new_field_never_breaks_the_reader() -> None:
    text = format_header("movement:1", 1, 2, "event", 5.0)
    extended = text[:-3] + " node=b-2 zone=eu-west-->"
    assert as_dict(extended) == as_dict(text)


@pytest.mark.parametrize("args", [("has space", 1, 1, "event"), ("a-->b", 1, 1, "event"),
                                  ("s", -1, 1, "event"), ("s", 1, 1, "shout"),
                                  ("a=b", 1, 1, "event")])
def test_the_writer_refuses_what_the_grammar_cannot_carry(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="sync header"):
        format_header(*args)


def test_the_page_gets_the_same_grammar() -> None:
    import json

    spec = json.loads(page_spec())
    assert spec["pattern"] == SPEC["pattern"] and spec["required"] == SPEC["required"]
