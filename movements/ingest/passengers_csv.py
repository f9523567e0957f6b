"""Passenger lists: the export of the agency's case management, CSV or XLSX.

One row per passenger and planned movement.  The file is read as spreadsheet programs
save it (``movements.ingest.tables``: UTF-8 with or without a BOM, UTF-16, Windows-1252;
commas, semicolons or tabs, a ``sep=`` first line; empty trailing columns and rows; or
an .xlsx workbook), and the report says how it was read.  Quoted fields may hold
separators and line breaks.  The first row is the header; columns may come in any
order, names are case-insensitive, and an unknown column is refused (it is usually a
typo that would otherwise drop data silently).  Text is taken in Unicode NFC; a
character no manifest font can print is kept and noted in the report.
``fixtures/passengers_example.csv`` is an example.

=====================  ========  =====================================================
column                 required  value
=====================  ========  =====================================================
case_reference         yes       the case (family, travel group), at most 40 characters
programme              no        e.g. voluntary_return, resettlement, relocation,
                                 family_reunification (default voluntary_return)
surname                yes       any script, as in the travel document
given_names            yes       any script; may be empty
native_name            no        the name in the passenger's own script
birth_date             no        YYYY-MM-DD
sex                    no        F, M or X (default X)
nationality            no        ISO 3166 alpha-3, e.g. COD
language               no        e.g. Lingala
booking_locator        no        the airline booking reference (PNR), 5-8 letters/digits
needs                  no        SSR codes separated by ``;``, each with optional text
                                 after ``:``, e.g. ``WCHR;LANG:Dinka`` (the codes of
                                 ``movements.domain.ssr``; DEPA/DEPU/INAD are refused)
medical_escort         no        yes/no (also true/false, 1/0; empty is no)
operational_escort     no        yes/no
victim_of_trafficking  no        yes/no (protection-sensitive)
chronic_condition      no        diabetes, hypertension_cardiovascular, infectious,
                                 mental or other
medical_notes          no        free text
release_to_name        no        for an unaccompanied minor (UMNR): the only adult the
                                 child may be released to (then required)
release_to_relation    no        e.g. aunt
flight                 yes       carrier and number, e.g. KQ116 or KL 1234
flight_date            yes       the movement's operational date, YYYY-MM-DD
movement_kind          no        departure, arrival, transit_in or transit_out, when
                                 the flight is planned twice on that day
seat                   no        e.g. 12A
onward_flight          no        a transit's onward leg, e.g. KL691 (with a
                                 transit_in flight)
onward_date            no        YYYY-MM-DD (default: flight_date)
stop                   no        where the passenger leaves a multi-stop charter, an
                                 airport code on its route (e.g. EBL); checked against
                                 the route and, per leg, against the seat capacity
=====================  ========  =====================================================

Rows are grouped into cases by ``case_reference``: members of one case booked on
different flights in the file flag the case as split (shown on the board and the
case's page), as a split made on the planning page does.

The movement must be planned already (airport + flight + date).  Every bad row is
reported with its line (the line the row starts on in the file) and the reason; by
default nothing is imported if any row is bad.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from movements.domain import input_rules
from movements.domain.actions import passenger_import as pi
from movements.domain.actions.passengers import NewPassenger
from movements.domain.calendar_days import NoSuchDay, parse_day
from movements.domain.errors import DomainError
from movements.domain.phrases import N_, Phrase
from movements.domain.text import nfc
from movements.domain.uow import Actor, UnitOfWork
from movements.domain.vocabulary import ChronicCondition, MovementKind
from movements.ingest.tables import TableFileError, read_table
from movements.manifests.text import unprintable

#: In the documented order (the example file's header).
COLUMNS = ("case_reference", "programme", "surname", "given_names", "native_name",
           "birth_date", "sex", "nationality", "language", "booking_locator", "needs",
           "medical_escort", "operational_escort", "victim_of_trafficking",
           "chronic_condition", "medical_notes", "release_to_name", "release_to_relation",
           "flight", "flight_date", "movement_kind", "seat", "onward_flight", "onward_date",
           "stop")
REQUIRED = ("case_reference", "surname", "given_names", "flight", "flight_date")
HEADER = ",".join(COLUMNS)
#: The columns that documents print: a character no manifest font has is noted at import.
PRINTED = ("case_reference", "surname", "given_names", "native_name", "release_to_name",
           "release_to_relation")

_MAX = {"case_reference": 40, "programme": 40, "surname": 120, "given_names": 200,
        "native_name": 300, "language": 40, "medical_notes": 4000, "release_to_name": 200,
        "release_to_relation": 80}
_FLIGHT = re.compile(r"(?P<carrier>[A-Z0-9]{2}[A-Z]?) ?(?P<number>[0-9]{1,4}[A-Z]?)")
_LOCATOR = re.compile(r"[A-Z0-9]{5,8}")
_SEAT = re.compile(r"[0-9]{1,3}[A-Z]")
_COUNTRY = re.compile(r"[A-Z]{3}")
_CODE = re.compile(r"[A-Z]{4}")
_YES = {"yes", "y", "true", "1", "ja", "x"}
_NO = {"no", "n", "false", "0", "nee", ""}
_KINDS = {k.value: k for k in MovementKind}


CsvFileError = TableFileError
"""The file as a whole cannot be read (encoding, header); the old name of
``tables.TableFileError``."""


class _Bad(ValueError):
    """A bad cell: ``phrase`` says what and where (the column), in the reader's language."""

    def __init__(self, phrase: Phrase) -> None:
        super().__init__(str(phrase))
        self.phrase = phrase


