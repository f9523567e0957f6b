"""The reports page, its charts and exports, and the same aggregates under /api/v1.

For coordinators, admins and managers.  A manager sees aggregates only: every route here
returns counts, never a name, a booking or a movement page link, and below coordinator
level every small cell is suppressed (domain.reports.for_audience).  Parse -> read model
-> render, like every other page.
"""

from __future__ import annotations

import asyncio
import csv
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeAlias
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery
from litestar.response import Response
from markupsafe import Markup

from movements import i18n
from movements.domain import report_months as rm
from movements.domain import reports as rp
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.clock import local_date
from movements.domain.phrases import quoted
from movements.domain.ssr import SSR_CODES, NeedGroup
from movements.i18n import N_
from movements.services import Services
from movements.web.auth import REPORTS, AuthUser, current_user
from movements.web.deps import ServicesDep
from movements.web.media import CSV, HTML
from movements.web.render import page as render_page
from movements.web.report_charts import CHARTS, chart_svg, display_table
from movements.web.report_charts import LABELS as PROGRAMME_LABELS

Q: TypeAlias = FromQuery[str | None]
QList: TypeAlias = FromQuery[list[str] | None]
VIEWS = ("days", "week", "month", "year")
#: Above this many days the load tables (one row per day) give way to monthly figures.
MAX_DAY_ROWS = 62
MAX_RANGE_DAYS = 3 * 366
NEEDS = tuple(c for c, v in SSR_CODES.items() if NeedGroup.NOT_AGENCY not in v.groups)
#: Chart responses are images: their own styles only, never a script.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True, slots=True)
class Query:
    """The reports page's filters, checked."""

    view: str
    start: date
    end: date
    airports: tuple[str, ...]
    direction: str | None
    need: str | None
    programme: str | None

    def params(self, **override: Any) -> str:
        values: dict[str, Any] = {"view": self.view, "start": self.start.isoformat(),
                                  "end": self.end.isoformat(), "airport": list(self.airports)}
        for key in ("direction", "need", "programme"):
            if getattr(self, key):
                values[key] = getattr(self, key)
        values.update(override)
        return urlencode(values, doseq=True)

    @property
    def per(self) -> str:
        return "day" if (self.end - self.start).days < MAX_DAY_ROWS else "month"

    @property
    def days_shown(self) -> bool:
        return (self.end - self.start).days < MAX_DAY_ROWS


