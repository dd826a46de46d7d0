"""Importing and listing places (coordinator)."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from service.auth import Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, Paging
from service.places import service
from service.places.schemas import SOURCE_PATTERN, ImportReportPublic, PlaceCategoryName, PlacePublic

router = APIRouter(prefix="/v1/places", tags=["places"])
SourceName = Annotated[str, Query(min_length=1, max_length=100, pattern=SOURCE_PATTERN,
                                  description="names this import; importing the same source again replaces it")]
FEATURE_COLLECTION_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "node/123", "geometry": {"type": "Point", "coordinates": [5.1214, 52.0907]},
         "properties": {"shop": "alcohol", "name": "Slijterij De Dom"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.118, 52.093]},
         "properties": {"category": "gambling"}},
    ],
}


@router.post("/import", response_model=ImportReportPublic, responses=problem_responses(400, 401, 403, 413, 422))
def import_places(
    org: Coordinator,
    session: SessionDep,
    source: SourceName,
    document: Annotated[dict[str, Any], Body(examples=[FEATURE_COLLECTION_EXAMPLE])],
) -> ImportReportPublic:
    """Import places from a GeoJSON FeatureCollection (OSM tags or an explicit `category`)."""
    report = service.import_document(session=session, org=org, source=source, document=document)
    return ImportReportPublic.model_validate(asdict(report))


@router.get("", response_model=Page[PlacePublic], responses=problem_responses(401, 403, 422))
def list_places(
    org: Coordinator,
    session: SessionDep,
    paging: Paging,
    category: PlaceCategoryName | None = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[PlacePublic]:
    """List the places your office imported and the shared ones the operator imported (coordinator)."""
    rows, total = service.list_places(session=session, org=org, category=category.value if category else None,
                                      source=source, limit=paging.limit, offset=paging.offset)
    items = [PlacePublic.model_validate(p, from_attributes=True) for p in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