@dataclass(frozen=True, slots=True)
class Parsed:
    """The good rows, the bad ones, how the file was read, and the notes that do not
    refuse a row (characters no manifest font can print)."""

    rows: list[pi.PassengerRow]
    errors: list[pi.RowError]
    read_as: str
    notes: list[pi.RowError]
    read_as_phrase: Phrase | None = None


def parse(data: bytes | str) -> tuple[list[pi.PassengerRow], list[pi.RowError]]:
    """The good rows and the bad ones; raises ``CsvFileError`` for the file itself."""
    parsed = read(data)
    return parsed.rows, parsed.errors


def read(data: bytes | str) -> Parsed:
    """Read a CSV or XLSX export (see ``movements.ingest.tables`` for the encodings and
    separators); raises ``CsvFileError`` for the file itself.  Every bad row is listed
    with its line and the field at fault."""
    table = read_table(data, known_columns=COLUMNS)
    names = [nfc(h).strip().lower() for h in table.header.cells]
    while names and not names[-1]:
        names.pop()  # empty trailing columns, as spreadsheet programs write them
    line = table.header.line_no
    unknown = [c for c in names if c and c not in COLUMNS]
    if unknown:
        raise CsvFileError(line, Phrase.of(N_("unknown column(s) %(unknown)s; the columns are: "
                                              "%(columns)s"),
                                           unknown=", ".join(map(repr, unknown)),
                                           columns=", ".join(COLUMNS)))
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CsvFileError(line, Phrase.of(N_("missing required column(s): %(columns)s"),
                                           columns=", ".join(missing)))
    twice = sorted({c for c in names if c and names.count(c) > 1})
    if twice:
        raise CsvFileError(line, Phrase.of(N_("column(s) given twice: %(columns)s"),
                                           columns=", ".join(twice)))
    rows: list[pi.PassengerRow] = []
    errors: list[pi.RowError] = []
    notes: list[pi.RowError] = []
    for r in table.rows:
        values = [nfc(v) for v in r.cells]
        extra = [i for i, v in enumerate(values) if i >= len(names) and v.strip()]
        if extra:
            errors.append(pi.row_error(r.line_no, Phrase.of(
                N_("field %(number)s has a value, but the header has %(count)s columns"),
                number=extra[0] + 1, count=len(names))))
            continue
        if len(values) < len(names):
            errors.append(pi.row_error(
                r.line_no, Phrase.of(N_("%(count)s fields, the header has %(columns)s (no "
                                        "%(column)s field and after)"),
                                     count=len(values), columns=len(names),
                                     column=names[len(values)] or Phrase(N_("value")))))
            continue
        unnamed = [i for i, v in enumerate(values[:len(names)]) if not names[i] and v.strip()]
        if unnamed:
            errors.append(pi.row_error(r.line_no, Phrase.of(
                N_("field %(number)s has a value, but its column has no name in the header"),
                number=unnamed[0] + 1)))
            continue
        row = {c: v for c, v in zip(names, values, strict=False) if c}
        bad = next(((c, found) for c, v in row.items()
                    if (found := input_rules.problem(v)) is not None), None)
        if bad is not None:  # control characters, NUL, U+FFFD: refused, not stored
            errors.append(pi.row_error(r.line_no, Phrase.of(N_("%(label)s %(found)s"),
                                                            label=bad[0], found=bad[1])))
            continue
        try:
            rows.append(_row(r.line_no, row))
        except _Bad as exc:
            errors.append(pi.row_error(r.line_no, exc.phrase))
            continue
        notes += [pi.row_error(r.line_no, note) for note in _unprintable(row)]
    if table.bad_line is not None:
        errors.append(pi.row_error(*table.bad_line))
    return Parsed(rows, errors, table.read_as, notes, table.read_as_phrase)


