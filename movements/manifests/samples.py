"""Invented sample documents, and a script that renders them to ``docs/samples/``.

Every person, case reference, flight and phone number here is made up.  The tests use
the same builders, so the samples double as test data.

Run: ``python -m movements.manifests.samples [OUTDIR]`` (needs ``pdftoppm`` from
poppler-utils for the PNG previews; the PDFs are written to a temporary folder).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from movements.domain.documents import (
    CharterManifestDoc,
    DailyReportDoc,
    DocMovement,
    DocPassenger,
    EscortBriefingDoc,
    EscortOnBoard,
    ExceptionEntry,
    HandoverDoc,
    LaneCount,
    NoShowEntry,
)
from movements.domain.ssr import NeedGroup

AMS = ZoneInfo("Europe/Amsterdam")
AGENCY = "Migration Agency \u00b7 Airport Operations Team"
AIRPORT = "Amsterdam Airport Schiphol (AMS)"
VERIFY = "https://movements.example.org/verify/"

# Names used by the tests to find the scripts in the extracted text.
ARABIC_NAME = "سلمى حداد"
CYRILLIC_NAME = "Олена Миронюк"
GEEZ_NAME = "ሰላም ተስፋዬ"
HEALTH_SECRET = "type 2 diabetes, insulin dependent"


def _local(y: int, mo: int, d: int, h: int, mi: int) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=AMS)


def handover_passengers() -> tuple[DocPassenger, ...]:
    P = DocPassenger
    return (
        P("C-2016-0412", "HADDAD", "Salma", ARABIC_NAME, date(1984, 3, 2), "F", "SYR",
          ("MEDA", "WCHS"), health_notes=(HEALTH_SECRET,)),
        P("C-2016-0412", "HADDAD", "Yusuf Karim", "يوسف كريم حداد", date(1981, 11, 20), "M",
          "SYR", ("LANG",)),
        P("C-2016-0412", "HADDAD", "Layla", "ليلى حداد", date(2012, 6, 14), "F", "SYR",
          ("CHLD",)),
        P("C-2016-0412", "HADDAD", "Noor", "نور حداد", date(2016, 5, 30), "F", "SYR",
          ("INFT",)),
        P("C-2016-0388", "MYRONIUK", "Olena", CYRILLIC_NAME, date(1952, 1, 8), "F", "UKR",
          ("WCHC", "OXYG"), escort_note="Daughter travels separately, meets at reception",
          health_notes=("COPD, chronic",)),
        P("C-2016-0388", "MYRONIUK", "Taras", "Тарас Миронюк", date(1950, 9, 17), "M",
          "UKR", ("DEAF",)),
        P("C-2016-0451", "TESFAYE", "Selam", GEEZ_NAME, date(2004, 2, 11), "F", "ERI",
          ("UMNR", "LANG"), unaccompanied_minor=True,
          release_to="Hiwet TESFAYE (aunt), ID card NL-XK28193"),
        P("C-2016-0453", "GEBREMARIAM", "Dawit", "ዳዊት ገብረማርያም", date(1990, 7, 1), "M",
          "ETH", ("BLND",)),
        P("C-2016-0453", "GEBREMARIAM", "Almaz", "አልማዝ ገብረማርያም", date(1993, 4, 23), "F",
          "ETH", ()),
        P("C-2016-0460", "OKELLO", "Grace", None, date(1977, 12, 5), "F", "UGA", ("MAAS",)),
        P("C-2016-0460", "OKELLO", "John Paul", None, date(2009, 8, 19), "M", "UGA",
          ("CHLD",)),
        P("C-2016-0460", "OKELLO", "Mary", None, date(2011, 10, 2), "F", "UGA", ("CHLD",)),
        P("C-2016-0471", "RAHIMI", "Parisa", "پریسا رحیمی", date(1996, 2, 29), "F", "AFG",
          ("STCR",), escort_note="Medical escort hands over the sealed medical file",
          health_notes=("post-operative, spinal",)),
        P("C-2016-0471", "RAHIMI", "Ahmad Shah", "احمد شاه رحیمی", date(1994, 5, 6), "M",
          "AFG", ()),
    )


def handover_movement() -> DocMovement:
    return DocMovement(
        flight="KQ1156", operational_date=date(2016, 9, 15), origin="NBO",
        destination="AMS", kind="arrival",
        scheduled_local=_local(2016, 9, 15, 6, 5), actual_local=_local(2016, 9, 15, 6, 22),
        terminal="2", gate="E18", origin_name="Nairobi", destination_name="Amsterdam",
        aircraft="5Y-KZX B787-8",
    )


def sample_handover(*, version: int = 2) -> HandoverDoc:
    """A handover of 14 passengers; version 2 corrects version 1."""
    doc_id = f"HO-AMS-20160915-0007-v{version}"
    return HandoverDoc(
        document_id=doc_id,
        version=version,
        supersedes_document_id=("HO-AMS-20160915-0007-v1" if version > 1 else None),
        issued_at_local=_local(2016, 9, 15, 8, 41),
        issued_by="Pieter de Vries (gate staff)",
        agency_name=AGENCY,
        airport_name=AIRPORT,
        movement=handover_movement(),
        receiving_party="National Reception Service, Arrivals Desk",
        receiving_person="Anouk Bakker",
        handing_person="Pieter de Vries",
        passengers=handover_passengers(),
        escort_notes=(
            "Family HADDAD (C-2016-0412): the wheelchair for Salma HADDAD is the airport's; "
            "it stays at Schiphol.",
            "Selam TESFAYE (C-2016-0451) travelled with an operational escort from Nairobi; "
            "the escort hands the travel documents to the receiving officer.",
            "Baggage for case C-2016-0460 was delayed; property irregularity report "
            "AMSKQ41233 given to the family.",
        ),
        verify_url=f"{VERIFY}{doc_id}",
        handed_over_at_local=_local(2016, 9, 15, 8, 35),
        handover_place="Schiphol Plaza, meeting point 3",
        correction_note=("Birth date of Noor HADDAD corrected; Almaz GEBREMARIAM added to "
                         "case C-2016-0453.") if version > 1 else None,
    )


# --------------------------------------------------------------------------- charter

_GIVEN = (
    ("Salma", "سلمى", "F"), ("Yusuf", "يوسف", "M"), ("Layla", "ليلى", "F"),
    ("Omar", "عمر", "M"), ("Huda", "هدى", "F"), ("Karim", "كريم", "M"),
    ("Noor", "نور", "F"), ("Sami", "سامي", "M"), ("Rana", "رنا", "F"),
    ("Tariq", "طارق", "M"), ("Zainab", "زينب", "F"), ("Hassan", "حسن", "M"),
    ("Mariam", "مريم", "F"), ("Bilal", "بلال", "M"), ("Farah", "فرح", "F"),
    ("Ziad", "زياد", "M"), ("Amal", "أمل", "F"), ("Nabil", "نبيل", "M"),
)
_SURNAMES = (
    ("HADDAD", "حداد"), ("NAJJAR", "نجار"), ("SAFFAR", "صفار"), ("KHAYAT", "خياط"),
    ("ATTAR", "عطار"), ("SABBAGH", "صباغ"), ("NASSER", "ناصر"), ("JABER", "جابر"),
    ("SALEM", "سالم"), ("DAHER", "ظاهر"), ("QASSAB", "قصاب"), ("HALLAQ", "حلاق"),
)
_RARE_NEEDS = (("WCHR",), ("MAAS",), ("LANG",), ("WCHS",), ("BLND",), ("DPNA",),
               ("WCHC",), ("MEDA",))


def charter_passengers(total: int = 400, stops: tuple[str, ...] = ("BGW", "EBL", "BSR"),
                       ) -> tuple[DocPassenger, ...]:
    """``total`` invented passengers in families of 1-6, spread over ``stops``
    (deterministic: no randomness)."""
    out: list[DocPassenger] = []
    case_no = 100
    i = 0
    while len(out) < total:
        case_no += 1
        size = min(1 + (case_no * 7) % 6, total - len(out))
        sur, sur_ar = _SURNAMES[case_no % len(_SURNAMES)]
        stop = stops[case_no % len(stops)]
        for k in range(size):
            given, given_ar, sex = _GIVEN[(case_no * 5 + k * 3) % len(_GIVEN)]
            adult = k < 2
            born = (date(1960 + (case_no + k) % 35, 1 + (case_no + 3 * k) % 12, 1 + k * 4)
                    if adult else date(2003 + (case_no + k) % 13, 1 + k, 10 + k))
            codes: tuple[str, ...] = ()
            if not adult and born.year >= 2015:
                codes = ("INFT",)
            elif not adult:
                codes = ("CHLD",)
            elif i % 23 == 0:
                codes = _RARE_NEEDS[(i // 23) % len(_RARE_NEEDS)]
            row = 4 + i // 6
            seat = f"{row}{'ABCDEF'[i % 6]}"
            out.append(DocPassenger(
                case_ref=f"C-2016-{case_no:04d}", surname=sur, given_names=given,
                native_name=f"{given_ar} {sur_ar}", birth_date=born, sex=sex,
                nationality="IRQ", ssr_codes=codes, seat=seat,
                stop=None if stop == stops[-1] else stop,
            ))
            i += 1
    return tuple(out)


def sample_charter(total: int = 400) -> CharterManifestDoc:
    movement = DocMovement(
        flight="MA9501", operational_date=date(2016, 11, 24), origin="AMS",
        destination="BSR", kind="departure",
        scheduled_local=_local(2016, 11, 24, 9, 30), actual_local=None,
        terminal="1", gate="D7", is_charter=True, stops=("BGW", "EBL"),
        origin_name="Amsterdam", destination_name="Basra",
        stop_names=(("BGW", "Baghdad"), ("EBL", "Erbil")), aircraft="PH-XRA A330-200",
    )
    doc_id = "CM-AMS-20161124-MA9501-v1"
    return CharterManifestDoc(
        document_id=doc_id, version=1, supersedes_document_id=None,
        issued_at_local=_local(2016, 11, 23, 17, 5),
        issued_by="Marloes Jansen (charter coordinator)",
        agency_name=AGENCY, airport_name=AIRPORT, movement=movement,
        passengers=charter_passengers(total, movement.disembarkation_points),
        escorts=(
            EscortOnBoard("Dr. Eva Lindqvist", "medical escort", "+31 6 0000 0101"),
            EscortOnBoard("Ruben Smit", "operational escort (lead)", "+31 6 0000 0102"),
            EscortOnBoard("Samira El Idrissi", "operational escort, interpreter",
                          "+31 6 0000 0103"),
        ),
        verify_url=f"{VERIFY}{doc_id}",
        declared_total=total,
    )


# --------------------------------------------------------------------------- briefing

def sample_briefing() -> EscortBriefingDoc:
    movement = handover_movement()
    doc_id = "EB-AMS-20160915-KQ1156-v1"
    return EscortBriefingDoc(
        document_id=doc_id, version=1, issued_at_local=_local(2016, 9, 14, 18, 10),
        issued_by="Marloes Jansen (coordinator)", agency_name=AGENCY, airport_name=AIRPORT,
        movement=movement, passengers=handover_passengers(),
        escorts=(
            EscortOnBoard("Pieter de Vries", "team lead", "+31 6 0000 0201"),
            EscortOnBoard("Dr. Eva Lindqvist", "medical escort", "+31 6 0000 0101"),
            EscortOnBoard("Joost Visser", "operational escort", "+31 6 0000 0202"),
        ),
        meeting_point="Aircraft door, gate E18 (ambulift ordered for 06:25)",
        report_time_local=_local(2016, 9, 15, 5, 45),
        notes=(
            "Ambulift and aisle chair booked with the airport's assistance provider, "
            "reference PRM-0915-118.",
            "Interpreters: Arabic (phone, on call from 06:00), Tigrinya (on site).",
            "The unaccompanied minor stays with an escort until the named adult has "
            "shown ID and signed.",
        ),
        verify_url=f"{VERIFY}{doc_id}",
    )


# --------------------------------------------------------------------------- daily

def sample_daily() -> DailyReportDoc:
    return DailyReportDoc(
        document_id="DR-AMS-20160915",
        report_date=date(2016, 9, 15),
        issued_at_local=_local(2016, 9, 15, 23, 10),
        issued_by="Pieter de Vries (duty lead)",
        agency_name=AGENCY, airport_name=AIRPORT,
        lanes=(
            LaneCount("departure", movements=9, passengers=14, completed=12, no_shows=2),
            LaneCount("transit", movements=11, passengers=47, completed=46, no_shows=1),
            LaneCount("arrival", movements=4, passengers=19, completed=19, no_shows=0),
        ),
        need_groups=(
            (NeedGroup.WHEELCHAIR, 6), (NeedGroup.MEDICAL, 3),
            (NeedGroup.STRETCHER_OXYGEN, 2), (NeedGroup.MINOR, 1),
            (NeedGroup.COMMUNICATION, 5), (NeedGroup.MEET_ASSIST, 31),
            (NeedGroup.FAMILY, 12), (NeedGroup.ESCORT, 7),
        ),
        exceptions=(
            ExceptionEntry(_local(2016, 9, 15, 7, 40), "KQ1156", "Inbound 17 min late; "
                           "connection to KL0673 re-protected on KL0691.", "C-2016-0460"),
            ExceptionEntry(_local(2016, 9, 15, 11, 5), "TK1952", "Case split across two "
                           "flights by the airline; rebooked together on TK1958.",
                           "C-2016-0477"),
            ExceptionEntry(_local(2016, 9, 15, 15, 30), None, "Ambulift 25 min late at "
                           "gate D3; boarding completed, carrier informed.", None),
        ),
        no_shows=(
            NoShowEntry("C-2016-0392", "KARIMI, Dariush", "KL0565",
                        "Withdrew from voluntary return the evening before"),
            NoShowEntry("C-2016-0392", "KARIMI, Shirin", "KL0565",
                        "Withdrew from voluntary return the evening before"),
            NoShowEntry("C-2016-0466", "MENSAH, Kwame", "KL0589",
                        "Missed the train to Schiphol; rebooked for 17 Sep"),
        ),
        verify_url=f"{VERIFY}DR-AMS-20160915",
    )


# --------------------------------------------------------------------------- script

def main(argv: list[str] | None = None) -> int:
    """Render every sample to PDF and write PNG previews (60 dpi) to ``docs/samples``."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "docs" / "samples"
    out.mkdir(parents=True, exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        print("pdftoppm not found: apt-get install poppler-utils", file=sys.stderr)
        return 1
    from movements.manifests import (
        build_charter_manifest,
        build_daily_report,
        build_escort_briefing,
        build_handover_manifest,
    )

    jobs = [
        ("handover-manifest", lambda: build_handover_manifest(sample_handover()), 2),
        ("charter-manifest", lambda: build_charter_manifest(sample_charter()), 1),
        ("escort-briefing", lambda: build_escort_briefing(sample_briefing()), 1),
        ("daily-report", lambda: build_daily_report(sample_daily()), 1),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, build, pages in jobs:
            t0 = time.perf_counter()
            pdf = build()
            ms = (time.perf_counter() - t0) * 1000
            src = Path(tmp) / f"{name}.pdf"
            src.write_bytes(pdf)
            for old in out.glob(f"{name}-*.png"):
                old.unlink()
            subprocess.run([pdftoppm, "-r", "60", "-png", "-f", "1", "-l", str(pages),
                            str(src), str(out / name)], check=True)
            print(f"{name}: {len(pdf) // 1024} KiB, {ms:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
