"""Build the console's catalogue: ``python -m movements.i18n_catalogue``.

One command instead of three ``pybabel`` calls, because part of what the console shows is
not a literal in a template or a ``_()`` call: the labels of the domain's vocabularies
(lanes, flight states, milestones, SSR meanings, alert kinds, organisation kinds...) and
the titles and columns of the reports.  Those are collected at run time
(``runtime_labels``) and added to what Babel extracts (babel.cfg), so a new label lands in
the catalogue without anyone remembering to list it; ``tests/test_i18n.py`` fails when one
has no Dutch translation.

Steps: extract (babel.cfg, keywords ``_``, ``gettext``, ``ngettext``, ``N_``) -> add the
runtime labels -> write ``console.pot`` -> update each language's ``console.po`` (new
entries empty, vanished ones dropped) -> compile ``console.mo``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from movements import i18n

ROOT = Path(__file__).resolve().parent.parent
POT = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None,
            "pgettext": ((1, "c"), 2)}


def po_path(locale: str) -> Path:
    return i18n.LOCALE_DIR / locale / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def _report_literals() -> set[str]:
    """Titles, columns and notes written as literals in ``Table(...)`` calls of the reports
    (domain/reports.py): the strings of its positional args 2-3 and ``note=``."""
    from movements.domain import reports

    tree = ast.parse(Path(reports.__file__).read_text())
    found: set[str] = set()

    def strings(node: ast.AST) -> Iterable[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value
        elif isinstance(node, ast.Tuple):
            for e in node.elts:
                yield from strings(e)
        elif isinstance(node, ast.BinOp):  # "a " "b" joined implicitly is one Constant
            yield from strings(node.left)
            yield from strings(node.right)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Table":
            for arg in node.args[1:3]:
                found.update(strings(arg))
            for kw in node.keywords:
                if kw.arg in ("title", "columns", "note"):
                    found.update(strings(kw.value))
    return found


def runtime_labels() -> set[str]:
    """Every label the console shows that the domain or an edge keeps in a table, not in
    a literal ``_()`` call (see the module docstring)."""
    from movements.domain import (
        alert_rules,
        document_queries,
        handover_queries,
        milestones,
        planning_queries,
        reports,
        ssr,
    )
    from movements.domain import models as m
    from movements.domain import vocabulary as v
    from movements.domain.actions import planning as planning_actions
    from movements.web import admin, report_charts

    labels: set[str] = set()
    for enum in (v.Lane, v.FlightState, v.TelexOutcome, v.MilestoneKey):
        labels.update(enum.labels().values())
    labels.update(milestones.LABELS.values())
    labels.update(k.label for k in v.MovementKind)
    for code in ssr.SSR_CODES.values():
        labels.update((code.meaning, code.team_action, code.receiver_action))
    labels.update(alert_rules.KIND_LABELS.values())
    labels.update(alert_rules.EVENT_KIND_LABELS.values())
    labels.update(document_queries.KIND_LABELS.values())
    labels.update(admin.KIND_LABELS.values())
    labels.update(report_charts.LABELS.values())
    labels.update(reports.DIRECTIONS)
    labels.update(planning_queries.CREW_ROLES.values())
    from movements.domain.outbox import Event
    from movements.domain.outbox_vocabulary import OutboxState

    labels.update(s.value for s in OutboxState)  # outbox states
    labels.update(e.replace("_", " ") for e in (*Event.ALL, Event.MISSION_DEPARTED,
                                                 Event.CARRIER_NOTICE))
    labels.update(handover_queries.ID_DOCUMENTS)
    labels.update(t.replace("_", " ") for t in planning_actions.DOCUMENT_TYPES)
    # Enum values shown as words (``transit_in`` -> "transit in").
    for words in (m.MovementKind, m.BookingStatus, m.ChronicCondition, m.EscortKind,
                  m.HandoverStatus):
        labels.update(str(e.value).replace("_", " ") for e in words)
    labels.update(_report_literals())
    return {x for x in labels if x and x.strip()}


def extract() -> Catalog:
    """Babel's extraction (babel.cfg) plus ``runtime_labels()``."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="movements", domain=i18n.DOMAIN, charset="utf-8")
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, tuple):
            if message[0]:
                catalog.add(message if len(message) > 1 else message[0], context=context)
        elif message:
            catalog.add(message, context=context)
    for label in sorted(runtime_labels()):
        if label not in catalog:
            catalog.add(label)
    return catalog


def update(locales: Iterable[str] = ("nl",)) -> dict[str, int]:
    """Write the .pot, update and compile each language; returns the number of entries
    without a translation per language."""
    template = extract()
    POT.parent.mkdir(parents=True, exist_ok=True)
    with open(POT, "wb") as out:
        write_po(out, template, sort_output=True, omit_header=False, width=96)
    missing: dict[str, int] = {}
    for locale in locales:
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "rb") as f:
                catalog = read_po(f, locale=locale, domain=i18n.DOMAIN)
        else:
            catalog = Catalog(locale=locale, domain=i18n.DOMAIN, project="movements")
        # No fuzzy matching: a guessed translation of a changed text is worse than none
        # (the test shows the gap; a person writes the new Dutch).
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with open(path, "wb") as out:
            write_po(out, catalog, sort_output=True, width=96, ignore_obsolete=True)
        with open(mo_path(locale), "wb") as out:
            write_mo(out, catalog)
        missing[locale] = sum(bool(msg.id) and not _translated(msg.string) for msg in catalog)
    return missing


def _translated(string: object) -> bool:
    if isinstance(string, (tuple, list)):
        return all(string)
    return bool(string)


if __name__ == "__main__":
    gaps = update()
    for lang, n in gaps.items():
        print(f"{po_path(lang).relative_to(ROOT)}: {n} entries without a translation")
    sys.exit(0)
