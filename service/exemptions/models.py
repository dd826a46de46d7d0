"""Exemptions: a coordinator's recorded decision to lift hard rules for one registration, or to mark it urgent."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import JSONVariant, UTCDateTime, utcnow


class ExemptionKind(StrEnum):
    """The three kinds of exemption the product names (domain.md: "arrange the exceptions")."""

    custom_case = "custom_case"
    housing_first = "housing_first"
    urgency = "urgency"


class Exemption(SQLModel, table=True):
    """One exemption, granted for a registration and counted against its region's yearly contingent."""

    __tablename__ = "exemption"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    registration_id: uuid.UUID = Field(foreign_key="registration.id", nullable=False, index=True)
    region_code: str = Field(sa_column=Column(String(32), ForeignKey("region.code"), nullable=False, index=True))
    # The calendar year whose contingent the exemption uses (the year it was granted in).
    contingent_year: int = Field(nullable=False)
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    rules_lifted: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    reason: str = Field(sa_column=Column(String(1000), nullable=False))
    valid_until: date
    granted_by: uuid.UUID = Field(foreign_key="organisation.id", nullable=False)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="organisation.id")
    revoke_reason: str | None = Field(default=None, sa_column=Column(String(1000)))