def fmt(value: rp.Cell) -> str:
    """A cell as shown in the reader's language: numbers with its separators (Babel),
    text through the catalogue ("yes" / "ja"), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.format_number(value)
    return i18n.gettext(str(value))


def _user(request: Request[Any, Any, Any]) -> AuthUser:
    user = current_user(request)
    assert user is not None  # guarded route
    return user


def sees_detail(user: AuthUser) -> bool:
    """Coordinators and admins see exact small counts and the worst cases."""
    return user.role.value in ("coordinator", "admin")


def _range(view: str, today: date) -> tuple[date, date]:
    if view == "days":
        return today, today + timedelta(days=6)
    if view == "week":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=6)
    if view == "month":
        start = today.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt - timedelta(days=1)
    return today.replace(month=1, day=1), today


def _date(name: str, value: str) -> date:
    try:
        return parse_day(value)
    except NoSuchDay as bad:
        raise ValidationException(f"{name}={bad}") from None
    except ValueError:
        raise ValidationException(f"{name}={quoted(repr(value))}: "
                                  f"expected a date YYYY-MM-DD") from None


def parse_query(user: AuthUser, today: date, allowed: tuple[str, ...], *,
                view: str | None, start: str | None, end: str | None,
                airport: list[str] | None, direction: str | None, need: str | None,
                programme: str | None) -> Query:
    """Check every filter; a bad one is a 400 naming it, an airport outside the user's
    scope reads as not found."""
    chosen_view = view or ("year" if user.role.value == "manager" else "days")
    if chosen_view not in VIEWS:
        raise ValidationException(f"view={quoted(repr(view))}: one of {', '.join(VIEWS)}")
    first, last = _range(chosen_view, today)
    if start:
        first = _date("start", start)
    if end:
        last = _date("end", end)
    if last < first:
        raise ValidationException(f"end={last.isoformat()} is before start={first.isoformat()}")
    if (last - first).days > MAX_RANGE_DAYS:
        raise ValidationException(f"start..end spans {(last - first).days + 1} days; "
                                  f"at most {MAX_RANGE_DAYS + 1}")
    codes = tuple(dict.fromkeys(a.strip().upper() for a in (airport or []) if a.strip()))
    for code in codes:
        if not (len(code) == 3 and code.isascii() and code.isalpha()):
            raise ValidationException(f"airport={quoted(repr(code))}: "
                                      f"expected an IATA code like AMS")
        if code not in allowed:
            raise NotFoundException(f"airport {code} is not one of yours")
    if direction and direction not in rp.DIRECTIONS:
        raise ValidationException(f"direction={quoted(repr(direction))}: "
                                  f"one of {', '.join(rp.DIRECTIONS)}")
    if need and need.upper() not in NEEDS:
        raise ValidationException(f"need={quoted(repr(need))}: not an SSR code the agency records")
    if programme and programme not in rp.PROGRAMMES:
        raise ValidationException(f"programme={quoted(repr(programme))}: "
                                  f"one of {', '.join(rp.PROGRAMMES)}")
    return Query(chosen_view, first, last, codes or allowed, direction or None,
                 need.upper() if need else None, programme or None)


class ReportCache:
    """Aggregates keyed by what they answer and by ``rp.month_stamps`` of the airports
    and months they cover: exact (a write at one of them changes the stamp; a write
    elsewhere does not), bounded, shared by the threads that run the reads.  Holds the
    whole answers and the per-month parts they are added up from."""

    def __init__(self, size: int = 1024) -> None:
        self._items: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Any, threading.Lock] = {}
        self.size = size

    def get_or_compute(self, key: Any, stamp: Any, compute: Any) -> Any:
        """The cached value, or computed once: concurrent requests for the same key after
        a write wait for the first one instead of each running the same aggregates."""
        value = self.get(key, stamp)
        if value is not None:
            return value
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            value = self.get(key, stamp)
            if value is None:
                value = compute()
                self.put(key, stamp, value)
            return value

    def get(self, key: Any, stamp: Any) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None or hit[0] != stamp:
                return None
            self._items.move_to_end(key)
            return hit[1]

    def put(self, key: Any, stamp: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _cache(request: Request[Any, Any, Any]) -> ReportCache:
    state = request.app.state
    cache = getattr(state, "report_cache", None)
    if cache is None:
        cache = ReportCache()
        state.report_cache = cache
    return cache


@dataclass(frozen=True, slots=True)
class Loaded:
    annual: rp.Report
    service: rp.Report
    worst: list[rp.WorstCase]
    days: rp.Report | None
    allowed: tuple[str, ...] = ()  # the airports this reader may choose (same read)
    stamp: Any = None  # ``rp.month_stamps`` of the airports and months covered


def _airports(session: Any, user: AuthUser) -> dict[str, tuple[int, str]]:
    """Code -> (id, zone) of the airports this user may report on (admins: all)."""
    return rp.report_airports(session, every=user.role.value == "admin",
                              codes=user.airport_codes)


async def load(request: Request[Any, Any, Any], services: Services, *, view: str | None,
               start: str | None, end: str | None, airport: list[str] | None,
               direction: str | None, need: str | None, programme: str | None,
               parts: frozenset[str] = frozenset({"annual", "service", "days"}),
               uncached: bool = False) -> tuple[Query, Loaded]:
    """Parse the filters and compute (or reuse) the aggregates, in one read."""
    user = _user(request)
    cache = _cache(request)

    def read(session: Any) -> tuple[Query, Loaded]:
        airports = _airports(session, user)
        allowed = tuple(airports)
        # "Today" is the first airport's local day (a manager of several sees one day).
        zone = airports[allowed[0]][1] if allowed else "UTC"
        today = local_date(services.clock.now(), zone)
        q = parse_query(user, today, allowed, view=view, start=start, end=end,
                        airport=airport, direction=direction, need=need, programme=programme)
        ids = tuple(sorted(airports[code][0] for code in q.airports))
        f = rp.ReportFilter(ids, q.start, q.end, (q.direction,) if q.direction else (),
                            q.need, q.programme)
        stamps = rp.month_stamps(session, q.airports, q.start, q.end)
        stamp = tuple(n for m in sorted(stamps) for n in stamps[m])

        def cached(key: str, compute: Any) -> Any:
            if uncached:
                return compute()
            return cache.get_or_compute((key, f, q.per), stamp, compute)

        def monthly(key: str, compute: Any) -> list[Any]:
            # One part per month, kept under that month's own stamp: after a write only
            # the months it touched are computed again (domain/report_months.py).
            return [cache.get_or_compute((key, m, q.per), stamps[rm.month_of(m)],
                                         lambda m=m: compute(m))
                    for m in rm.month_filters(f)]

        empty = rp.Report(())
        if uncached:
            annual = rp.annual(session, f) if "annual" in parts else empty
            service, worst = rp.service_levels(session, f, per=q.per) \
                if "service" in parts else (empty, [])
        else:
            annual = cached("annual", lambda: rm.add_annual(monthly(
                "annual-month", lambda m: rp.annual(session, m, top=None)))) \
                if "annual" in parts else empty
            service, worst = cached("service", lambda: rm.add_service(monthly(
                "service-month", lambda m: rp.service_part(session, m, per=q.per)))) \
                if "service" in parts else (empty, [])
        days = cached("days", lambda: rp.days(session, f)) \
            if "days" in parts and q.days_shown else None
        return q, Loaded(annual, service, list(worst), days, allowed, stamp)

    q, loaded = await services.uow.read(read)
    detail = sees_detail(user)
    return q, Loaded(
        rp.for_audience(loaded.annual, coordinator=detail),
        rp.for_audience(loaded.service, coordinator=detail),
        loaded.worst if detail else [],
        rp.for_audience(loaded.days, coordinator=detail) if loaded.days else None,
        loaded.allowed, loaded.stamp)


def _tables(loaded: Loaded) -> dict[str, rp.Table]:
    out = {t.key: t for t in loaded.annual.tables}
    out.update({t.key: t for t in loaded.service.tables})
    if loaded.days is not None:
        out.update({t.key: t for t in loaded.days.tables})
    return out


def _csv_bytes(table: rp.Table) -> bytes:
    shown = display_table(table)
    out = io.StringIO()
    writer = csv.writer(out)
    # Title, column names, row labels and the note in the reader's language.
    writer.writerow([f"# {i18n.gettext(shown.title)}"])
    writer.writerow([i18n.gettext(c) for c in shown.columns])
    writer.writerows(_cells(row) for row in shown.rows)
    if shown.note:
        writer.writerow([f"# {i18n.gettext(shown.note)}"])
    return out.getvalue().encode("utf-8-sig")


def _cells(row: tuple[rp.Cell, ...]) -> list[str | int | float]:
    """A row for a file: text cells (row labels, "yes"/"no") in the reader's language;
    values without a catalogue entry (dates, codes) come back as they are."""
    return ["" if c is None else i18n.gettext(c) if isinstance(c, str) else c for c in row]


def _xlsx_bytes(tables: list[rp.Table], q: Query) -> bytes:
    """Every table on its own sheet (openpyxl, the project's one spreadsheet library)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "about"
    bold = Font(bold=True)
    about.append([i18n.gettext("Report")])
    about["A1"].font = bold
    about.append([i18n.gettext("%(start)s to %(end)s") % {
        "start": q.start.isoformat(), "end": q.end.isoformat()} + ", "
        + i18n.gettext("airports %(codes)s") % {"codes": ", ".join(q.airports)}])
    about.append([i18n.gettext("Filters: %(filters)s") % {"filters": q.params()}])
    for table in tables:
        shown = display_table(table)
        sheet = book.create_sheet(shown.key[:31])
        sheet.append([i18n.gettext(shown.title)])
        sheet.append([i18n.gettext(c) for c in shown.columns])
        for cell in (*sheet[1], *sheet[2]):
            cell.font = bold
        for row in shown.rows:
            sheet.append(_cells(row))
        if shown.note:
            sheet.append([])
            sheet.append([i18n.gettext(shown.note)])
        sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _download(body: bytes, media: str, name: str) -> Response[bytes]:
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


#: The page's sections: title and the tables in it, in order.
SECTIONS = (
    (N_("The figures"), ("by_month", "by_programme", "by_country", "medical",
                     "chronic_conditions", "medical_by_country", "minors", "trafficking",
                     "charters")),
    (N_("Service levels (ECAC Doc 30)"), ("ecac_departing", "ecac_departing_not_prenotified",
                                      "ecac_arriving", "ecac_arriving_not_prenotified",
                                      "spans", "no_shows")),
)


def _report_body(request: Request[Any, Any, Any], q: Query, loaded: Loaded,
                 detail: bool) -> str:
    """The page's main block (figures, tables, charts' images) as HTML, in the reader's
    language (the render layer's ``page``, which picks it)."""
    tables = _tables(loaded)
    days = (N_("Today and the coming days") if q.view == "days" else N_("By day"),
            ("days", "day_needs", "day_escorts"))
    return str(render_page(
        request, "partials/report_body.html", q=q, views=VIEWS, allowed=loaded.allowed,
        needs=NEEDS, programmes=rp.PROGRAMMES, programme_labels=PROGRAMME_LABELS,
        directions=rp.DIRECTIONS,
        facts=dict(loaded.annual.facts),
        sections=[(title, [display_table(tables[k]) for k in keys if k in tables])
                  for title, keys in (days, *SECTIONS)],
        charts=CHARTS, worst=loaded.worst, detail=detail, threshold=rp.SMALL_CELL,
        fmt=fmt))


class ReportPages(Controller):
    guards = [REPORTS]

    @get("/reports")
    async def page(self, request: Request[Any, Any, Any], services: ServicesDep,
                   view: Q = None, start: Q = None, end: Q = None,
                   airport: QList = None, direction: Q = None,
                   need: Q = None, programme: Q = None) -> Response[str]:
        q, loaded = await load(request, services, view=view, start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme)
        user = _user(request)
        detail = sees_detail(user)
        # The page's body is the same for every reader of the same figures, audience and
        # language: rendered once per data stamp (the template was most of a cached
        # page's cost), only the shell (menu, CSRF token) per request.
        key = ("page", q.params(), q.view, loaded.allowed, detail, user.locale)
        html = _cache(request).get_or_compute(
            key, loaded.stamp, lambda: Markup(_report_body(request, q, loaded, detail)))
        body = render_page(request, "reports.html", user=user, csrf_token=user.csrf_token,
                           airport_name=", ".join(q.airports), body=html)
        return Response(body, media_type=HTML, headers={"Cache-Control": "no-store"})

    @get("/reports/charts/{name:str}")
    async def chart(self, request: Request[Any, Any, Any], services: ServicesDep,
                    name: FromPath[str],
                    view: Q = None, start: Q = None, end: Q = None,
                    airport: QList = None, direction: Q = None,
                    need: Q = None, programme: Q = None) -> Response[bytes]:
        key = name.removesuffix(".svg")
        if key not in CHARTS or not name.endswith(".svg"):
            raise NotFoundException(f"no chart {quoted(repr(name))}")
        _, loaded = await load(request, services, view=view, start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme)
        table = _tables(loaded).get(key)
        if table is None:
            raise NotFoundException(f"chart {quoted(repr(key))} has no data for this range")
        return Response(chart_svg(table), media_type="image/svg+xml", headers={
            "Content-Security-Policy": SVG_CSP, "Cache-Control": "no-store"})

    @get("/reports/tables/{name:str}")
    async def table_csv(self, request: Request[Any, Any, Any], services: ServicesDep,
                        name: FromPath[str], view: Q = None, start: Q = None,
                        end: Q = None, airport: QList = None,
                        direction: Q = None, need: Q = None,
                        programme: Q = None) -> Response[bytes]:
        key = name.removesuffix(".csv")
        _, loaded = await load(request, services, view=view, start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme)
        table = _tables(loaded).get(key)
        if table is None or not name.endswith(".csv"):
            raise NotFoundException(f"no table {quoted(repr(name))} for this range")
        return _download(_csv_bytes(table), CSV, f"{key}.csv")

    @get("/reports/export.xlsx")
    async def workbook(self, request: Request[Any, Any, Any], services: ServicesDep,
                       view: Q = None, start: Q = None,
                       end: Q = None, airport: QList = None,
                       direction: Q = None, need: Q = None,
                       programme: Q = None) -> Response[bytes]:
        q, loaded = await load(request, services, view=view, start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme)
        return _download(_xlsx_bytes(list(_tables(loaded).values()), q),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         f"report-{q.start.isoformat()}-{q.end.isoformat()}.xlsx")

    @get("/reports/annual.pdf")
    async def annual_pdf(self, request: Request[Any, Any, Any], services: ServicesDep,
                         view: Q = None, start: Q = None,
                         end: Q = None, airport: QList = None,
                         direction: Q = None, need: Q = None,
                         programme: Q = None) -> Response[bytes]:
        from movements.manifests.annual import build_annual_overview

        q, loaded = await load(request, services, view=view or "year", start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme, parts=frozenset({"annual"}))
        doc = overview_doc(q, loaded.annual, _user(request), services)
        pdf = await asyncio.to_thread(build_annual_overview, doc,  # one page: ~50 ms
                                      i18n.current())
        return _download(pdf, "application/pdf",
                         f"annual-overview-{q.start.isoformat()}-{q.end.isoformat()}.pdf")


def overview_doc(q: Query, annual: rp.Report, user: AuthUser, services: Services) -> Any:
    from movements.manifests.annual import AnnualOverviewDoc

    facts = dict(annual.facts)
    months = tuple((str(r[0]), r[1], r[2], r[3]) for r in annual.table("by_month").rows)
    minors = annual.table("minors").rows
    medical = annual.table("medical").rows
    charters = annual.table("charters").rows
    period = str(q.start.year) if (q.start.month, q.start.day) == (1, 1) and \
        (q.end.month, q.end.day) == (12, 31) and q.start.year == q.end.year else \
        i18n.gettext("%(start)s to %(end)s") % {"start": q.start.isoformat(),
                                                "end": q.end.isoformat()}
    _ = i18n.gettext  # the reader's language: the request's
    lines = [
        _("Medical cases: %(basic)s basic, %(chronic)s chronic.") % {
            "basic": fmt(medical[0][4]), "chronic": fmt(medical[1][4])},
        _("Unaccompanied minors returned: %(minors)s; family reunification: %(travellers)s "
          "travellers, %(reunited_minors)s of them unaccompanied minors.") % {
            "minors": fmt(minors[0][1]), "travellers": fmt(minors[1][4]),
            "reunited_minors": fmt(minors[2][4])},
        *(_("Charter %(flight)s on %(day)s: %(route)s, %(num)s people.") % {
            "flight": c[1], "day": c[0], "route": c[2], "num": fmt(c[3])} for c in charters),
    ]
    return AnnualOverviewDoc(
        airport_name=", ".join(q.airports), period=period, people=fmt(facts["people"]),
        departures=fmt(facts["departure"]), transits=fmt(facts["transit"]),
        arrivals=fmt(facts["arrival"]), months=months,  # type: ignore[arg-type]
        peak_month=str(facts["peak_transit_month"]) if facts["peak_transit_month"] else None,
        peak_transits=fmt(facts["peak_transits"]), lines=tuple(lines),
        issued_at_local=services.clock.now(), issued_by=user.display_name)


# ----------------------------------------------------------------------------- JSON API

@dataclass(frozen=True)
class TableOut:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float | None]]
    note: str | None

    @classmethod
    def of(cls, t: rp.Table) -> TableOut:
        """The table in English (the API is read by machines; msgids are stable)."""
        return cls(t.key, str(t.title), [str(c) for c in t.columns],
                   [list(r) for r in t.rows], None if t.note is None else str(t.note))


