"""A change to a dwelling or a registration on a shortlist is checked again, so no ineligible candidate stays."""

from tests.service.helpers import if_match
from tests.service.workflow.flow import World


def _version(client, path: str) -> int:
    return client.get(path).json()["version"]


def test_raising_the_rent_of_a_shortlisted_dwelling_matches_it_again(world: World):
    w = world
    low_income = [w.register() for _ in range(2)]  # the factory income falls under passend toewijzen
    dwelling_id = w.offer()
    assert sorted(w.ranked(dwelling_id)) == sorted(low_income)

    path = f"/v1/dwellings/{dwelling_id}"
    changed = w.corporation.patch(path, json={"bare_rent": "850.00"}, headers=if_match(_version(w.corporation, path)))
    assert changed.status_code == 200, changed.text

    again = w.shortlist(dwelling_id)
    assert again["candidates"] == [] and again["excluded"]["AFFORDABILITY"] == 2
    assert w.dwelling_status(dwelling_id) == "offered"
    assert {w.registration_status(r) for r in low_income} == {"active"}


def test_a_harmless_change_to_a_shortlisted_dwelling_keeps_the_same_candidates(world: World):
    w = world
    registered = [w.register() for _ in range(2)]
    dwelling_id = w.offer()
    path = f"/v1/dwellings/{dwelling_id}"
    version = _version(w.corporation, path)
    changed = w.corporation.patch(path, json={"service_costs": "45.00"}, headers=if_match(version))
    assert changed.status_code == 200, changed.text
    assert sorted(w.ranked(dwelling_id)) == sorted(registered)
    assert w.dwelling_status(dwelling_id) == "shortlisted"
    # Nobody was released and proposed again, so the care provider heard nothing.
    assert [e for e in w.events(w.care) if e["type"] == "candidate_released"] == []


def test_a_registration_that_no_longer_fits_leaves_the_published_shortlist(world: World):
    w = world
    dwelling_id, (first, second, third) = w.published()
    path = f"/v1/registrations/{second}"
    changed = w.care.patch(path, json={"accessibility": {"wheelchair": True, "no_stairs": False}},
                           headers=if_match(_version(w.care, path)))
    assert changed.status_code == 200, changed.text

    assert w.candidates(dwelling_id) == {first: "published", second: "cancelled", third: "published"}
    assert w.registration_status(second) == "active"
    cancelled = [e for e in w.events(w.corporation) if e["type"] == "nomination_cancelled"]
    assert [e["data"]["registration_id"] for e in cancelled] == [second]


def test_a_change_that_still_fits_keeps_the_nomination(world: World):
    w = world
    dwelling_id, (first, _second, _third) = w.published()
    path = f"/v1/registrations/{first}"
    version = _version(w.care, path)
    changed = w.care.patch(path, json={"notes": "moved to a new support worker"}, headers=if_match(version))
    assert changed.status_code == 200, changed.text
    assert w.candidates(dwelling_id)[first] == "published"
    assert w.registration_status(first) == "nominated"
