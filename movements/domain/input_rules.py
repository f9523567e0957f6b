"""One rule for the text people and machines send in: what a stored text may contain.

Applied twice, at two depths:

* at the edge (``movements.web.input_guard``) to every query parameter, form field,
  uploaded file name and text file, so the refusal names the field the person filled in;
* at the last moment before a write (``check_flush``, a SQLAlchemy ``before_flush`` hook)
  to every string attribute of every new or changed row, whatever wrote it (a form, the
  feed, a CSV cell, the CLI): a NUL or a lone surrogate would make PostgreSQL fail with a
  server error, and an overlong value would be cut or refused by the database.

A text may hold tab, line feed and carriage return; telex fields may also hold the IATA
framing characters SOH, STX and ETX.  Every other control character (C0, DEL, C1), a
lone surrogate, and U+FFFD (what undecodable bytes became) is refused with a message
that says what and where.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Mapper, Session

from .errors import RuleViolation
from .phrases import N_, Phrase

#: Control characters a typed text may hold.
TEXT_CONTROLS = frozenset("\t\n\r")
#: ... and a telex (SOH, STX, ETX framing; IATA Type B message format).
TELEX_CONTROLS = TEXT_CONTROLS | frozenset("\x01\x02\x03")
#: The longest single form field or query value accepted at the edge (characters).
MAX_FIELD_CHARS = 20_000
MAX_QUERY_CHARS = 500
MAX_FILENAME_CHARS = 255


def problem(value: str, *, allowed: frozenset[str] = TEXT_CONTROLS,
            max_chars: int | None = None) -> Phrase | None:
    """What is wrong with ``value`` as stored text ("contains a NUL character (line 3,
    character 7)", ...) as a phrase, or None when it is fine.  ``max_chars`` counts
    characters."""
    if max_chars is not None and len(value) > max_chars:
        return Phrase.of(N_("is longer than %(most)s characters (%(count)s)"),
                         most=max_chars, count=len(value))
    if value.isprintable() and "\ufffd" not in value:  # the fast path
        return None
    for index, char in enumerate(value):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if char == "\x00":
            what = Phrase(N_("contains a NUL character"))
        elif category == "Cc":
            what = Phrase.of(N_("contains the control character %(code)s"),
                             code=f"U+{ord(char):04X}")
        elif category == "Cs":
            what = Phrase(N_("is not valid Unicode: a lone surrogate"))
        elif char == "\ufffd":
            what = Phrase(N_("is not valid UTF-8 text (it holds U+FFFD, what undecodable "
                             "bytes become)"))
        else:
            continue
        return Phrase.of(N_("%(what)s (%(where)s)"), what=what, where=_where(value, index))
    return None


def _where(value: str, index: int) -> Phrase:
    line = value.count("\n", 0, index) + 1
    column = index - (value.rfind("\n", 0, index) + 1) + 1
    return Phrase.of(N_("line %(line)s, character %(column)s"), line=line, column=column) \
        if line > 1 or "\n" in value else Phrase.of(N_("character %(column)s"), column=column)


#: The largest whole number a form field may carry: PostgreSQL's ``integer`` (ids,
#: versions), so a bigger one is a refusal and not a database error.
MAX_WHOLE_NUMBER = 2**31 - 1


def whole_number(field: str, value: object) -> int:
    """``value`` (a form string) as an int within ±MAX_WHOLE_NUMBER; RuleViolation (422)
    naming ``field`` otherwise."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise RuleViolation(Phrase.of(N_("%(field)s=%(value)s: expected a whole number"),
                                      field=field, value=repr(str(value)[:40])),
                            field=field) from None
    if abs(number) > MAX_WHOLE_NUMBER:
        raise RuleViolation(Phrase.of(N_("%(field)s=%(number)s: out of range"),
                                      field=field, number=number), field=field)
    return number


def check(label: str | Phrase, value: str, *, allowed: frozenset[str] = TEXT_CONTROLS,
          max_chars: int | None = None, field: str | None = None) -> None:
    """Raise RuleViolation (422) when ``value`` breaks the rule; the message starts with
    ``label`` (e.g. the form field's name, or a phrase such as "query parameter x") and
    ``field`` (default: ``label``) says which input it was."""
    found = problem(value, allowed=allowed, max_chars=max_chars)
    if found is not None:
        # "<label> <what is wrong>": the label is the subject in English and Dutch alike.
        raise RuleViolation(Phrase.of(N_("%(label)s %(found)s"), label=label, found=found),
                            field=field or str(label))


