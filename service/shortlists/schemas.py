"""API views of shortlists and matching runs."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import StrictInput
from service.registrations.schemas import CandidateProfile

SLOTS_PER_DWELLING = 3


class CandidatePublic(BaseModel):
    """A ranked candidate with the minimised profile (never health or addiction data); the office also sees the
    score breakdown."""

    rank: int
    registration_id: uuid.UUID
    status: str = Field(description="proposed, published, selected, accepted, let, rejected, declined, ...")
    score: int
    # The terms disclose needs (an urgency exemption, a low-stimulus need): coordinators only, absent otherwise.
    score_breakdown: dict[str, int] | None = Field(
        default=None, exclude_if=lambda v: v is None,
        description="score per term; shown to coordinators only, absent for a corporation")
    profile: CandidateProfile


class ShortlistPublic(BaseModel):
    """Up to three ranked candidates for a dwelling, and per rule code how many registrations it excluded."""

    id: uuid.UUID
    dwelling_id: uuid.UUID
    status: str
    run_id: uuid.UUID
    policy_version: str | None
    created_at: datetime
    candidates: list[CandidatePublic]
    excluded: dict[str, int] = Field(description="rule code -> registrations that rule excluded")
    eligible_count: int = Field(description="registrations that passed every hard rule")
    shortfall: str | None = Field(description="why fewer than three candidates were found, if so")
    blocked_reason: str | None = Field(description="why the dwelling could not be matched at all, if so")


class MatchingRoundCreate(StrictInput):
    """Options of a matching round."""

    max_seconds: Annotated[float, Field(ge=0.5, le=120, description="time limit of the optimiser")] = 10.0


class MatchingRunPublic(BaseModel):
    """A matching run's figures: sizes, eligible pairs, filled slots, objective, bound, gap, seconds per phase."""

    id: uuid.UUID
    kind: str
    created_at: datetime
    solver_status: str
    dwellings: int
    registrations: int
    eligible_pairs: int
    filled_slots: int
    slots: int
    objective: int
    bound: float
    gap: float
    seconds: dict[str, float]
    policy_versions: dict[str, int]
    skipped: dict[str, str]
    shortlists: int


class MatchingRoundPublic(BaseModel):
    """A round as it runs: its state and phase, the share done, and at the end the same figures as its run."""

    id: uuid.UUID = Field(description="the round's id; the run it makes has the same id")
    kind: str
    state: str = Field(description="queued, running, finished or failed")
    phase: str | None = Field(description="while running: eligibility, optimising or applying")
    progress: float = Field(description="share of the work done, 0 to 1")
    error: str | None = Field(description="why the round failed, if it did")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    solver_status: str | None = None
    dwellings: int | None = None
    registrations: int | None = None
    eligible_pairs: int | None = None
    filled_slots: int | None = None
    slots: int | None = None
    objective: int | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: dict[str, float] | None = None
    policy_versions: dict[str, int] | None = None
    skipped: dict[str, str] | None = None
    shortlists: int | None = None


class ReplayPublic(BaseModel):
    """Whether solving a run's stored inputs again gives the same shortlists."""

    run_id: uuid.UUID
    identical: bool
    differing_dwellings: list[uuid.UUID]
