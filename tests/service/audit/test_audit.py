"""The audit log: every read of a registration and every state change is recorded (who, what), never the values."""

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient

from tests.service.helpers import create_dwelling, create_registration, if_match, not_found

AUDIT = "/v1/audit"
REGISTRATIONS = "/v1/registrations"
DWELLINGS = "/v1/dwellings"
NOTES = "Relapsed in March; keep away from the Vaartsche Rijn."


def _records(coordinator: TestClient, **filters: Any) -> list[dict[str, Any]]:
    response = coordinator.get(AUDIT, params={"limit": 100, **filters})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


def test_reading_a_registration_writes_a_read_record(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    assert _records(coordinator, entity_id=registration["id"], action="read") == []

    read = cp.get(f"{REGISTRATIONS}/{registration['id']}")

    [record] = _records(coordinator, entity_id=registration["id"], action="read")
    assert record["organisation_id"] == str(cp.org.id)
    assert (record["entity_type"], record["entity_id"]) == ("registration", registration["id"])
    assert record["request_id"] == read.headers["x-request-id"]


def test_a_coordinators_read_is_recorded_under_the_coordinator(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    coordinator.get(f"{REGISTRATIONS}/{registration['id']}")
    [record] = _records(coordinator, entity_id=registration["id"], action="read")
    assert record["organisation_id"] == str(coordinator.org.id)


def test_showing_the_candidate_profile_is_a_recorded_read(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    assert cp.get(f"{REGISTRATIONS}/{registration['id']}/candidate-profile").status_code == 200
    assert len(_records(coordinator, entity_id=registration["id"], action="read")) == 1


def test_a_refused_read_of_another_providers_registration_is_not_recorded_as_a_read(client_for):
    registration = create_registration(client_for("care_provider"))
    coordinator = client_for("coordinator")
    refused = client_for("care_provider").get(f"{REGISTRATIONS}/{registration['id']}")
    assert refused.status_code == 404
    not_found(refused, f"no registration {registration['id']}")
    assert _records(coordinator, entity_id=registration["id"], action="read") == []
    assert [r["action"] for r in _records(coordinator, entity_id=registration["id"])] == ["create"]


def test_listing_registrations_writes_one_read_record_per_registration_listed(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    for _ in range(3):
        create_registration(cp)

    listed = cp.get(REGISTRATIONS, params={"limit": 2}).json()

    reads = _records(coordinator, organisation_id=str(cp.org.id), action="read")
    assert sorted(r["entity_id"] for r in reads) == sorted(r["id"] for r in listed["items"])
    assert len(reads) == 2


def test_registration_changes_are_recorded_with_their_action(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    url = f"{REGISTRATIONS}/{registration['id']}"
    assert cp.patch(url, json={"contract": "flip_required"}, headers=if_match(1)).status_code == 200
    assert cp.post(f"{url}/withdraw", json={"reason": "moved in with family"}).status_code == 200

    records = _records(coordinator, entity_id=registration["id"])

    assert Counter(r["action"] for r in records) == Counter(["create", "update", "withdraw"])
    assert {r["organisation_id"] for r in records} == {str(cp.org.id)}
    withdraw = next(r for r in records if r["action"] == "withdraw")
    assert withdraw["detail"]["from"] == "active"
    assert withdraw["detail"]["to"] == "withdrawn"


def test_an_update_record_names_the_changed_fields_but_not_their_values(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp, notes="first draft of the notes")
    response = cp.patch(f"{REGISTRATIONS}/{registration['id']}", json={"notes": NOTES, "annual_income": "23456.78"},
                        headers=if_match(1))
    assert response.status_code == 200, response.text

    records = _records(coordinator, entity_id=registration["id"])

    update = next(r for r in records if r["action"] == "update")
    assert update["detail"] == {"fields": ["annual_income", "notes"]}
    for record in records:
        for value in (NOTES, "first draft", "23456", registration["client_ref"]):
            assert value not in str(record["detail"])


def test_setting_waiting_since_is_recorded_with_the_reason(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    response = coordinator.put(f"{REGISTRATIONS}/{registration['id']}/waiting-since",
                               json={"waiting_since": "2024-03-01T00:00:00Z", "reason": "imported waiting list"})
    assert response.status_code == 200, response.text

    [record] = _records(coordinator, entity_id=registration["id"], action="set_waiting_since")

    assert record["organisation_id"] == str(coordinator.org.id)
    assert record["detail"]["reason"] == "imported waiting list"


def test_dwelling_changes_are_recorded_with_their_action(client_for):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    url = f"{DWELLINGS}/{dwelling['id']}"
    assert corp.patch(url, json={"bare_rent": "610.00", "floor": 2}, headers=if_match(1)).status_code == 200
    assert corp.post(f"{url}/withdraw", json={"reason": "sold"}).status_code == 200

    records = _records(coordinator, entity_id=dwelling["id"])

    assert Counter(r["action"] for r in records) == Counter(["create", "update", "withdraw"])
    assert {(r["entity_type"], r["organisation_id"]) for r in records} == {("dwelling", str(corp.org.id))}
    assert next(r for r in records if r["action"] == "update")["detail"] == {"fields": ["bare_rent", "floor"]}


def test_a_rejected_change_leaves_no_record(client_for):
    corp, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corp)
    assert corp.patch(f"{DWELLINGS}/{dwelling['id']}", json={"floor": 2}, headers=if_match(7)).status_code == 412
    assert [r["action"] for r in _records(coordinator, entity_id=dwelling["id"])] == ["create"]


def test_the_audit_log_is_filtered_by_action(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    cp.get(f"{REGISTRATIONS}/{registration['id']}")
    assert {r["action"] for r in _records(coordinator, entity_id=registration["id"], action="create")} == {"create"}
