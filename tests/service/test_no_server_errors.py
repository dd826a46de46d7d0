"""No input gives a 500, and both databases answer alike: text PostgreSQL cannot store, broken CSV, huge numbers,
implausible dates and booleans for numbers are each a 4xx problem naming what is wrong."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from service.people.schemas import RecoveryCodeUse, SetupComplete, SignIn
from service.places.geojson import parse_feature_collection
from service.regions.schemas import RegionPut
from tests import factories
from tests.service.helpers import create_dwelling, create_registration, field_errors

NUL = "a\u0000b"
REGISTRATIONS = "/v1/registrations"
TODAY = datetime.now(UTC).date()


# --- text that PostgreSQL cannot store ------------------------------------------------------------------------------


def test_a_nul_in_a_street_is_422(client_for):
    doc = factories.dwelling()
    doc["address"]["street"] = NUL
    errors = field_errors(client_for("corporation").post("/v1/dwellings", json=doc))
    assert errors == {"address.street": "must not contain NUL characters (\\u0000)"}


def test_a_nul_in_notes_is_422_on_create_and_on_update(client_for):
    cp = client_for("care_provider")
    assert set(field_errors(cp.post(REGISTRATIONS, json=factories.registration(notes=NUL)))) == {"notes"}
    created = create_registration(cp)
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"notes": NUL}, headers={"If-Match": "*"})
    assert set(field_errors(response)) == {"notes"}


def test_a_nul_in_a_list_item_is_422_naming_the_item(client_for):
    doc = factories.registration(preferred_municipalities=["GM0344", "GM\u00000356"])
    assert "preferred_municipalities.1" in field_errors(client_for("care_provider").post(REGISTRATIONS, json=doc))


def test_a_nul_in_a_withdraw_reason_is_422(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    errors = field_errors(cp.post(f"{REGISTRATIONS}/{created['id']}/withdraw", json={"reason": NUL}))
    assert set(errors) == {"reason"}


def test_a_nul_in_a_pause_reason_is_422(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    until = (TODAY + timedelta(days=30)).isoformat()
    errors = field_errors(cp.post(f"{REGISTRATIONS}/{created['id']}/pause", json={"until": until, "reason": NUL}))
    assert set(errors) == {"reason"}


def test_a_nul_in_a_webhook_url_is_422(client_for):
    errors = field_errors(client_for("corporation").post("/v1/webhooks", json={"url": "http://a\u0000b.example/x"}))
    assert set(errors) == {"url"}


def test_a_nul_in_an_exemption_reason_is_422(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    doc = {"kind": "urgency", "reason": "ab\u0000c", "valid_until": (TODAY + timedelta(days=90)).isoformat()}
    errors = field_errors(coordinator.post(f"{REGISTRATIONS}/{created['id']}/exemptions", json=doc))
    assert set(errors) == {"reason"}


def test_a_nul_in_a_waiting_since_reason_is_422(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    response = coordinator.put(f"{REGISTRATIONS}/{created['id']}/waiting-since",
                               json={"waiting_since": "2024-03-01T00:00:00Z", "reason": "imported\u0000list"})
    assert set(field_errors(response)) == {"reason"}


def test_a_nul_in_a_sign_in_address_is_422(anonymous):
    errors = field_errors(anonymous.post("/v1/auth/sign-in", json={"email": "a\u0000@b.nl", "password": "x"}))
    assert errors == {"email": "must not contain NUL characters (\\u0000)"}


@pytest.mark.parametrize(("model", "document", "field"), [
    (SignIn, {"email": "a@b.nl", "password": "pass\u0000word"}, "password"),
    (SetupComplete, {"token": "t" * 32, "password": "pass\u0000word"}, "password"),
    (RecoveryCodeUse, {"code": "abcd\u0000efgh"}, "code"),
])
def test_documents_with_secrets_refuse_a_nul_in_free_text(model, document, field):
    with pytest.raises(ValidationError) as refused:
        model.model_validate(document)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [((field,), "text_unstorable")]


def test_documents_with_secrets_keep_their_spaces():
    assert SignIn(email="a@b.nl", password=" spaced out ").password == " spaced out "


# --- numbers are strict -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["rooms", "floor", "max_occupants"])
def test_a_boolean_for_a_number_is_422(client_for, field):
    errors = field_errors(client_for("corporation").post("/v1/dwellings", json=factories.dwelling(**{field: True})))
    assert set(errors) == {field}


def test_a_boolean_for_a_fraction_is_422(client_for):
    region = {"name": "U16", "municipality_codes": ["GM0344"], "policy": {"min_tie_years": True}}
    assert set(field_errors(client_for("coordinator").put("/v1/regions/U16", json=region))) == {
        "policy.min_tie_years"}


def test_a_boolean_in_a_list_of_numbers_is_422(client_for):
    doc = factories.registration(household={"adults": 1, "children": [True]})
    assert set(field_errors(client_for("care_provider").post(REGISTRATIONS, json=doc))) == {"household.children.0"}


def test_a_boolean_in_a_patch_is_422(client_for):
    corp = client_for("corporation")
    dwelling = create_dwelling(corp)
    response = corp.patch(f"/v1/dwellings/{dwelling['id']}", json={"rooms": True}, headers={"If-Match": "*"})
    assert set(field_errors(response)) == {"rooms"}


# --- query parameters ---------------------------------------------------------------------------------------------


def test_an_event_cursor_beyond_a_64_bit_integer_is_422(client_for):
    errors = field_errors(client_for("corporation").get("/v1/events", params={"after": str(2**63)}))
    assert set(errors) == {"query.after"}


def test_the_largest_event_cursor_is_an_empty_page(client_for):
    response = client_for("corporation").get("/v1/events", params={"after": str(2**63 - 1)})
    assert response.status_code == 200, response.text


# --- dates --------------------------------------------------------------------------------------------------------


def _set_waiting_since(client_for, value: str):  # type: ignore[no-untyped-def]
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    return coordinator.put(f"{REGISTRATIONS}/{created['id']}/waiting-since",
                           json={"waiting_since": value, "reason": "imported waiting list"})


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "1899-12-31T23:00:00Z"])
def test_a_waiting_start_before_1900_is_422(client_for, value):
    assert set(field_errors(_set_waiting_since(client_for, value))) == {"waiting_since"}


def test_a_waiting_start_in_the_future_is_422(client_for):
    later = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    assert set(field_errors(_set_waiting_since(client_for, later))) == {"waiting_since"}


def test_a_waiting_start_in_1900_is_accepted(client_for):
    assert _set_waiting_since(client_for, "1900-01-01T00:00:00+01:00").status_code == 200


# --- CSV uploads --------------------------------------------------------------------------------------------------

CSV = {"Content-Type": "text/csv"}
BIG_FIELD = "x" * 200_000
HUGE_NUMBER = "9" * 5000


def _coordinator_with_region(client_for):  # type: ignore[no-untyped-def]
    coordinator = client_for("coordinator")
    region = {"name": "U16", "municipality_codes": ["GM0344", "GM0356", "GM0355"], "policy": {}}
    assert coordinator.put("/v1/regions/U16", json=region).status_code == 200
    return coordinator


def _report(response):  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    body = response.json()
    return body["stored"], {r["line"]: r["reason"] for r in body["rejected"]}


def test_vulnerability_lines_ending_in_a_bare_cr_are_read(client_for):
    coordinator = _coordinator_with_region(client_for)
    response = coordinator.put("/v1/neighbourhoods/vulnerability", content="code,score\rBU03440101,5\r", headers=CSV)
    assert _report(response) == (1, {})


def test_vulnerability_with_a_200_kb_field_and_a_5000_digit_score_reports_those_lines(client_for):
    coordinator = _coordinator_with_region(client_for)
    text = f"code,score\nBU03440101,{BIG_FIELD}\nBU03440102,{HUGE_NUMBER}\nBU03440103,7\n"
    stored, rejected = _report(coordinator.put("/v1/neighbourhoods/vulnerability", content=text, headers=CSV))
    assert stored == 1
    assert set(rejected) == {2, 3}
    assert all(len(reason) < 200 for reason in rejected.values())


def test_municipality_figures_with_a_bare_cr_a_big_field_and_a_huge_number(client_for):
    coordinator = _coordinator_with_region(client_for)
    text = f"code,households,care_pressure\rGM0344,100,0\rGM0356,{HUGE_NUMBER},0\rGM0355,{BIG_FIELD},0\r"
    stored, rejected = _report(coordinator.put("/v1/municipalities/figures", content=text, headers=CSV))
    assert (stored, set(rejected)) == (1, {3, 4})


def test_corporation_stock_with_a_bare_cr_a_big_field_and_a_huge_number(client_for):
    coordinator = _coordinator_with_region(client_for)
    corporation = client_for("corporation")
    text = f"corporation_id,dwellings\r{corporation.org.id},{HUGE_NUMBER}\r{BIG_FIELD},1\r{corporation.org.id},12\r"
    stored, rejected = _report(coordinator.put("/v1/corporations/stock", params={"region": "U16"}, content=text,
                                               headers=CSV))
    assert (stored, set(rejected)) == (1, {2, 3})


# --- GeoJSON ------------------------------------------------------------------------------------------------------


def _collection(coordinates, **properties):  # type: ignore[no-untyped-def]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5.12, 52.09]},
         "properties": {"category": "gambling"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
         "properties": {"category": "gambling", **properties}}]}


def _import(client_for, document):  # type: ignore[no-untyped-def]
    # Sent as text: a 401-digit integer is valid JSON, which httpx's json= would also write, but say it plainly.
    body = json.dumps(document)
    return client_for("coordinator").post("/v1/places/import", params={"source": "test-geo"}, content=body,
                                          headers={"Content-Type": "application/json"})


def test_a_coordinate_of_401_digits_is_422_naming_it(client_for):
    errors = field_errors(_import(client_for, _collection([10**400, 52.09])))
    assert set(errors) == {"features.1.geometry.coordinates.0"}


def test_a_nul_in_a_place_name_is_422_naming_it(client_for):
    errors = field_errors(_import(client_for, _collection([5.11, 52.08], name=NUL)))
    assert set(errors) == {"features.1.properties.name"}


def test_an_unpaired_surrogate_in_a_place_name_is_422_naming_it(client_for):
    # json.loads turns "\ud800" into a lone surrogate, which no UTF-8 database stores.
    body = json.dumps(_collection([5.11, 52.08], name="x")).replace('"name": "x"', '"name": "\\ud800"')
    response = client_for("coordinator").post("/v1/places/import", params={"source": "test-geo"}, content=body,
                                              headers={"Content-Type": "application/json"})
    assert set(field_errors(response)) == {"features.1.properties.name"}


def test_the_parser_rejects_such_features_itself():
    # The CLI's import reads files without the route's check.
    places, rejected = parse_feature_collection(_collection([10**400, 52.09]))
    assert (len(places), [r.index for r in rejected]) == (1, [1])
    places, rejected = parse_feature_collection(_collection([5.11, 52.08], name=NUL))
    assert (len(places), [r.index for r in rejected]) == (1, [1])


# --- query strings and other instants -----------------------------------------------------------------------------


def test_a_nul_in_a_query_parameter_is_422_naming_it(client_for):
    errors = field_errors(client_for("coordinator").get("/v1/places", params={"source": NUL}))
    assert set(errors) == {"query.source"}


def test_an_input_model_embedded_again_and_again_stays_the_same():
    # FastAPI and the services build TypeAdapters over input models; hardening must not wrap a text twice.
    for _ in range(300):
        TypeAdapter(list[RegionPut])
    assert TypeAdapter(RegionPut).validate_python(
        {"name": "U16", "municipality_codes": ["GM0344"], "policy": {}}).name == "U16"
