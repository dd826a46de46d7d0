"""The error hierarchy and the handlers that render every error as `application/problem+json` (RFC 9457)."""

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from service.logging import error_classes, traceback_without_messages
from service.request_context import current_request_id

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
log = logging.getLogger("doorstroom.errors")


class FieldError(BaseModel):
    """One bad field: where it is (dotted path into the document), what is wrong, and a machine-readable type."""

    field: str
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document; `errors` lists each bad field of a 422."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    current_state: str | None = None
    existing_id: str | None = None


class ServiceError(Exception):
    """An error the service answers on purpose; subclasses fix the status and title."""

    status = 500
    title = "Internal Server Error"
    # Response headers the error answers with (a 429's Retry-After); None for most errors.
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def to_problem(self) -> Problem:
        """Render this error as a problem document."""
        return Problem(title=self.title, status=self.status, detail=self.detail, **self.extra)


class Unauthorised(ServiceError):
    status, title = 401, "Unauthorized"


class Forbidden(ServiceError):
    status, title = 403, "Forbidden"


class NotFound(ServiceError):
    status, title = 404, "Not Found"


class Conflict(ServiceError):
    status, title = 409, "Conflict"


class Gone(ServiceError):
    """What was asked for existed but is deleted on purpose (a run's inputs past their retention)."""

    status, title = 410, "Gone"


class PreconditionFailed(ServiceError):
    status, title = 412, "Precondition Failed"


class PreconditionRequired(ServiceError):
    status, title = 428, "Precondition Required"


class TooManyRequests(ServiceError):
    """Over a rate limit; `headers` say when to try again (Retry-After) and which limit was reached."""

    status, title = 429, "Too Many Requests"

    def __init__(self, detail: str, *, headers: dict[str, str]) -> None:
        super().__init__(detail)
        self.headers = headers


class Unavailable(ServiceError):
    """The service cannot serve now (the readiness probe: no database, or one not migrated)."""

    status, title = 503, "Service Unavailable"


class InvalidFields(ServiceError):
    """Field errors found after parsing, such as a municipality code that does not exist."""

    status, title = 422, "Unprocessable Content"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("the request has invalid fields", errors=errors)
        self.errors = errors


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON response with the problem media type and the request id filled in."""
    problem.request_id = current_request_id()
    return JSONResponse(
        problem.model_dump(exclude_none=True), status_code=problem.status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    """`("body", "address", "postcode")` -> `address.postcode`; query and header names keep their prefix."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def field_errors(raw: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic's error list as our field errors: dotted paths, plain messages."""
    errors = []
    for err in raw:
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "extra_forbidden":
            message = "unknown field"
        errors.append(FieldError(field=_field_path(tuple(err.get("loc", ()))), message=message,
                                 type=str(err.get("type", "invalid"))))
    return errors


async def _on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = field_errors(exc.errors())
    if any(e.type == "json_invalid" for e in errors):
        return problem_response(Problem(title="Bad Request", status=400, detail="the body is not valid JSON"))
    return problem_response(
        Problem(title="Unprocessable Content", status=422, detail="the request has invalid fields", errors=errors)
    )


async def _on_service_error(_request: Request, exc: ServiceError) -> JSONResponse:
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return problem_response(exc.to_problem(), headers=headers or None)


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    title = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, "HTTP Error")
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        # Starlette names the methods of the first route whose path matched; RFC 9110 wants all the resource has.
        headers["Allow"] = ", ".join(_documented_methods(request)) or headers.get("Allow", "")
    return problem_response(Problem(title=title, status=exc.status_code, detail=detail), headers=headers or None)


def _documented_methods(request: Request) -> list[str]:
    """The methods the app's OpenAPI document has for the requested path (GET and POST for /v1/dwellings)."""
    app = request.app
    patterns: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "method_patterns", None)
    if patterns is None:
        patterns = [(compile_path(path)[0], {method.upper() for method in item} & HTTP_METHODS)
                    for path, item in app.openapi().get("paths", {}).items()]
        app.state.method_patterns = patterns
    path = request.scope["path"]
    return sorted({method for pattern, methods in patterns if pattern.match(path) for method in methods})


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug stays a 500, never disguised as the client's fault. It is logged with the request id, the route and the
    # error classes, and a traceback of frames only: never an exception's message, which may quote personal data.
    route = getattr(request.scope.get("route"), "path", None)
    log.error("unhandled error", extra={"request_id": current_request_id(), "method": request.method,
                                        "route": route or request.url.path,
                                        "error_class": error_classes(exc),
                                        "traceback": traceback_without_messages(exc)})
    # Starlette sends this answer from outside every middleware, so the headers the middleware adds are set here.
    return problem_response(Problem(title="Internal Server Error", status=500), headers=ERROR_HEADERS)


# Headers on every answer (service.middleware.SecurityHeadersMiddleware), and those of an unexpected 500.
EVERY_ANSWER_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
ERROR_HEADERS = {**EVERY_ANSWER_HEADERS, "Cache-Control": "no-store"}


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the problem renderer."""
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents the given problem statuses on a route."""
    return {
        s: {"model": Problem, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for s in statuses
    }
