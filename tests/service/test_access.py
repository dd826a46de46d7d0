"""Who may do what: API keys, role boundaries (403) and tenant boundaries (404, so ids never leak)."""

import pytest

from tests import factories
from tests.service.helpers import create_dwelling, create_registration, field_errors, if_match, problem

DWELLINGS = "/v1/dwellings"
REGISTRATIONS = "/v1/registrations"
SOME_ID = "00000000-0000-4000-8000-000000000000"


# --- API keys ------------------------------------------------------------------------------------------------------


def test_a_request_without_a_key_is_401_with_www_authenticate(anonymous):
    response = anonymous.get(DWELLINGS)
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-key", "Bearer ds_onlytwoparts", "Bearer ", "Basic dXNlcjpwYXNz", "ds_abc_def"],
)
def test_a_malformed_key_is_401(anonymous, authorization):
    response = anonymous.get(DWELLINGS, headers={"Authorization": authorization})
    problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_key_is_401(anonymous):
    response = anonymous.get(DWELLINGS, headers={"Authorization": "Bearer ds_0123456789ab_" + "x" * 43})
    problem(response, 401)


def test_a_tampered_key_with_a_real_prefix_is_401(anonymous, make_org):
    _org, key = make_org("corporation")
    assert anonymous.get(DWELLINGS, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    problem(anonymous.get(DWELLINGS, headers={"Authorization": f"Bearer {tampered}"}), 401)


# --- role boundaries -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", REGISTRATIONS), ("get", REGISTRATIONS), ("get", "{registration}"), ("patch", "{registration}"),
     ("post", "{registration}/withdraw"), ("get", "{registration}/candidate-profile"),
     ("put", "{registration}/waiting-since")],
)
def test_a_corporation_cannot_touch_registrations(client_for, method, path):
    registration = create_registration(client_for("care_provider"))
    url = path.format(registration=f"{REGISTRATIONS}/{registration['id']}")
    body = factories.registration() if method in {"post", "patch", "put"} else None
    response = client_for("corporation").request(method, url, json=body, headers=if_match(1))
    problem(response, 403)


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", DWELLINGS), ("get", DWELLINGS), ("get", "{dwelling}"), ("patch", "{dwelling}"),
     ("post", "{dwelling}/withdraw")],
)
def test_a_care_provider_cannot_touch_dwellings(client_for, method, path):
    dwelling = create_dwelling(client_for("corporation"))
    url = path.format(dwelling=f"{DWELLINGS}/{dwelling['id']}")
    body = {"floor": 3} if method == "patch" else factories.dwelling() if url == DWELLINGS else None
    response = client_for("care_provider").request(method, url, json=body, headers=if_match(1))
    problem(response, 403)


def test_a_care_provider_cannot_set_waiting_since(client_for):
    cp = client_for("care_provider")
    registration = create_registration(cp)
    response = cp.put(f"{REGISTRATIONS}/{registration['id']}/waiting-since",
                      json={"waiting_since": "2024-03-01T00:00:00Z", "reason": "jump the queue"})
    problem(response, 403)
    assert cp.get(f"{REGISTRATIONS}/{registration['id']}").json()["waiting_since_reason"] is None


@pytest.mark.parametrize(
    ("path", "document"), [(DWELLINGS, factories.dwelling), (REGISTRATIONS, factories.registration)]
)
def test_a_coordinator_cannot_create_dwellings_or_registrations(client_for, path, document):
    coordinator = client_for("coordinator")
    problem(coordinator.post(path, json=document()), 403)
    assert coordinator.get(path).json()["total"] == 0


def test_a_coordinator_cannot_change_or_withdraw_a_dwelling(client_for):
    dwelling = create_dwelling(client_for("corporation"))
    coordinator = client_for("coordinator")
    problem(coordinator.patch(f"{DWELLINGS}/{dwelling['id']}", json={"floor": 3}, headers=if_match(1)), 403)
    problem(coordinator.post(f"{DWELLINGS}/{dwelling['id']}/withdraw"), 403)


def test_a_coordinator_cannot_change_or_withdraw_a_registration(client_for):
    registration = create_registration(client_for("care_provider"))
    coordinator = client_for("coordinator")
    problem(coordinator.patch(f"{REGISTRATIONS}/{registration['id']}", json={"contract": "any"},
                              headers=if_match(1)), 403)
    problem(coordinator.post(f"{REGISTRATIONS}/{registration['id']}/withdraw"), 403)


