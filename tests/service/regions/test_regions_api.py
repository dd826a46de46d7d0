"""Regions over HTTP: membership, versioned policies, who may read and change them, and vulnerability scores."""

import functools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.audit.service import name_id
from service.regions.service import vulnerability_scores
from tests.service.helpers import field_errors, forbidden, not_found, problem

REGIONS = "/v1/regions"
VULNERABILITY = "/v1/neighbourhoods/vulnerability"
UTRECHT, NIEUWEGEIN, ZEIST, DORDRECHT = "GM0344", "GM0356", "GM0355", "GM0505"


@pytest.fixture
def client_for(client_for):  # type: ignore[no-untyped-def]
    """Organisations of no region: these tests set up their regions themselves (home=True links one to U16)."""
    return functools.partial(client_for, home=False)


def _region(**overrides: Any) -> dict[str, Any]:
    return {"name": "U16 (regio Utrecht)", "municipality_codes": [UTRECHT, NIEUWEGEIN],
            "policy": {"min_tie_years": 3, "weight_waiting_per_day": 1}, **overrides}


def _put(client: TestClient, code: str, document: dict[str, Any]) -> dict[str, Any]:
    response = client.put(f"{REGIONS}/{code}", json=document)
    assert response.status_code == 200, response.text
    return response.json()


