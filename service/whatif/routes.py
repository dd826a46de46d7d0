"""What-if: try a changed policy on today's open dwellings and registrations without changing anything."""

from fastapi import APIRouter

from service.auth import Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.whatif import service
from service.whatif.schemas import WhatIfPublic, WhatIfRequest

router = APIRouter(tags=["what-if"])


@router.post("/v1/what-if", response_model=WhatIfPublic, responses=problem_responses(400, 401, 403, 404, 422))
def evaluate_what_if(data: WhatIfRequest, org: Coordinator, session: SessionDep) -> WhatIfPublic:
    """Compare a region's policy with a changed one on the current inputs; nothing is stored (coordinator)."""
    return service.what_if(session=session, org=org, data=data)
