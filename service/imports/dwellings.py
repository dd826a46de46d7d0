"""The dwelling import: a corporation brings its vacancies in from CSV or .xlsx, one row per dwelling.

Every row goes through the API's DwellingCreate and the dwellings service's reference checks; the import is all or
nothing, idempotent on `external_ref`, and each new dwelling is offered (and shortlisted) one by one, in file order,
exactly as POST /v1/dwellings does.
"""

import json
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from service import clock
from service.dwellings import service as dwellings
from service.dwellings.schemas import DwellingCreate
from service.errors import InvalidFields
from service.imports import collector
from service.imports.registrations import (
    Problem,
    as_bool,
    as_list,
    as_number,
    header_problems,
    refuse,
    schema_problems,
)
from service.imports.tables import Table, template_bytes
from service.organisations.models import Organisation
from service.workflow import changes

COLUMNS: dict[str, str] = {
    "external_ref": "your own id of the dwelling; unique within your corporation",
    "street": "street name", "house_number": "e.g. 112", "house_number_suffix": "e.g. B (may be empty)",
    "postcode": "e.g. 3531 CH", "city": "e.g. Utrecht",
    "neighbourhood_code": "CBS neighbourhood code, e.g. BU03440302", "lat": "WGS84, e.g. 52.0907",
    "lon": "WGS84, e.g. 5.0985", "dwelling_type": "as in the API, e.g. apartment", "rooms": "e.g. 2",
    "bedrooms": "e.g. 1", "floor_area_m2": "e.g. 42", "floor": "0 is the ground floor",
    "has_elevator": "ja / nee", "wheelchair_accessible": "ja / nee", "max_occupants": "e.g. 2",
    "suitable_for_children": "ja / nee", "bare_rent": "euros a month, e.g. 598.40",
    "service_costs": "euros a month, e.g. 42.00", "gallery_access": "ja / nee",
    "shared_entrance_households": "households sharing the entrance (1: its own), e.g. 4",
    "next_to_business": "ja / nee",
    "busy_road": "ja / nee", "contract_types": "separated by ;, e.g. regular; flip",
    "available_from": "e.g. 2026-12-01",
}
OPTIONAL = {"house_number_suffix"}
# The template's two example rows (available from is set to the day the template is downloaded).
EXAMPLES: list[dict[str, str]] = [
    {"external_ref": "VHE-40211", "street": "Kanaalstraat", "house_number": "118", "house_number_suffix": "B",
     "postcode": "3531 CH", "city": "Utrecht", "neighbourhood_code": "BU03440302", "lat": "52.0907",
     "lon": "5.0985", "dwelling_type": "apartment", "rooms": "2", "bedrooms": "1", "floor_area_m2": "42",
     "floor": "1", "has_elevator": "nee", "wheelchair_accessible": "nee", "max_occupants": "2",
     "suitable_for_children": "nee", "bare_rent": "598.40", "service_costs": "42.00", "gallery_access": "nee",
     "shared_entrance_households": "4", "next_to_business": "nee", "busy_road": "nee",
     "contract_types": "regular; flip"},
    {"external_ref": "VHE-40212", "street": "Amsterdamsestraatweg", "house_number": "301", "house_number_suffix": "",
     "postcode": "3551 CK", "city": "Utrecht", "neighbourhood_code": "BU03440302", "lat": "52.1031",
     "lon": "5.0986", "dwelling_type": "apartment", "rooms": "3", "bedrooms": "2", "floor_area_m2": "61",
     "floor": "0", "has_elevator": "nee", "wheelchair_accessible": "ja", "max_occupants": "4",
     "suitable_for_children": "ja", "bare_rent": "712.15", "service_costs": "55.00", "gallery_access": "nee",
     "shared_entrance_households": "1", "next_to_business": "nee", "busy_road": "ja", "contract_types": "regular"},
]
NESTED = {"street": "address", "house_number": "address", "house_number_suffix": "address", "postcode": "address",
          "city": "address", "lat": "location", "lon": "location", "gallery_access": "low_stimulus_features",
          "shared_entrance_households": "low_stimulus_features", "next_to_business": "low_stimulus_features",
          "busy_road": "low_stimulus_features"}
