"""The audit log, readable by coordinators, confined to their regions.

It lives in workflow/ because what a coordinator may see of it follows from registrations, dwellings and regions:
the records about the registrations on its regions' lists, the dwellings in their municipalities (with their
shortlists and candidates), the regions
themselves, their partners' links, people and keys, and everything its own organisation did.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from service.audit import service
from service.audit.models import AuditRecord
from service.auth import Coordinator
from service.db import SessionDep
from service.dwellings.models import Dwelling
from service.errors import problem_responses
from service.organisations.models import Organisation
from service.pagination import Page, Paging
from service.regions import scope
from service.regions.models import OrganisationRegion
from service.registrations.models import Registration
from service.shortlists.models import Shortlist, ShortlistCandidate

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditRecordPublic(BaseModel):
    """One audited act."""

    id: uuid.UUID
    at: datetime
    organisation_id: uuid.UUID | None
    person_id: uuid.UUID | None = Field(description="the signed-in person who acted (web requests)")
    api_key_id: uuid.UUID | None = Field(description="the API key the request carried (API requests)")
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
    person_id: Annotated[uuid.UUID | None, Query(description="only what this person did")] = None,
    api_key_id: Annotated[uuid.UUID | None, Query(description="only what was done with this API key")] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[AuditRecordPublic]:
    """List audit records, newest first (coordinator).

    Each record names the organisation and who acted in it: `person_id` for a signed-in person, `api_key_id` for a
    request with an API key (both empty for the installation's operator and the periodic tick).
    """
    rows, total = service.list_records(session=session, within=_visible_to(session, org),
                                       entity_id=entity_id, organisation_id=organisation_id,
                                       person_id=person_id, api_key_id=api_key_id,
                                       action=action, limit=paging.limit, offset=paging.offset)
    items = [AuditRecordPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)


PARTNER_ACCESS_ENTITIES = ("person", "api_key")


def _visible_to(session: Session, org: Organisation) -> ColumnElement[bool]:
    """The records a coordinator may read: about its regions' records, or made by its own organisation."""
    own = scope.scope_of(session=session, org=org)
    entity = col(AuditRecord.entity_id)
    return or_(
        col(AuditRecord.organisation_id) == org.id,
        entity.in_(select(Registration.id).where(col(Registration.region_code).in_(own.regions))),
        entity.in_(select(Dwelling.id).where(col(Dwelling.municipality_code).in_(own.municipalities))),
        entity.in_(select(Shortlist.id).join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                   .where(col(Dwelling.municipality_code).in_(own.municipalities))),
        entity.in_(select(ShortlistCandidate.id)
                   .join(Shortlist, col(Shortlist.id) == col(ShortlistCandidate.shortlist_id))
                   .join(Dwelling, col(Dwelling.id) == col(Shortlist.dwelling_id))
                   .where(col(Dwelling.municipality_code).in_(own.municipalities))),
        entity.in_(select(OrganisationRegion.organisation_id)
                   .where(col(OrganisationRegion.region_code).in_(own.regions))),
        entity.in_([service.name_id("region", code) for code in own.regions]),
        # The people and keys of the partners working in its regions (sign-ins, enrolments, key changes).
        and_(col(AuditRecord.entity_type).in_(PARTNER_ACCESS_ENTITIES), col(AuditRecord.organisation_id).in_(
            select(OrganisationRegion.organisation_id).where(col(OrganisationRegion.region_code).in_(own.regions)))),
    )
