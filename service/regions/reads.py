"""What the coordinator's *Regio en beleid* screen reads: their regions with the names of their municipalities,
the municipalities a region may take on, and the policy versions with what changed from one to the next.

A fixed number of queries per screen, whatever the number of regions, municipalities or versions.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from service.municipalities.models import Municipality
from service.organisations.models import Organisation
from service.regions import scope
from service.regions import service as regions_service
from service.regions.models import RegionMunicipality, RegionPolicyVersion
from service.regions.schemas import Policy


@dataclass(frozen=True)
class MunicipalityName:
    """A municipality by CBS code and name."""

    code: str
    name: str


@dataclass(frozen=True)
class RegionSummary:
    """One of the coordinator's regions: its municipalities by name and where its policy stands."""

    code: str
    name: str
    policy_version: int
    updated_at: datetime
    municipalities: list[MunicipalityName]


def region_summaries(*, session: Session, org: Organisation) -> list[RegionSummary]:
    """The regions `org` runs, by code, each with its municipalities by name."""
    own = scope.scope_of(session=session, org=org)
    views = regions_service.list_regions(session=session, codes=own.regions) if own.regions else []
    codes = sorted({c for v in views for c in v.municipality_codes})
    names = dict(session.exec(select(Municipality.code, Municipality.name)
                              .where(col(Municipality.code).in_(codes))).all()) if codes else {}
    return [RegionSummary(code=v.region.code, name=v.region.name, policy_version=v.region.policy_version,
                          updated_at=v.region.updated_at,
                          municipalities=sorted((MunicipalityName(code=c, name=names.get(c, c))
                                                 for c in v.municipality_codes), key=lambda m: m.name))
            for v in views]


@dataclass(frozen=True)
class MunicipalityChoices:
    """The municipalities of a region, and those of no region that it could take on; both by name."""

    members: list[MunicipalityName]
    free: list[MunicipalityName]


def municipality_choices(*, session: Session, region_code: str) -> MunicipalityChoices:
    """A region's municipalities and the municipalities that belong to no region, in one query."""
    rows = session.exec(select(Municipality.code, Municipality.name, RegionMunicipality.region_code)
                        .outerjoin(RegionMunicipality,
                                   col(RegionMunicipality.municipality_code) == col(Municipality.code))
                        .order_by(col(Municipality.name), col(Municipality.code))).all()
    return MunicipalityChoices(
        members=[MunicipalityName(code=c, name=n) for c, n, region in rows if region == region_code],
        free=[MunicipalityName(code=c, name=n) for c, n, region in rows if region is None])


@dataclass(frozen=True)
class PolicyChange:
    """One policy field whose value differs between a version and the one before it."""

    field: str
    before: Any
    after: Any


def policy_changes(before: Policy, after: Policy) -> list[PolicyChange]:
    """The fields whose values differ, in the order of the policy's fields."""
    return [PolicyChange(field=name, before=getattr(before, name), after=getattr(after, name))
            for name in Policy.model_fields if getattr(before, name) != getattr(after, name)]


@dataclass(frozen=True)
class PolicyRevision:
    """A policy version, who made it, and what changed from the version before (None for the first)."""

    version: int
    created_at: datetime
    created_by: str | None
    policy: Policy
    changes: list[PolicyChange] | None


def policy_revisions(*, session: Session, code: str, limit: int, offset: int) -> tuple[list[PolicyRevision], int]:
    """A page of a region's policy versions, newest first, each with its changes, and the number of versions.

    One row more than the page is read: the version before the page's oldest, to say what that one changed.
    """
    total = session.exec(select(func.count()).select_from(RegionPolicyVersion)
                         .where(RegionPolicyVersion.region_code == code)).one()
    rows = session.exec(select(RegionPolicyVersion, Organisation.name)
                        .outerjoin(Organisation, col(Organisation.id) == col(RegionPolicyVersion.created_by))
                        .where(RegionPolicyVersion.region_code == code)
                        .order_by(col(RegionPolicyVersion.version).desc())
                        .limit(limit + 1).offset(offset)).all()
    policies = [Policy.model_validate(version.policy) for version, _name in rows]
    revisions = [PolicyRevision(version=version.version, created_at=version.created_at, created_by=name,
                                policy=policies[i],
                                changes=policy_changes(policies[i + 1], policies[i]) if i + 1 < len(rows) else None)
                 for i, (version, name) in enumerate(rows[:limit])]
    return revisions, total
