"""Places over HTTP: importing GeoJSON (coordinator), listing, the larger body limit, and dwelling distances."""

import json
import math
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from matching.geo import haversine_m
from matching.model import CATEGORIES
from service.audit.service import name_id
from service.config import Settings
from service.main import create_app
from service.places.service import nearest_distances
from tests import factories
from tests.service.helpers import create_dwelling, field_errors, forbidden, if_match, problem

IMPORT = "/v1/places/import"
PLACES = "/v1/places"
DWELLINGS = "/v1/dwellings"
HOME = (52.0907, 5.0985)  # the factory dwelling's location
LIQUOR = CATEGORIES.index("liquor_store")
METRES_100_IN_LAT = 0.0009  # 0.0009 degrees of latitude is about 100 m


def _point(lat: float, lon: float, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties, **extra}


def _collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _import(client: TestClient, source: str, document: Any) -> dict[str, Any]:
    response = client.post(IMPORT, params={"source": source}, json=document)
    assert response.status_code == 200, response.text
    return response.json()


def _places(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(PLACES, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _liquor_m(session, dwelling_id: str) -> float:  # type: ignore[no-untyped-def]
    return float(nearest_distances(session=session, dwelling_ids=[uuid.UUID(dwelling_id)])[0, LIQUOR])


def _expected_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


MIXED = _collection(
    _point(52.0907, 5.1214, {"shop": "alcohol", "name": "Slijterij De Dom"}, id="node/1"),
    _point(52.0910, 5.1220, {"shop": "bakery"}),
    _point(52.0930, 5.1180, {"tags": {"amenity": "pub"}}),
    _point(52.5200, 13.4050, {"amenity": "casino"}),
    {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[5.1, 52.1], [5.2, 52.1]]},
     "properties": {"amenity": "bar"}},
    _point(52.0940, 5.1190, {"category": "gambling"}),
)


# --- importing --------------------------------------------------------------------------------------------------


def test_an_import_keeps_the_good_features_and_reports_the_bad_ones_with_index_and_reason(client_for):
    coordinator = client_for("coordinator")
    report = _import(coordinator, "osm-utrecht", MIXED)
    assert report["source"] == "osm-utrecht"
    assert report["imported"] == 3
    assert report["replaced"] == 0
    assert report["by_category"] == {"liquor_store": 1, "bar_nightlife": 1, "gambling": 1}
    assert [r["index"] for r in report["rejected"]] == [1, 3, 4]
    assert all(r["reason"] for r in report["rejected"])
    assert _places(coordinator)["total"] == 3


def test_imported_places_keep_their_category_position_name_and_id(client_for):
    coordinator = client_for("coordinator")
    _import(coordinator, "osm", _collection(_point(52.0907, 5.1214, {"shop": "alcohol", "name": "De Dom"},
                                                   id="node/123")))
    [place] = _places(coordinator)["items"]
    assert (place["source"], place["category"], place["name"], place["external_id"]) == \
        ("osm", "liquor_store", "De Dom", "node/123")
    assert (place["lat"], place["lon"]) == (52.0907, 5.1214)


def test_importing_the_same_source_again_replaces_it(client_for):
    coordinator = client_for("coordinator")
    first = _import(coordinator, "osm", MIXED)
    again = _import(coordinator, "osm", MIXED)
    assert again["replaced"] == first["imported"] == again["imported"]
    listed = _places(coordinator, limit=100)
    assert listed["total"] == 3
    assert len({(p["category"], p["lat"], p["lon"]) for p in listed["items"]}) == 3


def test_a_smaller_import_of_the_same_source_leaves_only_its_places(client_for):
    coordinator = client_for("coordinator")
    _import(coordinator, "osm", MIXED)
    report = _import(coordinator, "osm", _collection(_point(52.0, 5.0, {"amenity": "nightclub"})))
    assert (report["imported"], report["replaced"]) == (1, 3)
    assert [p["category"] for p in _places(coordinator)["items"]] == ["bar_nightlife"]


def test_a_different_source_adds_to_the_places(client_for):
    coordinator = client_for("coordinator")
    _import(coordinator, "osm", MIXED)
    report = _import(coordinator, "municipality-list", _collection(_point(52.0, 5.0, {"amenity": "nightclub"})))
    assert report["replaced"] == 0
    assert _places(coordinator)["total"] == 4
    assert _places(coordinator, source="osm")["total"] == 3


