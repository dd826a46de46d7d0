"""The dwelling offer over HTTP: create, read, list, change with If-Match, withdraw, idempotent references."""

from datetime import UTC, datetime

import pytest

from tests import factories
from tests.service.helpers import create_dwelling, field_errors, if_match, not_found, problem, total

DWELLINGS = "/v1/dwellings"


# --- create --------------------------------------------------------------------------------------------------------


def test_offer_answers_201_with_location_and_etag(client_for):
    corp = client_for("corporation")
    response = corp.post(DWELLINGS, json=factories.dwelling())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{DWELLINGS}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["version"] == 1
    assert body["status"] == "offered"
    assert body["corporation_id"] == str(corp.org.id)


def test_offer_normalises_the_postcode(client_for):
    doc = factories.dwelling()
    doc["address"]["postcode"] = " 1234 ab "
    body = create_dwelling(client_for("corporation"), address=doc["address"])
    assert body["address"]["postcode"] == "1234AB"


def test_offer_derives_the_municipality_from_the_neighbourhood(client_for):
    body = create_dwelling(client_for("corporation"), neighbourhood_code="BU03440302")
    assert body["municipality_code"] == "GM0344"


def test_offer_echoes_money_as_two_decimal_strings(client_for):
    body = create_dwelling(client_for("corporation"), bare_rent="598.40", service_costs=42)
    assert body["bare_rent"] == "598.40"
    assert body["service_costs"] == "42.00"


# --- read and list -------------------------------------------------------------------------------------------------


def test_read_returns_the_offer_with_its_etag(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.get(f"{DWELLINGS}/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


def test_read_of_an_unknown_id_is_404(client_for):
    response = client_for("corporation").get(f"{DWELLINGS}/00000000-0000-4000-8000-000000000000")
    not_found(response, "no dwelling 00000000-0000-4000-8000-000000000000")
    assert "etag" not in response.headers


def test_list_is_paginated_with_limit_offset_and_total(client_for):
    corp = client_for("corporation")
    ids = {create_dwelling(corp)["id"] for _ in range(3)}

    first = corp.get(DWELLINGS, params={"limit": 2, "offset": 0}).json()
    second = corp.get(DWELLINGS, params={"limit": 2, "offset": 2}).json()

    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2)
    assert (second["total"], second["limit"], second["offset"], len(second["items"])) == (3, 2, 2, 1)
    assert {d["id"] for d in first["items"] + second["items"]} == ids


def test_list_limit_above_the_maximum_is_422(client_for):
    errors = field_errors(client_for("corporation").get(DWELLINGS, params={"limit": 101}))
    assert "query.limit" in errors


def test_list_filters_by_status(client_for):
    corp = client_for("corporation")
    kept = create_dwelling(corp)
    gone = create_dwelling(corp)
    assert corp.post(f"{DWELLINGS}/{gone['id']}/withdraw", json={"reason": "sold"}).status_code == 200

    withdrawn = corp.get(DWELLINGS, params={"status": "withdrawn"}).json()
    offered = corp.get(DWELLINGS, params={"status": "offered"}).json()

    assert [d["id"] for d in withdrawn["items"]] == [gone["id"]]
    assert withdrawn["total"] == 1
    assert [d["id"] for d in offered["items"]] == [kept["id"]]
    assert offered["total"] == 1


# --- change --------------------------------------------------------------------------------------------------------


def test_patch_with_if_match_stores_the_change_and_bumps_the_version(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    url = f"{DWELLINGS}/{created['id']}"

    response = corp.patch(url, json={"bare_rent": "612.00"}, headers=if_match(1))

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["version"] == 2
    stored = corp.get(url)
    assert stored.headers["etag"] == '"2"'
    assert stored.json()["bare_rent"] == "612.00"
    assert stored.json()["rooms"] == created["rooms"]


@pytest.mark.parametrize("header", ['"1"', "1", 'W/"1"'])
def test_patch_accepts_the_etag_quoted_bare_or_weak(client_for, header):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 3}, headers={"If-Match": header})
    assert response.status_code == 200, response.text
    assert response.json()["floor"] == 3


def test_patch_replaces_a_nested_object_whole(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    assert created["address"]["house_number_suffix"] == "B"
    new_address = {"street": "Oudegracht", "house_number": 7, "postcode": "3511AB", "city": "Utrecht"}

    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"address": new_address}, headers=if_match(1))

    assert response.status_code == 200, response.text
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["address"] == {**new_address, "house_number_suffix": None}


def test_patch_of_a_nested_object_missing_a_field_is_422(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"low_stimulus_features": {"busy_road": True}},
                          headers=if_match(1))
    assert "low_stimulus_features.gallery_access" in field_errors(response)


def test_patch_without_if_match_is_428_and_changes_nothing(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    problem(corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 5}), 428)
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["floor"] == created["floor"]


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    url = f"{DWELLINGS}/{created['id']}"
    assert corp.patch(url, json={"floor": 2}, headers=if_match(1)).status_code == 200

    problem(corp.patch(url, json={"floor": 5}, headers=if_match(1)), 412)

    stored = corp.get(url).json()
    assert (stored["floor"], stored["version"]) == (2, 2)


