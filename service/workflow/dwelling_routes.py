"""HTTP routes for dwelling offers: thin, they authorise, call the service and shape the answer.

They live in workflow/ because offering, changing and withdrawing a dwelling reach into matching (changes.py).
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from service.auth import Corporation, CorporationOrCoordinator
from service.concurrency import etag, expected_version
from service.db import SessionDep
from service.dwellings import service
from service.dwellings.models import DwellingStatus
from service.dwellings.schemas import DwellingCreate, DwellingPublic, DwellingUpdate
from service.errors import problem_responses
from service.pagination import Page, Paging
from service.workflow import changes
from service.workflow.schemas import Withdrawal

router = APIRouter(prefix="/v1/dwellings", tags=["dwellings"])
IfMatch = Annotated[str | None, Header(description="the ETag you last read; required for changes")]
IfMatchOptional = Annotated[str | None, Header(description="the ETag you last read (optional here)")]


def _answer(response: Response, dwelling: DwellingPublic) -> DwellingPublic:
    response.headers["ETag"] = etag(dwelling.version)
    return dwelling


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DwellingPublic,
    responses={200: {"model": DwellingPublic, "description": "the same offer was sent before (idempotent replay)"},
               **problem_responses(400, 401, 403, 409, 413, 422)},
)
def offer_dwelling(data: DwellingCreate, org: Corporation, session: SessionDep, response: Response) -> DwellingPublic:
    """Offer a dwelling to the matching office."""
    offered = changes.offer_dwelling(session=session, org=org, data=data)
    if not offered.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"{router.prefix}/{offered.record.id}"
    return _answer(response, service.to_public(offered.record))


@router.get("", response_model=Page[DwellingPublic], responses=problem_responses(401, 403, 422))
def list_dwellings(
    org: CorporationOrCoordinator,
    session: SessionDep,
    paging: Paging,
    status_filter: Annotated[DwellingStatus | None, Query(alias="status")] = None,
) -> Page[DwellingPublic]:
    """List the dwellings you may see (a corporation its own, a coordinator all), newest first."""
    rows, total = service.list_dwellings(
        session=session, org=org, status=status_filter, limit=paging.limit, offset=paging.offset
    )
    return Page(items=[service.to_public(d) for d in rows], total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{dwelling_id}", response_model=DwellingPublic, responses=problem_responses(401, 403, 404))
def get_dwelling(
    dwelling_id: uuid.UUID, org: CorporationOrCoordinator, session: SessionDep, response: Response
) -> DwellingPublic:
    """Read one dwelling."""
    dwelling = service.get_dwelling(session=session, org=org, dwelling_id=dwelling_id)
    return _answer(response, service.to_public(dwelling))


@router.patch(
    "/{dwelling_id}", response_model=DwellingPublic, responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428)
)
def update_dwelling(
    dwelling_id: uuid.UUID,
    data: DwellingUpdate,
    org: Corporation,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> DwellingPublic:
    """Change an offer that is not yet published; requires If-Match."""
    dwelling = changes.update_dwelling(
        session=session, org=org, dwelling_id=dwelling_id, data=data, expected_version=expected_version(if_match)
    )
    return _answer(response, service.to_public(dwelling))


@router.post(
    "/{dwelling_id}/withdraw",
    response_model=DwellingPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
)
def withdraw_dwelling(
    dwelling_id: uuid.UUID,
    org: Corporation,
    session: SessionDep,
    response: Response,
    data: Withdrawal | None = None,
    if_match: IfMatchOptional = None,
) -> DwellingPublic:
    """Withdraw an offer before it is let (while an offer is out to a client, reject that candidate first)."""
    dwelling = changes.withdraw_dwelling(
        session=session,
        org=org,
        dwelling_id=dwelling_id,
        reason=data.reason if data else None,
        expected_version=expected_version(if_match) if if_match is not None else None,
    )
    return _answer(response, service.to_public(dwelling))