def test_a_coordinator_lists_and_reads_the_dwellings_of_every_corporation(client_for):
    first = create_dwelling(client_for("corporation"))
    second = create_dwelling(client_for("corporation"))
    coordinator = client_for("coordinator")

    listed = coordinator.get(DWELLINGS).json()

    assert {d["id"] for d in listed["items"]} == {first["id"], second["id"]}
    assert len({d["corporation_id"] for d in listed["items"]}) == 2
    for dwelling in (first, second):
        assert coordinator.get(f"{DWELLINGS}/{dwelling['id']}").json() == dwelling


def test_a_coordinator_lists_and_reads_the_registrations_of_every_care_provider(client_for):
    first = create_registration(client_for("care_provider"))
    second = create_registration(client_for("care_provider"))
    coordinator = client_for("coordinator")

    listed = coordinator.get(REGISTRATIONS).json()

    assert {r["id"] for r in listed["items"]} == {first["id"], second["id"]}
    for registration in (first, second):
        assert coordinator.get(f"{REGISTRATIONS}/{registration['id']}").json() == registration
        assert coordinator.get(f"{REGISTRATIONS}/{registration['id']}/candidate-profile").status_code == 200


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_reads_the_audit_log(client_for, kind):
    problem(client_for(kind).get("/v1/audit"), 403)


def test_a_coordinator_reads_the_audit_log(client_for):
    assert client_for("coordinator").get("/v1/audit").status_code == 200


# --- tenant boundaries ---------------------------------------------------------------------------------------------


def test_another_corporation_gets_404_reading_a_dwelling(client_for):
    dwelling = create_dwelling(client_for("corporation"))
    problem(client_for("corporation").get(f"{DWELLINGS}/{dwelling['id']}"), 404)


def test_another_corporation_gets_404_changing_a_dwelling(client_for):
    owner = client_for("corporation")
    dwelling = create_dwelling(owner)
    problem(client_for("corporation").patch(f"{DWELLINGS}/{dwelling['id']}", json={"floor": 9},
                                            headers={"If-Match": "*"}), 404)
    assert owner.get(f"{DWELLINGS}/{dwelling['id']}").json() == dwelling


def test_another_corporation_gets_404_withdrawing_a_dwelling(client_for):
    owner = client_for("corporation")
    dwelling = create_dwelling(owner)
    problem(client_for("corporation").post(f"{DWELLINGS}/{dwelling['id']}/withdraw"), 404)
    assert owner.get(f"{DWELLINGS}/{dwelling['id']}").json()["status"] == "offered"


def test_a_foreign_dwelling_answers_exactly_like_a_missing_one(client_for):
    dwelling = create_dwelling(client_for("corporation"))
    other = client_for("corporation")
    foreign = problem(other.get(f"{DWELLINGS}/{dwelling['id']}"), 404)
    missing = problem(other.get(f"{DWELLINGS}/{SOME_ID}"), 404)
    assert foreign["title"] == missing["title"]
    assert foreign["detail"].replace(dwelling["id"], SOME_ID) == missing["detail"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("get", "", None), ("patch", "", {"contract": "regular_only"}), ("post", "/withdraw", None),
     ("get", "/candidate-profile", None)],
)
def test_another_care_provider_gets_404_on_a_registration(client_for, method, suffix, body):
    owner = client_for("care_provider")
    registration = create_registration(owner)
    url = f"{REGISTRATIONS}/{registration['id']}{suffix}"
    problem(client_for("care_provider").request(method, url, json=body, headers={"If-Match": "*"}), 404)
    stored = owner.get(f"{REGISTRATIONS}/{registration['id']}").json()
    assert (stored["status"], stored["contract"], stored["version"]) == ("active", "any", 1)


def test_a_listing_never_shows_another_corporations_dwellings(client_for):
    mine_client, other = client_for("corporation"), client_for("corporation")
    mine = create_dwelling(mine_client)
    create_dwelling(other)
    listed = mine_client.get(DWELLINGS).json()
    assert ([d["id"] for d in listed["items"]], listed["total"]) == ([mine["id"]], 1)


def test_a_listing_never_shows_another_care_providers_registrations(client_for):
    mine_client, other = client_for("care_provider"), client_for("care_provider")
    mine = create_registration(mine_client)
    create_registration(other)
    listed = mine_client.get(REGISTRATIONS).json()
    assert ([r["id"] for r in listed["items"]], listed["total"]) == ([mine["id"]], 1)


# --- ids in paths --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "field"),
    [("corporation", DWELLINGS, "path.dwelling_id"), ("care_provider", REGISTRATIONS, "path.registration_id")],
)
def test_an_id_that_is_no_uuid_is_422(client_for, kind, path, field):
    assert field in field_errors(client_for(kind).get(f"{path}/42"))
