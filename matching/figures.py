"""Yearly housing figures for passend toewijzen: income limits and rent ceilings, in cents."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    # Annotations only: matching.model imports this module.
    from matching.model import BoolArray, IntArray


class MissingFiguresError(LookupError):
    """No income limits or rent ceilings are known for a year the matcher needs."""

    def __init__(self, year: int) -> None:
        super().__init__(f"no housing figures (income limits, rent ceilings) for year {year}")
        self.year = year


@dataclass(frozen=True)
class HousingFigures:
    """One year's figures in cents; the pension-age multi-person limit may be absent (then: multi)."""

    year: int
    income_limit_single: int
    income_limit_multi: int
    income_limit_pension_single: int
    income_limit_pension_multi: int | None
    rent_ceiling_low: int
    rent_ceiling_high: int
    social_rent_maximum: int | None = None

    def income_limits(self, persons: IntArray, pension_age: BoolArray) -> IntArray:
        """Per household, the income limit for its size, at pension age or not."""
        pension_multi = (self.income_limit_multi if self.income_limit_pension_multi is None
                         else self.income_limit_pension_multi)
        single = np.where(pension_age, self.income_limit_pension_single, self.income_limit_single)
        multi = np.where(pension_age, pension_multi, self.income_limit_multi)
        return np.where(persons <= 1, single, multi).astype(np.int64)

    def income_limit(self, persons: int, pension_age: bool) -> int:
        """Return the income limit for a household size, at pension age or not."""
        return int(self.income_limits(np.array([persons]), np.array([pension_age]))[0])


def reduce_read_only(obj: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a frozen dataclass whose mappings are read-only views: as its class and fields, each view as a plain
    dict, rebuilt through the constructor. A MappingProxyType cannot be pickled itself, and problems are pickled
    to be solved in another process."""
    values = {f.name: dict(v) if isinstance(v := getattr(obj, f.name), MappingProxyType) else v for f in fields(obj)}
    return _rebuilt, (type(obj), values)


def _rebuilt(cls: Any, values: dict[str, Any]) -> Any:
    return cls(**values)


@dataclass(frozen=True)
class FiguresTable:
    """Housing figures by year; looking up a missing year raises MissingFiguresError."""

    by_year: Mapping[int, HousingFigures]

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_year", MappingProxyType(dict(self.by_year)))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return reduce_read_only(self)

    def for_year(self, year: int) -> HousingFigures:
        """Return the figures of a year or raise MissingFiguresError."""
        try:
            return self.by_year[int(year)]
        except KeyError:
            raise MissingFiguresError(int(year)) from None

    @property
    def years(self) -> tuple[int, ...]:
        """Years with figures, ascending."""
        return tuple(sorted(self.by_year))


def euros_to_cents(text: str) -> int:
    """Convert a euro amount such as '650.43' exactly to integer cents."""
    try:
        value = Decimal(text.strip()) * 100
    except InvalidOperation:
        raise ValueError(f"not an amount in euros: {text!r}") from None
    if value != value.to_integral_value():
        raise ValueError(f"amount has fractions of a cent: {text!r}")
    return int(value)


def figures_from_rows(rows: Iterable[Mapping[str, str]]) -> FiguresTable:
    """Build a FiguresTable from CSV-like rows (year and euro columns as in data/housing_figures.csv)."""

    def optional(row: Mapping[str, str], key: str) -> int | None:
        """Return cents for a filled cell, None for an empty one."""
        raw = (row.get(key) or "").strip()
        return euros_to_cents(raw) if raw else None

    table: dict[int, HousingFigures] = {}
    for row in rows:
        year = int(row["year"])
        if year in table:
            raise ValueError(f"duplicate housing figures for year {year}")
        table[year] = HousingFigures(
            year=year,
            income_limit_single=euros_to_cents(row["income_limit_single"]),
            income_limit_multi=euros_to_cents(row["income_limit_multi"]),
            income_limit_pension_single=euros_to_cents(row["income_limit_pension_single"]),
            income_limit_pension_multi=optional(row, "income_limit_pension_multi"),
            rent_ceiling_low=euros_to_cents(row["rent_ceiling_low"]),
            rent_ceiling_high=euros_to_cents(row["rent_ceiling_high"]),
            social_rent_maximum=optional(row, "social_rent_maximum"),
        )
    return FiguresTable(table)
