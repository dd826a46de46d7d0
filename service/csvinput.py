"""Reading uploaded CSV text: any line ending, bounded values, and a line that cannot be read reported, not raised."""

import csv
import io
from collections.abc import Iterator

# No cell of our uploads (codes, ids, counts, scores) comes near this; a longer one is a wrong file or a paste.
MAX_CELL_CHARS = 200


def csv_records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """Each record with its line number, as trimmed cells, or as the reason the line cannot be read.

    Lines may end in LF, CRLF or a bare CR (old spreadsheet exports); a spreadsheet's byte order mark is dropped.
    Blank lines are skipped.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=None))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A field over the csv module's limit, or a NUL where the dialect forbids it; the reader goes on.
            yield reader.line_num, f"the line cannot be read as CSV: {exc}"
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        if any(len(cell) > MAX_CELL_CHARS for cell in row):
            yield reader.line_num, f"a value is longer than {MAX_CELL_CHARS} characters"
            continue
        yield reader.line_num, [cell.strip() for cell in row]
