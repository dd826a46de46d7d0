"""Stuck cases: per rule, how many open dwellings pass and what lifting one rule alone would free."""

from tests.service.helpers import problem
from tests.service.stuck.scenario import ALMERE_ONLY, offer, register, setup, single, ties


def _rules(diagnosis):
    return {r["code"]: (r["passing"], r["eligible_without"]) for r in diagnosis["rules"]}


def test_ties_only_in_almere_against_a_two_year_region_is_0_eligible_and_n_without_regional_ties(client_for):
    coordinator, corporation, care = setup(client_for)
    almere = register(care, coordinator, single(regional_ties=ALMERE_ONLY), 400)
    for _ in range(3):
        offer(corporation)

    answer = care.get(f"/v1/registrations/{almere}/eligibility")

    assert answer.status_code == 200, answer.text
    diagnosis = answer.json()
    assert (diagnosis["open_dwellings"], diagnosis["eligible"]) == (3, 0)
    assert diagnosis["summary"] == "0 eligible; 3 without REGIONAL_TIES"
    assert diagnosis["blocking_rules"] == ["REGIONAL_TIES"]
    rules = _rules(diagnosis)
    assert rules["REGIONAL_TIES"] == (0, 3)
    assert rules["HOUSEHOLD_FIT"] == (3, 0) and rules["AVAILABILITY"] == (3, 0)
    assert diagnosis["waiting_days"] == 400 and diagnosis["exempt_rules"] == [] and diagnosis["urgent"] is False


def test_a_registration_that_fits_is_eligible_for_every_open_dwelling_but_a_wheelchair_need_blocks(client_for):
    coordinator, corporation, care = setup(client_for)
    wheelchair = register(care, coordinator, single(regional_ties=ties(4),
                                                    accessibility={"wheelchair": True, "no_stairs": False}))
    offer(corporation)
    offer(corporation, wheelchair_accessible=True, floor=0)
    fits = register(care, coordinator, single(regional_ties=ties(4)))

    assert coordinator.get(f"/v1/registrations/{fits}/eligibility").json()["summary"] == "2 eligible"
    diagnosis = coordinator.get(f"/v1/registrations/{wheelchair}/eligibility").json()
    # The accessible dwelling's instant shortlist nominated her; a proposed nomination leaves her matchable for it.
    assert diagnosis["eligible"] == 1
    assert _rules(diagnosis)["ACCESSIBILITY"][0] == 1


def test_a_diagnosis_is_an_audited_read_and_only_for_the_own_care_provider_and_coordinators(client_for):
    coordinator, corporation, care = setup(client_for)
    reg = register(care, coordinator, single())
    assert care.get(f"/v1/registrations/{reg}/eligibility").status_code == 200
    problem(client_for("care_provider").get(f"/v1/registrations/{reg}/eligibility"), 404)
    problem(corporation.get(f"/v1/registrations/{reg}/eligibility"), 403)
    reads = coordinator.get("/v1/audit", params={"entity_id": reg, "action": "read"}).json()["items"]
    assert [r["organisation_id"] for r in reads] == [str(care.org.id)]


def test_the_stuck_list_shows_who_has_nothing_eligible_longest_wait_first_with_the_blocking_rule(client_for):
    coordinator, corporation, care = setup(client_for, min_tie_years=3)
    short_ties = register(care, coordinator, single(regional_ties=ties(2)), 300)
    almere = register(care, coordinator, single(regional_ties=ALMERE_ONLY), 500)
    tied = register(care, coordinator, single(regional_ties=ties(4)), 50)
    waiting = register(care, coordinator, single(regional_ties=ties(4), contract="regular_only"), 800)
    offer(corporation, contract_types=["flip"])  # nominates `tied` at once (the only one who passes every rule)

    stuck = coordinator.get("/v1/stuck")
    assert stuck.status_code == 200, stuck.text
    items = stuck.json()["items"]
    assert [i["registration_id"] for i in items] == [waiting, almere, short_ties]
    assert [i["summary"] for i in items] == ["0 eligible; 1 without CONTRACT", "0 eligible; 1 without REGIONAL_TIES",
                                             "0 eligible; 1 without REGIONAL_TIES"]
    assert stuck.json()["total"] == 3 and all(i["care_provider_id"] == str(care.org.id) for i in items)
    assert tied not in [i["registration_id"] for i in items]  # nominated, so not active

    assert coordinator.get("/v1/stuck", params={"limit": 1, "offset": 1}).json()["items"][0][
        "registration_id"] == almere
    problem(care.get("/v1/stuck"), 403)
    problem(corporation.get("/v1/stuck"), 403)


def test_the_stuck_list_with_min_days_adds_those_waiting_long_even_when_eligible(client_for):
    coordinator, corporation, care = setup(client_for)
    offer(corporation)
    eligible_long = register(care, coordinator, single(regional_ties=ties(4)), 200)
    eligible_short = register(care, coordinator, single(regional_ties=ties(4)), 20)
    assert coordinator.get("/v1/stuck").json()["items"] == []
    items = coordinator.get("/v1/stuck", params={"min_days": 100}).json()["items"]
    assert [(i["registration_id"], i["summary"]) for i in items] == [(eligible_long, "1 eligible")]
    assert eligible_short not in [i["registration_id"] for i in items]