@dataclass(frozen=True)
class WorstOut:
    movement_id: int
    day: date
    flight: str
    direction: str
    minutes: float
    people: int


@dataclass(frozen=True)
class ReportOut:
    start: date
    end: date
    airports: list[str]
    facts: dict[str, str | int | float | None]
    tables: list[TableOut]
    worst_cases: list[WorstOut]


def _out(q: Query, reports: list[rp.Report], worst: list[rp.WorstCase]) -> ReportOut:
    return ReportOut(q.start, q.end, list(q.airports),
                     {k: v for r in reports for k, v in r.facts},
                     [TableOut.of(t) for r in reports for t in r.tables],
                     [WorstOut(w.movement_id, w.day, w.flight, w.direction, w.minutes, w.people)
                      for w in worst])


_DOC = ("Filters as on the reports page: view (days|week|month|year), start, end "
        "(YYYY-MM-DD, inclusive), airport (repeatable IATA code; default all of yours), "
        "direction (departure|transit|arrival), need (SSR code), programme. Counts of "
        "people; a transit counts once, on its inbound leg. Below coordinator level counts "
        "from 1 to 4 read \"<5\"; victims of trafficking are suppressed for everyone.")


class ReportApi(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    guards = [REPORTS]

    @get("/annual", summary="The annual figures for a period", description=_DOC)
    async def annual(self, request: Request[Any, Any, Any], services: ServicesDep,
                     view: Q = None, start: Q = None, end: Q = None,
                     airport: QList = None, direction: Q = None,
                     need: Q = None, programme: Q = None) -> ReportOut:
        q, loaded = await load(request, services, view=view or "year", start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme, parts=frozenset({"annual"}))
        return _out(q, [loaded.annual], [])

    @get("/days", summary="Movements, people, needs and escorts per day", description=_DOC)
    async def days(self, request: Request[Any, Any, Any], services: ServicesDep,
                   view: Q = None, start: Q = None, end: Q = None,
                   airport: QList = None, direction: Q = None,
                   need: Q = None, programme: Q = None) -> ReportOut:
        q, loaded = await load(request, services, view=view or "days", start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme, parts=frozenset({"days"}))
        if loaded.days is None:
            raise ValidationException(f"days: at most {MAX_DAY_ROWS} days at a time")
        return _out(q, [loaded.days], [])

    @get("/service-levels", summary="ECAC Doc 30 waiting times, durations, no-shows",
         description=_DOC + " Per day up to 62 days, per month beyond. worst_cases only "
                            "for coordinators and admins.")
    async def service_levels(self, request: Request[Any, Any, Any], services: ServicesDep,
                             view: Q = None, start: Q = None,
                             end: Q = None, airport: QList = None,
                             direction: Q = None, need: Q = None,
                             programme: Q = None) -> ReportOut:
        q, loaded = await load(request, services, view=view or "month", start=start, end=end,
                               airport=airport, direction=direction, need=need,
                               programme=programme, parts=frozenset({"service"}))
        return _out(q, [loaded.service], loaded.worst)


REPORT_ROUTES = [ReportPages, ReportApi]
