"""Importing places and keeping each dwelling's distance to the nearest place of every category up to date."""

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import or_
from sqlmodel import Session, col, delete, func, select

from matching.geo import nearest_place_distances
from matching.model import CATEGORIES
from service.audit import service as audit
from service.dwellings.models import OPEN_STATUSES, Dwelling
from service.errors import Conflict, FieldError, InvalidFields
from service.fields import unstorable_values
from service.organisations.models import Organisation
from service.places.geojson import RejectedFeature, parse_feature_collection
from service.places.models import DwellingPlaceDistance, Place

ENTITY = "place_source"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: places kept per category, places of the same source replaced, features rejected."""

    source: str
    imported: int
    replaced: int
    by_category: dict[str, int]
    rejected: list[RejectedFeature] = field(default_factory=list)
    dwellings_updated: int = 0


def import_places(*, session: Session, org: Organisation | None, source: str, document: Any) -> ImportReport:
    """Replace every place of `source` with the good features of a FeatureCollection; report the bad ones."""
    places, rejected = parse_feature_collection(document)
    owners = set(session.exec(select(Place.imported_by).where(Place.source == source).distinct()).all())
    if org is not None and owners - {org.id}:
        # Places are shared by every region's dwellings: one office must not replace another's import.
        raise Conflict(f"source {source!r} was imported by another matching office; import under another name")
    replaced = session.exec(select(func.count()).select_from(Place).where(Place.source == source)).one()
    session.exec(delete(Place).where(col(Place.source) == source))
    session.add_all(
        Place(source=source, category=p.category, lat=p.lat, lon=p.lon, name=p.name, external_id=p.external_id,
              imported_by=org.id if org else None)
        for p in places
    )
    session.flush()
    open_dwellings = _open_dwellings(session)
    refresh_distances(session=session, dwellings=open_dwellings)
    updated = len(open_dwellings)
    report = ImportReport(source=source, imported=len(places), replaced=replaced,
                          by_category=dict(Counter(p.category for p in places)), rejected=rejected,
                          dwellings_updated=updated)
    audit.record(session=session, organisation=org, action="import", entity_type=ENTITY,
                 entity_id=audit.name_id(ENTITY, source),
                 detail={"source": source, "imported": report.imported, "replaced": replaced,
                         "rejected": len(rejected)})
    return report


def import_document(*, session: Session, org: Organisation | None, source: str, document: Any) -> ImportReport:
    """`import_places` for a document as a partner sends it: a document that is no FeatureCollection, or holds
    text no database can store, is refused whole (422) with where and why."""
    unstorable = unstorable_values(document)
    if unstorable:
        raise InvalidFields([FieldError(field=path, message=why, type="geojson") for path, why in unstorable])
    try:
        return import_places(session=session, org=org, source=source, document=document)
    except ValueError as exc:
        raise InvalidFields([FieldError(field="body", message=str(exc), type="geojson")]) from None


def _open_dwellings(session: Session) -> list[Dwelling]:
    statuses = [s.value for s in OPEN_STATUSES]
    return list(session.exec(select(Dwelling).where(col(Dwelling.status).in_(statuses))))


def refresh_distances(*, session: Session, dwellings: Sequence[Dwelling], new: bool = False) -> np.ndarray:
    """Recompute and store the nearest-place distances of these dwellings from all stored places (`new`: none
    stored yet); returns them as `nearest_distances` would read them back (inf where no place is known)."""
    out = np.full((len(dwellings), len(CATEGORIES)), np.inf)
    if not dwellings:
        return out
    places = session.exec(select(Place.lat, Place.lon, Place.category)).all()
    ids = [d.id for d in dwellings]
    if not new:
        session.exec(delete(DwellingPlaceDistance).where(col(DwellingPlaceDistance.dwelling_id).in_(ids)))
    if places:
        lat, lon, category = zip(*places, strict=True)
        distances = nearest_place_distances(
            [d.lat for d in dwellings], [d.lon for d in dwellings], lat, lon,
            [CATEGORIES.index(c) for c in category],
        )
        finite = np.isfinite(distances)
        out[finite] = distances[finite]
        session.add_all(
            DwellingPlaceDistance(dwelling_id=dwelling.id, category=CATEGORIES[c], distance_m=float(distances[i, c]))
            for i, dwelling in enumerate(dwellings)
            for c in range(len(CATEGORIES))
            if finite[i, c]
        )
        session.flush()
    return out


def nearest_distances(*, session: Session, dwelling_ids: Sequence[uuid.UUID]) -> np.ndarray:
    """A len(dwelling_ids) x len(CATEGORIES) array of metres to the nearest place (inf where none is known)."""
    out = np.full((len(dwelling_ids), len(CATEGORIES)), np.inf)
    if not dwelling_ids:
        return out
    row_of = {dwelling_id: i for i, dwelling_id in enumerate(dwelling_ids)}
    rows = session.exec(
        select(DwellingPlaceDistance).where(col(DwellingPlaceDistance.dwelling_id).in_(list(dwelling_ids)))
    )
    for row in rows:
        out[row_of[row.dwelling_id], CATEGORIES.index(row.category)] = row.distance_m
    return out


def list_places(
    *, session: Session, org: Organisation, category: str | None, source: str | None, limit: int, offset: int
) -> tuple[list[Place], int]:
    """The places an office imported itself and the operator's (shared) imports, optionally of one category or
    source; another office's imports are its own to list."""
    query = select(Place).where(or_(col(Place.imported_by) == org.id, col(Place.imported_by).is_(None)))
    if category is not None:
        query = query.where(Place.category == category)
    if source is not None:
        query = query.where(Place.source == source)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Place.source), col(Place.category), col(Place.id))
                        .limit(limit).offset(offset)).all()
    return list(rows), total
