"""The application factory: routers, error handlers and middleware."""

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from service import contract
from service.config import Settings, get_settings
from service.db import get_engine
from service.docs import install_docs
from service.errors import install_error_handlers
from service.events.routes import router as events_router
from service.events.urls import WebhookPolicy
from service.health.routes import router as health_router
from service.imports.routes import exports_router
from service.imports.routes import router as imports_router
from service.logging import configure_logging
from service.middleware import (
    BodyLimitMiddleware,
    ConcurrencyLimitMiddleware,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
)
from service.monitor.routes import router as monitor_router
from service.people.auth_routes import router as auth_router
from service.people.key_routes import router as keys_router
from service.people.routes import router as people_router
from service.places.routes import router as places_router
from service.privacy.routes import router as privacy_router
from service.ratelimit import RATE_LIMITED_RESPONSES, RateLimitMiddleware, build_limiter
from service.regions.routes import router as regions_router
from service.shortlists import service as shortlists_service
from service.shortlists.routes import router as shortlists_router
from service.stuck.routes import router as stuck_router
from service.targets.routes import router as targets_router
from service.tick import Ticker
from service.validation import refuse_unstorable_query
from service.web.routes import install as install_web
from service.whatif.routes import router as whatif_router
from service.workflow.audit_routes import router as audit_router
from service.workflow.dwelling_routes import router as dwellings_router
from service.workflow.exemption_routes import router as exemptions_router
from service.workflow.registration_routes import router as registrations_router
from service.workflow.routes import router as workflow_router

log = logging.getLogger("doorstroom.pool")

DESCRIPTION = """\
Doorstroom matches people who are ready to leave a shelter or supported housing with dwellings that housing
corporations offer. Corporations offer dwellings, care providers register clients with the standard form, and the
matching office proposes three ranked candidates per dwelling.

Each region (a set of municipalities, e.g. U16) has one matching office. Organisations are linked to the regions
they work in (`/v1/regions/{code}/organisations`). A registration is on one region's list (`region`) and is matched
only with dwellings in that region's municipalities; exemptions are charged to that region's contingent. A
coordinator sees and changes only what belongs to its regions: anything of another region answers 404, as if it
did not exist.

Machines call with an organisation's API key: `Authorization: Bearer <api key>`. Keys are named, may expire, and
are created, rotated (the old key works for a grace period of at most 7 days) and revoked by the organisation's
admins (`/v1/keys`). People sign in with a personal account (`/v1/auth`: password, then a TOTP code; two-factor
sign-in is required for coordinators' and care providers' people) and then act on every route in their
organisation's role, through the session cookie; a state-changing request on the cookie also sends the session's
CSRF token in `X-CSRF-Token`. Admins manage their organisation's people (`/v1/people`). The audit log names the
person or the key behind every read and change. Errors are `application/problem+json` (RFC 9457); a 422
lists each bad field. Changes need `If-Match` with the ETag last read. Requests are rate limited per key, per
session and per address: over a limit the answer is 429 with `Retry-After` in seconds.
"""

ROUTERS = (health_router, dwellings_router, registrations_router, regions_router, places_router,
           shortlists_router, workflow_router, events_router, audit_router, exemptions_router, stuck_router,
           whatif_router, targets_router, monitor_router, privacy_router, auth_router, people_router, keys_router,
           imports_router, exports_router)


def _operation_id(route: APIRoute) -> str:
    # The function name: stable, readable and unique, so generated clients keep their method names.
    return route.name


def _summaries_from_docstrings(router: APIRouter) -> None:
    """Use the first line of each route's docstring as its OpenAPI summary."""
    for route in router.routes:
        if isinstance(route, APIRoute) and route.description and not route.summary:
            route.summary = route.description.strip().splitlines()[0]


def _lifespan(settings: Settings, *, warm: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the periodic task (deadlines, resuming pauses, webhook delivery) with the app, stop it after.

    A served app (`warm`) also prepares its registration pool in the background, so the first offer after a
    start does not pay for reading every registration.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm:
            threading.Thread(target=_warm_pool, name="doorstroom-pool-warm", daemon=True).start()
        ticker = Ticker(engine=get_engine(), seconds=settings.tick_seconds,
                        policy=WebhookPolicy.from_settings(settings)) if settings.tick_seconds else None
        if ticker:
            ticker.start()
        try:
            yield
        finally:
            if ticker:
                ticker.stop()

    return lifespan


def _warm_pool() -> None:
    try:
        shortlists_service.warm_pool(get_engine())
    except Exception:  # the first offer then prepares it; a failed warm-up must not stop the worker
        log.exception("preparing the registration pool failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Doorstroom API (served as configured when called without settings, as `doorstroom serve` does)."""
    serving = settings is None
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        lifespan=_lifespan(settings, warm=serving),
        title="Doorstroom",
        version="1.0.0",
        description=DESCRIPTION,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(refuse_unstorable_query)],
        # The documentation pages are served by service/docs.py, each with its Content-Security-Policy.
        openapi_url="/openapi.json" if settings.api_docs else None,
        docs_url=None,
        redoc_url=None,
    )
    if settings.api_docs:
        install_docs(app)
    # Routes read the app's own settings (a test's app may differ from the environment's).
    app.state.settings = settings
    limiter = build_limiter(settings)
    app.state.ratelimiter = limiter
    for router in ROUTERS:
        _summaries_from_docstrings(router)
        # Every route but the probes can answer 429 (service/ratelimit.py).
        app.include_router(router, responses=None if router is health_router else RATE_LIMITED_RESPONSES)
    install_error_handlers(app)
    contract.truthful(app)
    # The screens: after the API's routes, and wrapping its error handlers (pages get pages, the API problem+json).
    install_web(app)
    # Added innermost first: on the way in the request id comes first, then the address limit (before a body is
    # read), then the body limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       path_limits={"/v1/places/import": settings.max_import_bytes,
                                    "/regio/import/plaatsen": settings.max_import_bytes,
                                    "/v1/imports/registrations": settings.max_import_bytes,
                                    "/v1/imports/dwellings": settings.max_import_bytes,
                                    "/importeren/proef": settings.max_import_bytes,
                                    "/importeren": settings.max_import_bytes})
    if limiter is not None and limiter.limits.get("address"):
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
    # Inside the request id, so the access line's duration includes the wait for a slot.
    app.add_middleware(ConcurrencyLimitMiddleware, limit=settings.max_concurrent_requests)
    app.add_middleware(RequestIdMiddleware)
    # Outermost: the headers reach every answer, a 413 or 429 from the middleware inside included.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
