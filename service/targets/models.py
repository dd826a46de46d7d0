"""Yearly targets (performance agreements) and the data their distribution key is computed from."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import JSONVariant, UTCDateTime, utcnow


class MunicipalityFigures(SQLModel, table=True):
    """A municipality's number of households and its care-pressure correction, for the distribution key."""

    __tablename__ = "municipality_figures"

    code: str = Field(sa_column=Column(String(6), ForeignKey("municipality.code"), primary_key=True))
    households: int = Field(nullable=False)
    care_pressure: float = Field(nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CorporationStock(SQLModel, table=True):
    """How many social-rent dwellings a corporation owns in a region: its share of the region's target."""

    __tablename__ = "corporation_stock"

    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), primary_key=True))
    corporation_id: uuid.UUID = Field(foreign_key="organisation.id", primary_key=True)
    dwellings: int = Field(nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class YearTarget(SQLModel, table=True):
    """A region's yearly total of dwellings to offer, with the coordinator's manual overrides of the split."""

    __tablename__ = "year_target"

    year: int = Field(primary_key=True)
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), primary_key=True))
    total: int = Field(nullable=False)
    # Municipality code -> dwellings, corporation id (text) -> dwellings; the rest is split by the key.
    municipality_overrides: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    corporation_overrides: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    set_by: uuid.UUID = Field(foreign_key="organisation.id", nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
