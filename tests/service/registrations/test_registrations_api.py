"""The registration form v1 over HTTP: create, read, list, change, withdraw, waiting time, candidate profile."""

from datetime import UTC, datetime, timedelta

from tests import factories
from tests.service.helpers import audit_trail, create_registration, field_errors, if_match, problem, total

REGISTRATIONS = "/v1/registrations"
NOTES = "Needs a quiet street; history of alcohol use."


# --- create, read and list -----------------------------------------------------------------------------------------


def test_register_answers_201_with_location_and_etag(client_for):
    cp = client_for("care_provider")
    response = cp.post(REGISTRATIONS, json=factories.registration())
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{REGISTRATIONS}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert (body["status"], body["version"], body["form_version"]) == ("active", 1, "1")
    assert body["care_provider_id"] == str(cp.org.id)
    assert body["annual_income"] == "21400.00"


def test_waiting_time_starts_at_registration(client_for):
    body = create_registration(client_for("care_provider"))
    assert body["waiting_since"] == body["created_at"]
    assert body["waiting_since_reason"] is None


def test_read_returns_the_registration_with_its_etag(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    response = cp.get(f"{REGISTRATIONS}/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == created


def test_list_is_paginated_with_limit_offset_and_total(client_for):
    cp = client_for("care_provider")
    ids = {create_registration(cp)["id"] for _ in range(3)}

    first = cp.get(REGISTRATIONS, params={"limit": 2}).json()
    second = cp.get(REGISTRATIONS, params={"limit": 2, "offset": 2}).json()

    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2)
    assert (second["total"], len(second["items"])) == (3, 1)
    assert {r["id"] for r in first["items"] + second["items"]} == ids


def test_list_filters_by_status(client_for):
    cp = client_for("care_provider")
    kept = create_registration(cp)
    gone = create_registration(cp)
    assert cp.post(f"{REGISTRATIONS}/{gone['id']}/withdraw", json={"reason": "moved abroad"}).status_code == 200

    withdrawn = cp.get(REGISTRATIONS, params={"status": "withdrawn"}).json()
    active = cp.get(REGISTRATIONS, params={"status": "active"}).json()

    assert ([r["id"] for r in withdrawn["items"]], withdrawn["total"]) == ([gone["id"]], 1)
    assert ([r["id"] for r in active["items"]], active["total"]) == ([kept["id"]], 1)


# --- change --------------------------------------------------------------------------------------------------------


def test_patch_with_if_match_stores_the_change_and_bumps_the_version(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    url = f"{REGISTRATIONS}/{created['id']}"

    response = cp.patch(url, json={"annual_income": "23000", "low_stimulus": "required"}, headers=if_match(1))

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    stored = cp.get(url)
    assert stored.headers["etag"] == '"2"'
    assert (stored.json()["annual_income"], stored.json()["low_stimulus"]) == ("23000.00", "required")
    assert stored.json()["birth_year"] == created["birth_year"]


def test_patch_without_if_match_is_428(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    problem(cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"contract": "regular_only"}), 428)
    assert cp.get(f"{REGISTRATIONS}/{created['id']}").json()["contract"] == "any"


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    url = f"{REGISTRATIONS}/{created['id']}"
    assert cp.patch(url, json={"contract": "flip_required"}, headers=if_match(1)).status_code == 200

    problem(cp.patch(url, json={"contract": "regular_only"}, headers=if_match(1)), 412)

    stored = cp.get(url).json()
    assert (stored["contract"], stored["version"]) == ("flip_required", 2)


def test_patch_may_clear_notes_with_null(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, notes=NOTES)
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"notes": None}, headers=if_match(1))
    assert response.status_code == 200, response.text
    assert cp.get(f"{REGISTRATIONS}/{created['id']}").json()["notes"] is None


def test_patch_with_null_birth_year_is_422(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"birth_year": None}, headers=if_match(1))
    assert "cannot be null" in field_errors(response)["birth_year"]
    assert cp.get(f"{REGISTRATIONS}/{created['id']}").json()["birth_year"] == created["birth_year"]


