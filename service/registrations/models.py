"""The registration table: form v1 as validated columns, lists as JSON, plus `form_version`."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.crypto import EncryptedJSON, EncryptedText
from service.sqltypes import JSONVariant, UTCDateTime, utcnow
from service.states import machine


class RegistrationStatus(StrEnum):
    """Where a registration is in its lifecycle (product.md, Lifecycle)."""

    active = "active"
    nominated = "nominated"
    offered = "offered"
    paused = "paused"
    housed = "housed"
    withdrawn = "withdrawn"


# Statuses in which the care provider may still change or withdraw the registration.
OPEN_STATUSES = {RegistrationStatus.active, RegistrationStatus.nominated, RegistrationStatus.offered,
                 RegistrationStatus.paused}

REGISTRATION_STATES = machine("registration", {
    RegistrationStatus.active: {RegistrationStatus.nominated, RegistrationStatus.paused,
                                RegistrationStatus.withdrawn},
    RegistrationStatus.nominated: {RegistrationStatus.active, RegistrationStatus.offered, RegistrationStatus.paused,
                                   RegistrationStatus.withdrawn},
    RegistrationStatus.offered: {RegistrationStatus.active, RegistrationStatus.housed, RegistrationStatus.withdrawn},
    RegistrationStatus.paused: {RegistrationStatus.active, RegistrationStatus.withdrawn},
    RegistrationStatus.housed: set(),
    RegistrationStatus.withdrawn: set(),
})


class Registration(SQLModel, table=True):
    """A client registered by a care provider. Holds special-category data: every read is audited."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("care_provider_id", "client_ref"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    care_provider_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)
    client_ref: str = Field(sa_column=Column(String(64), nullable=False))
    # The region whose office holds this client's list: matched only with dwellings of its municipalities, and
    # the region whose contingent pays for exemptions. Empty only for registrations from before regions were
    # linked that could not be placed (`doorstroom registrations unplaced` lists them).
    region_code: str | None = Field(default=None, sa_column=Column(String(32), ForeignKey("region.code"), index=True))
    create_digest: str = Field(sa_column=Column(String(64), nullable=False))
    form_version: str = Field(sa_column=Column(String(8), nullable=False))
    status: str = Field(
        default=RegistrationStatus.active.value, sa_column=Column(String(16), nullable=False, index=True)
    )
    version: int = Field(default=1, nullable=False)
    consented_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    birth_year: int
    adults: int
    children_birth_years: list[int] = Field(sa_column=Column(JSONVariant, nullable=False))
    annual_income_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    current_setting: str = Field(sa_column=Column(String(24), nullable=False))
    support_intensity: str = Field(sa_column=Column(String(12), nullable=False))
    support_guaranteed_after_move: bool
    debt_counselling: str = Field(sa_column=Column(String(24), nullable=False))
    avoid_nearby: list[dict[str, Any]] = Field(sa_column=Column(JSONVariant, nullable=False))
    avoid_areas: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    # Encrypted at rest (service/crypto.py), like the notes: an address the client must stay away from.
    avoid_points: list[dict[str, Any]] = Field(sa_column=Column(EncryptedJSON, nullable=False))
    low_stimulus: str = Field(sa_column=Column(String(12), nullable=False))
    needs_wheelchair: bool
    needs_no_stairs: bool
    regional_ties: list[dict[str, Any]] = Field(sa_column=Column(JSONVariant, nullable=False))
    preferred_municipalities: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    contract: str = Field(sa_column=Column(String(16), nullable=False))
    ready_from: date
    notes: str | None = Field(default=None, sa_column=Column(EncryptedText))

    # Waiting time counts from registration unless a coordinator sets an earlier date with a reason.
    waiting_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    waiting_since_reason: str | None = Field(default=None, sa_column=Column(String(500)))

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When it was housed or withdrawn: the retention of its personal fields counts from here (service.privacy).
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    withdrawal_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    # A paused registration is not matched; it resumes by itself on `paused_until`.
    paused_until: date | None = None
    pause_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    # The change number and matcher-document digest of the registration's newest version (service.shortlists.pool):
    # set at commit, never by hand.
    match_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, index=True, server_default="0"))
    match_digest: str | None = Field(default=None, sa_column=Column(String(64)))


class RegistrationDraft(SQLModel, table=True):
    """A registration form being filled in with the client, kept as typed (strings, unvalidated) until submitted.

    Drafts are never matched: they are not registrations. Submitting validates the form, registers the client and
    deletes the draft. They hold special-category data as much as a registration does: every read is audited.
    """

    __tablename__ = "registration_draft"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    care_provider_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)
    # The form's values as the person typed them (field name -> text), so nothing typed is lost.
    # Encrypted at rest whole (service/crypto.py): a draft holds notes and avoid points as typed.
    values: dict[str, Any] = Field(sa_column=Column(EncryptedJSON, nullable=False))
    # A short label for the provider's list of drafts: the client reference typed so far (pseudonymous).
    label: str | None = Field(default=None, sa_column=Column(String(64)))
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
