"""Stuck cases: why a registration is not matched, and the list the people with a mandate work from."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from service.auth import CareProviderOrCoordinator, Coordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, Paging
from service.stuck import service
from service.stuck.schemas import EligibilityPublic, StuckPublic

router = APIRouter(tags=["stuck cases"])


@router.get("/v1/registrations/{registration_id}/eligibility", response_model=EligibilityPublic,
            responses=problem_responses(401, 403, 404, 422))
def get_eligibility(registration_id: uuid.UUID, org: CareProviderOrCoordinator,
                    session: SessionDep) -> EligibilityPublic:
    """Per hard rule, how many open dwellings pass it and how many lifting it alone would free (audited read)."""
    return service.eligibility(session=session, org=org, registration_id=registration_id)


@router.get("/v1/stuck", response_model=Page[StuckPublic], responses=problem_responses(401, 403, 422))
def list_stuck(
    org: Coordinator,
    session: SessionDep,
    paging: Paging,
    min_days: Annotated[int | None, Query(ge=0, le=36_500,
                                          description="also list those waiting longer than this many days")] = None,
) -> Page[StuckPublic]:
    """List active registrations with no eligible dwelling (or waiting long), longest wait first (coordinator)."""
    items, total = service.stuck_cases(session=session, org=org, min_days=min_days, limit=paging.limit,
                                       offset=paging.offset)
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
