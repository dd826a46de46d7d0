"""CBS area codes: neighbourhood BU + 8 digits, district WK + 6, municipality GM + 4."""

from __future__ import annotations

import re
from typing import Final

_PATTERNS: Final = {"GM": re.compile(r"GM\d{4}"), "WK": re.compile(r"WK\d{6}"), "BU": re.compile(r"BU\d{8}")}


def validate_neighbourhood_code(code: str) -> str:
    """Return the code when it is a CBS neighbourhood code, else raise ValueError."""
    if not _PATTERNS["BU"].fullmatch(code):
        raise ValueError(f"not a CBS neighbourhood code: {code!r}")
    return code


def validate_area_code(code: str) -> str:
    """Return the code when it is a CBS GM, WK or BU code, else raise ValueError."""
    pattern = _PATTERNS.get(code[:2])
    if pattern is None or not pattern.fullmatch(code):
        raise ValueError(f"not a CBS area code: {code!r}")
    return code


def municipality_of(neighbourhood: str) -> str:
    """Return the GM code of the municipality a CBS area code (GM, WK or BU) lies in."""
    return "GM" + neighbourhood[2:6]


def district_of(neighbourhood: str) -> str:
    """Return the WK code of the district a BU code lies in."""
    return "WK" + neighbourhood[2:8]


def areas_of(neighbourhood: str) -> tuple[str, str, str]:
    """Return the (GM, WK, BU) codes that contain a neighbourhood, largest first."""
    return municipality_of(neighbourhood), district_of(neighbourhood), neighbourhood


def area_contains(area: str, neighbourhood: str) -> bool:
    """Tell whether a GM, WK or BU code contains the given neighbourhood."""
    return area in areas_of(neighbourhood)
