"""Yearly targets (performance agreements) and the data of their distribution key."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from service.auth import Coordinator, CorporationOrCoordinator
from service.db import SessionDep
from service.errors import problem_responses
from service.regions import scope
from service.regions.schemas import RegionCode
from service.targets import service
from service.targets.schemas import TargetPut, TargetsPublic, UploadReport

router = APIRouter(tags=["targets"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the calendar year")]


@router.put("/v1/targets/{year}", response_model=TargetsPublic, responses=problem_responses(400, 401, 403, 404, 422))
def put_target(year: Year, data: TargetPut, org: Coordinator, session: SessionDep) -> TargetsPublic:
    """Set a region's yearly total; it is split by the distribution key, overrides kept (coordinator)."""
    return service.put_target(session=session, org=org, year=year, data=data)


@router.get("/v1/targets/{year}", response_model=TargetsPublic, responses=problem_responses(401, 403, 404, 422))
def get_target(year: Year, region: Annotated[RegionCode, Query(description="the region's code")],
               org: CorporationOrCoordinator, session: SessionDep) -> TargetsPublic:
    """Read the yearly target of a region you work in, with the computed, overridden and effective split."""
    scope.require_region(session=session, org=org, code=region)
    return service.split_for(session=session, org=org, year=year, region_code=region)


@router.put("/v1/municipalities/figures", response_model=UploadReport,
            responses=problem_responses(401, 403, 413, 422))
def upload_municipality_figures(
    org: Coordinator,
    session: SessionDep,
    text: Annotated[str, Body(media_type="text/csv",
                              examples=["code,households,care_pressure\nGM0344,170000,-0.2\nGM0356,26000,0.1\n"])],
) -> UploadReport:
    """Upload households and care-pressure correction per municipality as CSV; bad lines are reported."""
    stored, rejected = service.upload_figures(session=session, org=org, text=text)
    return UploadReport(stored=stored, rejected=rejected)


@router.put("/v1/corporations/stock", response_model=UploadReport, responses=problem_responses(401, 403, 404, 413, 422))
def upload_corporation_stock(
    region: Annotated[RegionCode, Query(description="the region the stock lies in")],
    org: Coordinator,
    session: SessionDep,
    text: Annotated[str, Body(media_type="text/csv", examples=["corporation_id,dwellings\n"
                                                                "6f1c1f0e-2a41-4c5e-9d0b-6a7c2b1e9a10,12000\n"])],
) -> UploadReport:
    """Replace a region's corporation stock as CSV `corporation_id,dwellings`; bad lines are reported."""
    stored, rejected = service.upload_stock(session=session, org=org, region_code=region, text=text)
    return UploadReport(stored=stored, rejected=rejected)
