"""The coordinator's screens, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.coordinator import (
    dossier,
    imports,
    monitor,
    region,
    retention,
    review,
    rounds,
    stuck,
    uploads,
    whatif,
    worklist,
)

router = APIRouter(include_in_schema=False)
for screen in (worklist, review, stuck, dossier, monitor, rounds, whatif, region, retention, uploads, imports):
    router.include_router(screen.router)
