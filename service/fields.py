"""Field types shared by the input documents: Dutch postcodes, CBS codes, money, coordinates, references."""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

# The Netherlands' bounding box, Wadden islands and southern Limburg included; a point outside is a typo or a
# swapped lat/lon, both of which would silently break every distance rule.
NL_LAT_MIN, NL_LAT_MAX = 50.75, 53.70
NL_LON_MIN, NL_LON_MAX = 3.20, 7.25

_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Z]{2})$")
# PostNL never issues these letter pairs.
_UNUSED_POSTCODE_LETTERS = {"SA", "SD", "SS"}


def _postcode(value: str) -> str:
    match = _POSTCODE.match(value.strip().upper())
    if not match or match.group(2) in _UNUSED_POSTCODE_LETTERS:
        raise ValueError("must be a Dutch postcode such as 3511AB")
    return match.group(1) + match.group(2)


class StrictInput(BaseModel):
    """Base of every input document: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Postcode = Annotated[str, AfterValidator(_postcode)]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^GM\d{4}$")]
NeighbourhoodCode = Annotated[str, StringConstraints(pattern=r"^BU\d{8}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^(GM\d{4}|WK\d{6}|BU\d{8})$")]
# A partner's own reference: short, printable, no spaces, so it cannot carry a name or a free-text note.
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Euros = Annotated[Decimal, Field(ge=0, max_digits=9, decimal_places=2)]
MonthlyRent = Annotated[Decimal, Field(ge=0, le=5000, max_digits=7, decimal_places=2)]
Latitude = Annotated[float, Field(ge=NL_LAT_MIN, le=NL_LAT_MAX, description="WGS84, inside the Netherlands")]
Longitude = Annotated[float, Field(ge=NL_LON_MIN, le=NL_LON_MAX, description="WGS84, inside the Netherlands")]
RadiusMetres = Annotated[int, Field(ge=1, le=5000)]


class GeoPoint(StrictInput):
    """A WGS84 point inside the Netherlands."""

    lat: Latitude
    lon: Longitude


def euros_to_cents(amount: Decimal) -> int:
    """Money is stored as whole cents so that rules compare integers."""
    return int((amount * 100).to_integral_value())


def cents_to_euros(cents: int) -> Decimal:
    """Cents back to euros with two decimals."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def check_date_window(value: date, *, earliest: date, latest: date) -> date:
    """Refuse a date outside a plausible window (a typo such as 2205 instead of 2025)."""
    if not earliest <= value <= latest:
        raise ValueError(f"must lie between {earliest.isoformat()} and {latest.isoformat()}")
    return value


def refuse_nulls(*, nullable: set[str]) -> Any:
    """A field validator for partial updates: null only clears the fields named in `nullable`.

    Required fields of a document cannot be cleared, so a null there is a mistake to report on that field.
    """

    def _check(cls: type, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in nullable:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    return field_validator("*", mode="before")(_check)
