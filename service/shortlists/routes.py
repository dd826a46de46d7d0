"""Shortlists of dwellings, and matching rounds (coordinator)."""

import uuid

from fastapi import APIRouter, BackgroundTasks, Response, status

from service.auth import Coordinator, CorporationOrCoordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, Paging
from service.shortlists import reads, rounds
from service.shortlists.schemas import (
    MatchingRoundCreate,
    MatchingRoundPublic,
    MatchingRunPublic,
    ReplayPublic,
    ShortlistPublic,
)

router = APIRouter(tags=["shortlists"])


@router.get("/v1/dwellings/{dwelling_id}/shortlist", response_model=ShortlistPublic,
            responses=problem_responses(401, 403, 404, 422))
def get_shortlist(dwelling_id: uuid.UUID, org: CorporationOrCoordinator, session: SessionDep) -> ShortlistPublic:
    """Read a dwelling's shortlist (a corporation sees its own dwellings' published shortlists, minimised)."""
    return reads.shortlist_for(session=session, org=org, dwelling_id=dwelling_id)


@router.post("/v1/matching-rounds", status_code=status.HTTP_202_ACCEPTED, response_model=MatchingRoundPublic,
             responses=problem_responses(400, 401, 403, 409, 422))
def start_matching_round(org: Coordinator, session: SessionDep, response: Response, background: BackgroundTasks,
                         data: MatchingRoundCreate | None = None) -> MatchingRoundPublic:
    """Queue a round re-optimising all unpublished shortlists of your regions together (coordinator).

    It runs in the background: follow `Location`. One round per region at a time: 409 names the running one."""
    queued = reads.start_round(session=session, org=org, max_seconds=(data or MatchingRoundCreate()).max_seconds)
    response.headers["Location"] = f"/v1/matching-rounds/{queued.id}"
    # Runs after the response (and so after the commit that queued it); the claim makes it this worker's alone.
    background.add_task(rounds.execute, engine=session.get_bind(), round_id=queued.id)
    return queued


@router.get("/v1/matching-rounds", response_model=Page[MatchingRunPublic], responses=problem_responses(401, 403))
def list_matching_runs(org: Coordinator, session: SessionDep, paging: Paging) -> Page[MatchingRunPublic]:
    """List the matching runs of your regions, newest first (coordinator)."""
    return reads.list_runs(session=session, org=org, limit=paging.limit, offset=paging.offset)


@router.get("/v1/matching-rounds/{run_id}", response_model=MatchingRoundPublic,
            responses=problem_responses(401, 403, 404, 422))
def get_matching_run(run_id: uuid.UUID, org: Coordinator, session: SessionDep) -> MatchingRoundPublic:
    """Read a round's state, phase and progress, and once finished its figures; or an instant run's (coordinator)."""
    return reads.round_public(session=session, org=org, run_id=run_id)


@router.post("/v1/matching-rounds/{run_id}/replay", response_model=ReplayPublic,
             responses=problem_responses(401, 403, 404, 410, 422))
def replay_matching_run(run_id: uuid.UUID, org: Coordinator, session: SessionDep) -> ReplayPublic:
    """Solve a run's stored inputs again and say whether the shortlists are the same (coordinator).

    410 when its inputs have expired (DOORSTROOM_RETENTION_RUN_INPUTS_DAYS, or the region's own period).
    """
    return reads.replay(session=session, org=org, run_id=run_id)
