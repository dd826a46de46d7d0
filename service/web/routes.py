"""The web application's routes: the sign-in and account pages, each role's screens, and the static files."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.web import auth, errors

STATIC_DIR = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Serve the screens from `app` (after the API's routes and error handlers are in place)."""
    from service.web.coordinator import routes as coordinator
    from service.web.shared import routes as shared

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (auth.router, coordinator.router, shared.router):
        app.include_router(router)
    errors.install(app)
