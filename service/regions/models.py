"""Regions of municipalities, their versioned matching policies, and neighbourhood vulnerability scores."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import JSONVariant, UTCDateTime, utcnow


class Region(SQLModel, table=True):
    """A region (e.g. U16) whose municipalities share one policy; a municipality belongs to at most one region."""

    __tablename__ = "region"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    policy_version: int = Field(nullable=False)
    # Days this office keeps what the DOORSTROOM_RETENTION_* settings say otherwise (None: the setting applies):
    # personal fields after a registration ends, run inputs, audit records about its registrations.
    retention_personal_days: int | None = None
    retention_run_inputs_days: int | None = None
    retention_audit_days: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class RegionMunicipality(SQLModel, table=True):
    """Membership of a municipality in a region; the primary key makes a municipality's region unique."""

    __tablename__ = "region_municipality"

    municipality_code: str = Field(sa_column=Column(String(6), ForeignKey("municipality.code"), primary_key=True))
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), nullable=False, index=True))


class RegionPolicyVersion(SQLModel, table=True):
    """One version of a region's policy; versions are never changed, a change makes a new one."""

    __tablename__ = "region_policy_version"
    __table_args__ = (UniqueConstraint("region_code", "version"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), nullable=False, index=True))
    version: int = Field(nullable=False)
    policy: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")


class NeighbourhoodScore(SQLModel, table=True):
    """A neighbourhood's vulnerability score (0-100), used by the liveability term of the score."""

    __tablename__ = "neighbourhood_score"

    code: str = Field(sa_column=Column(String(10), primary_key=True))
    vulnerability: int = Field(nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class OrganisationRegion(SQLModel, table=True):
    """A partner working in a region: a coordinator runs its office, a corporation or care provider works there.

    A coordinator sees and changes only what belongs to its linked regions; a care provider registers clients on
    the lists of its regions; a corporation offers dwellings in its regions' municipalities.
    """

    __tablename__ = "organisation_region"

    organisation_id: uuid.UUID = Field(sa_column=Column(ForeignKey("organisation.id"), primary_key=True))
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), primary_key=True, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
