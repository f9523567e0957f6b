"""Every page and the handover manifest in Dutch: no English from the catalogue left.

A Dutch-speaking admin (``app_user.locale = 'nl'``) walks every GET route of the app on
the demo day (two airports); a Dutch reception user opens the reception page.  Each HTML
reply is reduced to what a person reads (text, and the title/placeholder/aria-label/alt
attributes); the handover manifest PDF is read back with pypdf.  The check fails on any
English phrase taken from the catalogue's msgids whose Dutch differs (placeholders cut
out, fragments of at least 4 letters, matched as whole words).

``ROUTES_NOT_TRANSLATED`` names, with the reason, the routes that are not pages (JSON,
CSV, XLSX, SVG) or documents not yet translated; a new GET route must be added to the
walk or to that list, so no page escapes.  ``test_the_walk_catches_a_missing_translation``
removes one Dutch entry and shows the walk notices.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pypdf
import pytest
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from movements import delivery, i18n
from movements.app import create_app
from movements.demo.day import load_demo_day
from movements.domain.actions import alerts as alert_actions
from movements.domain.actions import charters as charter_actions
from movements.domain.actions import escorts as escort_actions
from movements.domain.actions import handovers as handover_actions
from movements.domain.actions import outbox as outbox_actions
from movements.domain.actions import planning as planning_actions
from movements.domain.actions import setup
from movements.domain.actions.movements import NewMovement
from movements.domain.actions.passengers import NewPassenger
from movements.domain.clock import ManualClock
from movements.domain.document_queries import DEFAULT_AGENCY
from movements.domain.models import (
    Airport,
    Booking,
    BookingStatus,
    Case,
    Handover,
    HandoverStatus,
    Movement,
    MovementKind,
    Organisation,
    Role,
)
from movements.domain.planning_models import Charter
from movements.domain.uow import Tx
from movements.i18n_catalogue import po_path
from movements.ingest import passengers_csv
from movements.platform.config import Settings
from movements.web.report_charts import CHARTS
from tests.factories import SYSTEM
from tests.web.conftest import _HASH, BASE, login

NOW = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
TODAY = date(2026, 9, 15)
COA = "Central Reception Agency (COA)"

#: GET routes the walk does not read as Dutch pages, and why.
ROUTES_NOT_TRANSLATED = {
    "/": "a redirect",
    "/healthz": "a probe for machines",
    "/readyz": "a probe for machines",
    "/static/{file_path:path}": "files",
    "/admin/audit.csv": "a CSV export of the audit rows (field names are data)",
    "/reports/tables/{name:str}": "read separately, below: every table's CSV",
    "/reports/charts/{name:str}": "read separately, below: every chart's SVG text",
    "/reports/export.xlsx": "read separately, below: every cell of every sheet (sheet "
                            "names are table keys)",
    "/reports/annual.pdf": "read separately, as PDF text, below",
    "/reports/daily.pdf": "read separately, as PDF text, below",
    "/movements/{movement_id:int}/briefing.pdf": "read separately, as PDF text, below",
    "/movements/{movement_id:int}/charter-manifest.pdf": "read separately, as PDF text, "
                                                          "below",
    "/handovers/{handover_id:int}/manifest.pdf": "read separately, as PDF text, below",
    "/verify/{document_id:str}": "read separately, for the manifest read below",
    "/outbox/receipts/vonage": "an SMS provider's delivery receipt (JSON for a machine)",
}


@dataclass
class Rows:
    movement: int          # an AMS movement with passengers and handovers
    charter: int | None    # an AMS charter
    booking: int
    case: int
    signed_handover: int
    draft_handover: int


@dataclass
class Dutch:
    app: Litestar
    rows: Rows
    data_names: list[str]  # organisation, airport and agency names: data, not interface


#: Public pages: the browser's language decides (the walk's browser asks for Dutch).
PUBLIC = {"/login", "/verify"}


def _seed(tx: Tx) -> None:
    load_demo_day(tx, TODAY, NOW)
    setup.add_user(tx, "beheer", "Beheerder NL", Role.ADMIN, _HASH, airports=["AMS", "BRU"],
                   locale="nl")
    setup.add_user(tx, "opvang", "Opvang NL", Role.RECEPTION, _HASH, organisation=COA,
                   locale="nl")
    for code in ("AMS", "BRU"):
        alert_actions.evaluate_alerts(tx, code)


def _draft(tx: Tx) -> None:
    """One open draft handover (the demo signs its own), so the signing form shows."""
    taken = set(tx.session.scalars(select(Handover.movement_id)))
    rows = tx.session.execute(
        select(Movement.id, Booking.passenger_id).join(Booking).join(Airport)
        .where(Airport.iata == "AMS", Booking.status == BookingStatus.BOOKED,
               Movement.kind == MovementKind.ARRIVAL).order_by(Movement.id)).all()
    movement, passenger = next(((m, p) for m, p in rows if m not in taken), rows[0])
    org = tx.session.scalar(select(Organisation.id).where(Organisation.name == COA))
    assert org is not None
    handover_actions.create_handover(tx, movement, org, "Walk Ontvanger", [passenger])
    # A note no person wrote (its author reads "het systeem") and a partner's webhook
    # (its events read as labels, "alle gebeurtenissen" for *) so those pages show them.
    for handed in sorted(set(tx.session.scalars(select(Handover.movement_id)))):
        escort_actions.add_note(tx, handed, "Bus staat klaar bij de pier")
    outbox_actions.subscribe_webhook(tx, "AMS", "https://93.184.215.14/hooks",
                                     ["booking_confirmed", "manifest_issued", "*"])
    # A planned charter with crew and a pickup (the demo day has none at AMS).
    departs = datetime(2026, 9, 15, 20, 0, tzinfo=UTC)
    charter = charter_actions.plan_charter(
        tx, NewMovement("AMS", MovementKind.DEPARTURE, "OR", "9301", TODAY, "AMS", "EBB",
                        departs, is_charter=True),
        "Charter Air", 180, (charter_actions.StopIn("EBB", departs + timedelta(hours=9)),))
    charter_actions.add_crew(tx, charter, "Anna de Boer", "nurse")
    charter_actions.add_pickup(tx, charter, "AZC Ter Apel", departs - timedelta(hours=6),
                               "Bus 1", 12)
    # Two people on it (one needing a wheelchair), so its manifest can be issued.
    case = planning_actions.create_case(tx, "AMS", "AMS-WALK-1")
    planning_actions.create_passenger(tx, case, NewPassenger(
        "Okello", "Grace", birth_date=date(1990, 3, 1), nationality="UGA",
        needs=(("WCHR", None),)))
    planning_actions.create_passenger(tx, case, NewPassenger(
        "Okello", "Amos", birth_date=date(2019, 6, 1), nationality="UGA"))
    planning_actions.book_case(tx, case, charter, stop="EBB")


def _rows(session: Session) -> Rows:
    ams = session.scalar(select(Airport.id).where(Airport.iata == "AMS"))
    coa = session.scalar(select(Organisation.id).where(Organisation.name == COA))
    signed = session.scalars(select(Handover).where(
        Handover.status == HandoverStatus.SIGNED, Handover.receiving_organisation_id == coa)
        .order_by(Handover.id)).first()
    draft = session.scalar(select(Handover.id).where(Handover.status == HandoverStatus.DRAFT))
    assert signed is not None and draft is not None
    booking = session.scalar(select(Booking.id).join(Movement).where(
        Movement.airport_id == ams, Booking.status == BookingStatus.BOOKED).order_by(Booking.id))
    case = session.scalar(select(Case.id).where(Case.airport_id == ams).order_by(Case.id))
    charter = session.scalar(select(Charter.movement_id).join(
        Movement, Movement.id == Charter.movement_id).where(Movement.airport_id == ams))
    assert booking is not None and case is not None
    return Rows(signed.movement_id, charter, booking, case, signed.id, draft)


@pytest.fixture
def dutch(database_url: str, tmp_path: Path) -> Iterator[Dutch]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, secure_cookies=False,
                        public_url=BASE, heartbeat_seconds=30.0, run_jobs=False)
    app = create_app(settings, clock=ManualClock(NOW))
    uow = app.state.services.uow
    with TestClient(app, base_url=BASE) as client:
        portal = client.blocking_portal
        portal.call(uow.run, _seed, SYSTEM)  # type: ignore[arg-type]
        portal.call(uow.run, _draft, SYSTEM)  # type: ignore[arg-type]
        rows = portal.call(uow.read, _rows)  # type: ignore[arg-type]
        names = portal.call(uow.read, _data_names)  # type: ignore[arg-type]
    yield Dutch(app, rows, names)


def _data_names(session: Session) -> list[str]:
    """Names and typed texts that are data, not interface: organisations, airports, the
    no-show reasons people typed."""
    names = [*session.scalars(select(Organisation.name)),
             *session.scalars(select(Airport.name)),
             *(r for r in session.scalars(select(Booking.no_show_reason)) if r)]
    names.append(DEFAULT_AGENCY)
    return sorted({n for n in names if n}, key=len, reverse=True)


# -- what counts as English ------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<br/>")
WORD = re.compile(r"[A-Za-z]{4,}")


def english_phrases(catalogue: dict[str, str] | None = None) -> set[str]:
    """Fragments of the msgids whose Dutch differs: what must not show on a Dutch page.
    A fragment is a msgid piece between placeholders, trimmed of punctuation, with a word
    of 4+ letters, that the Dutch text does not itself contain."""
    if catalogue is None:
        catalogue = dutch_catalogue()
    dutch_text = "\n".join(catalogue.values())
    found: set[str] = set()
    for msgid, msgstr in catalogue.items():
        for piece in PLACEHOLDER.split(msgid):
            piece = piece.strip(" .,:;()–—·#?!\"'<>")
            if WORD.search(piece) and piece not in msgstr and piece.lower() != msgstr.lower() \
                    and not _whole(piece, dutch_text):  # "Type", "Status": Dutch words too
                found.add(piece)
    return found


def _whole(phrase: str, text: str) -> bool:
    return re.search(rf"(?<![\w./-]){re.escape(phrase)}(?![\w/-])", text) is not None


def dutch_catalogue() -> dict[str, str]:
    """msgid -> msgstr of the Dutch .po (plurals: both forms joined; context entries too)."""
    with open(po_path("nl"), "rb") as f:
        catalog = read_po(f, locale="nl", domain=i18n.DOMAIN)
    out: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, (tuple, list)):
            strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
            for msgid in m.id:
                out[msgid] = " | ".join(strings)
        else:
            out[m.id] = str(m.string)
    return out


#: Attributes a person reads: shown as text, or (``data-msg-*`` on <body>) the words the
#: page's scripts show, such as the character counter under a field (forms.js).
ATTRS = re.compile(r'\b(?:title|placeholder|aria-label|alt|data-msg-[a-z-]+)="([^"]*)"')


def readable(html: str) -> str:
    """What a person reads on a page: text between tags (not scripts, styles, <pre>
    telex/e-mail bodies or elements marked ``translate="no"``, which are data) and the
    attributes shown as text."""
    html = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<(\w+)[^>]*\btranslate="no"[^>]*>.*?</\1>', " ", html, flags=re.S)
    attrs = " \n ".join(ATTRS.findall(html))
    text = re.sub(r"<[^>]+>", "\n", html)
    return f"{text}\n{attrs}".replace("&#39;", "'").replace("&amp;", "&") \
        .replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")


#: English words that are not Dutch words: a sentence composed in English shows one of
#: them even when none of its words is in the catalogue (a text no ``_()`` ever saw).
ENGLISH_WORDS = frozenset((
    "the", "and", "with", "not", "yet", "this", "that", "which", "been", "none",
    "should", "must", "from", "after", "before", "only", "there", "their", "where",
    "when", "could", "would", "into", "has", "have", "any", "every", "without"))
#: A raw stored value shown as text (``family_reunification``, ``transit_out``,
#: ``gate_staff``): a value that should have been shown by its label.
RAW_VALUE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z]+)+(?![\w/@-])")


def english_in(text: str, phrases: set[str]) -> list[str]:
    """The phrases found in ``text`` as whole words (an English word inside a Dutch one,
    or in a name, does not count), English-only words (``word:the``) and raw stored
    values (``raw:transit_out``)."""
    found = {p for p in phrases if p in text and _whole(p, text)}
    found |= {f"word:{w}" for w in re.findall(r"[A-Za-z]+", text)
              if w.lower() in ENGLISH_WORDS}
    found |= {f"raw:{v}" for v in RAW_VALUE.findall(text)}
    return sorted(found)


#: English that still shows on Dutch pages, with the reason.  Each entry must still
#: occur (else remove it): the list may only shrink.  Empty since session 4: the domain
#: composes phrases (domain/phrases.py) that the edge renders in the reader's language.
KNOWN_GAPS: dict[str, str] = {}

#: Stored values shown on purpose as they are (``raw:`` hits that are not leaks).
RAW_DATA = {
    **{f"raw:{c}": "a column name of the passenger import file, typed as is"
       for c in passengers_csv.COLUMNS},
    "raw:reveal_passenger": "an audit action code, the example of what to type",
}


# -- the walk --------------------------------------------------------------------------

def page_urls(app: Litestar, rows: Rows) -> dict[str, str]:
    """route path -> the URL the walk reads it at."""
    fill = {
        "{movement_id:int}": str(rows.movement), "{booking_id:int}": str(rows.booking),
        "{case_id:int}": str(rows.case), "{handover_id:int}": str(rows.signed_handover),
    }
    urls = {}
    for route in app.routes:
        path = route.path
        if path.startswith(("/schema", "/api/")) or path in ROUTES_NOT_TRANSLATED:
            continue
        if not any("GET" in (getattr(h, "http_methods", None) or ())
                   for h in getattr(route, "route_handlers", [])):
            continue
        url = path
        for key, value in fill.items():
            url = url.replace(key, value)
        if "/plan/charters/" in path and rows.charter is not None:
            url = path.replace("{movement_id:int}", str(rows.charter))
        urls[path] = url
    return urls


def walk(dutch: Dutch, phrases: set[str]) -> dict[str, list[str]]:
    """URL -> the English phrases found on it (every reply must also be a 200)."""
    found: dict[str, list[str]] = {}
    data = dutch.data_names

    def english(text: str) -> list[str]:
        text = " ".join(text.split())  # a PDF cell wraps a typed reason over lines
        for name in data:  # names are data: an organisation called "... Service"
            text = text.replace(" ".join(name.split()), " ")
        return english_in(text, phrases)

    with TestClient(dutch.app, base_url=BASE) as client:
        login(client, "beheer")
        # The browser asks for English: the person's own setting (Dutch) must win.
        html = {"accept": "text/html", "accept-language": "en-GB,en;q=0.9"}
        public = {"accept": "text/html", "accept-language": "nl-NL,nl;q=0.9,en;q=0.5"}
        urls = page_urls(dutch.app, dutch.rows)
        urls["draft handover"] = f"/handovers/{dutch.rows.draft_handover}"
        urls["board, BRU"] = "/board?airport=BRU"
        urls["audit search"] = "/admin/audit?action=add_user"
        urls["an error page"] = "/movements/999999"
        for name, url in sorted(urls.items()):
            response = client.get(url, headers=public if url in PUBLIC else html)
            expected = 404 if name == "an error page" else 200
            assert response.status_code == expected, (name, url, response.text[:300])
            assert '<html lang="en"' not in response.text, url
            hits = english(readable(response.text))
            if hits:
                found[url] = hits
        table = client.get("/reports/tables/by_month.csv").content.decode("utf-8-sig")
        title, columns = table.splitlines()[:2]
        assert title == "# Begeleide personen per maand en richting", title
        assert columns.startswith("Maand,"), columns
        for name, text in exports(client).items():
            hits = english(text)
            if hits:
                found[name] = hits
        for name, (url, heading) in documents(dutch.rows).items():
            text = pdf_text(client, url)
            assert heading in text and "Pagina 1 van" in text, (name, text[:400])
            hits = english(text)
            if hits:
                found[name] = hits
        # The verification page of that manifest (public: the browser's language).
        page = client.get(f"/handovers/{dutch.rows.signed_handover}", headers=html).text
        document = re.search(r'href="/verify/([\w-]+)"', page)
        assert document, "the handover page links its manifest's verification"
        verify = client.get(f"/verify/{document.group(1)}", headers=public)
        assert verify.status_code == 200 and "Een document verifiëren" in verify.text
        hits = english(readable(verify.text))
        if hits:
            found["verify"] = hits
        login(client, "opvang")
        for url in ("/reception", f"/handovers/{dutch.rows.signed_handover}"):
            response = client.get(url, headers=html)
            assert response.status_code == 200, (url, response.text[:300])
            hits = english(readable(response.text))
            if hits:
                found[f"reception {url}"] = hits
    return found


def documents(rows: Rows) -> dict[str, tuple[str, str]]:
    """Every PDF the console serves: name -> (URL, a Dutch heading it must carry)."""
    assert rows.charter is not None
    return {
        "manifest.pdf": (f"/handovers/{rows.signed_handover}/manifest.pdf",
                         "Overdrachtsmanifest"),
        "briefing.pdf": (f"/movements/{rows.movement}/briefing.pdf", "Briefing begeleiders"),
        "charter-manifest.pdf": (f"/movements/{rows.charter}/charter-manifest.pdf",
                                 "Chartermanifest"),
        "daily.pdf": (f"/reports/daily.pdf?airport=AMS&date={TODAY.isoformat()}",
                      "Dagrapport operaties"),
        "annual.pdf": (f"/reports/annual.pdf?view=year&start={TODAY.year}-01-01"
                       f"&end={TODAY.year}-12-31&airport=AMS", "Jaaroverzicht"),
    }


def pdf_text(client: TestClient[Litestar], url: str) -> str:
    """Every page's extracted text (pypdf)."""
    reply = client.get(url)
    assert reply.status_code == 200 and reply.content.startswith(b"%PDF"), (url, reply.text[:300])
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(reply.content)).pages)


