"""The screens every kind of organisation has, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.shared import keys, people

router = APIRouter(include_in_schema=False)
for screen in (people, keys):
    router.include_router(screen.router)
