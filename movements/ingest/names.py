"""Passenger names as telexes write them.

Names come in any script (Latin, Arabic, Cyrillic, Ge'ez...) and pass through as
received: the only characters a name may not contain are the telex's own syntax
(``/`` between parts, ``.`` that starts an element) and ASCII digits, which in a
name always mean two fields ran together (a count, a seat).

Two shapes:

* PNL, ADL and PSM: ``SURNAME/GIVEN[ TITLE][/GIVEN[ TITLE]]...``, one passenger per
  given name, all sharing the surname: ``OKELLO/GRACE MRS/JOHN MR``.  A title is
  recognised only as a separate word (``GRACE MRS``); ``GRACEMRS`` stays the given
  name, because splitting it would guess.  ``CHD`` as the last word marks a child
  (``BOATENG/ESI MISS CHD``).  The ``/`` is required.
* PTM: space-separated groups ``SURNAME[/GIVEN...]`` without titles; a group with no
  given name is one passenger, unless the seat count says that a word without ``/``
  continues the given name before it (``ODHIAMBO/GRACE ACHIENG`` for one seat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from movements.domain.input_rules import name_problem
from movements.domain.phrases import N_, Phrase
from movements.ingest.telex_common import Line

TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MSTR", "DR", "PROF", "REV"})
_FORBIDDEN = re.compile(r"[0-9.]")


@dataclass(frozen=True, slots=True)
class PersonName:
    surname: str
    given_name: str | None = None
    title: str | None = None
    child: bool = False  # CHD marker after the name

    def __str__(self) -> str:
        given = f"/{self.given_name}" if self.given_name else "/" if self.title else ""
        title = f" {self.title}" if self.title else ""
        chd = " CHD" if self.child else ""
        return f"{self.surname}{given}{title}{chd}"


def _check(part: str, line: Line) -> str:
    if not part:
        raise line.error(N_("name has an empty part (surname or given name)"))
    if _FORBIDDEN.search(part):
        raise line.error(Phrase.of(
            N_("name part %(part)s contains a digit or '.'"),
            part=repr(part)))
    # The console's one rule for a person's name (emoji, symbols...), as on the pages.
    if (found := name_problem(part)) is not None:
        raise line.error(Phrase.of(N_("name part %(part)s %(found)s"), part=repr(part),
                                   found=found))
    return part


def parse_names(segment: str, line: Line) -> tuple[PersonName, ...]:
    """``OKELLO/GRACE MRS/JOHN MR`` -> one PersonName per given name."""
    surname, slash, rest = segment.partition("/")
    if not slash:
        raise line.error(Phrase.of(
            N_("name %(segment)s has no '/' between surname and given name"),
            segment=repr(segment)))
    surname = _check(surname.strip(), line)
    people = []
    for part in rest.split("/"):
        words = part.split()
        child = bool(words) and words[-1] == "CHD"
        if child:
            words.pop()
        title = words.pop() if words and words[-1] in TITLES else None
        if not words and title is None:
            raise line.error(Phrase.of(
                N_("name %(segment)s has an empty given name"),
                segment=repr(segment)))
        given = _check(" ".join(words), line) if words else None
        people.append(PersonName(surname, given, title, child))
    return tuple(people)


def parse_name_groups(tokens: list[tuple[str, Line]], seats: int | None = None
                      ) -> tuple[PersonName, ...]:
    """``OKELLO/GRACE/JOHN MWANGI/PETER`` -> three PersonNames (PTM shape).

    ``tokens`` are the words with the line each came from.  A word without ``/`` is
    a passenger known by surname only, or the second word of the given name before
    it (``ODHIAMBO/GRACE ACHIENG``); with ``seats`` given, the reading that accounts
    for every seat wins, and the words-as-passengers reading otherwise (the caller
    then reports the count).
    """
    separate: list[PersonName] = []
    joined: list[PersonName] = []
    for token, line in tokens:
        surname, *given_names = token.split("/")
        _check(surname, line)
        if not given_names:
            separate.append(PersonName(surname))
            last = joined[-1] if joined else None
            if last is not None and last.given_name is not None:
                joined[-1] = PersonName(last.surname, f"{last.given_name} {surname}")
            else:
                joined.append(PersonName(surname))
            continue
        people = [PersonName(surname, _check(given, line)) for given in given_names]
        separate.extend(people)
        joined.extend(people)
    if seats is not None and len(separate) != seats and len(joined) == seats:
        return tuple(joined)
    return tuple(separate)
