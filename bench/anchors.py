"""The anchor apps the load benchmark measures Doorstroom against, served by the same uvicorn in the same run.

- `bare_app`: FastAPI answering a small JSON document, no database: the cost of the HTTP stack alone.
- `naive_app`: FastAPI + SQLModel as a tutorial writes it: `POST /naive` stores the registration document it is
  given in one row (no validation beyond "a JSON object", no audit, no idempotency), `GET /naive/{id}` reads it
  back. Doorstroom's own ingest and reads are judged by their ratio to this app.

Both read their database from BENCH_DATABASE_URL (`uvicorn --factory bench.anchors:naive_app`).
"""

import os
import uuid
from typing import Any

from fastapi import Body, FastAPI, HTTPException
from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, create_engine


class NaiveRegistration(SQLModel, table=True):
    """One stored document, as the naive app keeps it."""

    __tablename__ = "naive_registration"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_ref: str = Field(default="", max_length=100)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


def bare_app() -> FastAPI:
    """No database: the HTTP stack's own cost."""
    app = FastAPI()

    @app.get("/bare")
    def bare() -> dict[str, str]:
        return {"status": "ok"}

    return app


def naive_app() -> FastAPI:
    """Insert and read one row per request, with SQLModel's defaults."""
    url = os.environ["BENCH_DATABASE_URL"]
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args)
    SQLModel.metadata.create_all(engine, tables=[NaiveRegistration.__table__])  # type: ignore[list-item]
    app = FastAPI()

    @app.post("/naive", status_code=201)
    def create(document: dict[str, Any] = Body(...)) -> NaiveRegistration:
        row = NaiveRegistration(client_ref=str(document.get("client_ref", "")), document=document)
        with Session(engine) as session:
            session.add(row)
            session.commit()
            session.refresh(row)
        return row

    @app.get("/naive/{row_id}")
    def read(row_id: uuid.UUID) -> NaiveRegistration:
        with Session(engine) as session:
            row = session.get(NaiveRegistration, row_id)
        if row is None:
            raise HTTPException(404)
        return row

    return app
