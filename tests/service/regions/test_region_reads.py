"""What the Regio en beleid screen reads from the regions package: regions with municipality names, the
municipalities a region may take on, policy versions with their changes, and a save refused when the region
changed since it was read."""


import pytest
from sqlmodel import Session

from service.errors import PreconditionFailed
from service.organisations.models import Organisation, OrganisationKind
from service.regions import reads
from service.regions import service as regions_service
from service.regions.schemas import Policy, RegionPut
from tests.world import HOME_REGION


@pytest.fixture
def coordinator(make_org) -> Organisation:
    org, _key = make_org(OrganisationKind.coordinator)
    return org


def _put(session: Session, org: Organisation, **policy: object) -> regions_service.RegionView:
    current = regions_service.get_region(session=session, code=HOME_REGION)
    data = RegionPut(name=current.region.name, municipality_codes=current.municipality_codes,
                     policy=Policy.model_validate({**current.policy.model_dump(), **policy}))
    return regions_service.put_region(session=session, org=org, code=HOME_REGION, data=data)


def test_the_regions_come_with_their_municipalities_by_name(session, coordinator):
    (summary,) = reads.region_summaries(session=session, org=coordinator)
    assert summary.code == HOME_REGION
    assert [m.name for m in summary.municipalities] == ["Nieuwegein", "Utrecht", "Zeist"]


def test_the_choices_are_the_regions_own_and_those_of_no_region(session, coordinator):
    choices = reads.municipality_choices(session=session, region_code=HOME_REGION)
    assert {m.code for m in choices.members} == {"GM0344", "GM0355", "GM0356"}
    assert "GM0344" not in {m.code for m in choices.free} and "GM0505" in {m.code for m in choices.free}


def test_each_version_says_what_changed_from_the_one_before(session, coordinator):
    _put(session, coordinator, weight_urgency=400)
    _put(session, coordinator, weight_urgency=400, monitor_open=True, min_tie_years=1.5)
    revisions, total = reads.policy_revisions(session=session, code=HOME_REGION, limit=2, offset=0)
    assert total == 3 and [r.version for r in revisions] == [3, 2]
    assert [(c.field, c.before, c.after) for c in revisions[0].changes or []] == [
        ("min_tie_years", 0, 1.5), ("monitor_open", False, True)]
    assert [(c.field, c.before, c.after) for c in revisions[1].changes or []] == [("weight_urgency", 365, 400)]
    assert revisions[0].created_by == coordinator.name
    (first,), _total = reads.policy_revisions(session=session, code=HOME_REGION, limit=2, offset=2)
    assert first.version == 1 and first.changes is None


def test_a_save_based_on_an_old_reading_is_refused_and_changes_nothing(session, coordinator):
    read = regions_service.get_region(session=session, code=HOME_REGION)
    read_at = read.region.updated_at
    _put(session, coordinator, weight_urgency=400)
    data = RegionPut(name="Ander", municipality_codes=read.municipality_codes, policy=Policy())
    with pytest.raises(PreconditionFailed):
        regions_service.put_region(session=session, org=coordinator, code=HOME_REGION, data=data,
                                   read_at=read_at)
    now = regions_service.get_region(session=session, code=HOME_REGION)
    assert now.region.name != "Ander" and now.policy.weight_urgency == 400
    saved = regions_service.put_region(session=session, org=coordinator, code=HOME_REGION, data=data,
                                       read_at=now.region.updated_at)
    assert saved.region.name == "Ander"
