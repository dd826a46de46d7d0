"""The committed OpenAPI document is the contract partners code against: it must match the app exactly."""

import json

from service.openapi_export import COMMITTED, openapi_json


def test_committed_openapi_matches_the_app():
    committed = json.loads(COMMITTED.read_text())
    generated = json.loads(openapi_json())
    assert generated == committed, "the API changed: run `make openapi` and commit openapi/openapi.json"


def test_every_operation_has_a_stable_id_and_a_summary():
    spec = json.loads(openapi_json())
    operations = [op for path in spec["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for op in operations:
        assert op["operationId"].isidentifier()
        # A summary written by us, not FastAPI's title-cased function name.
        assert op["summary"].endswith((".", ")")), op["operationId"]


def test_the_two_input_documents_carry_examples():
    schemas = json.loads(openapi_json())["components"]["schemas"]
    assert schemas["DwellingCreate"]["examples"][0]["external_ref"]
    assert schemas["RegistrationCreate"]["examples"][0]["form_version"] == "1"


def test_errors_are_documented_as_problem_json():
    spec = json.loads(openapi_json())
    offer = spec["paths"]["/v1/dwellings"]["post"]["responses"]
    assert {"401", "403", "409", "413", "422"} <= set(offer)
    assert "application/problem+json" in offer["422"]["content"]


def _operations() -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    document = json.loads(COMMITTED.read_text())
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_error_is_documented_as_problem_json_only():
    wrong = [(method, path, status, sorted(response.get("content", {})))
             for method, path, op in _operations() for status, response in op["responses"].items()
             if status[0] in "45" and set(response.get("content", {})) != {"application/problem+json"}]
    assert wrong == []


def test_every_operation_with_a_body_documents_a_bad_or_too_large_body():
    missing = [(method, path) for method, path, op in _operations()
               if "requestBody" in op and not {"400", "413", "422"} <= set(op["responses"])]
    assert missing == []