def _unprintable(row: dict[str, str]) -> list[Phrase]:
    out = []
    for column in PRINTED:
        missing = unprintable(row.get(column) or "")
        if missing:
            listed = ", ".join(f"U+{ord(ch):04X} {ch}" for ch in missing)
            out.append(Phrase.of(N_("%(column)s: no manifest font can print %(characters)s; "
                                    "kept as written, the documents mark it as not printable "
                                    "here"), column=column, characters=listed))
    return out


def _text(row: dict[str, str], column: str, *, required: bool = False) -> str | None:
    value = (row.get(column) or "").strip()
    if required and not value:
        raise _Bad(Phrase.of(N_("%(column)s is required"), column=column))
    limit = _MAX.get(column)
    if limit and len(value) > limit:
        raise _Bad(Phrase.of(N_("%(column)s is longer than %(limit)s characters"),
                             column=column, limit=limit))
    return value or None


def _date(row: dict[str, str], column: str, *, required: bool = False) -> date | None:
    value = _text(row, column, required=required)
    if value is None:
        return None
    try:
        return parse_day(value)
    except NoSuchDay as bad:  # the right shape, a day the calendar has not
        raise _Bad(Phrase.of(N_("%(column)s %(why)s"), column=column, why=bad.phrase)) from None
    except ValueError:
        raise _Bad(Phrase.of(N_("%(column)s %(value)s is not a date YYYY-MM-DD"),
                             column=column, value=repr(value))) from None


def _flag(row: dict[str, str], column: str) -> bool:
    value = (row.get(column) or "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _Bad(Phrase.of(N_("%(column)s %(value)s is not yes or no"),
                         column=column, value=repr(value)))


def _flight(row: dict[str, str], column: str, day: date | None,
            kind: MovementKind | None = None) -> pi.FlightOnDay | None:
    value = _text(row, column)
    if value is None:
        return None
    m = _FLIGHT.fullmatch(value.upper())
    if m is None or m["carrier"].isdigit():
        raise _Bad(Phrase.of(N_("%(column)s %(value)s is not a flight like KQ116"),
                             column=column, value=repr(value)))
    assert day is not None
    return pi.FlightOnDay(m["carrier"], m["number"], day, kind)


def _needs(value: str | None) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    for item in (value or "").split(";"):
        if not item.strip():
            continue
        code, _, text = item.partition(":")
        code = code.strip().upper()
        if _CODE.fullmatch(code) is None:
            raise _Bad(Phrase.of(N_("need %(item)s does not start with a 4-letter SSR code"),
                                 item=repr(item.strip())))
        out.append((code, text.strip() or None))
    return tuple(out)


