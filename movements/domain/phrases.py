"""Sentences the domain composes, kept translatable until a reader's language is known.

The domain decides *what* to say (an alert's sentence, a report's note, a table's row
label); the edge decides the language, because only it knows who reads.  So the domain
returns a :class:`Phrase`: an English gettext msgid with ``%(name)s`` placeholders (marked
with :func:`N_` so Babel's extraction puts it in the console catalogue) and the values to
put in.  A value is data (a flight number, a local time "14:05", a count), or itself a
phrase (a vocabulary word such as "medical", translated too), or a tuple of phrases
(joined with ``"; "``).

``phrase.english()`` (also ``str(phrase)``) is the sentence in the source language: what is
stored for search and audit and what machines read.  The edge renders with the reader's
catalogue (``movements.i18n.gettext`` accepts a phrase).  ``to_data``/``from_data`` keep a
phrase in a JSON column (stored alerts); :func:`parse` recovers one from an English
sentence stored before phrases existed, so old rows read in Dutch too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Union

from babel.dates import format_date, format_datetime

Arg = Union[str, int, float, "Phrase", tuple["Phrase", ...], "Day"]

#: How the parts of a tuple value are joined (reasons of one alert).
JOIN = "; "


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark ``message`` as a msgid for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True, slots=True)
class Day:
    """A date value of a phrase, written with the reader's month names when the phrase is
    rendered (Babel's ``format_date``, CLDR pattern ``fmt``: ``01 Dec 2026`` in English,
    ``01 dec 2026`` in Dutch), never a fixed English ``strftime``."""

    value: date  # a datetime (UTC) when ``fmt`` has a time of day
    fmt: str = "dd MMM y"

    def render(self, locale: str | None) -> str:
        if isinstance(self.value, datetime):
            return format_datetime(self.value, self.fmt, tzinfo=UTC, locale=locale or "en")
        return format_date(self.value, self.fmt, locale=locale or "en")


@dataclass(frozen=True, slots=True)
class Phrase:
    """A msgid and its values (see the module docstring).  Hashable, so it can sit in a
    report's rows; equal when key and values are equal."""

    key: str
    args: tuple[tuple[str, Arg], ...] = ()

    @classmethod
    def of(cls, key: str, **args: Arg) -> Phrase:
        """``Phrase.of(N_("%(flight)s is diverted"), flight="KL1234")``."""
        return cls(key, tuple(args.items()))

    def render(self, translate: Callable[[str], str], locale: str | None = None) -> str:
        """The sentence with every msgid (this one and nested ones) passed through
        ``translate`` and every ``Day`` written for ``locale`` (English when None).  A
        translation whose placeholders do not fit its values falls back to the English
        sentence rather than failing the page."""
        text = translate(self.key)
        if not self.args:
            return text
        values = {name: _render(value, translate, locale) for name, value in self.args}
        try:
            return text % values
        except (KeyError, ValueError, TypeError):
            return self.key % values

    def shortened(self) -> Phrase:
        """This phrase with every text value cut to what a refusal may quote (see
        :func:`quoted`), nested phrases too: a refusal never echoes a 5,000-character
        paste back in full."""
        return Phrase(self.key, tuple((name, _shortened(v)) for name, v in self.args))

    def english(self) -> str:
        """The sentence in the source language (English)."""
        return self.render(_same)

    def __str__(self) -> str:
        return self.english()

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready form: ``{"k": key, "a": {name: value}}``."""
        return {"k": self.key, "a": {name: _encode(v) for name, v in self.args}}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Phrase:
        """The inverse of :meth:`to_data`.  Raises ``KeyError``/``TypeError`` on a shape
        that is not one."""
        return cls(str(data["k"]), tuple((str(n), _decode(v))
                                         for n, v in dict(data.get("a") or {}).items()))


#: How much of a value a refusal quotes: the first 40 characters, then "…".  A list the
#: domain composes (choices "departure, arrival", passengers "C-1 HASSAN Ali; C-1 …"),
#: each item short, is kept up to LIST_LIMIT: it is what the refusal is about.
QUOTE_LIMIT = 40
LIST_LIMIT = 1000
_SEPARATOR = re.compile(r"[,;] ")


def quoted(value: str) -> str:
    """``value`` as a refusal may quote it: whole if short; else its first QUOTE_LIMIT
    characters and "…" (a ``repr`` keeps its closing quote); a list of short items
    (``", "`` or ``"; "`` between, each at most QUOTE_LIMIT) whole up to LIST_LIMIT."""
    limit = QUOTE_LIMIT
    items = _SEPARATOR.split(value)
    if len(items) > 1 and all(len(item) <= QUOTE_LIMIT for item in items):
        limit = LIST_LIMIT
    closing = value[-1] if len(value) > 1 and value[0] in "'\"" and value[-1] == value[0] \
        else ""
    opening = len(closing)  # a repr's quotes are not counted
    if len(value) - 2 * opening <= limit + 1:  # one character is not worth a "…"
        return value
    return value[:limit + opening] + "…" + closing


def _shortened(value: Arg) -> Arg:
    if isinstance(value, Phrase):
        return value.shortened()
    if isinstance(value, tuple):
        return tuple(p.shortened() for p in value)
    return quoted(value) if isinstance(value, str) else value


def _same(message: str) -> str:
    return message


def _render(value: Arg, translate: Callable[[str], str], locale: str | None = None
            ) -> str | int | float:
    if isinstance(value, Phrase):
        return value.render(translate, locale)
    if isinstance(value, tuple):
        return JOIN.join(p.render(translate, locale) for p in value)
    if isinstance(value, Day):
        return value.render(locale)
    return value


def _encode(value: Arg) -> Any:
    if isinstance(value, Day):
        return {"day": value.value.isoformat(), "fmt": value.fmt}
    if isinstance(value, Phrase):
        return value.to_data()
    if isinstance(value, tuple):
        return [p.to_data() for p in value]
    return value


def _decode(value: Any) -> Arg:
    if isinstance(value, dict) and "day" in value:
        day = str(value["day"])
        return Day(datetime.fromisoformat(day) if "T" in day else date.fromisoformat(day),
                   str(value.get("fmt") or "dd MMM y"))
    if isinstance(value, dict):
        return Phrase.from_data(value)
    if isinstance(value, list):
        return tuple(Phrase.from_data(v) for v in value)
    if isinstance(value, (int, float)):
        return value
    return str(value)


def joined(*parts: Phrase | str) -> Phrase:
    """Sentences in a row, joined with ``"; "`` (a telex's outcome: its summary and notes);
    a plain string part is taken as a msgid (translated when the catalogue has it)."""
    return Phrase.of(N_("%(parts)s"),
                     parts=tuple(p if isinstance(p, Phrase) else Phrase(p) for p in parts))


def phrase_data(phrase: Phrase) -> str:
    """A phrase as the JSON text kept in a column (``Alert.message_phrase``)."""
    return json.dumps(phrase.to_data(), ensure_ascii=False, separators=(",", ":"))


def stored_phrase(data: str | None, english: str, keys: Iterable[str]) -> Phrase | str:
    """What a stored sentence says: its phrase when one was stored (``data``), else the
    phrase recovered from its English (rows written before phrases, or rewritten by the
    retention purge), else the English as it is."""
    if data:
        try:
            return Phrase.from_data(json.loads(data))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    return parse(english, keys) or english


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


@cache
def _pattern(key: str) -> re.Pattern[str]:
    out, at = [], 0
    for m in _PLACEHOLDER.finditer(key):
        out.append(re.escape(key[at:m.start()].replace("%%", "%")))
        out.append(rf"(?P<{m.group(1)}>-?\d+)" if m.group(2) == "d" else
                   rf"(?P<{m.group(1)}>.+?)")
        at = m.end()
    out.append(re.escape(key[at:].replace("%%", "%")))
    return re.compile("".join(out), re.S)


def parse(text: str, keys: Iterable[str]) -> Phrase | None:
    """The phrase among ``keys`` whose English is ``text``, with its values recovered
    (a value that is itself one of ``keys``, or several joined with ``"; "``, becomes a
    phrase again); ``None`` when no key matches.  For sentences stored as English before
    phrases existed."""
    ordered = sorted(set(keys), key=len, reverse=True)
    return _parse(text, ordered)


def _parse(text: str, keys: list[str]) -> Phrase | None:
    for key in keys:
        found = _pattern(key).fullmatch(text)
        if found is None:
            continue
        args: list[tuple[str, Arg]] = []
        for name, kind in _PLACEHOLDER.findall(key):
            raw = found.group(name)
            args.append((name, int(raw) if kind == "d" else _value(raw, keys)))
        return Phrase(key, tuple(args))
    return None


def _value(raw: str, keys: list[str]) -> Arg:
    # Several phrases joined first: a last placeholder of the first would swallow the rest.
    if JOIN in raw:
        parts = [_parse(p, keys) for p in raw.split(JOIN)]
        if all(parts):
            return tuple(p for p in parts if p is not None)
    whole = _parse(raw, keys)
    return whole if whole is not None else raw


__all__ = ["Arg", "N_", "Phrase", "joined", "parse", "phrase_data", "quoted", "stored_phrase"]