REPORT = f"start={TODAY.year}-01-01&end={TODAY.year}-12-31&airport=AMS"


def exports(client: TestClient[Litestar]) -> dict[str, str]:
    """The report's files as text: every table's CSV, every chart's SVG text, every cell
    of the XLSX workbook."""
    out: dict[str, str] = {}
    book = client.get(f"/reports/export.xlsx?{REPORT}")
    assert book.status_code == 200, book.text[:300]
    workbook = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    out["export.xlsx"] = "\n".join(str(c) for sheet in workbook.worksheets
                                   for row in sheet.iter_rows(values_only=True)
                                   for c in row if c is not None)
    for key in workbook.sheetnames[1:]:
        reply = client.get(f"/reports/tables/{key}.csv?{REPORT}")
        assert reply.status_code == 200, (key, reply.text[:300])
        out[f"{key}.csv"] = reply.content.decode("utf-8-sig")
    for key in CHARTS:
        reply = client.get(f"/reports/charts/{key}.svg?{REPORT}")
        if reply.status_code == 404:  # no data for it in this range
            continue
        assert reply.status_code == 200, (key, reply.text[:300])
        out[f"{key}.svg"] = "\n".join(re.findall(r"<text[^>]*>([^<]*)</text>", reply.text))
    return out


def test_every_page_and_the_manifest_read_dutch(dutch: Dutch) -> None:
    found = walk(dutch, english_phrases())
    left = {url: [h for h in hits if h not in KNOWN_GAPS and h not in RAW_DATA]
            for url, hits in found.items()}
    assert {url: hits for url, hits in left.items() if hits} == {}
    seen = {h for hits in found.values() for h in hits}
    assert set(KNOWN_GAPS) <= seen, f"no longer seen, remove: {set(KNOWN_GAPS) - seen}"


