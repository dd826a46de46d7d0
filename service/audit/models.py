"""The audit log: who read or changed what, and when."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import JSONVariant, UTCDateTime, utcnow


class AuditRecord(SQLModel, table=True):
    """One audited act. `detail` holds field names and states, never the special-category values themselves."""

    __tablename__ = "audit_record"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    organisation_id: uuid.UUID | None = Field(default=None, foreign_key="organisation.id", index=True)
    # Who acted: the signed-in person or the API key of the request (both None for the operator's CLI and the tick).
    person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    api_key_id: uuid.UUID | None = Field(default=None, foreign_key="api_key.id", index=True)
    action: str = Field(sa_column=Column(String(40), nullable=False))
    entity_type: str = Field(sa_column=Column(String(30), nullable=False))
    entity_id: uuid.UUID = Field(nullable=False, index=True)
    request_id: str | None = Field(default=None, sa_column=Column(String(64)))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONVariant, nullable=False))
