"""Targets documents: the yearly total a coordinator sets, and the split partners read."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import MunicipalityCode, StrictInput
from service.regions.schemas import RegionCode

Dwellings = Annotated[int, Field(ge=0, le=100_000)]


class TargetPut(StrictInput):
    """A region's yearly number of dwellings to offer, with optional manual overrides of the split."""

    region: RegionCode
    total: Dwellings
    municipality_overrides: Annotated[dict[MunicipalityCode, Dwellings],
                                      Field(description="municipality code -> dwellings, instead of the key")] = {}
    corporation_overrides: Annotated[dict[uuid.UUID, Dwellings],
                                     Field(description="corporation id -> dwellings, instead of the stock share")] = {}

    model_config = {"json_schema_extra": {"examples": [{
        "region": "U16", "total": 385, "municipality_overrides": {"GM0356": 3}}]}}


class TargetPart(BaseModel):
    """One municipality's or corporation's part of the yearly target."""

    key: str = Field(description="municipality code or corporation id")
    name: str
    basis: dict[str, float] = Field(description="what the weight is computed from")
    weight: float
    share: float = Field(description="weight / sum of weights")
    computed: int = Field(description="the key's split of the whole total")
    override: int | None
    effective: int = Field(description="the override, or the key's split of what the overrides leave")


class TargetsPublic(BaseModel):
    """A region's yearly target and its split over municipalities and corporations."""

    year: int
    region: str
    total: int
    formula: str
    municipalities: list[TargetPart]
    corporations: list[TargetPart]
    warnings: list[str]
    updated_at: datetime


class UploadReport(BaseModel):
    """The outcome of a CSV upload: how many lines were stored, and each refused line with its reason."""

    stored: int
    rejected: list[dict[str, str | int]]
