"""Regions, their policies and their partners (coordinators run them; partners read the regions they work in)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path
from sqlmodel import Session

from service.auth import Coordinator, CurrentOrg
from service.db import SessionDep
from service.errors import Conflict, NotFound, problem_responses
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind
from service.regions import scope, service
from service.regions.schemas import (
    Policy,
    PolicyVersionPublic,
    RegionCode,
    RegionPartner,
    RegionPatch,
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
    """Create a region, or replace it whole (coordinator): its name, ALL its municipalities and its WHOLE policy.

    A policy field left out of the document is reset to its default and a municipality left out leaves the region.
    To change some fields or add and remove municipalities, use PATCH. A changed policy becomes a new version.
    """
    return _public(service.put_region(session=session, org=org, code=code, data=data))


@router.patch("/v1/regions/{code}", response_model=RegionPublic,
              responses=problem_responses(400, 401, 403, 404, 409, 422))
def patch_region(code: CodePath, data: RegionPatch, org: Coordinator, session: SessionDep) -> RegionPublic:
    """Change named policy fields, the name, or add and remove municipalities; the rest stays (coordinator).

    A changed policy becomes a new policy version. A region keeps at least one municipality; a municipality of
    another region answers 409.
    """
    return _public(service.patch_region(session=session, org=org, code=code, data=data))


@router.get("/v1/regions", response_model=list[RegionPublic], responses=problem_responses(401))
def list_regions(org: CurrentOrg, session: SessionDep) -> list[RegionPublic]:
    """List the regions you work in (a coordinator: the regions it runs) with their current policies."""
    own = scope.scope_of(session=session, org=org)
    return [_public(v) for v in service.list_regions(session=session, codes=own.regions)]


@router.get("/v1/regions/{code}", response_model=RegionPublic, responses=problem_responses(401, 404, 422))
def get_region(code: CodePath, org: CurrentOrg, session: SessionDep) -> RegionPublic:
    """Read one region you work in with its current policy."""
    scope.require_region(session=session, org=org, code=code)
    return _public(service.get_region(session=session, code=code))


@router.get("/v1/regions/{code}/policies", response_model=list[PolicyVersionPublic],
            responses=problem_responses(401, 404, 422))
def list_policy_versions(code: CodePath, org: CurrentOrg, session: SessionDep) -> list[PolicyVersionPublic]:
    """List every policy version of a region you work in, newest first."""
    scope.require_region(session=session, org=org, code=code)
    return [PolicyVersionPublic(version=v.version, policy=Policy.model_validate(v.policy), created_at=v.created_at)
            for v in service.policy_history(session=session, code=code)]


@router.put("/v1/neighbourhoods/vulnerability", response_model=VulnerabilityUploadReport,
            responses=problem_responses(401, 403, 413, 422))
def upload_vulnerability(
    org: Coordinator,
    session: SessionDep,
    text: Annotated[str, Body(media_type="text/csv", examples=["code,score\nBU03440302,72\nBU03440101,35\n"])],
) -> VulnerabilityUploadReport:
    """Upload neighbourhood vulnerability scores as CSV `code,score` (0-100) in your regions; bad lines reported."""
    stored, rejected = service.upload_vulnerability(session=session, org=org, text=text)
    return VulnerabilityUploadReport(stored=stored, rejected=rejected)


@router.get("/v1/regions/{code}/organisations", response_model=list[RegionPartner],
            responses=problem_responses(401, 403, 404, 422))
def list_partners(code: CodePath, org: Coordinator, session: SessionDep) -> list[RegionPartner]:
    """List the organisations linked to a region you run: its coordinators, corporations and care providers."""
    scope.require_region(session=session, org=org, code=code)
    return [RegionPartner(id=o.id, kind=o.kind, name=o.name)
            for o in scope.linked_organisations(session=session, region_code=code)]


@router.put("/v1/regions/{code}/organisations/{organisation_id}", response_model=list[RegionPartner],
            responses=problem_responses(401, 403, 404, 409, 422))
def link_partner(code: CodePath, organisation_id: uuid.UUID, org: Coordinator,
                 session: SessionDep) -> list[RegionPartner]:
    """Link a corporation or care provider to a region you run (idempotent); coordinators are linked by the operator."""
    scope.require_region(session=session, org=org, code=code)
    partner = _organisation(session, organisation_id)
    if partner.kind == OrganisationKind.coordinator.value:
        raise Conflict("another matching office is linked to a region by the operator "
                       "(doorstroom org regions --org ID --add CODE), not through the API")
    scope.link(session=session, by=org, organisation=partner, region_code=code)
    return list_partners(code=code, org=org, session=session)


@router.delete("/v1/regions/{code}/organisations/{organisation_id}", response_model=list[RegionPartner],
               responses=problem_responses(401, 403, 404, 409, 422))
def unlink_partner(code: CodePath, organisation_id: uuid.UUID, org: Coordinator,
                   session: SessionDep) -> list[RegionPartner]:
    """End a partner's link to a region you run; its existing registrations stay on the region's list."""
    scope.require_region(session=session, org=org, code=code)
    partner = _organisation(session, organisation_id)
    scope.unlink(session=session, by=org, organisation=partner, region_code=code)
    return list_partners(code=code, org=org, session=session)


def _organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    partner = organisations_service.get_organisation(session=session, organisation_id=organisation_id)
    if partner is None:
        raise NotFound(f"no organisation {organisation_id}")
    return partner
