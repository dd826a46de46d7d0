"""Municipality look-ups and the CBS code rules shared by every document that names a place."""

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from sqlmodel import Session, select

from service.municipalities.models import Municipality

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "municipalities.csv"

GM_CODE = re.compile(r"^GM\d{4}$")
WK_CODE = re.compile(r"^WK\d{6}$")
BU_CODE = re.compile(r"^BU\d{8}$")
AREA_CODE = re.compile(r"^(GM\d{4}|WK\d{6}|BU\d{8})$")


def municipality_of(area_code: str) -> str:
    """The GM code a GM, WK or BU code lies in: the first four digits are the municipality's."""
    return "GM" + area_code[2:6]


def read_municipality_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    """The shipped municipality list as rows (code, name, corop_code, corop_name)."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def unknown_municipalities(*, session: Session, codes: Iterable[str]) -> set[str]:
    """Which of these GM codes name no municipality."""
    wanted = set(codes)
    if not wanted:
        return set()
    found = set(session.exec(select(Municipality.code).where(Municipality.code.in_(wanted))))  # type: ignore[attr-defined]
    return wanted - found


def list_municipalities(*, session: Session) -> list[Municipality]:
    """All municipalities by code."""
    return list(session.exec(select(Municipality).order_by(Municipality.code)))
