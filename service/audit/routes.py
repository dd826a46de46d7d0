"""The audit log, readable by coordinators."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from service.audit import service
from service.auth import Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, Paging

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditRecordPublic(BaseModel):
    """One audited act."""

    id: uuid.UUID
    at: datetime
    organisation_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: uuid.UUID
    request_id: str | None
    detail: dict[str, Any]


@router.get("", response_model=Page[AuditRecordPublic], responses=problem_responses(401, 403, 422))
def list_audit_records(
    org: Coordinator,
    session: SessionDep,
    paging: Paging,
    entity_id: Annotated[uuid.UUID | None, Query()] = None,
    organisation_id: Annotated[uuid.UUID | None, Query()] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[AuditRecordPublic]:
    """List audit records, newest first (coordinator)."""
    rows, total = service.list_records(session=session, entity_id=entity_id, organisation_id=organisation_id,
                                       action=action, limit=paging.limit, offset=paging.offset)
    items = [AuditRecordPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
