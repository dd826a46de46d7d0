"""Numbers typed into a form: Dutch or English decimal signs, and the bounds a pydantic field allows (so a
message can name them). The check itself stays the schema's: these only turn the text into the number it sends."""

import re
from typing import Any

from pydantic import BaseModel

_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def parse_number(text: str, *, integer: bool) -> int | float | None:
    """`"12"`, `"1,5"` or `"1.5"` as a number; None when empty; ValueError when it is not a number (or, for an
    integer, has decimals)."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None
    if integer:
        if not _INTEGER.match(cleaned):
            raise ValueError(text)
        return int(cleaned)
    if not _DECIMAL.match(cleaned):
        raise ValueError(text)
    return float(cleaned.replace(",", "."))


def bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The lowest and highest value the model's field allows (`ge`/`gt`, `le`/`lt`; None when unbounded)."""
    low = high = None
    for item in model.model_fields[name].metadata:
        low = getattr(item, "ge", getattr(item, "gt", low))
        high = getattr(item, "le", getattr(item, "lt", high))
    return low, high
