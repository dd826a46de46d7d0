"""What every form shares: numbers, amounts and dates read the way a Dutch person types them (the one place that
turns typed text into the value a schema checks), and pydantic's validation errors as plain messages beside each
field (the same schema as the API checks the values; only the words are the page's).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal, overload

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from service.web.i18n import N_
from service.web.templating import Gettext

# One message per pydantic error type; `%(...)s` are filled from the error's context (its bounds).
MESSAGES = {
    "missing": N_("Vul dit in."),
    "string_too_short": N_("Vul dit in."),
    "string_too_long": N_("Dit mag hoogstens %(max_length)s tekens lang zijn."),
    "too_short": N_("Kies er minstens %(min_length)s."),
    "too_long": N_("Dit mogen er hoogstens %(max_length)s zijn."),
    "greater_than_equal": N_("Dit moet %(ge)s of meer zijn."),
    "less_than_equal": N_("Dit mag hoogstens %(le)s zijn."),
    "greater_than": N_("Dit moet meer dan %(gt)s zijn."),
    "less_than": N_("Dit moet minder dan %(lt)s zijn."),
    "int_type": N_("Vul een heel getal in."),
    "int_parsing": N_("Vul een heel getal in."),
    "int_from_float": N_("Vul een heel getal in."),
    "float_type": N_("Vul een getal in."),
    "float_parsing": N_("Vul een getal in."),
    "literal_error": N_("Kies een van de mogelijkheden."),
    "enum": N_("Kies een van de mogelijkheden."),
    "bool_type": N_("Kies ja of nee."),
    "bool_parsing": N_("Kies ja of nee."),
    "string_pattern_mismatch": N_("Dit heeft niet de goede vorm."),
    "text_unstorable": N_("Hierin staan tekens die niet kunnen worden opgeslagen."),
    "extra_forbidden": N_("Dit veld kent het formulier niet."),
    "decimal_type": N_("Vul een bedrag in, zoals 21.400,50."),
    "decimal_parsing": N_("Vul een bedrag in, zoals 21.400,50."),
    "decimal_max_places": N_("Gebruik hoogstens twee cijfers achter de komma."),
    "decimal_max_digits": N_("Dit bedrag is te groot."),
    "date_type": N_("Vul een datum in."),
    "date_parsing": N_("Vul een datum in, zoals 15-01-2027."),
    "date_from_datetime_parsing": N_("Vul een datum in, zoals 15-01-2027."),
}
FALLBACK = N_("Dit klopt niet.")
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_DECIMAL = re.compile(r"^[+-]?\d{1,15}([.,]\d{1,15})?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")  # 1.234.567,89: Dutch thousands dots
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


async def form_data(request: Request) -> FormData:
    """The submitted form (already read, and cached, by the CSRF check): for forms with many fields."""
    return await request.form()


def _plain(text: str, *, money: bool = False) -> str:
    """A number as typed (`42,5`, `1.234,56`, `€ 598,40`, `1 000`) without its euro sign, spaces and Dutch
    thousands dots. Dots are thousands only before a decimal comma (`1.234,5`), or in an amount (`€ 1.234`):
    `52.090` is a decimal number, not 52090."""
    text = text.strip().removeprefix("€").replace(" ", "").replace("\u00a0", "")
    if _GROUPED.match(text) and ("," in text or money):
        text = text.replace(".", "")
    return text


@overload
def parse_number(text: str, *, integer: Literal[True]) -> int | None: ...
@overload
def parse_number(text: str, *, integer: bool) -> int | float | None: ...
def parse_number(text: str, *, integer: bool) -> int | float | None:
    """`"12"`, `"1,5"`, `"1.5"` or `"1.234,5"` as a number; None when empty; ValueError when it is not a number
    (or, for an integer, has decimals)."""
    cleaned = _plain(text)
    if not cleaned:
        return None
    if not (_INTEGER if integer else _DECIMAL).match(cleaned):
        raise ValueError(text)
    return int(cleaned) if integer else float(cleaned.replace(",", "."))


def parse_integer(text: str) -> int | None:
    """`12` as 12; None when empty or not a whole number (`1,5`, `twaalf`)."""
    try:
        return parse_number(text, integer=True)
    except ValueError:
        return None


def parse_decimal(text: str) -> float | None:
    """`2,5` and `2.5` as 2.5 (a decimal comma, as Dutch people write it); None when empty or not a number."""
    try:
        return parse_number(text, integer=False)
    except ValueError:
        return None


def bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The lowest and highest value the model's field allows (`ge`/`gt`, `le`/`lt`; None when unbounded), so a
    message can name them."""
    low = high = None
    for item in model.model_fields[name].metadata:
        low = getattr(item, "ge", getattr(item, "gt", low))
        high = getattr(item, "le", getattr(item, "lt", high))
    return low, high


def number_text(value: float | int, language: str) -> str:
    """A number as a form shows it for editing: no thousands separator, a decimal comma in Dutch."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if language == "nl" else text


def _bound(value: Any, language: str) -> Any:
    return number_text(value, language) if isinstance(value, int | float) and not isinstance(value, bool) else value


def error_message(error: Mapping[str, Any], _: Gettext, language: str) -> str:
    """One pydantic error in the person's language (a schema's own check in its Dutch words)."""
    if str(error.get("type")) == "value_error":
        return _schema_check(str(error.get("msg", "")), _)
    template = MESSAGES.get(str(error.get("type")), FALLBACK)
    context = {k: _bound(v, language) for k, v in (error.get("ctx") or {}).items()}
    try:
        return _(template, **context) if context else _(template)
    except (KeyError, ValueError):
        return _(FALLBACK)


def field_errors(exc: ValidationError, *, anchor: Callable[[tuple[Any, ...]], str], _: Gettext, language: str,
                 special: Mapping[tuple[str, str], str] | None = None) -> list[tuple[str, str]]:
    """(id of the form field, message) for each error, the field found by `anchor` from the error's location;
    one message per field (the first), in the order the errors came. `special` words an (id, error type) the
    form's own way (`("gemeenten", "too_short")`: "Kies minstens één gemeente.")."""
    found: dict[str, str] = {}
    for error in exc.errors():
        where = anchor(tuple(error["loc"]))
        own = (special or {}).get((where, str(error["type"])))
        found.setdefault(where, _(own) if own else error_message(error, _, language))
    return list(found.items())


