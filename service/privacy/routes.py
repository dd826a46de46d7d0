"""The data-protection routes: access (AVG article 15) and erasure (article 17) on request, and a region's retention
periods.

Apart from the registration routes because erasure reaches into the workflow (it withdraws first), and the workflow
must not import back.
"""

import uuid

from fastapi import APIRouter, Response, status

from service.auth import CareProviderOrCoordinator, Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.privacy import access, erasure, retention
from service.privacy.schemas import AccessExport, RetentionPublic, RetentionPut
from service.regions.routes import CodePath
from service.workflow.schemas import ErasureRequest

router = APIRouter()


@router.post(
    "/v1/registrations/{registration_id}/erase", tags=["registrations"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def erase_registration(
    registration_id: uuid.UUID, data: ErasureRequest, org: CareProviderOrCoordinator, session: SessionDep,
) -> Response:
    """Erase a client's personal data on request (AVG article 17).

    Its own care provider or a coordinator of its region. Open nominations and offers end first (the registration
    is withdrawn); what stays is the pseudonymous id, region, provider, status and dates, for the monitor and the
    audit.
    """
    erasure.erase_registration(session=session, org=org, registration_id=registration_id, reason=data.reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/registrations/{registration_id}/access-export", response_model=AccessExport, tags=["registrations"],
            responses=problem_responses(401, 403, 404, 422))
def export_registration(registration_id: uuid.UUID, org: CareProviderOrCoordinator,
                        session: SessionDep) -> AccessExport:
    """Export everything held about one client on request (AVG article 15).

    The registration, its history, exemptions, shortlists and offers with their reasons, rejections, the matcher's
    stored copies, and who read it when. Its own care provider or a coordinator of its region; making the export
    is audited.
    """
    return access.export(session=session, org=org, registration_id=registration_id)


@router.get("/v1/regions/{code}/retention", response_model=RetentionPublic, tags=["regions"],
            responses=problem_responses(401, 403, 404, 422))
def get_retention(code: CodePath, org: Coordinator, session: SessionDep) -> RetentionPublic:
    """A region's own retention periods and the periods in force there (a coordinator of the region)."""
    return retention.read_retention(session=session, org=org, code=code)


@router.put("/v1/regions/{code}/retention", response_model=RetentionPublic, tags=["regions"],
            responses=problem_responses(400, 401, 403, 404, 422))
def put_retention(code: CodePath, data: RetentionPut, org: Coordinator, session: SessionDep) -> RetentionPublic:
    """Set a region's own retention periods in days (a coordinator of the region); null follows the setting.

    Personal fields are erased this long after a registration ended, run inputs deleted this long after the run,
    audit records about its registrations deleted this long after they were written (docs/privacy.md).
    """
    return retention.put_retention(session=session, org=org, code=code, data=data)