def _get(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _csv(client: TestClient, body: str) -> Any:
    return client.put(VULNERABILITY, content=body.encode(), headers={"Content-Type": "text/csv"})


# --- creating and changing a region -----------------------------------------------------------------------------


def test_putting_a_new_region_creates_it_with_policy_version_1(client_for):
    coordinator = client_for("coordinator")
    region = _put(coordinator, "U16", _region())
    assert (region["code"], region["name"], region["policy_version"]) == ("U16", "U16 (regio Utrecht)", 1)
    assert region["municipality_codes"] == [UTRECHT, NIEUWEGEIN]
    assert region["policy"]["min_tie_years"] == 3
    assert _get(coordinator, f"{REGIONS}/U16") == region


def test_policy_fields_left_out_take_their_defaults(client_for):
    policy = _put(client_for("coordinator"), "U16", _region(policy={}))["policy"]
    assert policy["min_tie_years"] == 0 and policy["ready_date_slack_days"] == 14
    assert policy["max_high_support_per_neighbourhood"] is None


def test_putting_the_same_policy_again_keeps_version_1(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    assert _put(coordinator, "U16", _region())["policy_version"] == 1
    assert len(_get(coordinator, f"{REGIONS}/U16/policies")) == 1


def test_the_same_policy_spelled_with_its_defaults_keeps_its_version(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region(policy={"min_tie_years": 3}))
    again = _put(coordinator, "U16", _region(policy={"min_tie_years": 3.0, "weight_urgency": 365}))
    assert again["policy_version"] == 1


def test_changing_only_name_or_membership_keeps_the_policy_version(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    changed = _put(coordinator, "U16", _region(name="Regio Utrecht", municipality_codes=[UTRECHT, ZEIST]))
    assert (changed["name"], changed["municipality_codes"], changed["policy_version"]) == \
        ("Regio Utrecht", [UTRECHT, ZEIST], 1)


def test_a_changed_policy_becomes_version_2_and_both_are_listed_newest_first(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    changed = _put(coordinator, "U16", _region(policy={"min_tie_years": 1, "weight_waiting_per_day": 1}))
    assert (changed["policy_version"], changed["policy"]["min_tie_years"]) == (2, 1)
    assert _get(coordinator, f"{REGIONS}/U16")["policy"]["min_tie_years"] == 1
    history = _get(coordinator, f"{REGIONS}/U16/policies")
    assert [(v["version"], v["policy"]["min_tie_years"]) for v in history] == [(2, 1), (1, 3)]
    assert history[0]["created_at"] >= history[1]["created_at"]


def test_municipality_codes_are_answered_sorted(client_for):
    coordinator = client_for("coordinator")
    region = _put(coordinator, "U16", _region(municipality_codes=[ZEIST, UTRECHT, NIEUWEGEIN]))
    assert region["municipality_codes"] == [UTRECHT, ZEIST, NIEUWEGEIN]
    assert _get(coordinator, f"{REGIONS}/U16")["municipality_codes"] == [UTRECHT, ZEIST, NIEUWEGEIN]


def test_dropping_a_municipality_removes_it_so_it_can_join_another_region(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region(municipality_codes=[UTRECHT, NIEUWEGEIN]))
    _put(coordinator, "U16", _region(municipality_codes=[UTRECHT]))
    assert _get(coordinator, f"{REGIONS}/U16")["municipality_codes"] == [UTRECHT]
    other = _put(coordinator, "Lekstroom", _region(name="Lekstroom", municipality_codes=[NIEUWEGEIN]))
    assert other["municipality_codes"] == [NIEUWEGEIN]


# --- refused changes --------------------------------------------------------------------------------------------


def test_an_unknown_municipality_is_422_naming_its_position(client_for):
    coordinator = client_for("coordinator")
    errors = field_errors(coordinator.put(f"{REGIONS}/U16",
                                          json=_region(municipality_codes=[UTRECHT, "GM9999"])))
    assert set(errors) == {"municipality_codes.1"}
    assert "GM9999" in errors["municipality_codes.1"]
    not_found(coordinator.get(f"{REGIONS}/U16"), "no region U16")


def test_an_unknown_municipality_is_named_by_its_position_in_the_document_sent(client_for):
    errors = field_errors(client_for("coordinator").put(
        f"{REGIONS}/U16", json=_region(municipality_codes=["GM9999", UTRECHT])))
    assert set(errors) == {"municipality_codes.0"}


@pytest.mark.parametrize("code", ["0344", "gm0344", "GM344", "BU03440302", ""])
def test_a_malformed_municipality_code_is_422(client_for, code):
    errors = field_errors(client_for("coordinator").put(f"{REGIONS}/U16", json=_region(municipality_codes=[code])))
    assert "municipality_codes.0" in errors


def test_a_municipality_already_in_another_region_is_409_and_changes_nothing(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region(municipality_codes=[UTRECHT, NIEUWEGEIN]))
    body = problem(coordinator.put(f"{REGIONS}/Lekstroom", json=_region(municipality_codes=[ZEIST, NIEUWEGEIN])),
                   409)
    assert NIEUWEGEIN in body["detail"]
    not_found(coordinator.get(f"{REGIONS}/Lekstroom"), "no region Lekstroom")
    assert _get(coordinator, f"{REGIONS}/U16")["municipality_codes"] == [UTRECHT, NIEUWEGEIN]


def test_repeated_municipality_codes_are_422(client_for):
    errors = field_errors(client_for("coordinator").put(f"{REGIONS}/U16",
                                                        json=_region(municipality_codes=[UTRECHT, UTRECHT])))
    assert "municipality_codes" in errors


def test_a_region_without_municipalities_is_422(client_for):
    errors = field_errors(client_for("coordinator").put(f"{REGIONS}/U16", json=_region(municipality_codes=[])))
    assert "municipality_codes" in errors


def test_an_unknown_policy_field_is_422_naming_it(client_for):
    errors = field_errors(client_for("coordinator").put(
        f"{REGIONS}/U16", json=_region(policy={"min_tie_years": 3, "weight_luck": 5})))
    assert set(errors) == {"policy.weight_luck"}


@pytest.mark.parametrize("field", ["weight_waiting_per_day", "weight_urgency", "weight_oversize_per_m2",
                                   "weight_recent_placement", "min_tie_years"])
def test_a_negative_weight_is_422(client_for, field):
    errors = field_errors(client_for("coordinator").put(f"{REGIONS}/U16", json=_region(policy={field: -1})))
    assert set(errors) == {f"policy.{field}"}


def test_a_refused_policy_change_keeps_the_current_version(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    field_errors(coordinator.put(f"{REGIONS}/U16", json=_region(policy={"weight_urgency": -5})))
    assert _get(coordinator, f"{REGIONS}/U16")["policy_version"] == 1
    assert len(_get(coordinator, f"{REGIONS}/U16/policies")) == 1


@pytest.mark.parametrize("code", ["U 16", "-U16", "U", "U16!"])
def test_a_malformed_region_code_is_422(client_for, code):
    problem(client_for("coordinator").put(f"{REGIONS}/{code}", json=_region()), 422)


# --- who may do what ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_may_put_a_region(client_for, kind):
    forbidden(client_for(kind).put(f"{REGIONS}/U16", json=_region()), "coordinator", kind=kind)
    coordinator = client_for("coordinator")
    not_found(coordinator.get(f"{REGIONS}/U16"), "no region U16")
    assert _get(coordinator, REGIONS) == []
    assert coordinator.get("/v1/audit", params={"action": "put"}).json()["total"] == 0


def test_putting_a_region_without_a_key_is_401(anonymous):
    problem(anonymous.put(f"{REGIONS}/U16", json=_region()), 401)


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_a_partner_reads_the_regions_it_works_in_and_no_other(client_for, kind):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    _put(coordinator, "Drechtsteden", _region(name="Drechtsteden", municipality_codes=[DORDRECHT]))
    reader = client_for(kind)
    assert _get(reader, REGIONS) == []
    assert coordinator.put(f"{REGIONS}/U16/organisations/{reader.org.id}").status_code == 200
    assert [r["code"] for r in _get(reader, REGIONS)] == ["U16"]
    assert _get(reader, f"{REGIONS}/U16")["municipality_codes"] == [UTRECHT, NIEUWEGEIN]
    assert [v["version"] for v in _get(reader, f"{REGIONS}/U16/policies")] == [1]
    not_found(reader.get(f"{REGIONS}/Drechtsteden"), "no region Drechtsteden")
    not_found(reader.get(f"{REGIONS}/Drechtsteden/policies"), "no region Drechtsteden")


def test_a_coordinator_reads_the_regions_it_runs(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    _put(coordinator, "Drechtsteden", _region(name="Drechtsteden", municipality_codes=[DORDRECHT]))
    assert [r["code"] for r in _get(coordinator, REGIONS)] == ["Drechtsteden", "U16"]
    assert _get(client_for("coordinator"), REGIONS) == []


@pytest.mark.parametrize("path", [f"{REGIONS}/NOPE", f"{REGIONS}/NOPE/policies"])
def test_an_unknown_region_is_404(client_for, path):
    not_found(client_for("corporation").get(path), "no region NOPE")


def test_reading_regions_without_a_key_is_401(anonymous):
    problem(anonymous.get(REGIONS), 401)


def test_putting_a_region_is_audited(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    _put(coordinator, "U16", _region(policy={"min_tie_years": 1}))
    response = coordinator.get("/v1/audit", params={"action": "put", "entity_id": str(name_id("region", "U16"))})
    records = response.json()["items"]
    assert [r["detail"]["policy_version"] for r in records] == [2, 1]  # newest first
    assert {(r["organisation_id"], r["entity_type"]) for r in records} == {(str(coordinator.org.id), "region")}


# --- vulnerability scores -----------------------------------------------------------------------------------------


def test_a_vulnerability_upload_stores_every_line(client_for, session):
    response = _csv(client_for("coordinator", home=True), "code,score\nBU03440302,72\nBU03440101,35\n")
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 2, "rejected": []}
    assert vulnerability_scores(session=session) == {"BU03440302": 72, "BU03440101": 35}


def test_the_header_line_is_optional(client_for, session):
    response = _csv(client_for("coordinator", home=True), "BU03440302,0\nBU03440101,100")
    assert response.json() == {"stored": 2, "rejected": []}
    assert vulnerability_scores(session=session) == {"BU03440302": 0, "BU03440101": 100}


def test_bad_lines_are_reported_by_line_number_and_the_good_ones_kept(client_for, session):
    body = ("code,score\n"
            "BU03440302,72\n"      # 2: good
            "GM0344,50\n"          # 3: not a neighbourhood code
            "BU03440101,101\n"     # 4: above 100
            "BU03440102,high\n"    # 5: not a number
            "BU03440103,1,2\n"     # 6: three columns
            "BU03440104\n"         # 7: one column
            "BU03440105,-3\n"      # 8: negative
            "BU03440106,40\n")     # 9: good
    response = _csv(client_for("coordinator", home=True), body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["stored"] == 2
    assert [r["line"] for r in report["rejected"]] == [3, 4, 5, 6, 7, 8]
    assert all(r["reason"] for r in report["rejected"])
    assert vulnerability_scores(session=session) == {"BU03440302": 72, "BU03440106": 40}


def test_a_score_in_non_ascii_digits_is_a_reported_line_not_a_server_error(client_for, session):
    response = _csv(client_for("coordinator", home=True), "BU03440302,\u00b2\nBU03440101,35\n")
    assert response.status_code == 200, response.text
    assert [r["line"] for r in response.json()["rejected"]] == [1]
    assert vulnerability_scores(session=session) == {"BU03440101": 35}


def test_a_header_after_a_byte_order_mark_is_recognised(client_for, session):
    response = _csv(client_for("coordinator", home=True), "\ufeffcode,score\r\nBU03440302,72\r\n")
    assert response.json() == {"stored": 1, "rejected": []}
    assert vulnerability_scores(session=session) == {"BU03440302": 72}


def test_uploading_a_score_again_updates_it(client_for, session):
    coordinator = client_for("coordinator", home=True)
    _csv(coordinator, "BU03440302,72\nBU03440101,35\n")
    assert _csv(coordinator, "BU03440302,10\n").json()["stored"] == 1
    assert vulnerability_scores(session=session) == {"BU03440302": 10, "BU03440101": 35}


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_may_upload_vulnerability_scores(client_for, session, kind):
    forbidden(_csv(client_for(kind), "BU03440302,72\n"), "coordinator", kind=kind)
    assert vulnerability_scores(session=session) == {}


def test_uploading_vulnerability_scores_without_a_key_is_401(anonymous, session):
    problem(_csv(anonymous, "BU03440302,72\n"), 401)
    assert vulnerability_scores(session=session) == {}


def test_a_neighbourhood_of_an_unknown_municipality_is_rejected_by_line(client_for, session):
    response = _csv(client_for("coordinator", home=True), "code,score\nBU99990101,40\nBU03440302,72\n")
    assert response.json()["stored"] == 1
    assert response.json()["rejected"] == [{"line": 2, "reason": "municipality GM9999 of BU99990101 does not exist"}]
    assert vulnerability_scores(session=session) == {"BU03440302": 72}


# --- PATCH: change what is named, keep the rest -------------------------------------------------------------------


def test_patch_changes_the_named_policy_fields_and_keeps_every_other_field_and_the_municipalities(client_for):
    coordinator = client_for("coordinator")
    before = _put(coordinator, "U16", _region(policy={"min_tie_years": 3, "max_high_support_per_neighbourhood": 2,
                                                      "weight_urgency": 500}))
    response = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"min_tie_years": 1}})
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["policy"] == {**before["policy"], "min_tie_years": 1}
    assert after["municipality_codes"] == before["municipality_codes"] and after["name"] == before["name"]
    assert after["policy_version"] == before["policy_version"] + 1
    versions = _get(coordinator, f"{REGIONS}/U16/policies")
    assert [v["version"] for v in versions][:2] == [after["policy_version"], before["policy_version"]]


def test_patch_sets_a_field_to_null_only_when_it_is_sent_as_null(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region(policy={"max_high_support_per_neighbourhood": 2}))
    kept = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"weight_urgency": 400}}).json()
    assert kept["policy"]["max_high_support_per_neighbourhood"] == 2
    cleared = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"max_high_support_per_neighbourhood": None}})
    assert cleared.json()["policy"]["max_high_support_per_neighbourhood"] is None


