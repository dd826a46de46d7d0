"""Exemption documents: what a coordinator grants, and what coordinators and the care provider read back."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator

import matching
from service.exemptions.models import ExemptionKind
from service.fields import StrictInput


class ExemptionCreate(StrictInput):
    """Lift hard rules for one registration (custom case, Housing First) or mark it urgent, with a reason."""

    kind: ExemptionKind
    rules_lifted: Annotated[list[str], Field(max_length=len(matching.RULE_CODES),
                                             description="rule codes the matcher no longer applies to this "
                                                         "registration; may be empty only for urgency")] = []
    reason: Annotated[str, Field(min_length=3, max_length=1000)]
    valid_until: Annotated[date, Field(description="the last day the exemption applies")]

    @field_validator("rules_lifted")
    @classmethod
    def _known_codes(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in matching.RULE_CODES]
        if unknown:
            raise ValueError(f"unknown rule code(s) {', '.join(unknown)}; known: {', '.join(matching.RULE_CODES)}")
        if len(set(value)) != len(value):
            raise ValueError("codes must not repeat")
        return value

    @model_validator(mode="after")
    def _lifts_something(self) -> "ExemptionCreate":
        if not self.rules_lifted and self.kind != ExemptionKind.urgency:
            raise ValueError(f"a {self.kind.value} exemption must lift at least one rule")
        return self

    model_config = {"json_schema_extra": {"examples": [{
        "kind": "custom_case", "rules_lifted": ["REGIONAL_TIES"],
        "reason": "Ready to live alone for two years; ties only in Almere, network in Amsterdam",
        "valid_until": "2027-06-30"}]}}


class ExemptionRevoke(StrictInput):
    """Why an exemption is revoked."""

    reason: Annotated[str, Field(min_length=3, max_length=1000)]


class ExemptionPublic(BaseModel):
    """An exemption as coordinators and the registration's care provider see it."""

    id: uuid.UUID
    registration_id: uuid.UUID
    region_code: str
    contingent_year: int
    kind: ExemptionKind
    rules_lifted: list[str]
    reason: str
    valid_until: date
    granted_by: uuid.UUID
    granted_at: datetime
    revoked_at: datetime | None
    revoked_by: uuid.UUID | None
    revoke_reason: str | None
    active: bool = Field(description="not revoked and valid_until is today or later")
    contingent_used: int | None = Field(default=None, description="on grant: exemptions now counted this year")
    contingent: int | None = Field(default=None, description="on grant: the region's yearly contingent")
