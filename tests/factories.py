"""Valid input documents to start tests from; each test changes only what it is about."""

import copy
import uuid
from datetime import date, timedelta
from typing import Any

TODAY = date.today()

_DWELLING: dict[str, Any] = {
    "address": {"street": "Kanaalstraat", "house_number": 112, "house_number_suffix": "B",
                "postcode": "3531 ch", "city": "Utrecht"},
    "neighbourhood_code": "BU03440302",
    "location": {"lat": 52.0907, "lon": 5.0985},
    "dwelling_type": "apartment",
    "rooms": 2,
    "bedrooms": 1,
    "floor_area_m2": 42,
    "floor": 1,
    "has_elevator": False,
    "wheelchair_accessible": False,
    "max_occupants": 2,
    "suitable_for_children": False,
    "bare_rent": "598.40",
    "service_costs": 42,
    "low_stimulus_features": {"gallery_access": False, "shared_entrance_households": 4,
                              "next_to_business": False, "busy_road": False},
    "contract_types": ["flip", "regular"],
}

_REGISTRATION: dict[str, Any] = {
    "form_version": "1",
    "consent_to_share": True,
    "birth_year": TODAY.year - 24,
    "household": {"adults": 1, "children": [TODAY.year - 2]},
    "annual_income": "21400.00",
    "current_setting": "mother_child_home",
    "support": {"intensity": "medium", "guaranteed_after_move": True},
    "debt_counselling": "in_progress",
    "avoid_nearby": [{"category": "liquor_store", "radius_m": 300}],
    "avoid_areas": ["WK034405"],
    "avoid_points": [{"lat": 52.0801, "lon": 5.1102, "radius_m": 1000}],
    "low_stimulus": "preferred",
    "accessibility": {"wheelchair": False, "no_stairs": False},
    "regional_ties": [{"municipality_code": "GM0344", "years_resident": 4, "years_work_or_study": 0}],
    "preferred_municipalities": ["GM0344", "GM0356"],
    "contract": "any",
    "notes": "Needs a quiet street; history of alcohol use.",
}


def dwelling(**overrides: Any) -> dict[str, Any]:
    """A valid dwelling offer with a fresh external_ref."""
    doc = copy.deepcopy(_DWELLING)
    doc["external_ref"] = f"VHE-{uuid.uuid4().hex[:8]}"
    doc["available_from"] = (TODAY + timedelta(days=14)).isoformat()
    doc.update(overrides)
    return doc


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid form v1 registration with a fresh client_ref."""
    doc = copy.deepcopy(_REGISTRATION)
    doc["client_ref"] = f"CL-{uuid.uuid4().hex[:8]}"
    doc["ready_from"] = (TODAY + timedelta(days=7)).isoformat()
    doc.update(overrides)
    return doc


def waiting_list_rows(provider: str, count: int = 2, *, prefix: str = "IMP", **changes: dict[str, str]
                      ) -> list[dict[str, str]]:
    """`count` valid rows of a waiting-list file for `provider` (the template's examples, each its own client,
    ready today), with changes per row index (`r0={...}`)."""
    from service.imports.registrations import EXAMPLES

    rows = []
    for i in range(count):
        row = {**EXAMPLES[i % 2], "care_provider": provider, "client_ref": f"{prefix}-{i:04d}",
               "ready_from": TODAY.isoformat()}
        row.update(changes.get(f"r{i}", {}))
        rows.append(row)
    return rows


def waiting_list_workbook(rows: list[dict[str, str]], columns: list[str] | None = None) -> bytes:
    """The rows as an .xlsx workbook with the template's columns (or `columns`)."""
    from service.imports.registrations import COLUMNS
    from service.imports.tables import xlsx_bytes

    header = columns or list(COLUMNS)
    return xlsx_bytes(sheets=[("registrations", header, [[r.get(c, "") for c in header] for r in rows])])
