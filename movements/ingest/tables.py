"""Tables as spreadsheet programs save them: CSV in the encodings and separators of the
agency's locales, and XLSX workbooks.

What a coordinator's spreadsheet program writes, and how it is read:

* **XLSX** (the file starts with a ZIP header): the first worksheet, read with openpyxl;
  a row's line is its row number in the sheet.  Date cells become ``YYYY-MM-DD``,
  whole numbers lose Excel's ``.0``.
* **CSV encodings**: UTF-8 with or without a byte order mark, UTF-16 (Excel's "Unicode
  text", with or without a BOM) and Windows-1252 (Excel's "CSV" in Western European
  locales).  The encoding is detected with charset-normalizer, *restricted* to these
  (free detection called a Windows-1252 file with "Müller" cp775 or cp1250 in our
  tries: a wrong guess would import wrong names without a word).  UTF-8 is taken
  whenever the bytes are valid UTF-8.
* **Separator**: a first line ``sep=;`` (Excel writes and honours it) says it;
  otherwise the one of ``,``, ``;`` and tab that splits the header into the most known
  column names.
* Empty trailing columns (``a;b;c;;``) and empty rows are ignored.

The result says how the file was read (``Table.read_as``), so that a coordinator sees
"Windows-1252" next to the import's counts.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from movements.domain.phrases import N_, Phrase

#: The encodings a CSV may come in (charset-normalizer's names), see the module text.
ENCODINGS = ("utf_8", "utf_16", "utf_16_le", "utf_16_be", "cp1252")
_LABELS = {"utf_8": "UTF-8", "utf_16": "UTF-16", "utf_16_le": "UTF-16 (little-endian)",
           "utf_16_be": "UTF-16 (big-endian)", "cp1252": "Windows-1252"}
_SEPARATORS = {",": N_("commas"), ";": N_("semicolons"), "\t": N_("tabs")}
_BOMS = ((codecs.BOM_UTF8, "utf_8"), (codecs.BOM_UTF16_LE, "utf_16"),
         (codecs.BOM_UTF16_BE, "utf_16"))
_XLS = b"\xd0\xcf\x11\xe0"  # the OLE header of Excel 97-2003 .xls files


class TableFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, CSV syntax)."""

    def __init__(self, line_no: int, reason: str | Phrase) -> None:
        super().__init__(f"line {line_no}: {reason}")
        self.line_no = line_no
        self.reason = str(reason)
        #: The reason in the reader's language (``reason`` is its English).
        self.phrase = reason if isinstance(reason, Phrase) else Phrase(reason)


@dataclass(frozen=True, slots=True)
class Row:
    """One row: the line (CSV: the line it starts on; XLSX: the sheet row) and its
    cells as text."""

    line_no: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """The header, the data rows (empty rows left out) and how the file was read."""

    header: Row
    rows: tuple[Row, ...]
    read_as: str
    bad_line: tuple[int, str | Phrase] | None = None
    """A CSV syntax error ends the reading: its line and the reason (rows before it are
    kept so that the report lists them too)."""
    read_as_phrase: Phrase | None = None
    """``read_as`` for the reader's language."""


def read_table(data: bytes | str, *, known_columns: Iterable[str] = ()) -> Table:
    """Read a CSV (bytes in any supported encoding, or text) or an XLSX workbook.

    ``known_columns`` (lower case) helps to pick the separator.  Raises
    ``TableFileError`` naming the line for a file that cannot be read at all (an
    encoding that is none of ``ENCODINGS``, an .xls workbook, no header).
    """
    known = frozenset(known_columns)
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if isinstance(data, bytes) and data.startswith(_XLS):
        raise TableFileError(1, Phrase(N_("an Excel 97-2003 workbook (.xls): save it as .xlsx or "
                                          "CSV")))
    if isinstance(data, str):
        text, encoding = (data[1:], "text with a BOM") if data.startswith("\ufeff") \
            else (data, "text")
    else:
        text, encoding = decode(data)
    return _read_csv(text, encoding, known)



