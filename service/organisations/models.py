"""Organisations (corporations, care providers, coordinators) and their hashed API keys."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401  (naming convention before any table)
from service.sqltypes import UTCDateTime, utcnow


class OrganisationKind(StrEnum):
    """The three kinds of organisation; the kind is the role every key of the organisation acts in."""

    corporation = "corporation"
    care_provider = "care_provider"
    coordinator = "coordinator"


class Organisation(SQLModel, table=True):
    """A partner organisation of the matching office."""

    __tablename__ = "organisation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(sa_column=Column(String(20), nullable=False, index=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ApiKey(SQLModel, table=True):
    """One API key: only a lookup prefix and a SHA-256 of the whole key are kept, never the key itself.

    A key works until `expires_at` and until `revoked_at`; a rotated key has `revoked_at` in the future (the end of
    its grace period). `last_used_at` is kept to the minute, so a request does not write it every time.
    """

    __tablename__ = "api_key"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    key_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    # The person who made it; None for keys the installation's operator issued (`doorstroom org create`, `key`).
    created_by_person_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The key this one replaced by rotation.
    rotated_from_id: uuid.UUID | None = Field(default=None, foreign_key="api_key.id")
