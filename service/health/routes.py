"""Liveness and readiness probes."""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from service.db import get_engine
from service.errors import Unavailable, problem_responses
from service.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """A probe's answer."""

    status: str


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, response_model_exclude_none=True, responses=problem_responses(503))
def readyz() -> Health:
    """Readiness: the database answers and its schema is at the newest migration.

    Not ready is a 503 problem document (application/problem+json, as every error), saying what is missing.
    """
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except Exception as exc:  # any failure to reach the database means "not ready", never a 500
        raise Unavailable(f"the database cannot be reached ({type(exc).__name__})") from None
    if revision != head_revision():
        raise Unavailable(f"schema at {revision}, expected {head_revision()}: run `doorstroom db upgrade`")
    return Health(status="ok")
