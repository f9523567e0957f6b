"""The one Jinja environment, shared by the HTTP pages and the pushed fragments, so a
partial renders byte-for-byte the same whichever path delivers it."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.runtime import Context
from markupsafe import Markup

from movements import i18n
from movements.domain import message_texts
from movements.domain import milestones as steps
from movements.domain.phrases import Phrase
from movements.domain.ssr import SSR_CODES
from movements.domain.vocabulary import FlightState, Lane, TelexOutcome
from movements.realtime.wire import page_spec as sync_header_spec

TEMPLATES = Path(__file__).parent / "web" / "templates"

N_ = i18n.N_
BADGE_LABELS = {
    "escort": N_("Escort"),
    "medical": N_("Medical"),
    "stretcher_oxygen": N_("Stretcher/O₂"),
    "wheelchair": N_("Wheelchair"),
    "minor": N_("Minor alone"),
    "meet_assist": N_("Meet & assist"),
}
#: What a readiness check can find missing (domain/readiness.py), for the catalogue.
READINESS_ITEMS = (N_("travel document"), N_("medical clearance"),
                   N_("guardians confirmed (origin)"), N_("guardians confirmed (destination)"),
                   N_("named adult at arrival"), N_("voluntary-movement declaration"),
                   N_("consent"), N_("medical escort"), N_("escort"))
_VALID_ON = re.compile(r"^travel document valid on (.+)$")
_VALID_AFTER = re.compile(r"^travel document valid (\d+) months after travel \((.+)\)$")
LANE_LABELS = Lane.labels()
STATE_LABELS = FlightState.labels()


def page_locale(context: Context) -> str:
    """The language a render is for: the context's ``locale``, else the signed-in
    ``user``'s, else the current one (the request's, set by the session middleware)."""
    for found in (context.get("locale"), getattr(context.get("user"), "locale", None)):
        if isinstance(found, str) and found:
            return i18n.known(found)
    return i18n.current()


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory for every environment this process builds.

    Jinja compiles a template per environment; the test suite builds one app (one
    environment) per test and would compile the same templates hundreds of times
    (0.66 s of CPU for all of them).  Jinja checks each entry against a checksum of the
    template's source, so an edited template is compiled again.  Sharing is sound only
    because every environment comes from ``make_environment`` with the same options
    (the compiled code depends on autoescape, trim_blocks...; ``default_tz`` is used at
    render time only).
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._store.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def make_environment(default_tz: str = "UTC") -> Environment:
    """The environment.  Times print in the page's airport time zone: the ``tz`` argument
    of a filter, else the page's ``page_timezone`` or ``timezone`` (a movement's, a
    handover's), else ``default_tz`` (the composition root passes the default airport's)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        extensions=["jinja2.ext.i18n"],
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_COMPILED,
    )

    def zone(context: Context, tz: str | None) -> ZoneInfo:
        for name in (tz, context.get("page_timezone"), context.get("timezone")):
            if isinstance(name, str) and name:
                return ZoneInfo(name)
        # A partial rendered alone (an HTTP reply, a push) has its row: the row knows its
        # airport's zone (a movement, a passenger row, a detail, a handover section...).
        for key in ("m", "p", "d", "s", "section", "h", "v", "r"):
            found = getattr(context.get(key), "timezone", None)
            if isinstance(found, str) and found:
                return ZoneInfo(found)
        return ZoneInfo(default_tz)

    @pass_context
    def hhmm(context: Context, value: datetime | None, tz: str | None = None,
             against: datetime | None = None) -> str:
        """``HH:MM`` in the airport's time; with ``against`` (the scheduled time), a day
        marker when the local day differs ("00:30 +1" for a 23:55 departure delayed past
        midnight), as airline timetables write it."""
        if not value:
            return ""
        where = zone(context, tz)
        moment = value.astimezone(where)
        text = moment.strftime("%H:%M")
        if against is not None:
            days = (moment.date() - against.astimezone(where).date()).days
            if days:
                text += f" {days:+d}"
        return text

    @pass_context
    def local(context: Context, value: datetime | None, tz: str | None = None) -> str:
        """``15 Sep 14:32 CEST`` in the airport's time (month names from CLDR via Babel, not
        from the server's locale)."""
        if not value:
            return ""
        # The zone is named (one time display, issue 13.7): a time rendered where the
        # page's airport is not known can never pass for local time unnoticed.
        moment = value.astimezone(zone(context, tz))
        return (i18n.format_moment(moment, "dd MMM HH:mm", locale=page_locale(context))
                + f" {moment.tzname()}")

    def isodate(value: date) -> str:
        return value.isoformat()

    @pass_context
    def feedvalue(context: Context, value: str | None, tz: str | None = None) -> str:
        """A stored field value (times as ISO 8601 UTC) as a person reads it."""
        if not value:
            return ""
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return when.astimezone(zone(context, tz)).strftime("%H:%M") if when.tzinfo else value

    @pass_context
    def day(context: Context, value: date, fmt: str = "EEEE d MMMM y") -> str:
        """A day with the reader's weekday and month names."""
        return i18n.format_day(value, fmt, locale=page_locale(context))

    @pass_context
    def gettext(context: Context, message: Any, **variables: Any) -> Any:
        """``_("Case %(ref)s", ref=r)``: the reader's language, formatted only when given
        variables (so a value with a ``%`` passes through).  The result is plain text,
        escaped on output like any value: ``_(value)`` also takes data (a refusal message
        may quote what someone typed), which must never become markup."""
        if isinstance(message, Phrase):  # a sentence the domain composed: escaped as text
            return i18n.gettext(message, page_locale(context))
        if not isinstance(message, str) or isinstance(message, Markup) or not message:
            return message
        text = i18n.gettext(message, page_locale(context))
        return text % variables if variables else text

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int, **variables: Any
                 ) -> str:
        """``ngettext("%(num)d row", "%(num)d rows", n)``: ``num`` is ``n``."""
        text = i18n.ngettext(singular, plural, n, page_locale(context))
        return text % {"num": n, **variables}

    # The i18n extension (for Babel's extraction and {% trans %}) with our own callables:
    # Jinja's "newstyle" ones format every string and mark it safe, which breaks a data
    # value holding "%" and would let a value through unescaped.
    @pass_context
    def readiness(context: Context, summary: str) -> str:
        """A readiness summary (``ready`` or ``missing: a, b``, readiness.py) in the
        reader's language, item by item."""
        loc = page_locale(context)
        if not summary.startswith("missing: "):
            return i18n.gettext(summary, loc)
        items = []
        for item in summary.removeprefix("missing: ").split(", "):
            if found := _VALID_ON.match(item):
                items.append(i18n.gettext("travel document valid on %(day)s", loc)
                             % {"day": found.group(1)})
            elif found := _VALID_AFTER.match(item):
                items.append(i18n.gettext(
                    "travel document valid %(months)s months after travel (%(place)s)", loc)
                    % {"months": found.group(1), "place": found.group(2)})
            else:
                items.append(i18n.gettext(item, loc))
        return i18n.gettext("missing: %(items)s", loc) % {"items": ", ".join(items)}

    @pass_context
    def current_locale(context: Context) -> str:
        return page_locale(context)

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext,
                       current_locale=current_locale)
    env.globals.update(LANGUAGES=i18n.LANGUAGES)
    # The passenger languages a picker offers (code, CLDR name in the reader's language).
    env.globals.update(message_languages=message_texts.choices)
    env.filters.update(readiness=readiness, day=day, hhmm=hhmm, local=local, isodate=isodate,
                       feedvalue=feedvalue)
    env.globals.update(BADGE_LABELS=BADGE_LABELS, LANE_LABELS=LANE_LABELS,
                       STATE_LABELS=STATE_LABELS, SSR=SSR_CODES,
                       MILESTONE_LABELS=steps.LABELS,
                       OUTCOME_LABELS=TelexOutcome.labels(),  # a telex's outcome by label
                       SYNC_SPEC=sync_header_spec())  # the live header's grammar
    return env