def decode(data: bytes) -> tuple[str, str]:
    """The text and a label of its encoding (e.g. ``Windows-1252``)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode("utf-8-sig" if name == "utf_8" else "utf-16"), \
                    f"{_LABELS[name]} with a byte order mark"
            except UnicodeDecodeError as exc:
                raise _not_readable(data, exc.start, _LABELS[name]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Imported here: charset_normalizer's tables cost every server ~0.2 s of CPU at start,
    # and only a file that is not UTF-8 gets this far.
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(ENCODINGS), preemptive_behaviour=False).best()
    if best is None or best.encoding not in _LABELS or best.encoding == "utf_8":
        try:
            data.decode("cp1252")
        except UnicodeDecodeError as exc:  # point at the byte that no encoding explains
            first_bad = exc.start
        raise _not_readable(data, first_bad, None)
    return str(best), _LABELS[best.encoding]


def _not_readable(data: bytes, at: int, tried: str | None) -> TableFileError:
    line = data[:at].count(b"\n") + 1
    what = Phrase.of(N_("not valid %(encoding)s"), encoding=tried) if tried else \
        Phrase(N_("in none of UTF-8, UTF-16 and Windows-1252"))
    return TableFileError(line, Phrase.of(N_("the file is %(what)s (byte 0x%(byte)s); save it as "
                                             "CSV UTF-8 or as an Excel workbook (.xlsx)"),
                                          what=what, byte=format(data[at], "02X")))


def _read_csv(text: str, encoding: str, known: frozenset[str]) -> Table:
    lines = text.splitlines(keepends=True)
    skip = 0
    first = lines[0].strip() if lines else ""
    if first.lower().startswith("sep=") and len(first) in (4, 5):
        delimiter = first[4:] or ","
        if delimiter not in _SEPARATORS and delimiter != "|":
            raise TableFileError(1, Phrase.of(N_("sep= names %(delimiter)s; use , ; or a tab"),
                                              delimiter=repr(delimiter)))
        skip = 1
        how = f'"sep={delimiter}" line'
    else:
        header_line = lines[0] if lines else ""
        delimiter = _separator(header_line, known)
        how = "header"
    body = "".join(lines[skip:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    bad: tuple[int, str | Phrase] | None = None
    header: Row | None = None
    while True:
        start = reader.line_num + 1 + skip
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad = (start, Phrase.of(N_("not valid CSV: %(reason)s"), reason=str(exc)))
            break
        cells = tuple(values)
        if header is None:
            header = Row(start, cells)
        elif any(v.strip() for v in cells):
            rows.append(Row(start, cells))
    if header is None:
        if bad is not None:
            raise TableFileError(*bad)
        raise TableFileError(1 + skip, Phrase(N_("the file is empty; the first line must be the "
                                                 "header")))
    sep = _SEPARATORS.get(delimiter, repr(delimiter))
    described = Phrase.of(N_("CSV in %(encoding)s, %(separator)s (from the %(how)s)"),
                          encoding=_encoding_phrase(encoding), separator=Phrase(sep),
                          how=Phrase.of(N_('"sep=%(delimiter)s" line'), delimiter=delimiter)
                          if skip else Phrase(N_("header")))
    return Table(header, tuple(rows), f"CSV in {encoding}, {sep} (from the {how})", bad,
                 described)


def _encoding_phrase(encoding: str) -> Phrase:
    """An encoding's label from ``read_table``/``decode`` as a phrase (the words around
    the encoding's name translate)."""
    bom = " with a byte order mark"
    if encoding.endswith(bom):
        return Phrase.of(N_("%(encoding)s with a byte order mark"),
                         encoding=encoding[:-len(bom)])
    return Phrase({"text with a BOM": N_("text with a BOM"), "text": N_("text")}.get(
        encoding, encoding))


def _separator(header_line: str, known: frozenset[str]) -> str:
    def score(d: str) -> tuple[int, int]:
        try:
            names = next(csv.reader([header_line], delimiter=d))
        except (csv.Error, StopIteration):
            return (0, 0)
        return (sum(n.strip().lower() in known for n in names), len(names))
    return max((",", ";", "\t"), key=score)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # only when a workbook comes

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableFileError(1, Phrase.of(N_("not a readable .xlsx workbook (%(reason)s)"),
                                          reason=str(exc))) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise TableFileError(1, Phrase(N_("the workbook has no worksheet")))
        header: Row | None = None
        rows: list[Row] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = tuple(_cell(v) for v in values)
            if header is None:
                if any(c.strip() for c in cells):
                    header = Row(number, cells)
            elif any(c.strip() for c in cells):
                rows.append(Row(number, cells))
        if header is None:
            raise TableFileError(1, Phrase(N_("the first worksheet is empty; its first row must "
                                              "be the header")))
        return Table(header, tuple(rows), f"XLSX workbook, worksheet {sheet.title!r}",
                     read_as_phrase=Phrase.of(N_("XLSX workbook, worksheet %(sheet)s"),
                                              sheet=repr(sheet.title)))
    finally:
        book.close()
