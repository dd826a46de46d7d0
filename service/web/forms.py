"""What every form shares: numbers read the way a Dutch person types them, and pydantic's validation errors as
plain messages beside each field (the same schema as the API checks the values; only the words are the page's).
"""

import re
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from pydantic import ValidationError
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
}
FALLBACK = N_("Dit klopt niet.")
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_DECIMAL = re.compile(r"^[+-]?\d{1,15}([.,]\d{1,15})?$")


async def form_data(request: Request) -> FormData:
    """The submitted form (already read, and cached, by the CSRF check): for forms with many fields."""
    return await request.form()


def parse_integer(text: str) -> int | None:
    """`12` as 12; None for anything that is not a whole number (`1,5`, `1.000`, `twaalf`)."""
    text = text.strip()
    return int(text) if _INTEGER.match(text) else None


def parse_decimal(text: str) -> float | None:
    """`2,5` and `2.5` as 2.5 (a decimal comma, as Dutch people write it); None for anything else."""
    text = text.strip()
    return float(text.replace(",", ".")) if _DECIMAL.match(text) else None


def number_text(value: float | int, language: str) -> str:
    """A number as a form shows it for editing: no thousands separator, a decimal comma in Dutch."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if language == "nl" else text


def _bound(value: Any, language: str) -> Any:
    return number_text(value, language) if isinstance(value, int | float) and not isinstance(value, bool) else value


def error_message(error: Mapping[str, Any], _: Gettext, language: str) -> str:
    """One pydantic error in the person's language."""
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