def check_flush(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush``: every string attribute of every new or changed row keeps the
    rule's hard part (no NUL, no lone surrogate) and fits its column."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        check_row(state.mapper.class_, state.dict)  # loaded values only: never a lazy load


def check_row(entity: type, values: dict[str, Any]) -> None:
    """The flush rule for one row of the mapped class ``entity`` given as attribute ->
    value (``check_flush`` for ORM rows; called directly by the few hot writes that
    insert through Core, e.g. ``Tx.audit_direct``).  RuleViolation names the attribute."""
    for attribute, field, length in _text_columns(entity):
        value = values.get(attribute)
        if not isinstance(value, str):
            continue
        if length is not None and len(value) > length:
            raise RuleViolation(Phrase.of(N_("%(field)s is longer than %(length)s characters "
                                             "(%(count)s)"),
                                          field=field, length=length, count=len(value)),
                                field=attribute)
        if "\x00" in value:
            raise RuleViolation(Phrase.of(N_("%(field)s contains a NUL character"),
                                          field=field), field=attribute)
        if not value.isprintable() and any(
                unicodedata.category(c) == "Cs" for c in value):
            raise RuleViolation(Phrase.of(N_("%(field)s is not valid Unicode (a lone "
                                             "surrogate)"), field=field),
                                field=attribute)


@functools.cache
def _text_columns(entity: type) -> tuple[tuple[str, str, int | None], ...]:
    """(attribute, "entity.attribute", length) of every string column of ``entity``
    (mappings are fixed once the models are imported)."""
    mapper: Mapper[Any] = inspect(entity)
    out = []
    for column in mapper.columns:
        if isinstance(column.type, String):
            attribute = mapper.get_property_by_column(column).key
            out.append((attribute, f"{mapper.class_.__name__.lower()}.{attribute}",
                        column.type.length))
    return tuple(out)


def install() -> None:
    """Hook ``check_flush`` into every ORM session (idempotent)."""
    if not event.contains(Session, "before_flush", check_flush):
        event.listen(Session, "before_flush", check_flush)


#: Characters a person's name may hold besides letters (any script) and combining marks:
#: space, hyphen (ASCII and U+2010), apostrophe (ASCII and U+2019), full stop, and the
#: zero-width (non-)joiner Persian and Indic names are written with.  Digits are not:
#: ICAO Doc 9303 (machine-readable travel documents) names carry letters only.
NAME_EXTRAS = frozenset(" -\u2010'\u2019.\u200c\u200d")


def name_problem(value: str) -> Phrase | None:
    """What is wrong with ``value`` as a person's name as in the travel document, or
    None: the first character that is neither a letter of any script (Unicode category
    L*), a combining mark (M*) nor one of ``NAME_EXTRAS``, named with its position and
    code point ("contains '😀' (U+1F600, character 7) ...")."""
    for index, char in enumerate(value):
        if char in NAME_EXTRAS or unicodedata.category(char)[0] in "LM":
            continue
        return Phrase.of(N_("contains %(char)s (%(code)s, character %(column)s): a name "
                            "as in the travel document holds only letters, spaces, "
                            "hyphens, apostrophes and full stops"),
                         char=repr(char) if char.isprintable() else f"U+{ord(char):04X}",
                         code=f"U+{ord(char):04X}", column=index + 1)
    return None


def check_name(label: str | Phrase, value: str | None, *, field: str) -> None:
    """Raise RuleViolation (422, naming ``field``) when ``value`` (a surname, given
    names, guardian's or escort's name...) breaks ``name_problem``; the message starts
    with ``label``.  None and "" pass (whether a name is required is the caller's rule)."""
    if not value:
        return
    found = name_problem(value)
    if found is not None:
        raise RuleViolation(Phrase.of(N_("%(label)s %(found)s"), label=label, found=found),
                            field=field)


@functools.cache
def _iata_airports() -> frozenset[str]:
    """The IATA location codes of airports in ``airportsdata`` (MIT; ~7,900 codes, updated
    from OurAirports and the IATA list with each release).  IATA's placeholder ZZZ and
    unassigned codes are not in it."""
    import airportsdata

    return frozenset(airportsdata.load("IATA"))


def airport_problem(code: str) -> Phrase | None:
    """What is wrong with ``code`` (already stripped, any case) as an IATA airport code:
    not three letters, or not an airport in the IATA table; None when it is one."""
    text = code.strip().upper()
    if not (len(text) == 3 and text.isascii() and text.isalpha()):
        return Phrase(N_("is not an IATA airport code (three letters, like AMS)"))
    if text not in _iata_airports():
        return Phrase(N_("is not an airport code in the IATA table"))
    return None


def is_airport(code: str) -> bool:
    """True when ``code`` is an airport of the IATA table (any case, surrounding blanks
    ignored); for telexes, which note an unknown station instead of refusing it."""
    return airport_problem(code) is None


def check_airport(label: str | Phrase, value: str | None, *, field: str) -> str:
    """``value`` as an upper-case IATA airport code, or RuleViolation (422, naming
    ``field``) quoting the value: "destination 'ZZZ' is not an airport code in the IATA
    table".  ``label`` is the field as a person names it (origin, destination, stop 2...).
    The one rule for every airport-code field: planning forms, JSON API, CLI, imports,
    charter stops, airport set-up."""
    text = (value or "").strip()
    if not text:  # "origin is required", not "origin '' is not an airport code"
        raise RuleViolation(Phrase.of(N_("%(field)s is required"), field=label), field=field)
    found = airport_problem(text)
    if found is not None:
        raise RuleViolation(Phrase.of(N_("%(field)s %(value)s %(found)s"), field=label,
                                      value=repr(text), found=found), field=field)
    return text.upper()


@functools.cache
def airport_zone(code: str) -> str | None:
    """The IANA time zone of an airport of the IATA table ("EBL" -> "Asia/Baghdad"), or
    None for a code the table lacks: where a stop's local time is read and shown."""
    import airportsdata

    row = airportsdata.load("IATA").get(code.strip().upper())
    return str(row["tz"]) if row and row.get("tz") else None
