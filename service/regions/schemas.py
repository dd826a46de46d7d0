"""Region and policy documents as coordinators send and read them."""

import uuid
from datetime import datetime
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, Field, create_model, field_validator

from service.fields import MunicipalityCode, StrictInput

RegionCode = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


class Policy(StrictInput):
    """A region's matching policy: data, versioned, never code. Weights are integer points."""

    min_tie_years: Annotated[float, Field(ge=0, le=10, description="years of ties to the region required")] = 0
    weight_waiting_per_day: Annotated[int, Field(ge=0, le=1000, description="points per day waited")] = 1
    weight_urgency: Annotated[int, Field(ge=0, le=100_000)] = 365
    weight_preferred_municipality: Annotated[int, Field(ge=0, le=100_000)] = 60
    weight_low_stimulus_preferred: Annotated[int, Field(ge=0, le=100_000)] = 30
    oversize_threshold_m2: Annotated[float, Field(ge=10, le=300)] = 50
    weight_oversize_per_m2: Annotated[int, Field(ge=0, le=1000, description="penalty per m2 above threshold")] = 2
    weight_support_vulnerability: Annotated[
        int, Field(ge=0, le=1000, description="penalty per support level (0-3) x vulnerability (0-100)")] = 1
    weight_recent_placement: Annotated[
        int, Field(ge=0, le=100_000, description="penalty per recent placement in the neighbourhood")] = 20
    low_stimulus_max_entrance_households: Annotated[int, Field(ge=1, le=100)] = 4
    low_stimulus_nightlife_radius_m: Annotated[float, Field(ge=0, le=5000)] = 200
    ready_date_slack_days: Annotated[int, Field(ge=0, le=365)] = 14
    max_high_support_per_neighbourhood: Annotated[
        int | None, Field(ge=0, le=1000, description="cap on medium/intensive-support nominations per "
                                                      "neighbourhood per round; null = no cap")] = None
    shortlist_deadline_days: Annotated[
        int, Field(ge=1, le=90, description="days a corporation has to select from a published shortlist")] = 10
    offer_deadline_days: Annotated[int, Field(ge=1, le=90, description="days a client has to answer an offer")] = 7
    on_shortlist_expiry: Annotated[
        Literal["surface", "rematch"],
        Field(description="surface: list it as overdue; rematch: release the candidates and match again")] = "surface"
    on_offer_expiry: Annotated[
        Literal["surface", "fall_through"],
        Field(description="surface: list it as overdue; fall_through: the offer lapses like a decline")
    ] = "fall_through"
    exemption_contingent: Annotated[
        int, Field(ge=0, le=100_000, description="exemptions coordinators may grant per calendar year "
                                                 "(custom case, Housing First, urgency together)")] = 50
    monitor_open: Annotated[
        bool, Field(description="true: every corporation sees its peers' lines in the monitor; false: only its "
                                "own line and the regional total")] = False


class RegionPut(StrictInput):
    """A region's name, municipalities and policy."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    municipality_codes: Annotated[list[MunicipalityCode], Field(min_length=1, max_length=100)]
    policy: Policy

    @field_validator("municipality_codes")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("codes must not repeat")
        return value  # kept in the order sent, so a field error's index points into the caller's document

    model_config = {"json_schema_extra": {"examples": [{
        "name": "U16 (regio Utrecht)",
        "municipality_codes": ["GM0344", "GM0356", "GM0355"],
        "policy": {"min_tie_years": 3, "weight_waiting_per_day": 1, "ready_date_slack_days": 14,
                   "max_high_support_per_neighbourhood": 2},
    }]}}


# Every policy field, optional: a PATCH names only the fields it changes (the merged policy is validated whole).
PolicyChanges = create_model(
    "PolicyChanges", __base__=StrictInput, __doc__="The policy fields to change; fields left out keep their value.",
    **{name: (Optional[field.annotation], Field(default=None, description=field.description))  # noqa: UP045
       for name, field in Policy.model_fields.items()})  # type: ignore[call-overload]


class RegionPatch(StrictInput):
    """A change to a region: its name, named policy fields, municipalities added or removed. What it does not name
    stays as it is; a changed policy becomes a new policy version."""

    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    policy: PolicyChanges | None = None  # type: ignore[valid-type]
    add_municipalities: Annotated[list[MunicipalityCode], Field(max_length=100)] = []
    remove_municipalities: Annotated[list[MunicipalityCode], Field(max_length=100)] = []

    model_config = {"json_schema_extra": {"examples": [{
        "policy": {"min_tie_years": 2, "max_high_support_per_neighbourhood": 3},
        "add_municipalities": ["GM0353"],
    }]}}


class RegionPublic(BaseModel):
    """A region with its current policy and version."""

    code: str
    name: str
    municipality_codes: list[str]
    policy: Policy
    policy_version: int
    created_at: datetime
    updated_at: datetime


class PolicyVersionPublic(BaseModel):
    """One version of a region's policy."""

    version: int
    policy: Policy
    created_at: datetime


class VulnerabilityUploadReport(BaseModel):
    """The outcome of a vulnerability upload."""

    stored: int
    rejected: list[dict[str, str | int]]


class RegionPartner(BaseModel):
    """An organisation linked to a region."""

    id: uuid.UUID
    kind: str
    name: str