@pytest.mark.parametrize("body", [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "properties": {"shop": "alcohol"}},
    {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": "none"},
    [],
])
def test_a_body_that_is_not_a_feature_collection_is_422_and_stores_nothing(client_for, body):
    coordinator = client_for("coordinator")
    assert "body" in field_errors(coordinator.post(IMPORT, params={"source": "osm"}, json=body))
    assert _places(coordinator)["total"] == 0


def test_a_body_that_is_not_json_is_400(client_for):
    coordinator = client_for("coordinator")
    problem(coordinator.post(IMPORT, params={"source": "osm"}, content=b"{not json",
                             headers={"Content-Type": "application/json"}), 400)


@pytest.mark.parametrize("params", [{}, {"source": ""}, {"source": "has space"}, {"source": "../etc"},
                                    {"source": "x" * 101}])
def test_a_missing_or_bad_source_name_is_422(client_for, params):
    coordinator = client_for("coordinator")
    errors = field_errors(coordinator.post(IMPORT, params=params, json=MIXED))
    assert "query.source" in errors
    assert _places(coordinator)["total"] == 0


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_may_import_places(client_for, kind):
    forbidden(client_for(kind).post(IMPORT, params={"source": "osm"}, json=MIXED), "coordinator", kind=kind)
    coordinator = client_for("coordinator")
    assert _places(coordinator)["total"] == 0
    assert coordinator.get("/v1/audit", params={"action": "import"}).json()["total"] == 0


def test_importing_without_a_key_is_401(anonymous, client_for):
    problem(anonymous.post(IMPORT, params={"source": "osm"}, json=MIXED), 401)
    assert _places(client_for("coordinator"))["total"] == 0


def test_an_import_is_audited_under_the_coordinator(client_for):
    coordinator = client_for("coordinator")
    _import(coordinator, "osm-audit", MIXED)
    response = coordinator.get("/v1/audit", params={"action": "import",
                                                     "entity_id": str(name_id("place_source", "osm-audit"))})
    [record] = response.json()["items"]
    assert record["organisation_id"] == str(coordinator.org.id)
    assert record["entity_type"] == "place_source"
    assert record["detail"]["imported"] == 3 and record["detail"]["rejected"] == 3


# --- listing ----------------------------------------------------------------------------------------------------


def _stock(coordinator: TestClient) -> None:
    _import(coordinator, "a", _collection(*(_point(52.0 + i / 100, 5.0, {"shop": "alcohol"}) for i in range(3)),
                                          _point(52.1, 5.1, {"amenity": "bar"})))
    _import(coordinator, "b", _collection(_point(52.2, 5.2, {"shop": "alcohol"})))


def test_listing_places_filters_by_category(client_for):
    coordinator = client_for("coordinator")
    _stock(coordinator)
    liquor = _places(coordinator, category="liquor_store")
    assert liquor["total"] == 4
    assert {p["category"] for p in liquor["items"]} == {"liquor_store"}


def test_listing_places_filters_by_source_and_category_together(client_for):
    coordinator = client_for("coordinator")
    _stock(coordinator)
    assert _places(coordinator, source="a", category="liquor_store")["total"] == 3
    assert _places(coordinator, source="b", category="bar_nightlife")["total"] == 0
    assert _places(coordinator, source="nope")["total"] == 0


def test_listing_places_is_paginated_without_repeats(client_for):
    coordinator = client_for("coordinator")
    _stock(coordinator)
    first = _places(coordinator, limit=2, offset=0)
    second = _places(coordinator, limit=2, offset=2)
    third = _places(coordinator, limit=2, offset=4)
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [len(p["items"]) for p in (first, second, third)] == [2, 2, 1]
    ids = [p["id"] for page in (first, second, third) for p in page["items"]]
    assert len(set(ids)) == 5


def test_listing_places_with_an_unknown_category_is_422(client_for):
    assert "query.category" in field_errors(client_for("coordinator").get(PLACES, params={"category": "bakery"}))


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_may_list_places(client_for, kind):
    _import(client_for("coordinator"), "osm", MIXED)
    response = client_for(kind).get(PLACES)
    forbidden(response, "coordinator", kind=kind)
    assert "items" not in response.json() and "Slijterij" not in response.text


# --- the body limit ---------------------------------------------------------------------------------------------


def _padded_import(size: int) -> bytes:
    """A valid FeatureCollection of about `size` bytes (the padding is a property that is not read)."""
    document = _collection(_point(52.0907, 5.1214, {"shop": "alcohol", "description": ""}))
    padding = size - len(json.dumps(document))
    document["features"][0]["properties"]["description"] = "x" * padding
    return json.dumps(document).encode()


