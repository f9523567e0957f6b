"""The console's languages: gettext catalogues (domain ``console``) read through Babel.

English is the source language (the msgids); Dutch is in
``movements/locales/nl/LC_MESSAGES/console.po``.  The compiled ``.mo`` files are committed
beside their ``.po`` (a fresh clone's ``pip install -e .`` runs no build step, so nothing
would compile them); ``tests/test_i18n.py`` fails when a ``.mo`` is older than its ``.po``.

Who reads what language:

- a signed-in person: their own setting (``app_user.locale``), made current for the
  request by the session middleware (``use_locale``);
- the sign-in page: the browser's ``Accept-Language`` (``negotiate``);
- a pushed fragment: rendered once per language that watches the stream;
- a document (handover manifest PDF): the language of the person who issued it.

Refresh the catalogue after changing strings (README, "Languages")::

    pybabel extract -F babel.cfg -o movements/locales/console.pot .
    pybabel update -i movements/locales/console.pot -d movements/locales -D console
    pybabel compile -d movements/locales -D console
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from movements.domain.errors import DomainError
from movements.domain.phrases import Phrase

DOMAIN = "console"
LOCALE_DIR = Path(__file__).parent / "locales"
DEFAULT = "en"
#: The languages a person can choose, with their names in their own language.
LANGUAGES: dict[str, str] = {"en": "English", "nl": "Nederlands"}

_current: ContextVar[str] = ContextVar("movements_locale", default=DEFAULT)
#: The language of the document being built.  Separate from the request's: only the
#: documents that are translated (the handover manifest) set it, so a document that is
#: not (yet) translated never comes out half in the reader's language.
_document: ContextVar[str] = ContextVar("movements_document_locale", default=DEFAULT)


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    """Mark a string for extraction without translating it now (module-level labels are
    translated where they are shown, in the reader's language)."""
    return message


def known(locale: str | None) -> str:
    """``locale`` if the console speaks it, else the default (``en``)."""
    return locale if locale in LANGUAGES else DEFAULT


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (English: no catalogue, msgids as they are)."""
    if known(locale) == DEFAULT:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def current() -> str:
    """The language of the request or document being produced now."""
    return _current.get()


def set_current(locale: str) -> None:
    """Make ``locale`` current for the rest of this task (the session middleware)."""
    _current.set(known(locale))


@contextlib.contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Make ``locale`` current inside the block (rendering a fragment or a PDF)."""
    token = _current.set(known(locale))
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str | Phrase, locale: str | None = None) -> str:
    """``message`` in ``locale`` (default: the current language).  Text with no entry in
    the catalogue (a name, a value) comes back as it is; the empty string stays empty (a
    catalogue's "" entry is its header, never a translation).  A domain ``Phrase`` is
    rendered with its values, each nested phrase translated too."""
    catalogue = translations(known(locale or current()))
    if isinstance(message, Phrase):
        return message.render(lambda key: catalogue.gettext(key) if key else key,
                              known(locale or current()))
    if not message:
        return message
    return catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int, locale: str | None = None) -> str:
    """The singular or plural form for ``n`` in ``locale`` (default: current)."""
    return translations(known(locale or current())).ngettext(singular, plural, n)


_ = gettext


@contextlib.contextmanager
def document_language(locale: str) -> Iterator[None]:
    """Build a document in ``locale`` inside the block (see ``document_gettext``)."""
    token = _document.set(known(locale))
    try:
        yield
    finally:
        _document.reset(token)


def document_locale() -> str:
    """The language of the document being built (``en`` outside ``document_language``)."""
    return _document.get()


def document_gettext(message: str | Phrase) -> str:
    """``message`` in the language of the document being built."""
    return gettext(message, _document.get())


def document_pgettext(context: str, message: str) -> str:
    """``message`` in the document's language where the same English word needs another
    translation in ``context`` (e.g. a narrow table column)."""
    return str(translations(_document.get()).pgettext(context, message))


def document_ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n, _document.get())


def negotiate(accept_language: str | None) -> str:
    """The best console language for an ``Accept-Language`` header (RFC 9110 §12.5.4:
    comma-separated tags with optional ``;q=`` weights); ``en`` when none matches."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _eq, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip().lower()))
    for _q, _i, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def format_day(value: date, fmt: str = "d MMM y", locale: str | None = None) -> str:
    """A date with CLDR month names of ``locale`` (``15 Sep 2026`` / ``15 sep 2026``)."""
    return format_date(value, fmt, locale=known(locale or current()))


def format_moment(value: datetime, fmt: str = "dd MMM HH:mm", locale: str | None = None
                  ) -> str:
    """A zone-aware time, already in the wanted zone, with ``locale``'s month names."""
    return format_datetime(value, fmt, tzinfo=value.tzinfo, locale=known(locale or current()))


def format_number(value: int | float, locale: str | None = None) -> str:
    """A count or measure with ``locale``'s separators (``1,234.5`` / ``1.234,5``)."""
    return format_decimal(value, locale=known(locale or current()))


def refused(exc: DomainError, locale: str | None = None) -> str:
    """A domain refusal's message in ``locale`` (default: current): its phrase
    translated, values and all ("movement 9 does not exist" / "beweging 9 bestaat
    niet")."""
    return gettext(exc.phrase, locale)
