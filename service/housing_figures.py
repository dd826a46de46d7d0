"""The yearly passend-toewijzen figures shipped in `data/housing_figures.csv`, loaded for the matcher."""

import csv
from functools import lru_cache
from pathlib import Path

from matching.figures import FiguresTable, MissingFiguresError, figures_from_rows
from matching.model import PENSION_AGE

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "housing_figures.csv"

__all__ = ["MissingFiguresError", "falls_under_passend_toewijzen", "housing_figures"]


@lru_cache
def housing_figures(path: Path = DATA_FILE) -> FiguresTable:
    """All shipped years; the matcher raises MissingFiguresError for a year that is not there."""
    with path.open(newline="", encoding="utf-8") as f:
        return figures_from_rows(csv.DictReader(f))


def falls_under_passend_toewijzen(*, income_cents: int, household_size: int, applicant_age: int, year: int) -> bool:
    """True when the household's income is at or below the limit for its size (and pension age) in `year`."""
    limit = housing_figures().for_year(year).income_limit(household_size, applicant_age >= PENSION_AGE)
    return income_cents <= limit
