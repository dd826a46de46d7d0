"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from service.db import get_engine
from service.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """A probe's answer."""

    status: str
    detail: str | None = None


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, response_model_exclude_none=True, responses={503: {"model": Health}})
def readyz() -> Health | JSONResponse:
    """Readiness: the database answers and its schema is at the newest migration."""
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except Exception as exc:  # any failure to reach the database means "not ready", never a 500
        return JSONResponse(Health(status="unavailable", detail=type(exc).__name__).model_dump(), status_code=503)
    if revision != head_revision():
        detail = f"schema at {revision}, expected {head_revision()}: run `doorstroom db upgrade`"
        return JSONResponse(Health(status="unavailable", detail=detail).model_dump(), status_code=503)
    return Health(status="ok")
