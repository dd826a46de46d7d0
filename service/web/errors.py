"""Errors on pages: a page of its own in the person's language instead of problem+json, and sign-in redirects.

The API's handlers (service/errors.py) stay as they are: a request answers HTML only when it is not for the API
and the browser asks for HTML, so a machine calling an unknown path still gets problem+json.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import ServiceError
from service.web import i18n
from service.web.i18n import N_
from service.web.pages import SignInRequired, StepRequired, sign_in_location
from service.web.templating import render

API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/openapi.json", "/docs", "/redoc")
Handler = Callable[[Request, Any], Awaitable[Response]]

# The title of each error page, in Dutch (the catalogue translates it).
TITLES = {
    400: N_("Dit verzoek klopt niet"),
    403: N_("Geen toegang"),
    404: N_("Niet gevonden"),
    405: N_("Dit kan hier niet"),
    409: N_("Iemand was u voor"),
    412: N_("Iemand was u voor"),
    413: N_("Het bestand is te groot"),
    422: N_("Niet alles is goed ingevuld"),
    429: N_("Even geduld"),
}


def wants_page(request: Request) -> bool:
    """True for a browser asking for a page (not the API, and HTML accepted)."""
    path = request.url.path
    return not path.startswith(API_PREFIXES) and "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, detail: str | None,
               headers: dict[str, str] | None = None) -> Response:
    """A page that says what went wrong in plain words, with a way back."""
    language = i18n.choose(request.cookies.get(i18n.LANGUAGE_COOKIE), request.headers.get("accept-language"))
    title = TITLES.get(status, N_("Er ging iets mis"))
    return render(request, "shared/error.html",
                  {"status": status, "title": title, "detail": detail, "nav": [], "signed": None, "page": None,
                   "csrf_token": "", "dev_mode": False},
                  language=language, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Wrap the API's error handlers: pages get pages, the API keeps problem+json."""
    handlers: dict[Any, Handler] = dict(app.exception_handlers)

    def wrap(kind: Any, page: Callable[[Request, Any], Response]) -> None:
        api = handlers[kind]

        async def handle(request: Request, exc: Any) -> Response:
            return page(request, exc) if wants_page(request) else await api(request, exc)

        app.add_exception_handler(kind, handle)

    wrap(ServiceError, lambda request, exc: error_page(request, exc.status, exc.detail, exc.headers))
    wrap(StarletteHTTPException, lambda request, exc: error_page(
        request, exc.status_code, None if exc.status_code in (404, 405) else str(exc.detail)))
    wrap(RequestValidationError, lambda request, exc: error_page(
        request, 400, "een veld van dit verzoek ontbreekt of klopt niet"))

    async def to_sign_in(_request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in_location(exc.next_path), status_code=303)

    async def to_step(_request: Request, exc: StepRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    app.add_exception_handler(SignInRequired, to_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(StepRequired, to_step)  # type: ignore[arg-type]
