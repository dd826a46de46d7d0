"""The yearly passend-toewijzen figures shipped in `data/housing_figures.csv`."""

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from service.fields import euros_to_cents

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "housing_figures.csv"
PENSION_AGE = 67


class MissingFigures(LookupError):
    """No figures are shipped for the year asked: a rule must never silently pass for lack of data."""


@dataclass(frozen=True)
class YearFigures:
    """One year's income limits and rent ceilings, in cents."""

    year: int
    income_limit_single: int
    income_limit_multi: int
    income_limit_pension_single: int
    income_limit_pension_multi: int
    rent_ceiling_low: int
    rent_ceiling_high: int
    social_rent_maximum: int


def _cents(value: str, fallback: str) -> int:
    return euros_to_cents(Decimal(value or fallback))


@lru_cache
def load_figures(path: Path = DATA_FILE) -> dict[int, YearFigures]:
    """All shipped years by year."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        int(r["year"]): YearFigures(
            year=int(r["year"]),
            income_limit_single=_cents(r["income_limit_single"], ""),
            income_limit_multi=_cents(r["income_limit_multi"], ""),
            income_limit_pension_single=_cents(r["income_limit_pension_single"], r["income_limit_single"]),
            # A year without a separate pension-age limit for households applies the regular one.
            income_limit_pension_multi=_cents(r["income_limit_pension_multi"], r["income_limit_multi"]),
            rent_ceiling_low=_cents(r["rent_ceiling_low"], ""),
            rent_ceiling_high=_cents(r["rent_ceiling_high"], ""),
            social_rent_maximum=_cents(r["social_rent_maximum"], ""),
        )
        for r in rows
    }


def figures_for(year: int) -> YearFigures:
    """The figures of one year; MissingFigures when none are shipped."""
    try:
        return load_figures()[year]
    except KeyError:
        raise MissingFigures(f"no passend-toewijzen figures for {year}; add them to data/housing_figures.csv") from None


def falls_under_passend_toewijzen(*, income_cents: int, household_size: int, applicant_age: int, year: int) -> bool:
    """True when the household's income is at or below the limit for its size (and pension age) in `year`."""
    f = figures_for(year)
    pension = applicant_age >= PENSION_AGE
    if household_size == 1:
        limit = f.income_limit_pension_single if pension else f.income_limit_single
    else:
        limit = f.income_limit_pension_multi if pension else f.income_limit_multi
    return income_cents <= limit
