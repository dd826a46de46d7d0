"""The care provider's screens, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.provider import clients, register

router = APIRouter(include_in_schema=False)
for screen in (register, clients):
    router.include_router(screen.router)