def _row(line_no: int, row: dict[str, str]) -> pi.PassengerRow:
    sex = (_text(row, "sex") or "X").upper()
    if sex not in ("F", "M", "X"):
        raise _Bad(Phrase.of(N_("sex %(sex)s must be F, M or X"), sex=repr(sex)))
    nationality = _text(row, "nationality")
    if nationality and _COUNTRY.fullmatch(nationality.upper()) is None:
        raise _Bad(Phrase.of(N_("nationality %(nationality)s is not a 3-letter country code"),
                             nationality=repr(nationality)))
    locator = _text(row, "booking_locator")
    if locator and _LOCATOR.fullmatch(locator.upper()) is None:
        raise _Bad(Phrase.of(N_("booking_locator %(locator)s is not 5-8 letters and digits"),
                             locator=repr(locator)))
    seat = _text(row, "seat")
    if seat and _SEAT.fullmatch(seat.upper()) is None:
        raise _Bad(Phrase.of(N_("seat %(seat)s is not like 12A"), seat=repr(seat)))
    stop = _text(row, "stop")
    found = input_rules.airport_problem(stop) if stop else None
    if found is not None:
        raise _Bad(Phrase.of(N_("%(field)s %(value)s %(found)s"), field="stop",
                             value=repr(stop), found=found))
    chronic = _text(row, "chronic_condition")
    if chronic and chronic.lower() not in {c.value for c in ChronicCondition}:
        raise _Bad(Phrase.of(N_("chronic_condition %(value)s must be one of %(values)s"),
                             value=repr(chronic),
                             values=", ".join(c.value for c in ChronicCondition)))
    kind_text = _text(row, "movement_kind")
    if kind_text and kind_text.lower() not in _KINDS:
        raise _Bad(Phrase.of(N_("movement_kind %(value)s must be one of %(values)s"),
                             value=repr(kind_text), values=", ".join(_KINDS)))
    kind = _KINDS[kind_text.lower()] if kind_text else None
    flight_date = _date(row, "flight_date", required=True)
    _text(row, "flight", required=True)
    flight = _flight(row, "flight", flight_date, kind)
    assert flight is not None
    onward_date = _date(row, "onward_date") or flight_date
    onward = _flight(row, "onward_flight", onward_date)
    if onward is None and _text(row, "onward_date"):
        raise _Bad(Phrase(N_("onward_date without onward_flight")))
    surname = _text(row, "surname", required=True)
    assert surname is not None
    passenger = NewPassenger(
        surname=surname, given_names=_text(row, "given_names") or "",
        native_name=_text(row, "native_name"), birth_date=_date(row, "birth_date"), sex=sex,
        nationality=nationality.upper() if nationality else None,
        booking_locator=locator.upper() if locator else None,
        language=_text(row, "language"), needs=_needs(_text(row, "needs")),
        medical_escort_required=_flag(row, "medical_escort"),
        operational_escort_required=_flag(row, "operational_escort"),
        victim_of_trafficking=_flag(row, "victim_of_trafficking"),
        chronic_condition=ChronicCondition(chronic.lower()) if chronic else None,
        medical_notes=_text(row, "medical_notes"),
        release_to_name=_text(row, "release_to_name"),
        release_to_relation=_text(row, "release_to_relation"))
    reference = _text(row, "case_reference", required=True)
    assert reference is not None
    return pi.PassengerRow(line_no, reference, passenger, flight,
                           programme=_text(row, "programme"),
                           seat=seat.upper() if seat else None, onward=onward,
                           stop=stop.upper() if stop else None)


async def import_file(uow: UnitOfWork, actor: Actor, data: bytes | str, *, airport: str,
                      all_or_nothing: bool = True,
                      progress: Callable[[int, int], None] | None = None,
                      label: str | None = None) -> pi.ImportReport:
    """Read and import one export, in bounded chunks (``import_in_chunks``: checked
    first, so that a bad row still leaves nothing behind); never raises for bad rows:
    the report lists them (``kept`` False when nothing was imported).  ``label`` (the
    file's name) is what the imports page calls the import while it runs and after."""
    try:
        parsed = read(data)
    except CsvFileError as exc:
        return pi.ImportReport(0, errors=(pi.row_error(exc.line_no, exc.phrase),), kept=False)
    rows, errors = parsed.rows, parsed.errors
    notes = tuple(parsed.notes)
    if errors and all_or_nothing and not rows:
        return pi.ImportReport(len(errors), errors=tuple(errors), kept=False,
                               read_as=parsed.read_as, notes=notes,
                               read_as_phrase=parsed.read_as_phrase)
    try:
        report = await pi.import_in_chunks(uow, actor, airport, rows,
                                           all_or_nothing=all_or_nothing,
                                           parse_errors=errors, progress=progress,
                                           label=label)
    except (pi.ImportRejected, pi.ImportInterrupted) as exc:
        report = exc.report
    except DomainError as exc:  # the airport itself, say
        report = pi.ImportReport(len(rows) + len(errors), errors=(pi.row_error(1, exc.phrase),),
                                 kept=False)
    return dataclasses.replace(report, read_as=parsed.read_as, notes=notes,
                               read_as_phrase=parsed.read_as_phrase)
