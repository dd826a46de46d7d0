"""POST /v1/registrations/{id}/erase: 204 for its own care provider, a reason required, 404 for others, 409 twice."""

from tests.service.helpers import create_registration, field_errors, problem

REGISTRATIONS = "/v1/registrations"


def test_the_care_provider_erases_a_registration_with_a_reason(client_for):
    cp = client_for("care_provider")
    created = create_registration(cp, notes="will be erased")
    assert "reason" in field_errors(cp.post(f"{REGISTRATIONS}/{created['id']}/erase", json={"reason": " "}))
    assert "reason" in field_errors(cp.post(f"{REGISTRATIONS}/{created['id']}/erase", json={}))
    # Another care provider learns nothing, not even that it exists.
    problem(client_for("care_provider").post(f"{REGISTRATIONS}/{created['id']}/erase", json={"reason": "x"}), 404)

    response = cp.post(f"{REGISTRATIONS}/{created['id']}/erase", json={"reason": "verzoek van de cliënt"})
    assert response.status_code == 204, response.text
    stored = cp.get(f"{REGISTRATIONS}/{created['id']}").json()
    assert (stored["status"], stored["notes"], stored["client_ref"]) == (
        "withdrawn", None, "gewist-" + created["id"].replace("-", ""))
    problem(cp.post(f"{REGISTRATIONS}/{created['id']}/erase", json={"reason": "again"}), 409)
