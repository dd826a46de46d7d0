"""The OpenAPI document as the service really answers: every error is problem+json, and every status it can send
is listed (FastAPI's defaults document 422 as a JSON `HTTPValidationError` and know nothing of the middleware)."""

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from service.errors import PROBLEM_JSON

PROBLEM_REF = {"schema": {"$ref": "#/components/schemas/Problem"}}
# Any request with a body can be too large (the body limit, 413) or not parse at all (400).
BODY_STATUSES = {"400": "Bad Request", "413": "Content Too Large"}


def truthful(app: FastAPI) -> None:
    """Make `app.openapi()` describe the statuses and media types the service really answers with."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _corrected(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _corrected(document: dict[str, Any]) -> dict[str, Any]:
    for operation in (op for ops in document.get("paths", {}).values() for op in ops.values()):
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation:
            for status, title in BODY_STATUSES.items():
                responses.setdefault(status, {"description": title})
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                # Errors leave as problem+json (RFC 9457) only, whatever FastAPI inferred from a model.
                response["content"] = {PROBLEM_JSON: PROBLEM_REF}
    schemas = document.get("components", {}).get("schemas", {})
    text = json.dumps(document.get("paths", {}))
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and f'"#/components/schemas/{unused}"' not in text:
            del schemas[unused]
    return document
