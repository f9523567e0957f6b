"""A person's name as in the travel document (input_rules.name_problem): letters of any
script, combining marks, space, hyphen, apostrophe, full stop; never a symbol, an emoji
or a digit.  Every name of the demo's pools, Latin and native, must pass."""

from __future__ import annotations

import pytest

from movements.demo.names import CULTURES
from movements.domain import input_rules
from movements.domain.errors import RuleViolation
from movements.domain.phrases import Phrase


def _every_demo_name() -> list[str]:
    out: list[str] = []
    for culture in CULTURES.values():
        for part in (*culture.male, *culture.female, *culture.surnames):
            out.append(part.latin)
            if part.native:
                out.append(part.native)
    return out


def test_every_demo_name_passes_latin_and_native() -> None:
    names = _every_demo_name()
    assert len(names) > 100
    refused = {n: input_rules.name_problem(n) for n in names if input_rules.name_problem(n)}
    assert not refused, refused


@pytest.mark.parametrize("name", ["O'Brien", "Ngũgĩ", "Jean-Luc", "St. John", "Ş. Yılmaz",
                                  "محمد", "Тарас", "ኃይሌ", "D\u2019Souza",
                                  "Me\u0301lanie",  # e + combining acute
                                  "\u0645\u06cc\u200c\u0646\u0627"])  # Persian, with ZWNJ
def test_names_of_any_script_pass(name: str) -> None:
    assert input_rules.name_problem(name) is None


@pytest.mark.parametrize(("name", "char", "column"), [
    ("Hassan😀", "'😀'", 7), ("D😀", "'😀'", 2), ("Ali3", "'3'", 4), ("Ali٣", "'٣'", 4),
    ("Smith/John", "'/'", 6), ("A@B", "'@'", 2), ("Zoë★", "'★'", 4), ("Ann_Marie", "'_'", 4),
    ("Ali\u200b", "U+200B", 4), ("Ali\u00a0Baba", "U+00A0", 4)])
def test_symbols_emoji_and_digits_are_refused_naming_the_character(
        name: str, char: str, column: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        input_rules.check_name(Phrase("surname"), name, field="surname")
    text = str(caught.value)
    assert text.startswith("surname contains " + char), text
    assert f"character {column})" in text
    assert caught.value.field == "surname"
