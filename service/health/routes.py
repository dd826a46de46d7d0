"""Liveness and readiness probes."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from service.db import READ_ONLY, SessionDep
from service.errors import Unavailable, problem_responses
from service.migrations import current_revision, head_revision

router = APIRouter(tags=["operations"])
READ_ONLY_OPTIONS: dict[str, Any] = {READ_ONLY: True}


class Health(BaseModel):
    """A probe's answer."""

    status: str


@router.get("/healthz", response_model=Health, response_model_exclude_none=True)
def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, response_model_exclude_none=True, responses=problem_responses(503))
def readyz(session: SessionDep) -> Health:
    """Readiness: the database answers and its schema is at the newest migration.

    Not ready is a 503 problem document (application/problem+json, as every error), saying what is missing.
    """
    try:
        # The database the requests use (the request session's), read without taking SQLite's write lock.
        connection = session.connection(execution_options=READ_ONLY_OPTIONS)
        connection.execute(text("SELECT 1"))
        revision = current_revision(connection)
    except Exception as exc:  # any failure to reach the database means "not ready", never a 500
        raise Unavailable(f"the database cannot be reached ({type(exc).__name__})") from None
    if revision != head_revision():
        raise Unavailable(f"schema at {revision}, expected {head_revision()}: run `doorstroom db upgrade`")
    return Health(status="ok")
