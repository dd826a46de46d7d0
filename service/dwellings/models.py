"""The dwelling table: a corporation's offer, stored flat (the API document nests address, location, features)."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, UniqueConstraint
from sqlmodel import Field, SQLModel

import service.metadata  # noqa: F401
from service.sqltypes import JSONVariant, UTCDateTime, utcnow
from service.states import machine


class DwellingStatus(StrEnum):
    """Where a dwelling is in its lifecycle (product.md, Lifecycle)."""

    offered = "offered"
    shortlisted = "shortlisted"
    published = "published"
    candidate_selected = "candidate_selected"
    let = "let"
    withdrawn = "withdrawn"


# Statuses in which the corporation may still change or withdraw the offer.
OPEN_STATUSES = {DwellingStatus.offered, DwellingStatus.shortlisted, DwellingStatus.published,
                 DwellingStatus.candidate_selected}
# Statuses in which a dwelling still counts as open for a client: no candidate chosen yet (stuck cases, what-if).
UNCHOSEN_STATUSES = {DwellingStatus.offered, DwellingStatus.shortlisted, DwellingStatus.published}
# Statuses in which the offer may still be changed, and a matching round may propose (again) for it.
EDITABLE_STATUSES = {DwellingStatus.offered, DwellingStatus.shortlisted}

DWELLING_STATES = machine("dwelling", {
    DwellingStatus.offered: {DwellingStatus.shortlisted, DwellingStatus.withdrawn},
    DwellingStatus.shortlisted: {DwellingStatus.offered, DwellingStatus.published, DwellingStatus.withdrawn},
    DwellingStatus.published: {DwellingStatus.candidate_selected, DwellingStatus.offered, DwellingStatus.withdrawn},
    DwellingStatus.candidate_selected: {DwellingStatus.let, DwellingStatus.published, DwellingStatus.offered,
                                        DwellingStatus.withdrawn},
    DwellingStatus.let: set(),
    DwellingStatus.withdrawn: set(),
})


class Dwelling(SQLModel, table=True):
    """A dwelling offered to the matching office."""

    __tablename__ = "dwelling"
    __table_args__ = (UniqueConstraint("corporation_id", "external_ref"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    corporation_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)
    external_ref: str = Field(sa_column=Column(String(64), nullable=False))
    # SHA-256 of the create document: a replay of the same offer is answered idempotently, a different one is a 409.
    create_digest: str = Field(sa_column=Column(String(64), nullable=False))
    status: str = Field(default=DwellingStatus.offered.value, sa_column=Column(String(24), nullable=False, index=True))
    version: int = Field(default=1, nullable=False)

    street: str = Field(sa_column=Column(String(120), nullable=False))
    house_number: int
    house_number_suffix: str | None = Field(default=None, sa_column=Column(String(8)))
    postcode: str = Field(sa_column=Column(String(6), nullable=False))
    city: str = Field(sa_column=Column(String(80), nullable=False))
    neighbourhood_code: str = Field(sa_column=Column(String(10), nullable=False, index=True))
    municipality_code: str = Field(
        sa_column=Column(String(6), ForeignKey("municipality.code"), nullable=False, index=True)
    )
    lat: float
    lon: float

    dwelling_type: str = Field(sa_column=Column(String(32), nullable=False))
    rooms: int
    bedrooms: int
    floor_area_m2: float
    floor: int
    has_elevator: bool
    wheelchair_accessible: bool
    max_occupants: int
    suitable_for_children: bool
    bare_rent_cents: int
    service_costs_cents: int
    gallery_access: bool
    shared_entrance_households: int
    next_to_business: bool
    busy_road: bool
    contract_types: list[str] = Field(sa_column=Column(JSONVariant, nullable=False))
    available_from: date

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawal_reason: str | None = Field(default=None, sa_column=Column(String(500)))
    # Recorded when the lease is signed.
    let_registration_id: uuid.UUID | None = Field(default=None, foreign_key="registration.id")
    let_contract_type: str | None = Field(default=None, sa_column=Column(String(20)))
    let_start_date: date | None = None
