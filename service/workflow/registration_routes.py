"""HTTP routes for registrations: care providers submit and manage their own, coordinators read all.

They live in workflow/ because changing and withdrawing a registration end nominations (changes.py).
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from sqlmodel import Session

from service import housing_figures
from service.auth import CareProvider, CareProviderOrCoordinator, Coordinator
from service.concurrency import etag, expected_version
from service.db import SessionDep, commit_before_answering
from service.errors import FieldError, InvalidFields, problem_responses
from service.pagination import Page, Paging
from service.registrations import service
from service.registrations.models import Registration, RegistrationStatus
from service.registrations.schemas import (
    CandidateProfile,
    RegionMove,
    RegistrationCreate,
    RegistrationPublic,
    RegistrationUpdate,
    WaitingSince,
)
from service.sqltypes import utcnow
from service.workflow import changes
from service.workflow.schemas import Withdrawal

router = APIRouter(prefix="/v1/registrations", tags=["registrations"])
IfMatch = Annotated[str | None, Header(description="the ETag you last read; required for changes")]
IfMatchOptional = Annotated[str | None, Header(description="the ETag you last read (optional here)")]


def _answer(session: Session, response: Response, reg: Registration) -> RegistrationPublic:
    # The work is committed first: on SQLite the write lock is free again while the answer is built.
    commit_before_answering(session)
    public = service.to_public(reg)
    response.headers["ETag"] = etag(public.version)
    return public


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RegistrationPublic,
    responses={200: {"model": RegistrationPublic, "description": "the same form was sent before (idempotent replay)"},
               **problem_responses(400, 401, 403, 409, 413, 422)},
)
def submit_registration(
    data: RegistrationCreate, org: CareProvider, session: SessionDep, response: Response
) -> RegistrationPublic:
    """Register a client with the standard form (version 1)."""
    registered = service.submit_registration(session=session, org=org, data=data)
    if not registered.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"{router.prefix}/{registered.record.id}"
    return _answer(session, response, registered.record)


@router.get("", response_model=Page[RegistrationPublic], responses=problem_responses(401, 403, 422))
def list_registrations(
    org: CareProviderOrCoordinator,
    session: SessionDep,
    paging: Paging,
    status_filter: Annotated[RegistrationStatus | None, Query(alias="status")] = None,
) -> Page[RegistrationPublic]:
    """List the registrations you may see (a care provider its own, a coordinator all), longest waiting first."""
    rows, total = service.list_registrations(
        session=session, org=org, status=status_filter, limit=paging.limit, offset=paging.offset
    )
    commit_before_answering(session)
    return Page(items=[service.to_public(r) for r in rows], total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{registration_id}", response_model=RegistrationPublic, responses=problem_responses(401, 403, 404))
def get_registration(
    registration_id: uuid.UUID, org: CareProviderOrCoordinator, session: SessionDep, response: Response
) -> RegistrationPublic:
    """Read one registration (audited)."""
    reg = service.read_registration(session=session, org=org, registration_id=registration_id)
    return _answer(session, response, reg)


@router.get(
    "/{registration_id}/candidate-profile",
    response_model=CandidateProfile,
    responses=problem_responses(401, 403, 404, 422),
)
def get_candidate_profile(
    registration_id: uuid.UUID,
    org: CareProviderOrCoordinator,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="figures year; default this year")] = None,
) -> CandidateProfile:
    """Show exactly what a corporation would see of this client (the minimised profile)."""
    reg = service.read_registration(session=session, org=org, registration_id=registration_id)
    year = year or utcnow().year
    try:
        return service.candidate_profile(session=session, reg=reg, year=year)
    except housing_figures.MissingFiguresError as exc:
        raise InvalidFields([FieldError(field="query.year", message=str(exc), type="missing_figures")]) from None


@router.patch(
    "/{registration_id}",
    response_model=RegistrationPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 428),
)
def update_registration(
    registration_id: uuid.UUID,
    data: RegistrationUpdate,
    org: CareProvider,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> RegistrationPublic:
    """Change an open registration; requires If-Match."""
    reg = changes.update_registration(
        session=session, org=org, registration_id=registration_id, data=data,
        expected_version=expected_version(if_match),
    )
    return _answer(session, response, reg)


@router.post(
    "/{registration_id}/withdraw",
    response_model=RegistrationPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 412, 422),
)
def withdraw_registration(
    registration_id: uuid.UUID,
    org: CareProvider,
    session: SessionDep,
    response: Response,
    data: Withdrawal | None = None,
    if_match: IfMatchOptional = None,
) -> RegistrationPublic:
    """Withdraw a registration (the client no longer needs a dwelling, or withdrew consent)."""
    reg = changes.withdraw_registration(
        session=session, org=org, registration_id=registration_id, reason=data.reason if data else None,
        expected_version=expected_version(if_match) if if_match is not None else None,
    )
    return _answer(session, response, reg)


@router.put(
    "/{registration_id}/waiting-since",
    response_model=RegistrationPublic,
    responses=problem_responses(400, 401, 403, 404, 422),
)
def set_waiting_since(
    registration_id: uuid.UUID, data: WaitingSince, org: Coordinator, session: SessionDep, response: Response
) -> RegistrationPublic:
    """Start a registration's waiting time earlier, with a reason (coordinator)."""
    reg = service.set_waiting_since(
        session=session, org=org, registration_id=registration_id, waiting_since=data.waiting_since,
        reason=data.reason,
    )
    return _answer(session, response, reg)


@router.put(
    "/{registration_id}/region",
    response_model=RegistrationPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 422),
)
def move_region(
    registration_id: uuid.UUID, data: RegionMove, org: Coordinator, session: SessionDep, response: Response
) -> RegistrationPublic:
    """Move a registration to another region's list, with a reason; its open nominations end (coordinator).

    Only a coordinator of its current region may move it; the waiting time is kept, and afterwards the other
    region's office holds the list."""
    reg = changes.move_registration_region(session=session, org=org, registration_id=registration_id,
                                           region=data.region, reason=data.reason)
    return _answer(session, response, reg)
