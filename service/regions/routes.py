"""Regions and their policies (coordinators change them; every partner may read them)."""

from typing import Annotated

from fastapi import APIRouter, Body, Path

from service.auth import Coordinator, CurrentOrg
from service.db import SessionDep
from service.errors import problem_responses
from service.regions import service
from service.regions.schemas import (
    Policy,
    PolicyVersionPublic,
    RegionCode,
    RegionPublic,
    RegionPut,
    VulnerabilityUploadReport,
)

router = APIRouter(tags=["regions"])
CodePath = Annotated[RegionCode, Path(description="the region's code, e.g. U16")]


def _public(view: service.RegionView) -> RegionPublic:
    return RegionPublic(code=view.region.code, name=view.region.name, municipality_codes=view.municipality_codes,
                        policy=view.policy, policy_version=view.region.policy_version,
                        created_at=view.region.created_at, updated_at=view.region.updated_at)


@router.put("/v1/regions/{code}", response_model=RegionPublic,
            responses=problem_responses(400, 401, 403, 409, 422))
def put_region(code: CodePath, data: RegionPut, org: Coordinator, session: SessionDep) -> RegionPublic:
    """Create or change a region; a changed policy becomes a new policy version (coordinator)."""
    return _public(service.put_region(session=session, org=org, code=code, data=data))


@router.get("/v1/regions", response_model=list[RegionPublic], responses=problem_responses(401))
def list_regions(org: CurrentOrg, session: SessionDep) -> list[RegionPublic]:
    """List the regions with their current policies."""
    return [_public(v) for v in service.list_regions(session=session)]


@router.get("/v1/regions/{code}", response_model=RegionPublic, responses=problem_responses(401, 404, 422))
def get_region(code: CodePath, org: CurrentOrg, session: SessionDep) -> RegionPublic:
    """Read one region with its current policy."""
    return _public(service.get_region(session=session, code=code))


@router.get("/v1/regions/{code}/policies", response_model=list[PolicyVersionPublic],
            responses=problem_responses(401, 404, 422))
def list_policy_versions(code: CodePath, org: CurrentOrg, session: SessionDep) -> list[PolicyVersionPublic]:
    """List every policy version of a region, newest first."""
    return [PolicyVersionPublic(version=v.version, policy=Policy.model_validate(v.policy), created_at=v.created_at)
            for v in service.policy_history(session=session, code=code)]


@router.put("/v1/neighbourhoods/vulnerability", response_model=VulnerabilityUploadReport,
            responses=problem_responses(401, 403, 413, 422))
def upload_vulnerability(
    org: Coordinator,
    session: SessionDep,
    text: Annotated[str, Body(media_type="text/csv", examples=["code,score\nBU03440302,72\nBU03440101,35\n"])],
) -> VulnerabilityUploadReport:
    """Upload neighbourhood vulnerability scores as CSV `code,score` (0-100); bad lines are reported."""
    stored, rejected = service.upload_vulnerability(session=session, org=org, text=text)
    return VulnerabilityUploadReport(stored=stored, rejected=rejected)