def test_patch_is_validated_against_the_stored_fields_it_does_not_change(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    too_early = created["birth_year"] + 5  # a child born when the (unchanged) applicant was five
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"household": {"adults": 1, "children": [too_early]}},
                        headers=if_match(1))
    assert "household" in field_errors(response)


def test_patch_with_an_unknown_municipality_is_422_naming_it(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"preferred_municipalities": ["GM9999"]},
                        headers=if_match(1))
    assert "preferred_municipalities.0" in field_errors(response)


# --- withdraw ------------------------------------------------------------------------------------------------------


def test_withdraw_sets_the_status_and_keeps_the_reason(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    assert created["withdrawn_at"] is None
    asked = datetime.now(UTC)
    response = cp.post(f"{REGISTRATIONS}/{created['id']}/withdraw", json={"reason": "found a home herself"})
    assert response.status_code == 200, response.text
    stored = cp.get(f"{REGISTRATIONS}/{created['id']}").json()
    assert (stored["status"], stored["withdrawal_reason"], stored["version"]) == (
        "withdrawn", "found a home herself", 2)
    assert stored["withdrawn_at"] is not None
    assert asked <= datetime.fromisoformat(stored["withdrawn_at"]) <= datetime.now(UTC)


def test_withdrawing_twice_is_409_with_the_current_state(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    assert cp.post(f"{REGISTRATIONS}/{created['id']}/withdraw").status_code == 200
    assert problem(cp.post(f"{REGISTRATIONS}/{created['id']}/withdraw"), 409)["current_state"] == "withdrawn"


def test_patch_of_a_withdrawn_registration_is_409_with_the_current_state(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    withdrawn = cp.post(f"{REGISTRATIONS}/{created['id']}/withdraw")
    response = cp.patch(f"{REGISTRATIONS}/{created['id']}", json={"contract": "regular_only"},
                        headers={"If-Match": withdrawn.headers["etag"]})
    assert problem(response, 409)["current_state"] == "withdrawn"


# --- waiting since -------------------------------------------------------------------------------------------------


def test_coordinator_may_set_an_earlier_waiting_since_with_a_reason(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    url = f"{REGISTRATIONS}/{created['id']}/waiting-since"

    response = coordinator.put(url, json={"waiting_since": "2024-03-01T00:00:00Z", "reason": "imported waiting list"})

    assert response.status_code == 200, response.text
    stored = cp.get(f"{REGISTRATIONS}/{created['id']}").json()
    assert datetime.fromisoformat(stored["waiting_since"]) == datetime(2024, 3, 1, tzinfo=UTC)
    assert stored["waiting_since_reason"] == "imported waiting list"
    assert stored["version"] == 2


def test_waiting_since_later_than_the_registration_is_422(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = coordinator.put(f"{REGISTRATIONS}/{created['id']}/waiting-since",
                               json={"waiting_since": later, "reason": "typo"})
    assert "waiting_since" in field_errors(response)
    assert cp.get(f"{REGISTRATIONS}/{created['id']}").json()["waiting_since"] == created["waiting_since"]


def test_waiting_since_without_a_time_zone_is_422(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    response = coordinator.put(f"{REGISTRATIONS}/{created['id']}/waiting-since",
                               json={"waiting_since": "2024-03-01T00:00:00", "reason": "imported waiting list"})
    assert "waiting_since" in field_errors(response)


def test_waiting_since_without_a_reason_is_422(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    created = create_registration(cp)
    response = coordinator.put(f"{REGISTRATIONS}/{created['id']}/waiting-since",
                               json={"waiting_since": "2024-03-01T00:00:00Z"})
    assert "reason" in field_errors(response)


# --- candidate profile ---------------------------------------------------------------------------------------------

PROFILE_KEYS = {"registration_id", "household", "age_band", "support_intensity", "care_provider",
                "passend_toewijzen", "contract", "rank", "score"}


def test_candidate_profile_holds_only_the_minimised_fields(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, notes=NOTES)
    response = cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile")
    assert response.status_code == 200, response.text
    profile = response.json()
    assert set(profile) == PROFILE_KEYS
    assert profile["registration_id"] == created["id"]
    assert profile["household"] == {"adults": 1, "children": 1}
    assert profile["age_band"] == "23-26"
    assert profile["support_intensity"] == "medium"
    assert profile["care_provider"] == {"id": str(cp.org.id), "name": cp.org.name}
    assert profile["contract"] == "any"


def test_candidate_profile_reveals_none_of_the_sensitive_values(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, notes=NOTES)
    text = cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile").text
    # Only strings that cannot occur inside a UUID by chance (the test above pins the exact key set).
    for secret in (NOTES, created["client_ref"], "WK034405", "52.0801", "liquor_store", "in_progress",
                   "21400.00", "avoid", "notes", "client_ref", "debt", "birth_year"):
        assert secret not in text


def test_candidate_profile_marks_a_low_income_household_as_passend_toewijzen(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, annual_income="21400.00")  # one adult and one child
    assert cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile").json()["passend_toewijzen"] is True


def test_candidate_profile_does_not_mark_a_high_income_household(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, annual_income="60000.00")
    assert cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile").json()["passend_toewijzen"] is False


def test_candidate_profile_for_a_year_without_figures_is_422(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp)
    response = cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile", params={"year": 2001})
    assert "query.year" in field_errors(response)


def test_candidate_profile_for_a_year_before_the_applicant_turned_16_has_an_age_band(client_for):
    cp = client_for("care_provider")
    year = datetime.now(UTC).year
    created = create_registration(cp, birth_year=year - 16, household={"adults": 1, "children": []})
    response = cp.get(f"{REGISTRATIONS}/{created['id']}/candidate-profile", params={"year": 2024})
    assert response.status_code == 200, response.text
    assert response.json()["age_band"] == "under 16"


# --- idempotent client_ref -----------------------------------------------------------------------------------------


def test_the_same_form_twice_answers_200_with_the_same_registration(client_for):
    cp = client_for("care_provider")
    doc = factories.registration()
    first = cp.post(REGISTRATIONS, json=doc)
    second = cp.post(REGISTRATIONS, json=doc)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    listed = cp.get(REGISTRATIONS).json()
    assert (listed["total"], [r["id"] for r in listed["items"]]) == (1, [first.json()["id"]])


def test_a_replayed_form_answers_with_the_whole_record_and_that_read_is_audited(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    doc = factories.registration(notes=NOTES)
    created = cp.post(REGISTRATIONS, json=doc).json()
    before = audit_trail(coordinator, created["id"])
    replayed = cp.post(REGISTRATIONS, json=doc)
    assert replayed.status_code == 200 and replayed.json()["notes"] == NOTES
    assert audit_trail(coordinator, created["id"])[len(before):] == [("read", str(cp.org.id))]


def test_the_same_client_ref_with_other_answers_is_409_with_the_existing_id(client_for):
    cp = client_for("care_provider")
    first = create_registration(cp, client_ref="CL-1")
    body = problem(cp.post(REGISTRATIONS, json=factories.registration(client_ref="CL-1", contract="flip_required")),
                   409)
    assert body["existing_id"] == first["id"]
    assert total(cp, REGISTRATIONS) == 1


def test_the_same_client_ref_at_two_care_providers_makes_two_registrations(client_for):
    first_cp, second_cp = client_for("care_provider"), client_for("care_provider")
    doc = factories.registration(client_ref="CL-1")
    first, second = first_cp.post(REGISTRATIONS, json=doc), second_cp.post(REGISTRATIONS, json=doc)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert total(first_cp, REGISTRATIONS) == total(second_cp, REGISTRATIONS) == 1