NUMBERS = {"house_number", "lat", "lon", "rooms", "bedrooms", "floor_area_m2", "floor", "max_occupants",
           "shared_entrance_households"}
BOOLEANS = {"has_elevator", "wheelchair_accessible", "suitable_for_children", "gallery_access", "next_to_business",
            "busy_road"}


def _document(cells: dict[str, str]) -> dict[str, Any]:
    """A DwellingCreate document (as the API receives it) from a row's cells; empty cells are left out."""
    doc: dict[str, Any] = {"address": {}, "location": {}, "low_stimulus_features": {}}
    for column in COLUMNS:
        text = cells.get(column, "").strip()
        if not text:
            continue
        value: Any = (as_number(text) if column in NUMBERS else as_bool(text) if column in BOOLEANS
                      else as_list(text) if column == "contract_types" else text.replace(",", ".")
                      if column in {"bare_rent", "service_costs"} else text)
        if column in NESTED:
            doc[NESTED[column]][column] = value
        else:
            doc[column] = value
    return doc


def _column(field_path: str) -> str:
    parts = field_path.split(".")
    return parts[1] if parts[0] in {"address", "location", "low_stimulus_features"} and len(parts) > 1 else parts[0]


@collector.paused()
def check(*, session: Session, corporation: Organisation, table: Table) -> tuple[list[Problem], list[DwellingCreate]]:
    """The dry run: every problem of every row, named by row and column; nothing is written."""
    problems = header_problems(table, columns=COLUMNS, required=[c for c in COLUMNS if c not in OPTIONAL])
    if problems:
        return problems, []
    seen: dict[str, int] = {}
    valid: list[DwellingCreate] = []
    for number, cells in table.rows:
        row: list[Problem] = []
        ref = cells.get("external_ref", "").strip()
        if ref in seen:
            row.append(Problem(row=number, column="external_ref", message=f"the same reference as row {seen[ref]}"))
        seen.setdefault(ref, number)
        try:
            data = DwellingCreate.model_validate_json(json.dumps(_document(cells)))
        except ValidationError as exc:
            row += schema_problems(number, exc, _column)
        else:
            try:
                dwellings.check_references(session=session, org=corporation, data=data)
            except InvalidFields as exc:
                row += [Problem(row=number, column=_column(e.field), message=e.message, type=e.type)
                        for e in exc.errors]
            if dwellings.differs_from_stored(session=session, org=corporation, data=data):
                row.append(Problem(row=number, column="external_ref", message=(
                    f"{data.external_ref} is already offered with other answers; change that dwelling instead")))
            if not row:
                valid.append(data)
        problems += row
    return problems, valid


def template() -> bytes:
    """The template workbook: the header row with two example rows, and a sheet explaining each column."""
    # Available from today: a fixed date would fall out of the form's window as the years pass.
    today = clock.now().date().isoformat()
    return template_bytes(title="dwellings", columns=COLUMNS, required=[c for c in COLUMNS if c not in OPTIONAL],
                          examples=[{**row, "available_from": today} for row in EXAMPLES])


@collector.paused()
def import_rows(*, session: Session, corporation: Organisation, table: Table) -> tuple[int, int, int]:
    """The import, all or nothing (a 422 naming each problem): rows, created, unchanged."""
    problems, valid = check(session=session, corporation=corporation, table=table)
    refuse(problems)
    created = 0
    for data in valid:
        # One by one, in file order: each new dwelling is shortlisted before the next is offered.
        created += changes.offer_dwelling(session=session, org=corporation, data=data).created
    return len(table.rows), created, len(valid) - created
