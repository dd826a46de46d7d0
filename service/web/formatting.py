"""Dates, times, money and numbers as a Dutch (or English) reader expects them: `1 december 2026`, `€ 713,02`."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_month_names
from babel.numbers import format_currency, format_decimal

# Every date and time a person reads is in Dutch local time; the database keeps UTC.
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def _locale(language: str) -> str:
    return "nl_NL" if language == "nl" else "en_GB"


def local_date(value: date | datetime | None, language: str) -> str:
    """`1 december 2026` (a moment is first put in Dutch local time)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_ZONE).date() if value.tzinfo else value.date()
    return format_date(value, format="long", locale=_locale(language))


def local_datetime(value: datetime | None, language: str) -> str:
    """`1 december 2026 om 14:05` in Dutch local time."""
    if value is None:
        return "–"
    moment = value.astimezone(LOCAL_ZONE) if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC")).astimezone(
        LOCAL_ZONE)
    pattern = "d MMMM y 'om' HH:mm" if language == "nl" else "d MMMM y 'at' HH:mm"
    return format_datetime(moment, pattern, locale=_locale(language))


def money(value: Decimal | float | int | None, language: str) -> str:
    """`€ 713,02`."""
    if value is None:
        return "–"
    return format_currency(value, "EUR", locale=_locale(language))


def number(value: float | int | None, language: str, *, digits: int = 0) -> str:
    """`20.000` or `12,5`."""
    if value is None:
        return "–"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=_locale(language))


# Monitor, matchingsronde and wat-als (issue 12): month names, and decimals without grouping.
def month_name(month: int, language: str, *, width: Literal["abbreviated", "wide"] = "wide") -> str:
    """`januari` (`jan` when `width="abbreviated"`)."""
    return str(get_month_names(width, locale=_locale(language))[month])


def plain_decimal(value: float | int, language: str) -> str:
    """`12,5` or `120`: no thousands separator, as many decimals as the value has (up to three); for CSV cells
    and for the bounds a form's message names."""
    return format_decimal(value, format="0.###", locale=_locale(language))
