"""The coordinator's screens, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.coordinator import monitor, rounds, whatif, worklist

router = APIRouter(include_in_schema=False)
for screen in (worklist, monitor, rounds, whatif):
    router.include_router(screen.router)
