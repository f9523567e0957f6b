"""Charts of the report tables as SVG (pygal), styled like the console, and the labels
a reader sees in place of codes (countries through pycountry).

A chart is served as an image (``<img src=...svg>``): its styles stay inside the SVG and
it carries no script (``js=[]``), so the page keeps its strict Content-Security-Policy.
Suppressed cells ("<5") are drawn as gaps, never as a number.
"""

from __future__ import annotations

import gettext
import re
import sys
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pycountry

if TYPE_CHECKING:
    from pygal.graph.graph import Graph

from movements import i18n
from movements.domain import reports as rp
from movements.i18n import N_


@lru_cache(maxsize=1)
def _pygal() -> tuple[ModuleType, Any]:
    """pygal and the console's chart style, imported on the first chart: pygal costs every
    server ~0.1 s of CPU at start and only the report pages draw charts."""
    import pygal
    from pygal.style import Style

    # pygal appends a legacy finder (for its map plugins, unused here) to sys.meta_path;
    # it has no find_spec, so every later first import warns (ImportWarning), an error
    # under the test suite's warnings-as-errors.  Take it out again.
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    style = Style(
        background="#ffffff", plot_background="#ffffff", foreground="#111111",
        foreground_strong="#111111", foreground_subtle="#c8c8c8",
        colors=("#0b3d91", "#6c8fd1", "#0a6b2d", "#8a4b00", "#b00020", "#7a5cad"),
        font_family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif",
        label_font_size=13, major_label_font_size=13, value_font_size=12,
        legend_font_size=14, title_font_size=16, tooltip_font_size=13, opacity="1",
        opacity_hover="1",
    )
    return pygal, style


@dataclass(frozen=True, slots=True)
class ChartSpec:
    kind: str  # "stacked" | "bar" | "hbar" | "line"
    series: tuple[int, ...]  # column indexes drawn
    y_title: str


#: Table key -> how to draw it.
CHARTS: dict[str, ChartSpec] = {
    "days": ChartSpec("stacked", (2, 3, 4), N_("people")),
    "by_month": ChartSpec("stacked", (1, 2, 3), N_("people")),
    "by_country": ChartSpec("hbar", (4,), N_("people")),
    "medical_by_country": ChartSpec("hbar", (4,), N_("medical cases")),
    "chronic_conditions": ChartSpec("hbar", (1,), N_("people")),
    "by_programme": ChartSpec("hbar", (4,), N_("people")),
    "ecac_departing": ChartSpec("line", (2, 3, 4), N_("% met within the limit")),
    "ecac_arriving": ChartSpec("line", (2, 3, 4), N_("% met within the limit")),
}

LABELS = {
    "voluntary_return": "Voluntary return", "resettlement": "Resettlement",
    "relocation": "Relocation", "family_reunification": "Family reunification",
    "other": "Other", "basic": "Basic", "chronic": "Chronic", "diabetes": "Diabetes",
    "hypertension_cardiovascular": "Hypertension and cardiovascular",
    "infectious": "Infectious diseases", "mental": "Mental disorders", "unknown": "Unknown",
}


@lru_cache(maxsize=8)
def _country_catalogue(locale: str) -> gettext.NullTranslations:
    """pycountry's own translations of the ISO 3166-1 names (Debian's iso-codes)."""
    if locale == i18n.DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale],
                               fallback=True)


def country_name(code: str, locale: str | None = None) -> str:
    """ISO 3166-1 alpha-3 to its name in ``locale`` (default: the current language;
    English: the common name); anything else: its label, translated."""
    loc = i18n.known(locale or i18n.current())
    if len(code) != 3 or not code.isupper():
        return i18n.gettext(LABELS.get(code, code), loc)
    return _country(code, loc)


@lru_cache(maxsize=2048)
def _country(code: str, locale: str) -> str:
    found = pycountry.countries.get(alpha_3=code)
    if found is None:
        return code
    if locale != i18n.DEFAULT:
        return _country_catalogue(locale).gettext(found.name)
    return str(getattr(found, "common_name", None) or found.name)


def display_table(table: rp.Table) -> rp.Table:
    """The table as people read it, in the current language: first-column codes become
    words, text cells (row labels, "yes"/"no") are translated."""
    countries = table.key in ("by_country", "medical_by_country", "trafficking")

    def label(v: str) -> str:
        return country_name(v) if countries else i18n.gettext(LABELS.get(v, v))
    rows = tuple((label(str(r[0])) if isinstance(r[0], str) else r[0],
                  *(i18n.gettext(c) if isinstance(c, str) else c for c in r[1:]))
                 for r in table.rows)
    return replace(table, rows=rows)


def _value(cell: rp.Cell) -> float | None:
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else None


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def axis_labels(labels: list[str]) -> list[str]:
    """Month keys (``2026-01``) as the reader's short month names through Babel ("Jan",
    Dutch "jan"), with a two-digit year ("Jan 26") when the months span years; other
    labels as given.  Seven-character keys ran together under a 12-month chart at 768 px
    (newcomer finding); a short name fits each month's slot."""
    found = [MONTH.match(v) for v in labels]
    if not labels or not all(found):
        return labels
    months = [date(int(m[1]), int(m[2]), 1) for m in found if m]
    fmt = "MMM" if len({d.year for d in months}) == 1 else "MMM yy"
    return [i18n.format_day(d, fmt).rstrip(".") for d in months]


def chart_svg(table: rp.Table) -> bytes:
    """The table drawn as its ``CHARTS`` spec says; bytes of a standalone SVG."""
    spec = CHARTS[table.key]
    shown = display_table(table)
    labels = axis_labels([str(r[0]) for r in shown.rows])
    lib, style = _pygal()
    common = {"style": style, "js": [], "width": 760, "height": 380,
              "legend_at_bottom": True, "y_title": i18n.gettext(spec.y_title),
              "print_values": False, "show_legend": len(spec.series) > 1, "margin": 12,
              "truncate_label": 40, "title": i18n.gettext(shown.title)}
    chart: Graph
    if spec.kind == "stacked":
        chart = lib.StackedBar(x_label_rotation=-45 if len(labels) > 12 else 0, **common)
    elif spec.kind == "line":
        chart = lib.Line(range=(0, 100), x_label_rotation=-45 if len(labels) > 12 else 0,
                           **common)
    elif spec.kind == "hbar":
        chart = lib.HorizontalBar(**common)
        # Largest at the top.
        shown = replace(shown, rows=tuple(reversed(shown.rows)))
        labels = list(reversed(labels))
    else:
        chart = lib.Bar(**common)
    chart.x_labels = labels
    for index in spec.series:
        chart.add(i18n.gettext(shown.columns[index]), [_value(r[index]) for r in shown.rows])
    tree = chart.render_tree()
    # pygal always writes a small config <script>; an image never runs it: drop it.
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    return b"<?xml version='1.0' encoding='utf-8'?>\n" + ElementTree.tostring(tree)
