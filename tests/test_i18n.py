"""The console's catalogue (domain "console"): complete, compiled, and safe to render.

- Every string the code shows today (Babel's extraction with babel.cfg, plus the
  vocabulary labels collected at run time) is in the Dutch catalogue with a non-empty,
  non-fuzzy translation that keeps the msgid's placeholders.
- The committed .mo is the compiled .po (a fresh clone runs no build step).
- No template holds text outside ``_()``: a new label that nobody wrapped fails here
  before it can show up in English on a Dutch page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from movements import i18n
from movements.domain.actions.languages import CONSOLE_LOCALES
from movements.i18n_catalogue import extract, mo_path, po_path, runtime_labels
from movements.templating import TEMPLATES, make_environment

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _dutch() -> dict[tuple[str | None, str], object]:
    with open(po_path("nl"), "rb") as f:
        catalog = read_po(f, locale="nl", domain=i18n.DOMAIN)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def test_every_string_the_code_shows_has_dutch() -> None:
    dutch = _dutch()
    problems = []
    for message in extract():
        if not message.id:
            continue
        key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
        entry = dutch.get(key)
        if entry is None:
            problems.append(f"not in the catalogue: {key}")
            continue
        strings = entry.string if isinstance(entry.string, (tuple, list)) else (entry.string,)
        if not all(strings):
            problems.append(f"no Dutch: {key}")
        if entry.fuzzy:
            problems.append(f"fuzzy: {key}")
        ids = entry.id if isinstance(entry.id, (tuple, list)) else (entry.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != wanted:
                problems.append(f"placeholders differ: {key} -> {s!r}")
    assert problems == []


def test_the_vocabulary_labels_are_collected() -> None:
    labels = runtime_labels()
    assert {"Departures", "Gate change", "Handover manifest", "wheelchair for longer distances",
            "People assisted by month and direction", "transit in", "nurse"} <= labels


def test_the_committed_mo_is_the_compiled_po() -> None:
    with open(po_path("nl"), "rb") as f:
        po = read_po(f, locale="nl", domain=i18n.DOMAIN)
    with open(mo_path("nl"), "rb") as f:
        mo = read_mo(f)
    def pairs(catalog: object) -> set[tuple[object, object, object]]:
        return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id),
                 m.string if isinstance(m.string, str) else tuple(m.string))
                for m in catalog if m.id and not m.fuzzy}  # type: ignore[attr-defined]
    assert pairs(mo) == pairs(po), "run: python -m movements.i18n_catalogue"


def test_the_domain_and_the_catalogues_offer_the_same_languages() -> None:
    assert tuple(i18n.LANGUAGES) == CONSOLE_LOCALES
    for locale in CONSOLE_LOCALES:
        if locale != i18n.DEFAULT:
            assert po_path(locale).exists() and mo_path(locale).exists()


@pytest.mark.parametrize(("header", "expected"), [
    ("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7", "nl"),
    ("en-GB,en;q=0.9,nl;q=0.8", "en"),
    ("de-DE,de;q=0.9,nl;q=0.5", "nl"),
    ("fr;q=1.0, nl-BE;q=0.2", "nl"),
    ("nl;q=0, en;q=0.1", "en"),
    ("NL-be", "nl"),
    ("", "en"),
    (None, "en"),
    ("*", "en"),
    ("nl;q=abc, en", "en"),
])
def test_accept_language_picks_a_console_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected


TEXT_ALLOWED = {"movements", "PDF", "CSV", "SHA-256", "SMS", "IRQ", "KL1571", "KL1571 KL1572",
                "HH:MM", "EBL", "OR9301"}


def bare_text(template: str) -> list[str]:
    """Text in a template that is not inside a Jinja expression (so not translated)."""
    s = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", "", template, flags=re.S)
    s = re.sub(r"<(script|style)\b.*?</\1>", "", s, flags=re.S)
    found = [a for a in re.findall(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"', s)
             if re.search(r"[A-Za-z]{2}", a)]
    for line in re.sub(r"<[^>]*>", "\n", s).split("\n"):
        text = line.strip(" ·→←–—:#()/.,;").strip()
        if re.search(r"[A-Za-z]{2}", text):
            found.append(text)
    return [t for t in found if t.strip(" ·") not in TEXT_ALLOWED]


def test_no_template_text_escapes_gettext() -> None:
    found = {str(p.relative_to(TEMPLATES)): bare
             for p in sorted(TEMPLATES.rglob("*.html")) if (bare := bare_text(p.read_text()))}
    assert found == {}


def test_the_template_check_sees_an_unwrapped_label() -> None:
    assert bare_text('<label>Gate <input name="gate"></label>') == ["Gate"]
    assert bare_text('<label>{{ _("Gate") }} <input name="gate"></label>') == []
    assert bare_text('<button aria-label="Close">×</button>') == ["Close"]


@pytest.fixture
def env() -> Environment:
    return make_environment("Europe/Amsterdam")


def test_a_page_renders_in_the_readers_language(env: Environment) -> None:
    t = env.from_string('{{ _("Board") }} · {{ ngettext("%(num)d passenger", '
                        '"%(num)d passengers", n) }} · {{ _("Case %(ref)s", ref=r) }}')
    assert t.render(locale="nl", n=3, r="C-1") == "Bord · 3 passagiers · Zaak C-1"
    assert t.render(locale="en", n=1, r="C-1") == "Board · 1 passenger · Case C-1"


def test_data_through_gettext_stays_data(env: Environment) -> None:
    """``_(value)`` with a value holding "%" or markup: printed as typed, escaped."""
    t = env.from_string("{{ _(v) }}|{{ _('Case %(ref)s', ref=v) }}")
    out = t.render(locale="nl", v="<b>50% done</b>")
    assert out == "&lt;b&gt;50% done&lt;/b&gt;|Zaak &lt;b&gt;50% done&lt;/b&gt;"
    assert env.from_string("{{ _('') }}").render(locale="nl") == ""  # never the header


def test_dates_use_the_readers_month_names(env: Environment) -> None:
    from datetime import UTC, datetime
    t = env.from_string("{{ when|local }}")
    when = datetime(2026, 3, 15, 9, 5, tzinfo=UTC)
    assert t.render(locale="nl", when=when) == "15 mrt 10:05 CET"
    assert t.render(locale="en", when=when) == "15 Mar 10:05 CET"


def test_a_time_names_its_zone_and_a_section_knows_its_airport(env: Environment) -> None:
    """Newcomer pass: a telex list's "received" time showed in UTC beside local times (the
    reconciliation section did not know its airport's zone).  A shown time names its
    zone, and the section's read model carries the airport's zone."""
    from dataclasses import fields
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from movements.domain.reconciliation import Reconciliation

    when = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    t = env.from_string("{{ when|local }}")
    assert t.render(locale="en", when=when, r=SimpleNamespace(timezone="America/Toronto")) \
        == "01 Jul 08:00 EDT"
    assert "timezone" in {f.name for f in fields(Reconciliation)}


def test_the_handover_manifest_prints_in_the_issuers_language() -> None:
    import pypdf

    from movements.manifests import build_handover_manifest
    from movements.manifests.samples import sample_handover

    def text(locale: str) -> str:
        pdf = build_handover_manifest(sample_handover(), locale=locale)
        return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)

    dutch, english = text("nl"), text("en")
    assert "Overdrachtsmanifest" in dutch and "Pagina 1 van" in dutch and "15 sep 2016" in dutch
    assert "Handover manifest" not in dutch and "Page 1 of" not in dutch
    assert "Handover manifest" in english and "Page 1 of" in english
    # A document nobody translated stays English whatever the request's language.
    with i18n.use_locale("nl"):
        assert "Overdrachtsmanifest" not in text("en")


def test_locales_dir_ships_with_the_package() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"locales/**/*"' in pyproject
