"""Exemptions of a registration: coordinators grant and revoke, the care provider and coordinators read.

They live in workflow/ because a revoke ends the nominations that relied on the exemption (changes.py).
"""

import uuid

from fastapi import APIRouter, status

from service.auth import CareProviderOrCoordinator, Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.exemptions import service
from service.exemptions.schemas import ExemptionCreate, ExemptionPublic, ExemptionRevoke
from service.workflow import changes

router = APIRouter(prefix="/v1/registrations/{registration_id}/exemptions", tags=["exemptions"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ExemptionPublic,
             responses=problem_responses(400, 401, 403, 404, 409, 422))
def grant_exemption(registration_id: uuid.UUID, data: ExemptionCreate, org: Coordinator,
                    session: SessionDep) -> ExemptionPublic:
    """Grant an exemption, counted against the region's yearly contingent (coordinator)."""
    granted = service.grant(session=session, org=org, registration_id=registration_id, data=data)
    return service.to_public(granted.exemption, granted.used, granted.contingent)


@router.get("", response_model=list[ExemptionPublic], responses=problem_responses(401, 403, 404, 422))
def list_exemptions(registration_id: uuid.UUID, org: CareProviderOrCoordinator,
                    session: SessionDep) -> list[ExemptionPublic]:
    """List a registration's exemptions, newest first (its care provider or a coordinator)."""
    exemptions = service.list_exemptions(session=session, org=org, registration_id=registration_id)
    return [service.to_public(e) for e in exemptions]


@router.post("/{exemption_id}/revoke", response_model=ExemptionPublic,
             responses=problem_responses(400, 401, 403, 404, 409, 422))
def revoke_exemption(registration_id: uuid.UUID, exemption_id: uuid.UUID, data: ExemptionRevoke, org: Coordinator,
                     session: SessionDep) -> ExemptionPublic:
    """Revoke an exemption with a reason; nominations that relied on it end (coordinator)."""
    exemption = changes.revoke_exemption(session=session, org=org, registration_id=registration_id,
                                         exemption_id=exemption_id, reason=data.reason)
    return service.to_public(exemption)
