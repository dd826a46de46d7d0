"""Documents of the workflow steps."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from service.dwellings.schemas import ContractType
from service.fields import StrictInput


class ReplaceCandidate(StrictInput):
    """Swap a proposed candidate for another registration (coordinator, before publishing)."""

    registration_id: uuid.UUID
    replacement_registration_id: uuid.UUID
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class SelectCandidate(StrictInput):
    """The candidate the corporation chooses."""

    registration_id: uuid.UUID


class _WithReason(StrictInput):
    reason_code: Annotated[str, Field(max_length=40)]
    note: Annotated[str | None, Field(max_length=1000)] = None

    @model_validator(mode="after")
    def _other_needs_a_note(self) -> "_WithReason":
        if self.reason_code == "other" and not (self.note and self.note.strip()):
            raise ValueError("reason_code 'other' needs a note")
        return self


class RejectCandidate(_WithReason):
    """A corporation's rejection of a candidate: final for this pair. Codes: GET /v1/reason-codes."""

    registration_id: uuid.UUID


class DeclineOffer(_WithReason):
    """The client's reasons for declining. Codes: GET /v1/reason-codes."""


class RecordLet(StrictInput):
    """The signed lease."""

    registration_id: uuid.UUID
    contract_type: ContractType
    start_date: date


class Pause(StrictInput):
    """Take a registration out of matching until a date."""

    until: date
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class OverduePublic(BaseModel):
    """Something late: a published shortlist without selection, or an offer without an answer."""

    kind: str
    dwelling_id: uuid.UUID
    registration_id: uuid.UUID | None
    due_at: datetime
    days_late: float


class TimelineEntry(BaseModel):
    """One step in the life of a dwelling or a registration."""

    at: datetime
    action: str
    entity_type: str
    entity_id: uuid.UUID
    organisation_id: uuid.UUID | None
    detail: dict[str, Any]


class Withdrawal(StrictInput):
    """Why an offer or a registration is withdrawn."""

    reason: Annotated[str | None, Field(max_length=500)] = None


class ErasureRequest(StrictInput):
    """Why a client's personal data is erased (AVG article 17): the request, not the client's circumstances."""

    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]
