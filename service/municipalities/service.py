"""Municipality look-ups and the CBS code rules shared by every document that names a place."""

import re
import weakref
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine
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
    return wanted - _known(session)


# The municipalities come with the migrations and never change while the service runs: read once per database.
_KNOWN: "weakref.WeakKeyDictionary[Any, frozenset[str]]" = weakref.WeakKeyDictionary()


def _known(session: Session) -> frozenset[str]:
    bind = session.get_bind()
    key = (bind if isinstance(bind, Engine) else bind.engine).pool
    known = _KNOWN.get(key)
    if known is None:
        known = _KNOWN[key] = frozenset(session.exec(select(Municipality.code)).all())
    return known
