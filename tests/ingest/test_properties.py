"""Property-based tests: whatever arrives, a parser returns a result or a TelexError.

A coordinator pastes whatever the airline sent; a crash (IndexError, KeyError,
OverflowError...) would surface as a 500 instead of "line 7: ... — reason".  Example
counts stay modest so the whole ingest suite runs in a few seconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movements.ingest import (
    Adl,
    Mvt,
    Pnl,
    Psm,
    Ptm,
    TelexError,
    parse_adl,
    parse_mvt,
    parse_pnl,
    parse_psm,
    parse_ptm,
    parse_telex,
)
from movements.ingest.render import render
from tests.ingest.corpus import load, names

Parser = Callable[..., object]
PARSERS: list[Parser] = [parse_telex, parse_mvt, parse_ptm, parse_pnl, parse_adl, parse_psm]
RESULT_TYPES = (Mvt, Ptm, Pnl, Adl, Psm)
GOOD = {name: load(name) for name in names("ok")}

# The characters telexes are made of, plus a few from other scripts and the ones
# that break naive parsers (Unicode digits, line separators, framing bytes).
TELEX_CHARS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/.- \n\r\t"
               "ИМАحلىተሰ٣²\u2028\x85\x01\x02\x03\ufeff")
# Tokens that sit at the edges of the grammar.
EDGE_TOKENS = ["", " ", "0", "00", "29FEB", "31SEP", "2400", "2359", "999999", "/", "//",
               ".", "-", "ADD", "DEL", "CHG", "NIL", "FT", "ONWARD", "EA", "SI", "RBD",
               "ENDPNL", "ENDADL", "ENDPTM", "ENDPSM", "ENDPART1", "ENDPART9", "PART0",
               ".RN/", ".R/", ".L/", ".I/", ".O/", "-TIA000Y", "1X/Y", "KL1/32", "٣"]

references = st.one_of(st.none(), st.dates(), st.sampled_from([date.min, date.max]))
SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def parses_or_rejects(parser: Parser, text: str, reference: date | None) -> None:
    try:
        result = parser(text, reference)
    except TelexError as error:
        assert isinstance(error.line_no, int) and error.line_no >= 1
        assert isinstance(error.line, str) and error.reason
        str(error)
    else:
        assert isinstance(result, RESULT_TYPES)


@SETTINGS
@given(parser=st.sampled_from(PARSERS), text=st.text(), reference=references)
def test_random_text(parser: Parser, text: str, reference: date | None) -> None:
    parses_or_rejects(parser, text, reference)


@SETTINGS
@given(kind=st.sampled_from(["MVT", "PTM", "PNL", "ADL", "PSM"]),
       lines=st.lists(st.text(TELEX_CHARS, max_size=30), max_size=12),
       reference=references)
def test_random_lines_after_a_real_identifier(kind: str, lines: list[str],
                                              reference: date | None) -> None:
    parses_or_rejects(parse_telex, "\n".join([kind, *lines]), reference)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(sorted(GOOD.values())))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        row = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "insert", "replace", "drop_line", "dup_line",
                                   "swap_lines", "truncate", "token"]))
        if op == "delete":
            text = text[:at] + text[at + 1:]
        elif op == "insert":
            text = text[:at] + draw(st.text(TELEX_CHARS, min_size=1, max_size=3)) + text[at:]
        elif op == "replace":
            text = text[:at] + draw(st.sampled_from(TELEX_CHARS)) + text[at + 1:]
        elif op == "drop_line":
            text = "\n".join(lines[:row] + lines[row + 1:])
        elif op == "dup_line":
            text = "\n".join(lines[:row + 1] + lines[row:])
        elif op == "swap_lines":
            other = draw(st.integers(0, len(lines) - 1))
            lines[row], lines[other] = lines[other], lines[row]
            text = "\n".join(lines)
        elif op == "truncate":
            text = text[:at]
        else:
            words = lines[row].split(" ")
            words[draw(st.integers(0, len(words) - 1))] = draw(st.sampled_from(EDGE_TOKENS))
            lines[row] = " ".join(words)
            text = "\n".join(lines)
    return text


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_fixture(), reference=references)
def test_mutated_fixtures(text: str, reference: date | None) -> None:
    parses_or_rejects(parse_telex, text, reference)


@SETTINGS
@given(name=st.sampled_from(sorted(GOOD)), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       padding=st.lists(st.sampled_from(["", " ", "  ", "\t", " \t "]), min_size=1))
def test_layout_never_changes_the_result(name: str, newline: str, padding: list[str]) -> None:
    lines = GOOD[name].replace("\r\n", "\n").split("\n")
    relaid = newline.join(line + padding[i % len(padding)] for i, line in enumerate(lines))
    assert parse_telex(relaid) == parse_telex(GOOD[name])


# -- render, parse again: the same facts -----------------------------------------------

def facts(value: object) -> object:
    """A parsed telex as plain data, without line numbers (a rendering moves lines)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: facts(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name != "line_no"}
    if isinstance(value, tuple | list):
        return [facts(v) for v in value]
    return value


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.sampled_from(sorted(GOOD.values())), mutated_fixture()),
       reference=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1),
                                                 max_value=date(2090, 12, 31))))
def test_render_then_parse_gives_the_same_result(text: str, reference: date | None) -> None:
    try:
        parsed = parse_telex(text, reference)
    except TelexError:
        return  # only accepted messages have a rendering
    again = render(parsed)
    try:
        reparsed = parse_telex(again, reference)
    except TelexError as error:
        raise AssertionError(f"the rendering is refused: {error}\n{again}") from None
    assert facts(reparsed) == facts(parsed), again
    assert render(reparsed) == again


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_accepted_fixture_round_trips(name: str) -> None:
    parsed = parse_telex(GOOD[name], date(2026, 11, 30))
    assert facts(parse_telex(render(parsed), date(2026, 11, 30))) == facts(parsed)
