"""Errors: every one is an RFC 9457 problem; 400, 413 and each kind of 422, and nothing is half-written."""

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from service.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidFields,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorised,
)
from tests import factories
from tests.service.helpers import field_errors, problem, rejected_create

DWELLINGS = "/v1/dwellings"
REGISTRATIONS = "/v1/registrations"
YEAR = datetime.now(UTC).year
ONE_MIB = 1024 * 1024


# --- the error classes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [(Unauthorised, 401, "Unauthorized"), (Forbidden, 403, "Forbidden"), (NotFound, 404, "Not Found"),
     (Conflict, 409, "Conflict"), (PreconditionFailed, 412, "Precondition Failed"),
     (PreconditionRequired, 428, "Precondition Required")],
)
def test_each_service_error_renders_its_status_title_and_detail(error, status, title):
    rendered = error("what went wrong").to_problem()
    assert (rendered.status, rendered.title, rendered.detail) == (status, title, "what went wrong")


def test_a_conflict_carries_its_extra_members():
    rendered = Conflict("taken", existing_id="abc", current_state="withdrawn").to_problem()
    assert (rendered.existing_id, rendered.current_state) == ("abc", "withdrawn")


def test_invalid_fields_is_a_422_listing_each_field():
    rendered = InvalidFields([FieldError(field="a.b", message="bad", type="x")]).to_problem()
    assert rendered.status == 422
    assert [(e.field, e.message) for e in rendered.errors] == [("a.b", "bad")]


def test_an_error_answer_carries_the_request_id(client_for):
    response = client_for("corporation").get(f"{DWELLINGS}/00000000-0000-4000-8000-000000000000",
                                             headers={"X-Request-ID": "trace-12345678"})
    assert problem(response, 404)["request_id"] == "trace-12345678"
    assert response.headers["x-request-id"] == "trace-12345678"


def test_an_unknown_path_is_a_404_problem(anonymous):
    problem(anonymous.get("/v1/nothing-here"), 404)


def test_a_wrong_method_is_a_405_problem(client_for):
    problem(client_for("corporation").delete(DWELLINGS), 405)


@pytest.mark.parametrize(("path", "allowed"), [
    (DWELLINGS, {"GET", "POST"}),
    ("/v1/dwellings/0b0e9f4e-53f6-4b8a-9d43-1f6f7ae0a1d2", {"GET", "PATCH"}),
    ("/v1/regions/U16", {"GET", "PATCH", "PUT"}),
    ("/v1/registrations/0b0e9f4e-53f6-4b8a-9d43-1f6f7ae0a1d2/withdraw", {"POST"}),
])
def test_a_405_allows_every_method_of_the_resource(anonymous, path, allowed):
    # RFC 9110: the Allow header lists the methods the target resource supports, not only one route's.
    for method in ("DELETE", "OPTIONS", "TRACE"):
        response = anonymous.request(method, path)
        problem(response, 405)
        assert set(response.headers["allow"].split(", ")) == allowed, (method, response.headers["allow"])


def test_an_unexpected_error_is_a_500_problem_without_its_message(app):
    def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    response = TestClient(app, raise_server_exceptions=False).get("/explode")
    problem(response, 500)
    assert "secret internals" not in response.text


# --- malformed and oversized bodies --------------------------------------------------------------------------------


def test_malformed_json_is_400(client_for):
    corp = client_for("corporation")
    response = corp.post(DWELLINGS, content=b'{"external_ref": "VHE-1",', headers={"Content-Type": "application/json"})
    problem(response, 400)


def _oversized_document() -> bytes:
    body = json.dumps({**factories.dwelling(), "padding": "x" * (ONE_MIB + 100_000)}).encode()
    assert len(body) > 1_100_000
    return body


def test_a_body_over_1_mib_with_content_length_is_413(client_for):
    corp = client_for("corporation")
    body = _oversized_document()
    response = corp.post(DWELLINGS, content=body,
                         headers={"Content-Type": "application/json", "Content-Length": str(len(body))})
    problem(response, 413)
    assert corp.get(DWELLINGS).json()["total"] == 0


def test_a_chunked_body_over_1_mib_is_413(client_for):
    corp = client_for("corporation")
    body = _oversized_document()

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    response = corp.post(DWELLINGS, content=chunks(), headers={"Content-Type": "application/json"})
    problem(response, 413)
    assert corp.get(DWELLINGS).json()["total"] == 0


