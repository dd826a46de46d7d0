"""Reading an uploaded table (CSV or an .xlsx workbook) into rows of named text cells, and writing one.

Workbooks are read with python-calamine (Rust's calamine; about twenty times faster than openpyxl's reader on a
20,000-row list) and written with openpyxl."""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from service.csvinput import csv_records
from service.errors import ServiceError

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = (CSV_TYPE, XLSX_TYPE)


class UnreadableFile(ServiceError):
    """The upload is not a table we can read (400)."""

    status = 400
    title = "The file cannot be read"


class UnsupportedMediaType(ServiceError):
    """The upload is neither CSV nor .xlsx (415)."""

    status = 415
    title = "Unsupported media type"


@dataclass(frozen=True)
class Table:
    """A table's header (lower-cased column names) and its rows, each with its row number in the file."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    # Rows that could not be read at all, with the reason.
    unreadable: list[tuple[int, str]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _from_records(records: list[tuple[int, list[str] | str]]) -> Table:
    unreadable = [(n, r) for n, r in records if isinstance(r, str)]
    cells = [(n, r) for n, r in records if not isinstance(r, str)]
    if not cells:
        raise UnreadableFile(NO_HEADER)
    header = [name.strip().lower() for name in cells[0][1]]
    rows = [(n, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name})
            for n, row in cells[1:]]
    return Table(header=header, rows=rows, unreadable=unreadable)


# What a workbook may hold: the reader lays the first sheet out as a full grid, so a cell far away (XFD1048576)
# must be refused before it is read, not allocated. Far beyond any waiting list or housing stock.
MAX_ROWS, MAX_COLUMNS, MAX_UNZIPPED_BYTES = 99_999, 64, 256 * 1024 * 1024
# Why a file cannot be read (the detail of a 400; the pages word each in their own language).
NOT_A_WORKBOOK, NO_HEADER = "the file is not an Excel workbook (.xlsx)", "the file holds no header row"
NOT_UTF8 = 'the CSV file is not UTF-8 text; save it as "CSV UTF-8"'
TOO_BIG = f"the workbook unzips to more than {MAX_UNZIPPED_BYTES // 2**20} MB; split it into smaller files"
TOO_FAR = (f"a sheet reaches beyond row {MAX_ROWS} or column {get_column_letter(MAX_COLUMNS)}; split the file "
           "or remove what lies beyond")
UNPLACED = "a sheet has cells that do not say where they are; save the file again in Excel or LibreOffice"
# Only cells and rows carry an `r` attribute in a sheet's XML: a reference past row 99,999 (six digits) or column
# BL (three letters, B then M-Z, or C-Z then any); and a cell or row without one.
_FAR_CELL = re.compile(rb'\sr="(?:[A-Z]*\d{6,}|[A-Z]{3,}\d*|[B-Z][M-Z]\d*|[C-Z][A-Z]\d*)"')
_UNREFERENCED = re.compile(rb"<(?:\w+:)?(?:c|row)(?=[\s/>])(?![^>]*\br=)")


def _check_extent(body: bytes) -> None:
    """Refuse a workbook whose sheets reach beyond MAX_ROWS or MAX_COLUMNS, whose cells or rows do not say where
    they are, or that unzips to more than MAX_UNZIPPED_BYTES (400), reading its XML as bytes only."""
    unzipped = 0
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.infolist():
                with archive.open(member) as handle:
                    content = handle.read(MAX_UNZIPPED_BYTES - unzipped + 1)
                unzipped += len(content)
                if unzipped > MAX_UNZIPPED_BYTES:
                    raise UnreadableFile(TOO_BIG)
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                    if _FAR_CELL.search(content):
                        raise UnreadableFile(TOO_FAR)
                    if _UNREFERENCED.search(content):
                        raise UnreadableFile(UNPLACED)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, OSError, ValueError, EOFError):
        raise UnreadableFile(NOT_A_WORKBOOK) from None


def _workbook_records(body: bytes) -> list[tuple[int, list[str] | str]]:
    """The non-empty rows of the workbook's first sheet, numbered as in Excel, as text cells."""
    _check_extent(body)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(body))
        # From A1, empty rows and columns included, so that row numbers and column letters are the sheet's own.
        grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError, OSError):
        raise UnreadableFile(NOT_A_WORKBOOK) from None
    records: list[tuple[int, list[str] | str]] = []
    for number, values in enumerate(grid, start=1):
        row = [_text(v) for v in values]
        if any(row):
            records.append((number, row))
    return records


def read_table(*, body: bytes, media_type: str) -> Table:
    """The rows of a CSV (UTF-8) or .xlsx upload (its first sheet); 400 when it cannot be read, 415 for others."""
    media_type = media_type.split(";")[0].strip().lower()
    if media_type == CSV_TYPE:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile(NOT_UTF8) from None
        return _from_records(list(csv_records(text)))
    if media_type == XLSX_TYPE:
        return _from_records(_workbook_records(body))
    raise UnsupportedMediaType(f"send {CSV_TYPE} or {XLSX_TYPE}, not {media_type or 'no Content-Type'}")


def csv_bytes(*, header: list[str], rows: list[list[object]]) -> bytes:
    """A CSV file (UTF-8 with a byte order mark, so spreadsheets read it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_text(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def xlsx_bytes(*, sheets: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    """A workbook with one sheet per (title, header, rows)."""
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            # Control characters a worksheet cannot hold (stored text may have them) are left out, not a 500.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                          for v in (_text(v) for v in row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes(*, title: str, columns: dict[str, str], required: Iterable[str],
                   examples: list[dict[str, str]]) -> bytes:
    """An import's template workbook: the header row with the example rows, and a sheet explaining each column."""
    header = list(columns)
    needed = set(required)
    return xlsx_bytes(sheets=[
        (title, header, [[row.get(c, "") for c in header] for row in examples]),
        ("explanation", ["column", "what it holds", "required"],
         [[c, text, "yes" if c in needed else "no"] for c, text in columns.items()]),
    ])
