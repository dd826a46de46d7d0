"""The data-protection routes: erasure on request (AVG article 17).

Apart from the registration routes because erasure reaches into the workflow (it withdraws first), and the workflow
must not import back.
"""

import uuid

from fastapi import APIRouter, Response, status

from service.auth import CareProviderOrCoordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.privacy import erasure
from service.workflow.schemas import ErasureRequest

router = APIRouter(prefix="/v1/registrations", tags=["registrations"])


@router.post(
    "/{registration_id}/erase",
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
