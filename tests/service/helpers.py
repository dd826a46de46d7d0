"""Helpers shared by the HTTP tests: reading problem documents and creating records through the API."""

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests import factories

PROBLEM_JSON = "application/problem+json"


def problem(response: Response, status: int) -> dict[str, Any]:
    """The problem document of an error answer, after checking its status, media type, `status` and `title`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def field_errors(response: Response) -> dict[str, str]:
    """The bad fields of a 422 answer: field path -> its messages joined."""
    errors: dict[str, list[str]] = {}
    for error in problem(response, 422)["errors"]:
        errors.setdefault(error["field"], []).append(error["message"])
    return {field: "; ".join(messages) for field, messages in errors.items()}


def total(client: TestClient, path: str) -> int:
    """How many records a list endpoint reports for this client."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def rejected_create(client: TestClient, path: str, document: dict[str, Any]) -> dict[str, str]:
    """POST a document that must be refused with 422; checks nothing was written and returns the field errors."""
    before = total(client, path)
    errors = field_errors(client.post(path, json=document))
    assert total(client, path) == before
    return errors


def create_dwelling(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Offer a valid dwelling (with `overrides`) and return the answer."""
    response = client.post("/v1/dwellings", json=factories.dwelling(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def create_registration(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """Register a valid client (with `overrides`) and return the answer."""
    response = client.post("/v1/registrations", json=factories.registration(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def if_match(version: int | str) -> dict[str, str]:
    """The If-Match header for a version."""
    return {"If-Match": f'"{version}"'}


def forbidden(response: Response, *allowed: str, kind: str) -> dict[str, Any]:
    """A 403 problem saying which kinds of organisation the operation is for and what the refused key is."""
    body = problem(response, 403)
    assert body["title"] == "Forbidden"
    assert body["detail"] == f"this operation is for {', '.join(sorted(allowed))}; this key is a {kind}", body
    return body


def not_found(response: Response, detail: str) -> dict[str, Any]:
    """A 404 problem with exactly this detail (it names what was looked for, never whose it is)."""
    body = problem(response, 404)
    assert (body["title"], body["detail"]) == ("Not Found", detail), body
    return body


def audit_trail(coordinator: TestClient, entity_id: str) -> list[tuple[str, str | None]]:
    """(action, organisation id) of every audit record about an entity, oldest first, as a coordinator reads it."""
    response = coordinator.get("/v1/audit", params={"entity_id": entity_id, "limit": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [(r["action"], r["organisation_id"]) for r in reversed(body["items"])]
