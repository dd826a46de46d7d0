"""The office's exports: the registrations and dwellings lists as CSV or .xlsx, under the API lists' access rules.

Rows come from the lists' own service functions, page by page, so who sees what (and the audit of every
registration read) is decided in one place. Nested fields become columns (`household_adults`) and lists use the
import's cell formats (`liquor_store:300; cannabis_shop:200`), so an exported waiting list reads like the template.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from service.dwellings import service as dwellings
from service.imports.tables import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes
from service.organisations.models import Organisation
from service.registrations import service as registrations

PAGE = 1000


class ExportFormat(StrEnum):
    """The file an export is written as."""

    csv = "csv"
    xlsx = "xlsx"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(":".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
                         for item in value)
    return "" if value is None else value


def _flat(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}_")
        else:
            out[f"{prefix}{key}"] = _cell(value)
    return out


def _all(fetch: Callable[[int, int], tuple[list[Any], int]]) -> list[Any]:
    """Every row of a paged list."""
    rows: list[Any] = []
    while True:
        page, total = fetch(PAGE, len(rows))
        rows += page
        if not page or len(rows) >= total:
            return rows


def _file(*, title: str, documents: list[BaseModel], fmt: ExportFormat, empty_header: list[str]) -> tuple[bytes, str]:
    flat = [_flat(d.model_dump(mode="json")) for d in documents]
    header = list(flat[0]) if flat else empty_header
    rows = [[row.get(c, "") for c in header] for row in flat]
    if fmt == ExportFormat.csv:
        return csv_bytes(header=header, rows=rows), CSV_TYPE
    return xlsx_bytes(sheets=[(title, header, rows)]), XLSX_TYPE


def registrations_file(*, session: Session, org: Organisation, fmt: ExportFormat) -> tuple[bytes, str]:
    """The registrations the organisation may see, longest waiting first; each one exported is an audited read."""
    rows = _all(lambda limit, offset: registrations.list_registrations(
        session=session, org=org, status=None, limit=limit, offset=offset))
    return _file(title="registrations", documents=[registrations.to_public(r) for r in rows], fmt=fmt,
                 empty_header=["id", "client_ref"])


def dwellings_file(*, session: Session, org: Organisation, fmt: ExportFormat) -> tuple[bytes, str]:
    """The dwellings the organisation may see (a corporation its own, a coordinator its regions'), newest first."""
    rows = _all(lambda limit, offset: dwellings.list_dwellings(
        session=session, org=org, status=None, limit=limit, offset=offset))
    return _file(title="dwellings", documents=[dwellings.to_public(d) for d in rows], fmt=fmt,
                 empty_header=["id", "external_ref"])
