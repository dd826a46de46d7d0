"""Exemptions: granted with a reason against a yearly contingent, visible, revocable, and applied by the matcher."""

from datetime import timedelta

from tests.service.helpers import field_errors, forbidden, not_found, problem
from tests.service.stuck.scenario import ALMERE_ONLY, TODAY, offer, register, setup, single

UNTIL = (TODAY + timedelta(days=180)).isoformat()


def _exempt(coordinator, reg: str, **overrides):  # type: ignore[no-untyped-def]
    doc = {"kind": "custom_case", "rules_lifted": ["REGIONAL_TIES"], "reason": "network in Amsterdam, ready for two "
           "years", "valid_until": UNTIL, **overrides}
    return coordinator.post(f"/v1/registrations/{reg}/exemptions", json=doc)


def _almere_mother(care, coordinator):  # type: ignore[no-untyped-def]
    # Ties only in Almere, but she prefers Utrecht: that is the region whose contingent pays.
    return register(care, coordinator, single(regional_ties=ALMERE_ONLY, preferred_municipalities=["GM0344"]), 700)


def test_lifting_regional_ties_makes_her_eligible_and_she_is_on_the_next_instant_shortlist(client_for):
    coordinator, corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    offer(corporation)
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["summary"] == \
        "0 eligible; 1 without REGIONAL_TIES"

    granted = _exempt(coordinator, mother)

    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert (body["kind"], body["rules_lifted"], body["region_code"], body["active"]) == \
        ("custom_case", ["REGIONAL_TIES"], "U16", True)
    assert (body["contingent_used"], body["contingent"], body["granted_by"]) == (1, 50, str(coordinator.org.id))
    diagnosis = care.get(f"/v1/registrations/{mother}/eligibility").json()
    assert (diagnosis["eligible"], diagnosis["exempt_rules"]) == (1, ["REGIONAL_TIES"])
    dwelling = offer(corporation)
    shortlist = coordinator.get(f"/v1/dwellings/{dwelling}/shortlist").json()
    assert [c["registration_id"] for c in shortlist["candidates"]] == [mother]


def test_an_urgency_exemption_adds_the_urgency_points(client_for):
    coordinator, corporation, care = setup(client_for, weight_urgency=365)
    reg = register(care, coordinator, single(preferred_municipalities=["GM0344"]), 10)
    assert _exempt(coordinator, reg, kind="urgency", rules_lifted=[]).status_code == 201
    dwelling = offer(corporation)
    [candidate] = coordinator.get(f"/v1/dwellings/{dwelling}/shortlist").json()["candidates"]
    assert candidate["registration_id"] == reg and candidate["score_breakdown"]["urgency"] == 365


def test_the_corporation_sees_rank_and_total_score_but_no_breakdown_that_discloses_the_urgency(client_for):
    coordinator, corporation, care = setup(client_for, weight_urgency=365)
    reg = register(care, coordinator, single(preferred_municipalities=["GM0344"]), 10)
    assert _exempt(coordinator, reg, kind="urgency", rules_lifted=[]).status_code == 201
    dwelling = offer(corporation)
    assert coordinator.post(f"/v1/dwellings/{dwelling}/shortlist/publish").status_code == 200
    [office] = coordinator.get(f"/v1/dwellings/{dwelling}/shortlist").json()["candidates"]
    assert office["score_breakdown"]["urgency"] == 365

    seen = corporation.get(f"/v1/dwellings/{dwelling}/shortlist")
    assert seen.status_code == 200, seen.text
    [candidate] = seen.json()["candidates"]
    assert (candidate["registration_id"], candidate["rank"], candidate["score"]) == \
        (reg, office["rank"], office["score"])
    assert "score_breakdown" not in candidate
    assert "urgency" not in seen.text and "low_stimulus" not in seen.text


def test_the_contingent_is_counted_per_region_and_year_and_refuses_when_used_up(client_for):
    coordinator, corporation, care = setup(client_for, exemption_contingent=1)
    first, second = _almere_mother(care, coordinator), _almere_mother(care, coordinator)
    granted = _exempt(coordinator, first)
    assert granted.status_code == 201

    refused = problem(_exempt(coordinator, second), 409)
    assert "contingent of region U16 is used up (1 of 1)" in refused["detail"]
    assert coordinator.get(f"/v1/registrations/{second}/exemptions").json() == []

    revoked = coordinator.post(f"/v1/registrations/{first}/exemptions/{granted.json()['id']}/revoke",
                               json={"reason": "granted by mistake"})
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["active"], revoked.json()["revoke_reason"]) == (False, "granted by mistake")
    assert _exempt(coordinator, second).status_code == 201  # the revoked one freed its place


def test_the_seeds_young_mother_tied_only_to_almere_is_exempted_on_the_list_she_is_on(client_for):
    coordinator, corporation, care = setup(client_for)
    # Her care provider also works in the Drechtsteden, so the form must say on whose list she is.
    assert coordinator.put("/v1/regions/DRE", json={"name": "Drechtsteden", "municipality_codes": ["GM0505"],
                                                    "policy": {}}).status_code == 200
    assert coordinator.put(f"/v1/regions/DRE/organisations/{care.org.id}").status_code == 200
    doc = single(regional_ties=ALMERE_ONLY)
    assert "several regions (DRE, U16)" in field_errors(care.post("/v1/registrations", json=doc))["region"]
    mother = register(care, coordinator, {**doc, "region": "U16"}, 700)
    offer(corporation)
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["summary"] == \
        "0 eligible; 1 without REGIONAL_TIES"

    granted = _exempt(coordinator, mother)

    assert granted.status_code == 201, granted.text
    assert (granted.json()["region_code"], granted.json()["contingent_used"]) == ("U16", 1)
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["eligible"] == 1


