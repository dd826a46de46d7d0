"""What-if: a changed policy evaluated on today's open dwellings and registrations, changing nothing."""

from tests.service.helpers import field_errors, forbidden, not_found
from tests.service.stuck.scenario import ALMERE_ONLY, offer, register, setup, single, ties


def _state(coordinator, corporation, care, dwelling):  # type: ignore[no-untyped-def]
    return (coordinator.get("/v1/regions/U16").json()["policy_version"],
            sorted((r["id"], r["status"], r["version"]) for r in care.get("/v1/registrations").json()["items"]),
            corporation.get(f"/v1/dwellings/{dwelling}").json()["status"],
            coordinator.get("/v1/matching-rounds").json()["total"])


def test_lowering_min_tie_years_from_3_to_1_frees_two_of_three_stuck_clients(client_for):
    coordinator, corporation, care = setup(client_for, min_tie_years=3)
    four = register(care, coordinator, single(regional_ties=ties(4)), 100)
    two = register(care, coordinator, single(regional_ties=ties(2)), 200)
    one = register(care, coordinator, single(regional_ties=ties(1)), 300)
    register(care, coordinator, single(regional_ties=ALMERE_ONLY), 400)
    dwelling = offer(corporation)  # the instant shortlist nominates `four`, the only one with 3 years of ties
    before = _state(coordinator, corporation, care, dwelling)

    answer = coordinator.post("/v1/what-if", json={"region": "U16", "policy": {"min_tie_years": 1}})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["open_dwellings"], body["registrations"]) == (1, 4)
    assert body["current"]["eligible_registrations"] == 1 and body["changed"]["eligible_registrations"] == 3
    assert body["newly_eligible"] == 2
    assert (body["current"]["filled_slots"], body["changed"]["filled_slots"], body["filled_slots_delta"]) == (1, 3, 2)
    assert (body["current"]["mean_wait_days"], body["changed"]["mean_wait_days"]) == (100, 200)
    assert body["mean_wait_days_delta"] == 100
    assert sorted((u["registration_id"], u["eligible_after"], u["nominated_after"]) for u in body["unstuck"]) == \
        sorted([(two, 1, True), (one, 1, True)])
    assert four not in [u["registration_id"] for u in body["unstuck"]]
    # Nothing changed but one audit record.
    assert _state(coordinator, corporation, care, dwelling) == before
    [record] = coordinator.get("/v1/audit", params={"action": "what_if"}).json()["items"]
    assert record["detail"]["changes"] == {"min_tie_years": 1} and record["detail"]["newly_eligible"] == 2


def test_an_unchanged_policy_changes_nothing(client_for):
    coordinator, corporation, care = setup(client_for)
    register(care, coordinator, single(regional_ties=ties(4)), 10)
    offer(corporation)
    body = coordinator.post("/v1/what-if", json={"region": "U16", "policy": {}}).json()
    assert (body["newly_eligible"], body["filled_slots_delta"], body["mean_wait_days_delta"], body["unstuck"]) == \
        (0, 0, 0, [])


def test_a_bad_policy_change_is_refused_by_field_and_only_coordinators_may_ask(client_for):
    coordinator, corporation, care = setup(client_for)
    errors = field_errors(coordinator.post("/v1/what-if", json={"region": "U16",
                                                                "policy": {"min_tie_years": -1, "colour": "red"}}))
    assert set(errors) == {"policy.min_tie_years", "policy.colour"}
    not_found(coordinator.post("/v1/what-if", json={"region": "NOPE", "policy": {}}), "no region NOPE")
    forbidden(corporation.post("/v1/what-if", json={"region": "U16", "policy": {}}), "coordinator",
              kind="corporation")
    forbidden(care.post("/v1/what-if", json={"region": "U16", "policy": {}}), "coordinator", kind="care_provider")