#: Dutch entries the catch test drops -> where the walk must then report them: a label
#: of a template, a sentence of each PDF, a phrase the domain composes (a report note, a
#: refusal) and a label inside an SVG chart.
DROPPED = {
    "Hide completed": {"/board", "/board?airport=BRU"},
    "Passengers handed over": {"manifest.pdf"},
    "Passengers and what to do": {"briefing.pdf"},
    "Headcount by stop": {"charter-manifest.pdf"},
    "Seen by (team lead)": {"daily.pdf"},
    "The team assisted %(num)s people.": {"annual.pdf"},
    "No such flight among yours.": {"/movements/999999"},
    "%(note)s Counts from 1 to %(most)d are shown as %(shown)s so that no person can be "
    "singled out.": {"/reports", "trafficking.csv", "export.xlsx"},
    "% met within the limit": {"ecac_departing.svg", "ecac_arriving.svg"},
}


def test_the_walk_catches_a_missing_translation(dutch: Dutch,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop the Dutch of one string per kind of place (a page label, each PDF, a domain
    phrase, a chart): the walk reports each exactly where it shows, and nothing else."""
    real = i18n.translations("nl")

    class Without:
        def __init__(self, dropped: set[str]) -> None:
            self.dropped = dropped

        def gettext(self, message: str) -> str:
            return message if message in self.dropped else real.gettext(message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return real.ngettext(singular, plural, n)

        def pgettext(self, context: str, message: str) -> str:
            return str(real.pgettext(context, message))

    monkeypatch.setattr(i18n, "translations", lambda locale: Without(set(DROPPED))
                        if locale == "nl" else NullTranslations())
    # In this process, where the patched catalogue is (the PDF pool's workers import
    # their own).
    monkeypatch.setattr(delivery.renderer, "mode", "thread")
    found = {url: left for url, hits in walk(dutch, english_phrases()).items()
             if (left := [h for h in hits if h not in RAW_DATA])}
    for msgid, places in DROPPED.items():
        pieces = {p.strip(" .,:;()–—·#?!\"'<>") for p in PLACEHOLDER.split(msgid)}
        seen = {url for url, hits in found.items() if pieces & set(hits)}
        assert places <= seen, (msgid, places - seen, found)
    expected = set().union(*DROPPED.values())
    assert not {url: hits for url, hits in found.items() if url not in expected}, found


def test_a_refused_webhook_address_reads_dutch(dutch: Dutch) -> None:
    with TestClient(dutch.app, base_url=BASE) as client:
        csrf = login(client, "beheer")
        reply = client.post("/webhooks", data={"_csrf": csrf, "airport": "AMS",
                                               "url": "javascript:alert(1)",
                                               "events": "landed"})
    assert reply.status_code == 422
    assert "is geen http" in reply.text and "is not an" not in reply.text
