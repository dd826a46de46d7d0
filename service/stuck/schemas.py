"""Diagnoses of registrations: per hard rule, how many open dwellings pass it and what lifting it alone frees."""

import uuid

from pydantic import BaseModel, Field


class RuleDiagnosis(BaseModel):
    """One hard rule for one registration."""

    code: str
    passing: int = Field(description="open dwellings that pass this rule")
    eligible_without: int = Field(description="open dwellings that would be eligible if this rule alone were lifted")


class EligibilityPublic(BaseModel):
    """Why a registration is (not) matched, against the open dwellings (offered, shortlisted, published)."""

    registration_id: uuid.UUID
    status: str
    waiting_days: int
    open_dwellings: int
    eligible: int = Field(description="open dwellings that pass every hard rule")
    rules: list[RuleDiagnosis]
    blocking_rules: list[str] = Field(description="rules whose lifting alone makes more dwellings eligible, "
                                                  "most freeing first")
    summary: str = Field(examples=["0 eligible; 14 without REGIONAL_TIES"])
    exempt_rules: list[str] = Field(description="rules lifted by active exemptions")
    urgent: bool


class StuckPublic(EligibilityPublic):
    """A stuck case: an active registration with no eligible dwelling, or waiting longer than asked."""

    care_provider_id: uuid.UUID
