"""The region every test organisation works in unless a test says otherwise: U16 with three municipalities.

Since registrations are on a region's list and coordinators see only their regions, an organisation linked to no
region can do little. Test organisations are linked to HOME_REGION, which is created with the default policy the
first time it is needed; a test about regions sets up its own (PUT /v1/regions/U16 keeps the links).
"""

from sqlmodel import Session, select

from service.organisations.models import Organisation
from service.regions import scope
from service.regions.models import Region, RegionMunicipality, RegionPolicyVersion
from service.regions.schemas import Policy

HOME_REGION = "U16"
# Utrecht, Nieuwegein and De Bilt: the municipalities of tests/factories.py's documents.
HOME_MUNICIPALITIES = ("GM0344", "GM0356", "GM0355")


def ensure_home_region(session: Session) -> None:
    """Create HOME_REGION with the default policy unless it exists."""
    if session.get(Region, HOME_REGION) is not None:
        return
    session.add(Region(code=HOME_REGION, name=HOME_REGION, policy_version=1))
    session.flush()
    session.add(RegionPolicyVersion(region_code=HOME_REGION, version=1, policy=Policy().model_dump(mode="json")))
    taken = set(session.exec(select(RegionMunicipality.municipality_code)).all())
    session.add_all(RegionMunicipality(municipality_code=code, region_code=HOME_REGION)
                    for code in HOME_MUNICIPALITIES if code not in taken)
    session.flush()


def link_home(session: Session, org: Organisation) -> None:
    """Link an organisation to HOME_REGION (created when missing)."""
    ensure_home_region(session)
    scope.link(session=session, by=None, organisation=org, region_code=HOME_REGION)
