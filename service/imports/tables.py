"""Reading an uploaded table (CSV or an .xlsx workbook) into rows of named text cells, and writing one."""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

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
        raise UnreadableFile("the file holds no header row")
    header = [name.strip().lower() for name in cells[0][1]]
    rows = [(n, {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name})
            for n, row in cells[1:]]
    return Table(header=header, rows=rows, unreadable=unreadable)


def read_table(*, body: bytes, media_type: str) -> Table:
    """The rows of a CSV (UTF-8) or .xlsx upload (its first sheet); 400 when it cannot be read, 415 for others."""
    media_type = media_type.split(";")[0].strip().lower()
    if media_type == CSV_TYPE:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableFile("the CSV file is not UTF-8 text; save it as \"CSV UTF-8\"") from None
        return _from_records(list(csv_records(text)))
    if media_type == XLSX_TYPE:
        try:
            book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise UnreadableFile("the file is not an Excel workbook (.xlsx)") from None
        try:
            sheet = book.worksheets[0]
            records: list[tuple[int, list[str] | str]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = [_text(v) for v in values]
                if any(row):
                    records.append((number, row))
        finally:
            book.close()
        return _from_records(records)
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