FieldErrors = list[tuple[str, str]]


def integer(text: str | None) -> int | str | None:
    """`"12"` -> 12; empty -> None; anything else stays text (the schema then says it is not a whole number)."""
    try:
        return parse_number(text or "", integer=True)
    except ValueError:
        return (text or "").strip()


def decimal_number(text: str | None) -> float | str | None:
    """`"52,09"` or `"52.09"` -> 52.09; empty -> None; anything else stays text, for the schema's error."""
    try:
        return parse_number(text or "", integer=False)
    except ValueError:
        return (text or "").strip()


def euros(text: str | None) -> Decimal | str | None:
    """`"€ 21.400,50"`, `"21400,50"`, `"21400.50"` or `"€ 1.234"` -> a Decimal; empty -> None; else the text."""
    value = _plain(text or "", money=True)
    if not value:
        return None
    if not _DECIMAL.match(value):
        return (text or "").strip()
    return Decimal(value.replace(",", "."))


def calendar_date(text: str | None) -> date | str | None:
    """`"2027-01-15"` (a date input) or `"15-01-2027"` (also with `/` or `.`) -> a date; empty -> None; anything
    else stays text (the schema then asks for a date)."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    found = _DUTCH_DATE.match(value)
    try:
        return date(int(found.group(3)), int(found.group(2)), int(found.group(1))) if found else value
    except ValueError:
        return value


def checked(values: Mapping[str, str], name: str) -> bool:
    """A checkbox: sent (with any value) means yes."""
    return name in values and values[name] != ""


def schema_errors(exc: ValidationError, _: Gettext, *, names: Mapping[str, str] | None = None,
                  language: str = "nl") -> FieldErrors:
    """Every error of the schema as (field name, message), the name being the dotted path the form's inputs use
    (`household.adults`, `avoid_nearby.0.radius_m`), or what `names` maps it to."""
    found: FieldErrors = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error.get("loc", ()))
        name = (names or {}).get(path, path)
        found.append((name or "formulier", error_message(error, _, language)))
    return found


def _schema_check(text: str, _: Gettext) -> str:
    """A schema validator's own message (English, from service/*/schemas.py) in Dutch, when it is a known one."""
    text = text.removeprefix("Value error, ")
    for pattern, message in _SCHEMA_CHECKS:
        found = pattern.fullmatch(text)
        if found:
            return _(message, **found.groupdict())
    return text


# The messages of the schemas' own validators (service/*/schemas.py, service/fields.py) and their Dutch words.
_SCHEMA_CHECKS = [(re.compile(pattern), message) for pattern, message in (
    (r"the main applicant must be (?P<min>\d+) to (?P<max>\d+) years old "
     r"\(birth year (?P<first>\d+) to (?P<last>\d+)\)",
     N_("De hoofdaanvrager moet %(min)s tot %(max)s jaar oud zijn (geboortejaar %(first)s tot %(last)s).")),
    (r"children's birth years must lie between (?P<rest>.*)",
     N_("De geboortejaren van de kinderen passen niet bij het geboortejaar van de aanvrager.")),
    (r"each category may appear once.*", N_("Noem elke soort plek één keer, met de grootste afstand die nodig is.")),
    (r"codes must not repeat", N_("Noem elke code één keer.")),
    (r"each municipality may appear once", N_("Noem elke gemeente één keer.")),
    (r"(?P<code>GM\d{4}): years cannot exceed the applicant's age \((?P<age>\d+)\)",
     N_("%(code)s: meer jaren dan de aanvrager oud is (%(age)s).")),
    (r"looks like a citizen service number.*",
     N_("Dit lijkt een burgerservicenummer (BSN). Gebruik uw eigen kenmerk.")),
    (r"the client's consent to share .*",
     N_("Zonder toestemming van de cliënt kan Doorstroom geen woning voorstellen.")),
    (r"must be a Dutch postcode.*", N_("Vul een Nederlandse postcode in, zoals 3511 AB.")),
    (r"must lie between (?P<first>\S+) and (?P<last>\S+)", N_("Kies een datum tussen %(first)s en %(last)s.")),
    (r"must not lie before (?P<year>\d+)", N_("Dit mag niet vóór %(year)s liggen.")),
    (r"must not lie in the future", N_("Dit mag niet in de toekomst liggen.")),
    (r"must lie within (?P<years>\d+) years from now", N_("Dit moet binnen %(years)s jaar vanaf nu liggen.")),
    (r"contract types must not repeat", N_("Noem elke contractvorm één keer.")),
    (r"bedrooms cannot exceed rooms \((?P<rooms>\d+)\)", N_("Meer slaapkamers dan kamers (%(rooms)s) kan niet.")),
    (r"reason_code 'other' needs a note", N_("Schrijf een toelichting bij de reden Anders.")),
)]


def first_per_field(errors: Sequence[tuple[str, str]]) -> FieldErrors:
    """One message per field (the first), in the order of the form."""
    seen: set[str] = set()
    kept: FieldErrors = []
    for name, message in errors:
        if name not in seen:
            seen.add(name)
            kept.append((name, message))
    return kept
