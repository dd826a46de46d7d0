"""Field types shared by the input documents: Dutch postcodes, CBS codes, money, coordinates, references."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from service import clock

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


def unstorable_text(value: str) -> str | None:
    """Why PostgreSQL cannot store this text (a NUL character, an unpaired surrogate), or None when it can.

    SQLite would store either, so the same input must be refused on both databases before it reaches one.
    """
    if "\x00" in value:
        return "must not contain NUL characters (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain unpaired surrogates (\\ud800-\\udfff); send valid UTF-8 text"
    return None


def _storable(value: str) -> str:
    reason = unstorable_text(value)
    if reason:
        raise PydanticCustomError("text_unstorable", reason)
    return value


def _harden(schema: Any) -> None:
    """Make every number in an input schema strict and every text checked for storability, in place, recursively.

    Lax Pydantic takes `true` for the integer 1 (`"rooms": true`) and `1.0` for an integer; a document says what
    it means. Each text, wherever it sits (field, list item, nested model), is refused when it cannot be stored.
    """
    if isinstance(schema, list):
        for item in schema:
            _harden(item)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if kind == "function-after" and schema.get("function", {}).get("function") is _storable:
        return  # hardened already (a model's schema is reused when another model or a TypeAdapter embeds it)
    if kind in ("int", "float"):
        schema["strict"] = True
    elif kind == "str":
        inner = dict(schema)
        schema.clear()
        schema.update(core_schema.no_info_after_validator_function(_storable, inner))
        return
    for value in schema.values():
        _harden(value)


# The largest integer a JSON number is exactly as a float (and far beyond any count, id or coordinate we keep).
MAX_EXACT_INT = 2**53


def unstorable_values(document: Any, *, limit: int = 20) -> list[tuple[str, str]]:
    """(dotted path, why) for each text that cannot be stored and each integer too large, in a free-form document.

    For documents read without an input model (a GeoJSON upload); keys are checked as well as values.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("", document)]
    while stack and len(found) < limit:
        path, value = stack.pop()
        if isinstance(value, str):
            reason = unstorable_text(value)
            if reason:
                found.append((path or "body", reason))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_EXACT_INT:
            found.append((path or "body", f"must be a number between -{MAX_EXACT_INT} and {MAX_EXACT_INT}"))
        elif isinstance(value, dict):
            for key, item in value.items():
                reason = unstorable_text(str(key))
                if reason:
                    found.append((f"{path}.{key!r}".lstrip("."), f"this key {reason}"))
                stack.append((f"{path}.{key}".lstrip("."), item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}".lstrip("."), item) for index, item in enumerate(value))
    return sorted(found)


class StrictInput(BaseModel):
    """Base of every input document: unknown fields are refused, strings are trimmed and must be storable (no NUL,
    no unpaired surrogate), numbers are strict (no booleans, no 1.0 for an integer)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[BaseModel], handler: GetCoreSchemaHandler) -> Any:
        schema = handler(source)
        _harden(schema)
        return schema


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


EARLIEST_YEAR = 1900


def check_past_instant(value: datetime) -> datetime:
    """Refuse an instant before 1900 or in the future (a typo, or a year 0001 that no database stores in UTC).

    The year is checked on the local time first: converting 0001-01-01T00:00+01:00 to UTC overflows.
    """
    if value.year < EARLIEST_YEAR:
        raise ValueError(f"must not lie before {EARLIEST_YEAR}")
    now = clock.now()
    if value.replace(tzinfo=None) > now.replace(tzinfo=None) + timedelta(days=2) or (
            value.tzinfo is not None and value > now):
        raise ValueError("must not lie in the future")
    return value


def check_within_years(years: int) -> Any:
    """A validator refusing an instant more than `years` ahead (year 9999 at -01:00 cannot even be stored in UTC)."""

    def _check(value: datetime | None) -> datetime | None:
        if value is not None and value.replace(tzinfo=None) > clock.now().replace(tzinfo=None) + timedelta(
                days=365 * years):
            raise ValueError(f"must lie within {years} years from now")
        return value

    return _check


def refuse_nulls(*, nullable: set[str]) -> Any:
    """A field validator for partial updates: null only clears the fields named in `nullable`.

    Required fields of a document cannot be cleared, so a null there is a mistake to report on that field.
    """

    def _check(cls: type, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in nullable:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    return field_validator("*", mode="before")(_check)