def test_a_chunked_body_under_the_limit_is_accepted(client_for):
    body = json.dumps(factories.dwelling()).encode()
    response = client_for("corporation").post(DWELLINGS, content=iter([body[:50], body[50:]]),
                                              headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


# --- unknown fields ------------------------------------------------------------------------------------------------


def test_an_unknown_top_level_field_is_422(client_for):
    errors = rejected_create(client_for("corporation"), DWELLINGS, factories.dwelling(colour="red"))
    assert errors == {"colour": "unknown field"}


def test_an_unknown_nested_field_is_422_with_its_path(client_for):
    doc = factories.dwelling()
    doc["address"]["colour"] = "red"
    errors = rejected_create(client_for("corporation"), DWELLINGS, doc)
    assert errors == {"address.colour": "unknown field"}


def test_an_unknown_field_in_a_patch_is_422(client_for):
    corp = client_for("corporation")
    dwelling = corp.post(DWELLINGS, json=factories.dwelling()).json()
    errors = field_errors(corp.patch(f"{DWELLINGS}/{dwelling['id']}", json={"status": "let"},
                                     headers={"If-Match": "*"}))
    assert errors == {"status": "unknown field"}


# --- dwelling field errors -----------------------------------------------------------------------------------------


def test_every_bad_dwelling_field_is_reported_in_one_answer(client_for):
    doc = factories.dwelling(
        neighbourhood_code="BU0344",
        location={"lat": 48.85, "lon": 2.35},
        bare_rent="-10.00",
        dwelling_type="castle",
        contract_types=[],
        available_from="next tuesday",
    )
    doc["address"]["postcode"] = "0123 AB"
    errors = rejected_create(client_for("corporation"), DWELLINGS, doc)
    assert {"address.postcode", "neighbourhood_code", "location.lat", "bare_rent", "dwelling_type",
            "contract_types", "available_from"} <= set(errors)


@pytest.mark.parametrize("postcode", ["3511 SA", "35111AB", "3511A", "AB3511"])
def test_an_invalid_postcode_is_422(client_for, postcode):
    doc = factories.dwelling()
    doc["address"]["postcode"] = postcode
    assert "address.postcode" in rejected_create(client_for("corporation"), DWELLINGS, doc)


def test_an_available_from_years_away_is_422(client_for):
    doc = factories.dwelling(available_from=f"{YEAR + 200}-01-01")
    assert "available_from" in rejected_create(client_for("corporation"), DWELLINGS, doc)


def test_repeated_contract_types_are_422(client_for):
    doc = factories.dwelling(contract_types=["flip", "flip"])
    assert "contract_types" in rejected_create(client_for("corporation"), DWELLINGS, doc)


def test_a_neighbourhood_in_an_unknown_municipality_is_422(client_for):
    doc = factories.dwelling(neighbourhood_code="BU99990101")
    errors = rejected_create(client_for("corporation"), DWELLINGS, doc)
    assert errors == {"neighbourhood_code": "municipality GM9999 does not exist"}


# --- registration field errors -------------------------------------------------------------------------------------


def _rejected_registration(client_for, **overrides) -> dict[str, str]:
    return rejected_create(client_for("care_provider"), REGISTRATIONS, factories.registration(**overrides))


def test_an_unsupported_form_version_is_422_naming_the_supported_ones(client_for):
    errors = _rejected_registration(client_for, form_version="2")
    assert "supported" in errors["form_version"]
    assert "1" in errors["form_version"]


def test_registration_without_consent_is_422(client_for):
    assert "consent_to_share" in _rejected_registration(client_for, consent_to_share=False)


@pytest.mark.parametrize("age", [111, 15])
def test_an_implausible_applicant_age_is_422(client_for, age):
    assert "birth_year" in _rejected_registration(client_for, birth_year=YEAR - age,
                                                  household={"adults": 1, "children": []})


def test_a_child_born_before_the_applicant_turned_12_is_422(client_for):
    birth_year = YEAR - 30
    errors = _rejected_registration(client_for, birth_year=birth_year,
                                    household={"adults": 1, "children": [birth_year + 11]})
    assert "household" in errors


def test_a_client_ref_that_is_a_citizen_service_number_is_422(client_for):
    assert "BSN" in _rejected_registration(client_for, client_ref="111222333")["client_ref"]


def test_a_client_ref_with_spaces_is_422(client_for):
    assert "client_ref" in _rejected_registration(client_for, client_ref="Jan Jansen")


def test_a_repeated_avoid_nearby_category_is_422(client_for):
    avoid = [{"category": "liquor_store", "radius_m": 300}, {"category": "liquor_store", "radius_m": 800}]
    assert "avoid_nearby" in _rejected_registration(client_for, avoid_nearby=avoid)


def test_too_many_avoid_points_is_422(client_for):
    points = [{"lat": 52.08, "lon": 5.11, "radius_m": 100}] * 21
    assert "avoid_points" in _rejected_registration(client_for, avoid_points=points)


def test_notes_over_2000_characters_is_422(client_for):
    assert "notes" in _rejected_registration(client_for, notes="x" * 2001)


def test_regional_ties_longer_than_the_applicant_lived_is_422(client_for):
    ties = [{"municipality_code": "GM0344", "years_resident": 40, "years_work_or_study": 0}]
    assert "regional_ties" in _rejected_registration(client_for, regional_ties=ties)


def test_unknown_municipalities_are_all_named_in_one_answer(client_for):
    ties = [{"municipality_code": "GM9999", "years_resident": 4, "years_work_or_study": 0}]
    errors = _rejected_registration(client_for, regional_ties=ties, avoid_areas=["WK999901"])
    assert {"regional_ties.0.municipality_code", "avoid_areas.0"} <= set(errors)


def test_a_badly_formatted_area_code_is_422_before_any_lookup(client_for):
    errors = _rejected_registration(client_for, avoid_areas=["WK34405"])
    assert "avoid_areas.0" in errors
    assert "does not exist" not in errors["avoid_areas.0"]
