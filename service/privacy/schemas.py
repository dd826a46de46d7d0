"""Documents of the data-protection routes: a region's retention periods, and the export of a client's data."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from service.exemptions.schemas import ExemptionPublic
from service.fields import StrictInput
from service.registrations.schemas import RegistrationPublic
from service.workflow.schemas import TimelineEntry

Days = Annotated[int | None, Field(ge=1, le=36_500, description="days; null: the DOORSTROOM_RETENTION_* setting")]


class RetentionPut(StrictInput):
    """A region's own retention periods in days; a period left null follows the service's setting."""

    personal_days: Days = None
    run_inputs_days: Days = None
    audit_days: Annotated[int | None, Field(ge=30, le=36_500,
                                            description="days, at least 30; null: the setting")] = None

    model_config = {"json_schema_extra": {"examples": [{"personal_days": 365, "run_inputs_days": 180,
                                                        "audit_days": None}]}}


class RetentionPublic(BaseModel):
    """A region's own retention periods (null: none of its own) and the periods in force there."""

    region_code: str
    personal_days: int | None
    run_inputs_days: int | None
    audit_days: int | None
    effective_personal_days: int
    effective_run_inputs_days: int
    effective_audit_days: int


class MatcherVersion(BaseModel):
    """One version of what the matcher saw of the registration, from change number `seq` on (its stored copy)."""

    seq: int
    status: str
    document: dict[str, Any]


class PlaceOnShortlist(BaseModel):
    """The client's place on one shortlist: rank, score and its parts, the offer and its answer, the reasons."""

    shortlist_id: uuid.UUID
    dwelling_id: uuid.UUID
    # Named only once the dwelling was offered to the client (before, it is the corporation's business).
    dwelling_address: str | None
    status: str
    rank: int
    score: int
    score_breakdown: dict[str, Any]
    offered_at: datetime | None
    answer_by: datetime | None
    reason_code: str | None
    note: str | None
    updated_at: datetime


class Rejection(BaseModel):
    """A corporation's final rejection of the client for a dwelling, with its reason code."""

    dwelling_id: uuid.UUID
    reason_code: str
    created_at: datetime


class DossierRead(BaseModel):
    """One look at the client's data: when, which organisation, and (for one's own organisation) who there."""

    at: datetime
    action: str
    organisation: str | None
    person: str | None
    by: Literal["person", "api_key", "service"]


class AccessExport(BaseModel):
    """Everything held about one client (AVG article 15): the registration, its history, exemptions, places on
    shortlists and offers with their reasons, rejections, the matcher's stored copies, and who read it when."""

    exported_at: datetime
    registration: RegistrationPublic
    care_provider: str
    history: list[TimelineEntry]
    exemptions: list[ExemptionPublic]
    shortlists: list[PlaceOnShortlist]
    rejections: list[Rejection]
    matcher_versions: list[MatcherVersion]
    reads: list[DossierRead]
