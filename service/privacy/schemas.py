"""Documents of the data-protection routes: a region's retention periods."""

from typing import Annotated

from pydantic import BaseModel, Field

from service.fields import StrictInput

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
