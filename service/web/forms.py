"""Forms on the screens: texts typed in Dutch style turned into the API's values, and the API schema's validation
errors turned into plain-Dutch messages beside each field.

The page parses what it can (a decimal comma, thousands dots) and leaves the rest as typed, so the same pydantic
schema as the API decides what is valid and its errors land on the right field.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from service.web.i18n import N_
from service.web.templating import Gettext

FieldErrors = list[tuple[str, str]]


def integer(text: str | None) -> int | str | None:
    """`"12"` -> 12; empty -> None; anything else stays text (the schema then says it is not a whole number)."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def decimal_number(text: str | None) -> float | str | None:
    """`"52,09"` or `"52.09"` -> 52.09."""
    value = (text or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def euros(text: str | None) -> Decimal | str | None:
    """`"€ 21.400,50"`, `"21400,50"` or `"21400.50"` -> Decimal("21400.50")."""
    value = (text or "").strip().removeprefix("€").strip().replace(" ", "")
    if not value:
        return None
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


def calendar_date(text: str | None) -> date | str | None:
    """`"2027-01-15"` (a date input) or `"15-01-2027"` -> a date; anything else stays text."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        day, month, year = (int(part) for part in value.replace("/", "-").split("-"))
        return date(year, month, day)
    except ValueError:
        return value


def checked(values: Mapping[str, str], name: str) -> bool:
    """A checkbox: sent (with any value) means yes."""
    return name in values and values[name] != ""


def _message(error: Mapping[str, Any], _: Gettext) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    simple = {
        "missing": _("Vul dit in."),
        "int_type": _("Vul een heel getal in."), "int_parsing": _("Vul een heel getal in."),
        "int_from_float": _("Vul een heel getal in."),
        "float_type": _("Vul een getal in."), "float_parsing": _("Vul een getal in."),
        "decimal_type": _("Vul een bedrag in, zoals 21.400,50."),
        "decimal_parsing": _("Vul een bedrag in, zoals 21.400,50."),
        "decimal_max_places": _("Gebruik hoogstens twee cijfers achter de komma."),
        "decimal_max_digits": _("Dit bedrag is te groot."),
        "enum": _("Kies een van de mogelijkheden."), "literal_error": _("Kies een van de mogelijkheden."),
        "bool_type": _("Kies ja of nee."), "bool_parsing": _("Kies ja of nee."),
        "date_type": _("Vul een datum in."), "date_parsing": _("Vul een datum in, zoals 15-01-2027."),
        "date_from_datetime_parsing": _("Vul een datum in, zoals 15-01-2027."),
        "string_pattern_mismatch": _("Dit heeft niet de goede vorm."),
        "string_too_short": _("Vul dit in."),
        "extra_forbidden": _("Dit veld hoort niet bij het formulier."),
    }
    if kind in simple:
        return simple[kind]
    if kind in ("greater_than_equal", "greater_than"):
        return _("Dit moet minstens %(n)s zijn.", n=str(ctx.get("ge", ctx.get("gt", ""))))
    if kind in ("less_than_equal", "less_than"):
        return _("Dit mag hoogstens %(n)s zijn.", n=str(ctx.get("le", ctx.get("lt", ""))))
    if kind == "string_too_long":
        return _("Dit is te lang: hoogstens %(n)s tekens.", n=str(ctx.get("max_length", "")))
    if kind == "too_long":
        return _("Dit zijn er te veel: hoogstens %(n)s.", n=str(ctx.get("max_length", "")))
    # The schema's own checks (a plausible birth year, ties no longer than one's age ...), said in Dutch.
    text = str(error.get("msg", "")).removeprefix("Value error, ")
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


def schema_errors(exc: ValidationError, _: Gettext, *, names: Mapping[str, str] | None = None) -> FieldErrors:
    """The schema's errors as (field name, Dutch message): the name is the dotted path the form's inputs use
    (`household.adults`, `avoid_nearby.0.radius_m`), or what `names` maps it to."""
    found: FieldErrors = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error.get("loc", ()))
        name = (names or {}).get(path, path)
        found.append((name or "formulier", _message(error, _)))
    return found


def first_per_field(errors: Sequence[tuple[str, str]]) -> FieldErrors:
    """One message per field (the first), in the order of the form."""
    seen: set[str] = set()
    kept: FieldErrors = []
    for name, message in errors:
        if name not in seen:
            seen.add(name)
            kept.append((name, message))
    return kept
