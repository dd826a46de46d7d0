"""The screens every kind of organisation has, one module per screen, under one router."""

from fastapi import APIRouter

from service.web.shared import access, keys, notifications, people

router = APIRouter(include_in_schema=False)
for screen in (notifications, people, keys, access):
    router.include_router(screen.router)