def test_revoking_stops_the_matcher_applying_it_and_revoking_twice_is_refused(client_for):
    coordinator, corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    offer(corporation)
    exemption = _exempt(coordinator, mother).json()["id"]
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["eligible"] == 1
    url = f"/v1/registrations/{mother}/exemptions/{exemption}/revoke"
    assert coordinator.post(url, json={"reason": "found a place with family"}).status_code == 200
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["eligible"] == 0
    problem(coordinator.post(url, json={"reason": "again"}), 409)


def test_exemptions_are_listed_for_the_care_provider_on_the_timeline_and_in_the_audit_log(client_for):
    coordinator, _corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    exemption = _exempt(coordinator, mother).json()["id"]
    coordinator.post(f"/v1/registrations/{mother}/exemptions/{exemption}/revoke", json={"reason": "housed privately"})

    listed = care.get(f"/v1/registrations/{mother}/exemptions")
    assert listed.status_code == 200
    [seen] = listed.json()
    assert (seen["id"], seen["reason"], seen["revoked_by"]) == (exemption, "network in Amsterdam, ready for two "
                                                                           "years", str(coordinator.org.id))
    actions = [e["action"] for e in care.get(f"/v1/registrations/{mother}/timeline").json()]
    assert actions.index("exemption_granted") < actions.index("exemption_revoked")
    records = coordinator.get("/v1/audit", params={"entity_id": mother, "action": "exemption_granted"}).json()
    [record] = records["items"]
    assert record["organisation_id"] == str(coordinator.org.id)
    assert record["detail"]["exemption_id"] == exemption and record["detail"]["rules_lifted"] == ["REGIONAL_TIES"]


def test_who_may_grant_and_read(client_for):
    coordinator, corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    forbidden(_exempt(care, mother), "coordinator", kind="care_provider")
    forbidden(_exempt(corporation, mother), "coordinator", kind="corporation")
    not_found(client_for("care_provider").get(f"/v1/registrations/{mother}/exemptions"),
              f"no registration {mother}")
    forbidden(corporation.get(f"/v1/registrations/{mother}/exemptions"), "care_provider", "coordinator",
              kind="corporation")
    not_found(coordinator.post(f"/v1/registrations/{mother}/exemptions/{mother}/revoke", json={"reason": "no such"}),
              f"registration {mother} has no exemption {mother}")
    # The refused grants wrote nothing and took nothing from the contingent.
    assert coordinator.get(f"/v1/registrations/{mother}/exemptions").json() == []
    assert coordinator.get("/v1/audit", params={"entity_id": mother, "action": "exemption_granted"}).json() \
        ["total"] == 0
    assert care.get(f"/v1/registrations/{mother}/eligibility").json()["exempt_rules"] == []
    assert _exempt(coordinator, mother).json()["contingent_used"] == 1


def test_bad_exemptions_are_refused_field_by_field(client_for):
    coordinator, _corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    errors = field_errors(_exempt(coordinator, mother, rules_lifted=["NO_SUCH_RULE"]))
    assert "unknown rule code" in errors["rules_lifted"]
    assert "must lift at least one rule" in field_errors(_exempt(coordinator, mother, rules_lifted=[]))["body"]
    past = (TODAY - timedelta(days=1)).isoformat()
    assert "today or later" in field_errors(_exempt(coordinator, mother, valid_until=past))["valid_until"]
    assert coordinator.get(f"/v1/registrations/{mother}/exemptions").json() == []


def test_revoking_ends_a_nomination_that_relied_on_the_exemption(client_for):
    coordinator, corporation, care = setup(client_for)
    mother = _almere_mother(care, coordinator)
    exemption = _exempt(coordinator, mother).json()["id"]
    dwelling = offer(corporation)
    assert [c["registration_id"] for c in coordinator.get(f"/v1/dwellings/{dwelling}/shortlist").json()
            ["candidates"]] == [mother]
    assert care.get(f"/v1/registrations/{mother}").json()["status"] == "nominated"

    revoked = coordinator.post(f"/v1/registrations/{mother}/exemptions/{exemption}/revoke",
                               json={"reason": "granted for the wrong region"})
    assert revoked.status_code == 200, revoked.text
    assert care.get(f"/v1/registrations/{mother}").json()["status"] == "active"
    # Her nomination ended and the dwelling was matched again, without her: she no longer has regional ties.
    again = coordinator.get(f"/v1/dwellings/{dwelling}/shortlist").json()
    assert mother not in [c["registration_id"] for c in again["candidates"]]
    # She is the only registration, and regional ties are all that keeps her out.
    assert again["excluded"]["REGIONAL_TIES"] == 1
    assert again["candidates"] == [] and again["eligible_count"] == 0
