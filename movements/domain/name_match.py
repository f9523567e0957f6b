"""Is the telex's OKELLO/GRACE MRS the manifest's "Grace Okello"?  Name matching.

Telexes write names in upper case, without accents, with given names run together
(``MUKENDI/JEANPAUL``), and sometimes only the first given name (``DENG/MARY`` for
"Mary Achol Deng").  Case-management exports write "Jean-Paul", "Grâce", "Иванова".
Both sides are folded the same way before comparing: Unicode NFKD, combining marks
dropped, case-folded, and everything that is not a letter or digit removed, so
"Grâce" == "GRACE" and "Jean-Paul" == "JEANPAUL".  Scripts are never transliterated:
an Arabic telex name matches the passenger's Arabic ``native_name`` (or an Arabic
surname), not a Latin spelling of it.

Matching is one-to-one and greedy by strength: same booking locator and surname
first, then full name, then first given name, then surname alone (a PTM name group
without given names), each passenger at most once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar


def fold(text: str | None) -> str:
    """"Jean-Paul Grâce" -> "jeanpaulgrace"; any script keeps its letters."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold()
                   if ch.isalnum() and not unicodedata.combining(ch))


def fold_words(text: str | None) -> list[str]:
    return [w for w in (fold(part) for part in (text or "").replace("-", " ").split()) if w]


@dataclass(frozen=True, slots=True)
class Person:
    """What matching needs of a manifest passenger."""

    key: int  # passenger id
    surname: str
    given_names: str
    native_name: str | None = None
    locator: str | None = None


@dataclass(frozen=True, slots=True)
class TelexName:
    surname: str
    given_name: str | None
    locator: str | None = None


T = TypeVar("T")

# Strengths, strongest first.
LOCATOR, FULL, FIRST_GIVEN, NATIVE, SURNAME_ONLY = 5, 4, 3, 2, 1


@dataclass(frozen=True, slots=True)
class _Folded:
    person: Person
    surname: str
    given: str
    first_given: str
    locator: str


def _folded(person: Person) -> _Folded:
    words = fold_words(person.given_names)
    return _Folded(person, fold(person.surname), "".join(words), words[0] if words else "",
                   fold(person.locator))


def _strength(given: str, locator: str, p: _Folded) -> int:
    """Strength against a passenger of the same (folded) surname."""
    if given and given == p.given:
        return LOCATOR if locator and locator == p.locator else FULL
    if given and given == p.first_given:
        return FIRST_GIVEN
    return 0 if given else SURNAME_ONLY


def strength(name: TelexName, person: Person) -> int:
    """How strongly a telex name matches one passenger (0: not at all)."""
    found = match([(None, name)], [person])
    return found[0].strength if found else 0


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    item: T
    person: Person
    strength: int


def match(items: Sequence[tuple[T, TelexName]], people: Iterable[Person]) -> dict[int, Match[T]]:
    """index in ``items`` -> its match; each person is used at most once."""
    by_surname: dict[str, list[_Folded]] = {}
    by_native: dict[str, list[_Folded]] = {}
    for person in people:
        f = _folded(person)
        by_surname.setdefault(f.surname, []).append(f)
        if person.native_name:
            by_native.setdefault(fold(person.native_name), []).append(f)
    scored: list[tuple[int, int, int, Person]] = []  # (-strength, item index, order, person)
    for index, (_, name) in enumerate(items):
        surname, given, locator = fold(name.surname), fold(name.given_name), fold(name.locator)
        if not surname:
            continue
        order = 0
        for f in by_surname.get(surname, ()):
            s = _strength(given, locator, f)
            if s:
                scored.append((-s, index, order, f.person))
                order += 1
        for key in {surname + given, given + surname}:
            for f in by_native.get(key, ()):
                if f.surname != surname:
                    scored.append((-NATIVE, index, order, f.person))
                    order += 1
    scored.sort(key=lambda t: (t[0], t[1], t[2]))
    taken: set[int] = set()
    out: dict[int, Match[T]] = {}
    for negative, index, _, person in scored:
        if index in out or person.key in taken:
            continue
        out[index] = Match(items[index][0], person, -negative)
        taken.add(person.key)
    return out
