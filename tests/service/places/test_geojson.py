"""Reading places from a GeoJSON FeatureCollection: the OSM tag mapping and the reasons features are refused."""

from typing import Any

import pytest

from service.places.geojson import ParsedPlace, parse_feature_collection

UTRECHT = [5.1214, 52.0907]  # [lon, lat], as GeoJSON orders them


def _feature(properties: Any = None, coordinates: Any = None, geometry_type: str = "Point", **extra: Any
             ) -> dict[str, Any]:
    return {"type": "Feature",
            "geometry": {"type": geometry_type, "coordinates": UTRECHT if coordinates is None else coordinates},
            "properties": properties, **extra}


def _collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _only_place(feature: Any) -> ParsedPlace:
    places, rejected = parse_feature_collection(_collection(feature))
    assert rejected == []
    [place] = places
    return place


def _only_rejection(feature: Any) -> str:
    """The reason the single feature was refused (it must be refused at index 1, after a good one)."""
    places, rejected = parse_feature_collection(_collection(_feature({"shop": "alcohol"}), feature))
    assert len(places) == 1
    [rejection] = rejected
    assert rejection.index == 1
    assert rejection.reason
    return rejection.reason


@pytest.mark.parametrize(("key", "value", "category"), [
    ("shop", "alcohol", "liquor_store"),
    ("shop", "cannabis", "cannabis_shop"),
    ("amenity", "coffeeshop", "cannabis_shop"),
    ("amenity", "bar", "bar_nightlife"),
    ("amenity", "pub", "bar_nightlife"),
    ("amenity", "nightclub", "bar_nightlife"),
    ("amenity", "casino", "gambling"),
    ("amenity", "gambling", "gambling"),
    ("leisure", "adult_gaming_centre", "gambling"),
])
def test_an_osm_tag_maps_to_its_category(key, value, category):
    assert _only_place(_feature({key: value})).category == category


def test_tags_nested_under_properties_tags_are_read_like_overpass_exports():
    place = _only_place(_feature({"@id": "node/42", "tags": {"amenity": "pub", "name": "De Kroeg"}}))
    assert (place.category, place.name, place.external_id) == ("bar_nightlife", "De Kroeg", "node/42")


def test_the_point_is_read_as_lon_lat():
    place = _only_place(_feature({"shop": "alcohol"}, coordinates=[5.1214, 52.0907]))
    assert (place.lat, place.lon) == (52.0907, 5.1214)


def test_the_feature_id_and_name_are_kept():
    place = _only_place(_feature({"shop": "alcohol", "name": "Slijterij De Dom"}, id="node/123"))
    assert (place.name, place.external_id) == ("Slijterij De Dom", "node/123")


def test_an_explicit_category_wins_over_the_osm_tags():
    assert _only_place(_feature({"category": "gambling", "shop": "alcohol"})).category == "gambling"


def test_an_explicit_category_alone_is_enough():
    assert _only_place(_feature({"category": "cannabis_shop"})).category == "cannabis_shop"


def test_an_unknown_explicit_category_is_rejected_even_with_a_mapping_tag():
    reason = _only_rejection(_feature({"category": "brothel", "shop": "alcohol"}))
    assert "brothel" in reason


@pytest.mark.parametrize("geometry_type", ["LineString", "Polygon", "MultiPoint"])
def test_a_geometry_that_is_not_a_point_is_rejected(geometry_type):
    reason = _only_rejection(_feature({"shop": "alcohol"}, coordinates=[UTRECHT, UTRECHT],
                                      geometry_type=geometry_type))
    assert "Point" in reason


def test_a_feature_without_geometry_is_rejected():
    assert "Point" in _only_rejection({"type": "Feature", "geometry": None, "properties": {"shop": "alcohol"}})


@pytest.mark.parametrize("coordinates", [[], [5.1214], ["5.1214", "52.0907"], [5.1214, None], [True, 52.0907],
                                         "5.1214,52.0907"])
def test_missing_or_non_numeric_coordinates_are_rejected(coordinates):
    assert "coordinates" in _only_rejection(_feature({"shop": "alcohol"}, coordinates=coordinates))


@pytest.mark.parametrize("coordinates", [[13.4050, 52.5200], [-0.1278, 51.5074], [52.0907, 5.1214]])
def test_a_point_outside_the_netherlands_is_rejected(coordinates):  # Berlin, London, lat/lon swapped
    assert "outside the Netherlands" in _only_rejection(_feature({"shop": "alcohol"}, coordinates=coordinates))


@pytest.mark.parametrize("properties", [{"shop": "bakery"}, {"name": "Nothing to map"}, {}, None,
                                        {"tags": {"amenity": "school"}}])
def test_a_feature_without_a_mapping_tag_is_rejected(properties):
    assert "category" in _only_rejection(_feature(properties))


@pytest.mark.parametrize("entry", ["Feature", 42, None, ["Feature"], {"type": "Point", "coordinates": UTRECHT},
                                   {"geometry": {"type": "Point", "coordinates": UTRECHT}}])
def test_an_entry_that_is_not_a_feature_is_rejected(entry):
    assert "Feature" in _only_rejection(entry)


def test_every_bad_feature_is_reported_with_its_own_index_and_the_good_ones_are_kept():
    places, rejected = parse_feature_collection(_collection(
        _feature({"shop": "alcohol"}),
        _feature({"shop": "bakery"}),
        _feature({"amenity": "bar"}),
        _feature({"amenity": "casino"}, coordinates=[13.4050, 52.5200]),
        "junk",
        _feature({"leisure": "adult_gaming_centre"}),
    ))
    assert [p.category for p in places] == ["liquor_store", "bar_nightlife", "gambling"]
    assert [r.index for r in rejected] == [1, 3, 4]


def test_an_empty_feature_collection_yields_nothing():
    assert parse_feature_collection(_collection()) == ([], [])


@pytest.mark.parametrize("document", [
    [],
    "FeatureCollection",
    None,
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": UTRECHT}, "properties": {"shop": "alcohol"}},
    {"features": []},
    {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": {"0": {}}},
])
def test_a_document_that_is_not_a_feature_collection_raises_value_error(document):
    with pytest.raises(ValueError, match="FeatureCollection"):
        parse_feature_collection(document)
