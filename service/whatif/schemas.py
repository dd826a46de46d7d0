"""What-if documents: a changed policy for one region, and what it would change."""

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field

from service.fields import StrictInput
from service.regions.schemas import RegionCode


class WhatIfRequest(StrictInput):
    """A region and the policy fields to change; fields left out keep their current values."""

    region: RegionCode
    policy: Annotated[dict[str, Any], Field(description="a partial policy, e.g. {\"min_tie_years\": 1}")]
    max_seconds: Annotated[float, Field(gt=0, le=60, description="time limit of each of the two solves")] = 10

    model_config = {"json_schema_extra": {"examples": [{"region": "U16", "policy": {"min_tie_years": 1}}]}}


class Outcome(BaseModel):
    """The figures of one policy on the current open dwellings and registrations."""

    eligible_registrations: int = Field(description="registrations eligible for at least one of the region's "
                                                    "open dwellings")
    filled_slots: int
    mean_wait_days: float | None = Field(description="mean waiting days of the nominated candidates")
    solver_status: str


class Unstuck(BaseModel):
    """A registration with no eligible dwelling under the current policy that would have some."""

    registration_id: uuid.UUID
    eligible_after: int
    nominated_after: bool


class WhatIfPublic(BaseModel):
    """Current policy against the changed one; nothing is stored but an audit record."""

    region: str
    changes: dict[str, Any]
    open_dwellings: int
    registrations: int
    current: Outcome
    changed: Outcome
    newly_eligible: int = Field(description="changed minus current eligible registrations")
    filled_slots_delta: int
    mean_wait_days_delta: float | None
    unstuck: list[Unstuck]
