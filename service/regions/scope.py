"""Which regions an organisation works in, and what that lets a coordinator see.

A coordinator is confined to the regions linked to its organisation: everything of another region answers 404,
as if it did not exist, so ids never leak. Care providers and corporations are linked to the regions they work in;
what they see is further limited to their own records by their own services.
"""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from service.audit import service as audit
from service.errors import Conflict, NotFound
from service.organisations.models import Organisation, OrganisationKind
from service.regions.models import OrganisationRegion, Region, RegionMunicipality

ENTITY = "organisation"
# Per session, so one request reads an organisation's links once however many records it checks.
_CACHE = "doorstroom.scopes"


@dataclass(frozen=True)
class Scope:
    """The regions an organisation is linked to and their municipalities."""

    regions: frozenset[str]
    municipalities: frozenset[str]

    def has_region(self, code: str | None) -> bool:
        return code is not None and code in self.regions

    def has_municipality(self, code: str | None) -> bool:
        return code is not None and code in self.municipalities


def scope_of(*, session: Session, org: Organisation) -> Scope:
    """The regions `org` is linked to, with their municipalities."""
    cache: dict[uuid.UUID, Scope] = session.info.setdefault(_CACHE, {})
    if org.id not in cache:
        # One query: each linked region with its municipalities (a region without any gives one row with None).
        rows = session.exec(select(OrganisationRegion.region_code, RegionMunicipality.municipality_code)
                            .outerjoin(RegionMunicipality,
                                       col(RegionMunicipality.region_code) == col(OrganisationRegion.region_code))
                            .where(OrganisationRegion.organisation_id == org.id)).all()
        cache[org.id] = Scope(regions=frozenset(code for code, _ in rows),
                              municipalities=frozenset(gm for _, gm in rows if gm is not None))
    return cache[org.id]


def forget(session: Session) -> None:
    """Drop the cached scopes (after links or a region's municipalities change)."""
    session.info.pop(_CACHE, None)


def is_coordinator(org: Organisation) -> bool:
    return org.kind == OrganisationKind.coordinator.value


def require_region(*, session: Session, org: Organisation, code: str) -> None:
    """404 unless `org` is linked to region `code` (the same answer whether or not the region exists)."""
    if not scope_of(session=session, org=org).has_region(code):
        raise NotFound(f"no region {code}")


def link(*, session: Session, by: Organisation | None, organisation: Organisation, region_code: str) -> bool:
    """Link an organisation to a region; False when it already was. `by` is None for the operator's CLI."""
    if session.get(Region, region_code) is None:
        raise NotFound(f"no region {region_code}")
    if session.get(OrganisationRegion, (organisation.id, region_code)) is not None:
        return False
    session.add(OrganisationRegion(organisation_id=organisation.id, region_code=region_code))
    session.flush()
    forget(session)
    audit.record(session=session, organisation=by, action="link_region", entity_type=ENTITY,
                 entity_id=organisation.id, detail={"region": region_code, "kind": organisation.kind})
    return True


def unlink(*, session: Session, by: Organisation | None, organisation: Organisation, region_code: str) -> None:
    """End an organisation's link to a region; a coordinator cannot remove its own last link to it."""
    found = session.get(OrganisationRegion, (organisation.id, region_code))
    if found is None:
        raise NotFound(f"organisation {organisation.id} is not linked to region {region_code}")
    if by is not None and by.id == organisation.id:
        raise Conflict("a coordinator cannot unlink its own organisation from a region it runs; "
                       "ask the operator (doorstroom org regions --remove)")
    session.delete(found)
    session.flush()
    forget(session)
    audit.record(session=session, organisation=by, action="unlink_region", entity_type=ENTITY,
                 entity_id=organisation.id, detail={"region": region_code, "kind": organisation.kind})


def linked_organisations(*, session: Session, region_code: str) -> list[Organisation]:
    """The organisations linked to a region, by kind and name."""
    return list(session.exec(select(Organisation)
                             .join(OrganisationRegion, col(OrganisationRegion.organisation_id) == col(Organisation.id))
                             .where(OrganisationRegion.region_code == region_code)
                             .order_by(col(Organisation.kind), col(Organisation.name))).all())