def test_an_import_larger_than_the_general_body_limit_is_accepted(client_for):
    body = _padded_import(1_500_000)
    assert len(body) > 1024 * 1024
    coordinator = client_for("coordinator")
    response = coordinator.post(IMPORT, params={"source": "big"}, content=body,
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1


def test_the_same_size_to_another_path_is_413(client_for):
    document = factories.dwelling(padding="x" * 1_500_000)
    problem(client_for("corporation").post(DWELLINGS, json=document), 413)


def test_an_import_over_the_import_limit_is_413(database_url):
    app = create_app(Settings(database_url=database_url, max_import_bytes=1024 * 1024))
    response = TestClient(app).post(IMPORT, params={"source": "big"}, content=_padded_import(1_500_000),
                                    headers={"Content-Type": "application/json"})
    problem(response, 413)


def test_the_import_limit_comes_from_doorstroom_max_import_bytes(monkeypatch):
    monkeypatch.setenv("DOORSTROOM_MAX_IMPORT_BYTES", "2048")
    assert Settings().max_import_bytes == 2048
    assert Settings.model_fields["max_import_bytes"].default == 32 * 1024 * 1024


# --- distances --------------------------------------------------------------------------------------------------


def _liquor_100m_north(**properties: Any) -> dict[str, Any]:
    return _collection(_point(HOME[0] + METRES_100_IN_LAT, HOME[1], {"shop": "alcohol", **properties}))


def test_importing_a_place_stores_its_distance_to_an_existing_dwelling(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    assert math.isinf(_liquor_m(session, dwelling["id"]))
    _import(coordinator, "osm", _liquor_100m_north())
    expected = _expected_m(HOME, (HOME[0] + METRES_100_IN_LAT, HOME[1]))
    assert 99 < expected < 101
    assert _liquor_m(session, dwelling["id"]) == pytest.approx(expected, abs=0.01)


def test_the_distance_is_to_the_nearest_place_of_the_category(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    near, far = (HOME[0] + METRES_100_IN_LAT, HOME[1]), (HOME[0] - 3 * METRES_100_IN_LAT, HOME[1])
    _import(coordinator, "osm", _collection(_point(*far, {"shop": "alcohol"}), _point(*near, {"shop": "alcohol"}),
                                            _point(*HOME, {"amenity": "bar"})))
    distances = nearest_distances(session=session, dwelling_ids=[uuid.UUID(dwelling["id"])])[0]
    assert distances[LIQUOR] == pytest.approx(_expected_m(HOME, near), abs=0.01)
    assert distances[CATEGORIES.index("bar_nightlife")] == pytest.approx(0, abs=0.01)
    assert math.isinf(distances[CATEGORIES.index("gambling")])


def test_a_dwelling_offered_after_the_import_gets_its_distances(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    _import(coordinator, "osm", _liquor_100m_north())
    dwelling = create_dwelling(corp)
    expected = _expected_m(HOME, (HOME[0] + METRES_100_IN_LAT, HOME[1]))
    assert _liquor_m(session, dwelling["id"]) == pytest.approx(expected, abs=0.01)


def test_moving_a_dwelling_recomputes_its_distances(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    _import(coordinator, "osm", _liquor_100m_north())
    moved = (HOME[0] - 5 * METRES_100_IN_LAT, HOME[1])
    response = corp.patch(f"{DWELLINGS}/{dwelling['id']}", json={"location": {"lat": moved[0], "lon": moved[1]}},
                          headers=if_match(dwelling["version"]))
    assert response.status_code == 200, response.text
    expected = _expected_m(moved, (HOME[0] + METRES_100_IN_LAT, HOME[1]))
    assert 599 < expected < 601
    assert _liquor_m(session, dwelling["id"]) == pytest.approx(expected, abs=0.01)


def test_reimporting_a_source_without_the_place_removes_the_distance(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    _import(coordinator, "osm", _liquor_100m_north())
    assert math.isfinite(_liquor_m(session, dwelling["id"]))
    _import(coordinator, "osm", _collection(_point(52.5, 6.0, {"amenity": "bar"})))
    assert math.isinf(_liquor_m(session, dwelling["id"]))


def test_reimporting_one_source_keeps_the_distances_of_another(client_for, session):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    _import(coordinator, "municipality", _liquor_100m_north())
    _import(coordinator, "osm", _collection(_point(52.5, 6.0, {"shop": "alcohol"})))
    _import(coordinator, "osm", _collection())
    expected = _expected_m(HOME, (HOME[0] + METRES_100_IN_LAT, HOME[1]))
    assert _liquor_m(session, dwelling["id"]) == pytest.approx(expected, abs=0.01)
