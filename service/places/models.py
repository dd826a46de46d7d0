"""Places that matter for SURROUNDINGS and LOW_STIMULUS, and each dwelling's distance to the nearest of each kind."""

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import UTCDateTime, utcnow


class Place(SQLModel, table=True):
    """A liquor store, cannabis shop, bar or gambling hall; `source` groups one import so it can be replaced."""

    __tablename__ = "place"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    source: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    category: str = Field(sa_column=Column(String(24), nullable=False, index=True))
    lat: float
    lon: float
    name: str | None = Field(default=None, sa_column=Column(String(200)))
    external_id: str | None = Field(default=None, sa_column=Column(String(60)))
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The office that imported the source: only it may replace the source (None: the operator's CLI).
    imported_by: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")


class DwellingPlaceDistance(SQLModel, table=True):
    """Ground distance from a dwelling to the nearest place of one category; no row means none is known."""

    __tablename__ = "dwelling_place_distance"

    dwelling_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("dwelling.id", ondelete="CASCADE"), primary_key=True)
    )
    category: str = Field(sa_column=Column(String(24), primary_key=True))
    distance_m: float