def test_patch_adds_and_removes_municipalities_and_an_unchanged_policy_keeps_its_version(client_for):
    coordinator = client_for("coordinator")
    before = _put(coordinator, "U16", _region())
    after = coordinator.patch(f"{REGIONS}/U16", json={"add_municipalities": [ZEIST],
                                                      "remove_municipalities": [NIEUWEGEIN]}).json()
    assert sorted(after["municipality_codes"]) == sorted([UTRECHT, ZEIST])
    assert after["policy_version"] == before["policy_version"] and after["policy"] == before["policy"]


def test_patch_refuses_what_would_break_the_region_naming_each_field(client_for):
    coordinator = client_for("coordinator")
    _put(coordinator, "U16", _region())
    bad = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"min_tie_years": 99, "weight_urgency": -1},
                                                    "remove_municipalities": [DORDRECHT]})
    assert bad.status_code == 422
    assert set(field_errors(bad)) == {"remove_municipalities.0"}
    bad = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"min_tie_years": 99, "weight_urgency": -1}})
    assert bad.status_code == 422 and set(field_errors(bad)) == {"policy.min_tie_years", "policy.weight_urgency"}
    emptied = coordinator.patch(f"{REGIONS}/U16", json={"remove_municipalities": [UTRECHT, NIEUWEGEIN]})
    assert emptied.status_code == 422 and set(field_errors(emptied)) == {"remove_municipalities"}
    unknown = coordinator.patch(f"{REGIONS}/U16", json={"policy": {"no_such_field": 1}})
    assert unknown.status_code == 422 and set(field_errors(unknown)) == {"policy.no_such_field"}
    assert coordinator.get(f"{REGIONS}/U16").json()["policy"]["min_tie_years"] == 3  # nothing was written


def test_patch_of_another_offices_region_answers_404_and_partners_may_not_patch(client_for):
    mine, other = client_for("coordinator"), client_for("coordinator")
    _put(other, "U16", _region())
    assert mine.patch(f"{REGIONS}/U16", json={"name": "x"}).status_code == 404
    assert client_for("corporation").patch(f"{REGIONS}/U16", json={"name": "x"}).status_code == 403