def test_patch_with_an_if_match_that_is_no_etag_is_412(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    problem(corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 5}, headers={"If-Match": "yesterday"}), 412)


def test_patch_with_if_match_star_is_allowed(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 4}, headers={"If-Match": "*"})
    assert response.status_code == 200, response.text
    assert (response.json()["floor"], response.json()["version"]) == (4, 2)


def test_patch_making_bedrooms_exceed_rooms_is_422_naming_bedrooms(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp, rooms=2, bedrooms=1)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"bedrooms": 3}, headers=if_match(1))
    assert "bedrooms" in field_errors(response)
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["bedrooms"] == 1


def test_offer_with_bedrooms_exceeding_rooms_is_422_naming_bedrooms(client_for):
    response = client_for("corporation").post(DWELLINGS, json=factories.dwelling(rooms=1, bedrooms=2))
    assert "bedrooms" in field_errors(response)


def test_patch_with_null_for_a_required_field_is_422(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"rooms": None}, headers=if_match(1))
    assert "cannot be null" in field_errors(response)["rooms"]
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["version"] == 1


def test_patch_into_an_unknown_municipality_is_422_naming_neighbourhood_code(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"neighbourhood_code": "BU99990101"},
                          headers=if_match(1))
    assert "neighbourhood_code" in field_errors(response)


# --- withdraw ------------------------------------------------------------------------------------------------------


def test_withdraw_sets_the_status_and_keeps_the_reason(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    assert created["withdrawn_at"] is None
    asked = datetime.now(UTC)
    response = corp.post(f"{DWELLINGS}/{created['id']}/withdraw", json={"reason": "sold to the tenant"})
    assert response.status_code == 200, response.text
    stored = corp.get(f"{DWELLINGS}/{created['id']}").json()
    assert stored["status"] == "withdrawn"
    assert stored["withdrawal_reason"] == "sold to the tenant"
    assert stored["withdrawn_at"] is not None
    assert asked <= datetime.fromisoformat(stored["withdrawn_at"]) <= datetime.now(UTC)
    assert stored["version"] == 2


def test_withdraw_without_a_body_is_allowed(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    response = corp.post(f"{DWELLINGS}/{created['id']}/withdraw")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"


def test_withdraw_with_a_stale_if_match_is_412(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    assert corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 2}, headers=if_match(1)).status_code == 200
    problem(corp.post(f"{DWELLINGS}/{created['id']}/withdraw", headers=if_match(1)), 412)
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["status"] == "offered"


def test_withdrawing_twice_is_409_with_the_current_state(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    assert corp.post(f"{DWELLINGS}/{created['id']}/withdraw").status_code == 200
    body = problem(corp.post(f"{DWELLINGS}/{created['id']}/withdraw"), 409)
    assert body["current_state"] == "withdrawn"


def test_patch_of_a_withdrawn_dwelling_is_409_with_the_current_state(client_for):
    corp = client_for("corporation")
    created = create_dwelling(corp)
    withdrawn = corp.post(f"{DWELLINGS}/{created['id']}/withdraw")
    response = corp.patch(f"{DWELLINGS}/{created['id']}", json={"floor": 3},
                          headers={"If-Match": withdrawn.headers["etag"]})
    assert problem(response, 409)["current_state"] == "withdrawn"
    assert corp.get(f"{DWELLINGS}/{created['id']}").json()["floor"] == created["floor"]


# --- idempotent external_ref ---------------------------------------------------------------------------------------


def test_the_same_offer_twice_answers_200_with_the_same_dwelling(client_for):
    corp = client_for("corporation")
    doc = factories.dwelling()
    first = corp.post(DWELLINGS, json=doc)
    second = corp.post(DWELLINGS, json=doc)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["location"] == first.headers["location"]
    listed = corp.get(DWELLINGS).json()
    assert listed["total"] == 1
    assert [d["id"] for d in listed["items"]] == [first.json()["id"]]


def test_the_same_external_ref_with_another_document_is_409_with_the_existing_id(client_for):
    corp = client_for("corporation")
    first = create_dwelling(corp, external_ref="VHE-1")
    body = problem(corp.post(DWELLINGS, json=factories.dwelling(external_ref="VHE-1", floor=4)), 409)
    assert body["existing_id"] == first["id"]
    assert total(corp, DWELLINGS) == 1


def test_the_same_external_ref_at_two_corporations_makes_two_dwellings(client_for):
    first_corp, second_corp = client_for("corporation"), client_for("corporation")
    doc = factories.dwelling(external_ref="VHE-1")
    first = first_corp.post(DWELLINGS, json=doc)
    second = second_corp.post(DWELLINGS, json=doc)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert total(first_corp, DWELLINGS) == total(second_corp, DWELLINGS) == 1
