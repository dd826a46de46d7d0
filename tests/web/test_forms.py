"""The one place that reads typed numbers, amounts and dates: Dutch and English notations, thousands dots only where
they cannot be a decimal point, and text that is not a value kept for the schema's own error."""

from datetime import date
from decimal import Decimal

import pytest

from service.web.forms import calendar_date, decimal_number, euros, integer, parse_decimal, parse_integer, parse_number


def test_numbers_take_a_decimal_comma_or_point_and_dutch_thousands_dots():
    assert parse_number("1,5", integer=False) == 1.5 and parse_number(" 1.5 ", integer=False) == 1.5
    assert parse_number("1.234,5", integer=False) == 1234.5 and parse_number("52.090", integer=False) == 52.09
    assert parse_number("1 000", integer=True) == 1000 and parse_number("", integer=True) is None
    with pytest.raises(ValueError):
        parse_number("1,5", integer=True)
    with pytest.raises(ValueError):
        parse_number("twaalf", integer=False)


def test_what_is_not_a_value_is_none_or_stays_text_for_the_schema():
    assert parse_integer("12") == 12 and parse_integer("1,5") is None and parse_decimal("x") is None
    assert integer("12") == 12 and integer(" 1,5 ") == "1,5" and integer("") is None and integer(None) is None
    assert decimal_number("52,09") == 52.09 and decimal_number("noord") == "noord"


def test_amounts_take_the_euro_sign_and_thousands_dots():
    assert euros("€ 21.400,50") == Decimal("21400.50") and euros("21400.50") == Decimal("21400.50")
    assert euros("€ 1.234") == Decimal("1234") and euros("598,40") == Decimal("598.40")
    assert euros("veel") == "veel" and euros(" ") is None


def test_dates_from_a_date_field_or_as_typed():
    assert calendar_date("2027-01-15") == calendar_date("15-01-2027") == calendar_date("15.1.2027") == date(2027, 1, 15)
    assert calendar_date("31-02-2027") == "31-02-2027" and calendar_date("morgen") == "morgen"
    assert calendar_date("") is None
