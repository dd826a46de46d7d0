"""The corporation's screens, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.corporation import dwellings, monitor, offer

router = APIRouter(include_in_schema=False)
for screen in (dwellings, offer, monitor):
    router.include_router(screen.router)
