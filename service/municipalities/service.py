"""Municipality look-ups and the CBS code rules shared by every document that names a place."""

import re
from collections.abc import Iterable

from sqlmodel import Session, select

from matching.cbs import municipality_of
from service.municipalities.models import Municipality

GM_CODE = re.compile(r"^GM\d{4}$")

__all__ = ["GM_CODE", "municipality_of", "unknown_municipalities"]


def unknown_municipalities(*, session: Session, codes: Iterable[str]) -> set[str]:
    """Which of these GM codes name no municipality."""
    wanted = set(codes)
    if not wanted:
        return set()
    found = set(session.exec(select(Municipality.code).where(Municipality.code.in_(wanted))))  # type: ignore[attr-defined]
    return wanted - found
