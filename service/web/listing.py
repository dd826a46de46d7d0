"""What every list page shares: page numbers in the query string, a fixed page size, and CSV downloads."""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi.responses import Response

PAGE_SIZE = 25


@dataclass(frozen=True)
class Paging:
    """Page `number` (from 1) of `PAGE_SIZE` rows."""

    number: int

    @classmethod
    def of(cls, pagina: int | None) -> "Paging":
        return cls(number=max(1, min(pagina or 1, 100_000)))

    @property
    def limit(self) -> int:
        return PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * PAGE_SIZE

    def has_next(self, total: int) -> bool:
        return self.offset + PAGE_SIZE < total


def query_prefix(**params: object) -> str:
    """The filters as the start of a query string (`a=1&b=2&`), for links that keep them."""
    kept = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return urlencode(kept) + "&" if kept else ""


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """A CSV file (UTF-8 with a byte-order mark and `;`, as Dutch spreadsheet programs open it directly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
