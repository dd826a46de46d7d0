"""API views of places and of an import's report."""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from matching.model import CATEGORIES

# A place source names one import; the same rule holds for the API and the CLI.
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"

PlaceCategoryName = StrEnum("PlaceCategoryName", {c: c for c in CATEGORIES})  # type: ignore[misc]


class RejectedFeaturePublic(BaseModel):
    """A feature that was not imported."""

    index: int
    reason: str


class ImportReportPublic(BaseModel):
    """The outcome of an import: good features are kept, bad ones are listed with their index and reason."""

    source: str
    imported: int
    replaced: int
    by_category: dict[str, int]
    rejected: list[RejectedFeaturePublic]
    dwellings_updated: int


class PlacePublic(BaseModel):
    """A stored place."""

    id: uuid.UUID
    source: str
    category: str
    lat: float
    lon: float
    name: str | None
    external_id: str | None
    imported_at: datetime
