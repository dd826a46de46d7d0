"""Reading places from a GeoJSON FeatureCollection, as exported from OpenStreetMap, with the tag mapping."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matching.model import CATEGORIES
from service.fields import NL_LAT_MAX, NL_LAT_MIN, NL_LON_MAX, NL_LON_MIN, unstorable_text

# OSM tag -> category (product.md, Places). Checked in this order; the first match wins.
TAG_MAPPING: tuple[tuple[str, frozenset[str], str], ...] = (
    ("shop", frozenset({"alcohol"}), "liquor_store"),
    ("shop", frozenset({"cannabis"}), "cannabis_shop"),
    ("amenity", frozenset({"coffeeshop"}), "cannabis_shop"),
    ("cafe", frozenset({"coffeeshop"}), "cannabis_shop"),
    ("amenity", frozenset({"bar", "pub", "nightclub"}), "bar_nightlife"),
    ("amenity", frozenset({"casino", "gambling"}), "gambling"),
    ("leisure", frozenset({"adult_gaming_centre"}), "gambling"),
)


@dataclass(frozen=True)
class ParsedPlace:
    """A feature that maps to a place."""

    category: str
    lat: float
    lon: float
    name: str | None
    external_id: str | None


@dataclass(frozen=True)
class RejectedFeature:
    """A feature that was not imported, with its index in `features` and why."""

    index: int
    reason: str


def _tags(properties: Mapping[str, Any]) -> Mapping[str, Any]:
    """OSM tags nested under "tags" (Overpass exports) or flat in the properties (most GeoJSON exports)."""
    nested = properties.get("tags")
    return nested if isinstance(nested, Mapping) else properties


def category_of(properties: Mapping[str, Any]) -> str | None:
    """The category of a feature: an explicit `category`, else the OSM tags (flat or under `tags`)."""
    explicit = properties.get("category")
    if explicit is not None:
        return explicit if explicit in CATEGORIES else None
    tags = _tags(properties)
    for key, values, category in TAG_MAPPING:
        if str(tags.get(key, "")).lower() in values:
            return category
    return None


def parse_feature(feature: Any) -> ParsedPlace | str:
    """A place, or the reason the feature cannot be one."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        return "not a GeoJSON Feature"
    geometry = feature.get("geometry")
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        return "geometry must be a Point"
    coords = geometry.get("coordinates")
    if (not isinstance(coords, list) or len(coords) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])):
        return "coordinates must be [lon, lat] numbers"
    try:
        lon, lat = float(coords[0]), float(coords[1])
    except OverflowError:  # an integer of hundreds of digits
        return "coordinates must be [lon, lat] numbers of a sane size"
    if not (NL_LAT_MIN <= lat <= NL_LAT_MAX and NL_LON_MIN <= lon <= NL_LON_MAX):
        return f"point ({lat}, {lon}) lies outside the Netherlands"
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        return "properties must be an object"
    category = category_of(properties)
    if category is None:
        explicit = properties.get("category")
        if explicit is not None:
            return f"unknown category {explicit!r}; known: {', '.join(CATEGORIES)}"
        return "no category and no OSM tag that maps to one"
    tags = _tags(properties)
    name = tags.get("name") or properties.get("name")
    external_id = feature.get("id") or properties.get("@id") or properties.get("id")
    for label, text in (("name", name), ("id", external_id)):
        reason = unstorable_text(str(text)) if text is not None else None
        if reason:
            return f"the {label} {reason}"
    return ParsedPlace(category=category, lat=lat, lon=lon, name=str(name)[:200] if name else None,
                       external_id=str(external_id)[:60] if external_id is not None else None)


def parse_feature_collection(document: Any) -> tuple[list[ParsedPlace], list[RejectedFeature]]:
    """All places of a FeatureCollection and the features that were rejected, each with its index and reason."""
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise ValueError("the document must be a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise ValueError("a FeatureCollection needs a `features` list")
    places: list[ParsedPlace] = []
    rejected: list[RejectedFeature] = []
    for index, feature in enumerate(features):
        parsed = parse_feature(feature)
        if isinstance(parsed, str):
            rejected.append(RejectedFeature(index=index, reason=parsed))
        else:
            places.append(parsed)
    return places, rejected
