"""The monthly monitor: per region, municipality and corporation, what was offered, shortlisted, let and lost."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class Scope(StrEnum):
    """What one line of the monitor covers."""

    region = "region"
    municipality = "municipality"
    corporation = "corporation"


class Pace(StrEnum):
    """Cumulative dwellings offered against the pro-rata yearly target."""

    on_track = "on_track"
    behind = "behind"


class MonthFigures(BaseModel):
    """One month of one line."""

    month: int = Field(ge=1, le=12)
    offered: int = Field(description="dwellings offered (created) this month")
    shortlisted: int = Field(description="dwellings that got a shortlist this month")
    let: int = Field(description="dwellings whose lease starts this month")
    fallen_through: int = Field(description="dwellings whose selected candidate declined, was rejected or let the "
                                            "offer expire, or that went back to offered after publication")
    median_days_to_let: float | None = Field(description="median days from offer to lease start of this month's lets")
    cumulative_offered: int
    pro_rata_target: float | None = Field(description="yearly target x month / 12")
    pace: Pace | None = Field(description="on_track when cumulative_offered >= the pro-rata target rounded down; "
                                          "null without a target or for a month still to come")


class MonitorLine(BaseModel):
    """The monthly series of the region, one municipality or one corporation."""

    scope: Scope
    key: str
    name: str
    target: int | None = Field(description="the effective yearly target")
    months: list[MonthFigures]


class MonitorPublic(BaseModel):
    """A region's monitor for one year."""

    year: int
    region: str
    as_of: date
    lines: list[MonitorLine]


CSV_COLUMNS = ("scope", "key", "name", "target", "month", "offered", "shortlisted", "let", "fallen_through",
               "median_days_to_let", "cumulative_offered", "pro_rata_target", "pace")
