"""Passenger names as telexes write them.

Names come in any script (Latin, Arabic, Cyrillic, Ge'ez...) and pass through as
received: the only characters a name may not contain are the telex's own syntax
(``/`` between parts, ``.`` that starts an element) and ASCII digits, which in a
name always mean two fields ran together (a count, a seat).

Two shapes:

* PNL, ADL and PSM: ``SURNAME/GIVEN[ TITLE][/GIVEN[ TITLE]]...``, one passenger per
  given name, all sharing the surname: ``OKELLO/GRACE MRS/JOHN MR``.  A title is
  recognised only as a separate word (``GRACE MRS``); ``GRACEMRS`` stays the given
  name, because splitting it would guess.  The ``/`` is required.
* PTM: space-separated groups ``SURNAME[/GIVEN...]`` without titles; a group with no
  given name is one passenger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from movements.ingest.telex_common import Line

TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MSTR", "DR", "PROF", "REV"})
_FORBIDDEN = re.compile(r"[0-9.]")


@dataclass(frozen=True, slots=True)
class PersonName:
    surname: str
    given_name: str | None = None
    title: str | None = None

    def __str__(self) -> str:
        given = f"/{self.given_name}" if self.given_name else "/" if self.title else ""
        title = f" {self.title}" if self.title else ""
        return f"{self.surname}{given}{title}"


def _check(part: str, line: Line) -> str:
    if not part:
        raise line.error("name has an empty part (surname or given name)")
    if _FORBIDDEN.search(part):
        raise line.error(f"name part {part!r} contains a digit or '.'")
    return part


def parse_names(segment: str, line: Line) -> tuple[PersonName, ...]:
    """``OKELLO/GRACE MRS/JOHN MR`` -> one PersonName per given name."""
    surname, slash, rest = segment.partition("/")
    if not slash:
        raise line.error(f"name {segment!r} has no '/' between surname and given name")
    surname = _check(surname.strip(), line)
    people = []
    for part in rest.split("/"):
        words = part.split()
        title = words.pop() if words and words[-1] in TITLES else None
        if not words and title is None:
            raise line.error(f"name {segment!r} has an empty given name")
        given = _check(" ".join(words), line) if words else None
        people.append(PersonName(surname, given, title))
    return tuple(people)


def parse_name_groups(tokens: list[str], line: Line) -> tuple[PersonName, ...]:
    """``OKELLO/GRACE/JOHN MWANGI/PETER`` -> three PersonNames (PTM shape)."""
    people: list[PersonName] = []
    for token in tokens:
        surname, *given_names = token.split("/")
        _check(surname, line)
        if not given_names:
            people.append(PersonName(surname))
        people.extend(PersonName(surname, _check(given, line)) for given in given_names)
    return tuple(people)
