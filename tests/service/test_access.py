"""Who may do what: API keys, role boundaries (403) and tenant boundaries (404, so ids never leak).

A refusal is checked for what it says (the problem document), for what it did not do (the record, re-read by its
owner, is unchanged and no audit record was written for the refused act) and for what it did not show.
"""

import pytest

from tests import factories
from tests.service.helpers import (
    audit_trail,
    create_dwelling,
    create_registration,
    field_errors,
    forbidden,
    if_match,
    not_found,
    problem,
)

DWELLINGS = "/v1/dwellings"
REGISTRATIONS = "/v1/registrations"
SOME_ID = "00000000-0000-4000-8000-000000000000"
MISSING_KEY = "send 'Authorization: Bearer <api key>'"
INVALID_KEY = "the API key is not valid"

# Which kinds may call what (product.md, Roles): a care provider submits, changes and withdraws its own clients'
# registrations, a coordinator reads all of them and sets waiting-since; the same for corporations and dwellings.
REGISTRATION_ROLES = {
    ("post", REGISTRATIONS): ("care_provider",),
    ("get", REGISTRATIONS): ("care_provider", "coordinator"),
    ("get", "{registration}"): ("care_provider", "coordinator"),
    ("patch", "{registration}"): ("care_provider",),
    ("post", "{registration}/withdraw"): ("care_provider",),
    ("get", "{registration}/candidate-profile"): ("care_provider", "coordinator"),
    ("put", "{registration}/waiting-since"): ("coordinator",),
}
DWELLING_ROLES = {
    ("post", DWELLINGS): ("corporation",),
    ("get", DWELLINGS): ("corporation", "coordinator"),
    ("get", "{dwelling}"): ("corporation", "coordinator"),
    ("patch", "{dwelling}"): ("corporation",),
    ("post", "{dwelling}/withdraw"): ("corporation",),
}


# --- API keys ------------------------------------------------------------------------------------------------------


def test_a_request_without_a_key_is_401_with_www_authenticate(anonymous, client_for):
    create_dwelling(client_for("corporation"))
    response = anonymous.get(DWELLINGS)
    assert problem(response, 401)["detail"] == MISSING_KEY
    assert response.headers["www-authenticate"] == "Bearer"
    assert "items" not in response.json()


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [("Bearer not-a-key", INVALID_KEY), ("Bearer ds_onlytwoparts", INVALID_KEY), ("Bearer ", MISSING_KEY),
     ("Basic dXNlcjpwYXNz", MISSING_KEY), ("ds_abc_def", MISSING_KEY)],
)
def test_a_malformed_key_is_401(anonymous, authorization, detail):
    response = anonymous.get(DWELLINGS, headers={"Authorization": authorization})
    assert problem(response, 401)["detail"] == detail
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_key_is_401(anonymous):
    response = anonymous.get(DWELLINGS, headers={"Authorization": "Bearer ds_0123456789ab_" + "x" * 43})
    assert problem(response, 401)["detail"] == INVALID_KEY


def test_a_tampered_key_with_a_real_prefix_is_401(anonymous, make_org):
    _org, key = make_org("corporation")
    owner = {"Authorization": f"Bearer {key}"}
    dwelling = anonymous.post(DWELLINGS, json=factories.dwelling(), headers=owner).json()
    assert anonymous.get(DWELLINGS, headers=owner).status_code == 200
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    response = anonymous.get(DWELLINGS, headers={"Authorization": f"Bearer {tampered}"})
    assert problem(response, 401)["detail"] == INVALID_KEY
    assert dwelling["id"] not in response.text


# --- role boundaries -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), list(REGISTRATION_ROLES))
def test_a_corporation_cannot_touch_registrations(client_for, method, path):
    care, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(care)
    url = path.format(registration=f"{REGISTRATIONS}/{registration['id']}")
    body = factories.registration() if method in {"post", "patch", "put"} else None
    trail = audit_trail(coordinator, registration["id"])
    response = client_for("corporation").request(method, url, json=body, headers=if_match(1))
    forbidden(response, *REGISTRATION_ROLES[method, path], kind="corporation")
    assert registration["id"] not in response.text and registration["client_ref"] not in response.text
    assert audit_trail(coordinator, registration["id"]) == trail  # neither a read nor a change was recorded
    assert care.get(f"{REGISTRATIONS}/{registration['id']}").json() == registration
    assert care.get(REGISTRATIONS).json()["total"] == 1


@pytest.mark.parametrize(("method", "path"), list(DWELLING_ROLES))
def test_a_care_provider_cannot_touch_dwellings(client_for, method, path):
    corporation, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corporation)
    url = path.format(dwelling=f"{DWELLINGS}/{dwelling['id']}")
    body = {"floor": 3} if method == "patch" else factories.dwelling() if url == DWELLINGS else None
    trail = audit_trail(coordinator, dwelling["id"])
    response = client_for("care_provider").request(method, url, json=body, headers=if_match(1))
    forbidden(response, *DWELLING_ROLES[method, path], kind="care_provider")
    assert dwelling["id"] not in response.text and dwelling["external_ref"] not in response.text
    assert audit_trail(coordinator, dwelling["id"]) == trail
    assert corporation.get(f"{DWELLINGS}/{dwelling['id']}").json() == dwelling
    assert corporation.get(DWELLINGS).json()["total"] == 1


def test_a_care_provider_cannot_set_waiting_since(client_for):
    cp, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(cp)
    response = cp.put(f"{REGISTRATIONS}/{registration['id']}/waiting-since",
                      json={"waiting_since": "2024-03-01T00:00:00Z", "reason": "jump the queue"})
    forbidden(response, "coordinator", kind="care_provider")
    assert [action for action, _ in audit_trail(coordinator, registration["id"])] == ["create"]
    stored = cp.get(f"{REGISTRATIONS}/{registration['id']}").json()
    assert stored["waiting_since_reason"] is None
    assert (stored["waiting_since"], stored["version"]) == (registration["waiting_since"], 1)


@pytest.mark.parametrize(
    ("path", "document", "allowed"),
    [(DWELLINGS, factories.dwelling, "corporation"), (REGISTRATIONS, factories.registration, "care_provider")],
)
def test_a_coordinator_cannot_create_dwellings_or_registrations(client_for, path, document, allowed):
    coordinator = client_for("coordinator")
    forbidden(coordinator.post(path, json=document()), allowed, kind="coordinator")
    assert coordinator.get(path).json()["total"] == 0
    assert coordinator.get("/v1/audit", params={"action": "create"}).json()["total"] == 0


def test_a_coordinator_cannot_change_or_withdraw_a_dwelling(client_for):
    corporation, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(corporation)
    forbidden(coordinator.patch(f"{DWELLINGS}/{dwelling['id']}", json={"floor": 3}, headers=if_match(1)),
              "corporation", kind="coordinator")
    forbidden(coordinator.post(f"{DWELLINGS}/{dwelling['id']}/withdraw"), "corporation", kind="coordinator")
    assert audit_trail(coordinator, dwelling["id"]) == [("create", str(corporation.org.id))]
    stored = corporation.get(f"{DWELLINGS}/{dwelling['id']}").json()
    assert stored == dwelling and (stored["floor"], stored["status"], stored["version"]) == (1, "offered", 1)


def test_a_coordinator_cannot_change_or_withdraw_a_registration(client_for):
    care, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(care)
    forbidden(coordinator.patch(f"{REGISTRATIONS}/{registration['id']}", json={"contract": "regular_only"},
                                headers=if_match(1)), "care_provider", kind="coordinator")
    forbidden(coordinator.post(f"{REGISTRATIONS}/{registration['id']}/withdraw"), "care_provider", kind="coordinator")
    assert audit_trail(coordinator, registration["id"]) == [("create", str(care.org.id))]
    stored = care.get(f"{REGISTRATIONS}/{registration['id']}").json()
    assert stored == registration and (stored["contract"], stored["status"], stored["version"]) == \
        ("any", "active", 1)


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
        profile = coordinator.get(f"{REGISTRATIONS}/{registration['id']}/candidate-profile")
        assert profile.status_code == 200
        assert profile.json()["registration_id"] == registration["id"]


@pytest.mark.parametrize("kind", ["corporation", "care_provider"])
def test_only_a_coordinator_reads_the_audit_log(client_for, kind):
    client = client_for(kind)
    registration = create_registration(client_for("care_provider"))
    response = client.get("/v1/audit")
    forbidden(response, "coordinator", kind=kind)
    assert "items" not in response.json() and registration["id"] not in response.text


def test_a_coordinator_reads_the_audit_log(client_for):
    care = client_for("care_provider")
    registration = create_registration(care)
    response = client_for("coordinator").get("/v1/audit", params={"entity_id": registration["id"]})
    assert response.status_code == 200
    [record] = response.json()["items"]
    assert (record["action"], record["entity_id"], record["organisation_id"]) == \
        ("create", registration["id"], str(care.org.id))


# --- tenant boundaries ---------------------------------------------------------------------------------------------


def test_another_corporation_gets_404_reading_a_dwelling(client_for):
    dwelling = create_dwelling(client_for("corporation"))
    response = client_for("corporation").get(f"{DWELLINGS}/{dwelling['id']}")
    not_found(response, f"no dwelling {dwelling['id']}")
    assert dwelling["external_ref"] not in response.text and "etag" not in response.headers


def test_another_corporation_gets_404_changing_a_dwelling(client_for):
    owner, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(owner)
    not_found(client_for("corporation").patch(f"{DWELLINGS}/{dwelling['id']}", json={"floor": 9},
                                              headers={"If-Match": "*"}), f"no dwelling {dwelling['id']}")
    assert audit_trail(coordinator, dwelling["id"]) == [("create", str(owner.org.id))]
    assert owner.get(f"{DWELLINGS}/{dwelling['id']}").json() == dwelling


def test_another_corporation_gets_404_withdrawing_a_dwelling(client_for):
    owner, coordinator = client_for("corporation"), client_for("coordinator")
    dwelling = create_dwelling(owner)
    not_found(client_for("corporation").post(f"{DWELLINGS}/{dwelling['id']}/withdraw"),
              f"no dwelling {dwelling['id']}")
    assert audit_trail(coordinator, dwelling["id"]) == [("create", str(owner.org.id))]
    stored = owner.get(f"{DWELLINGS}/{dwelling['id']}").json()
    assert stored["status"] == "offered"
    assert stored == dwelling


def test_a_foreign_dwelling_answers_exactly_like_a_missing_one(client_for):
    dwelling = create_dwelling(client_for("corporation"))
    other = client_for("corporation")
    foreign = problem(other.get(f"{DWELLINGS}/{dwelling['id']}"), 404)
    missing = problem(other.get(f"{DWELLINGS}/{SOME_ID}"), 404)
    assert foreign["title"] == missing["title"]
    assert foreign["detail"].replace(dwelling["id"], SOME_ID) == missing["detail"]
    assert set(foreign) == set(missing)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("get", "", None), ("patch", "", {"contract": "regular_only"}), ("post", "/withdraw", None),
     ("get", "/candidate-profile", None)],
)
def test_another_care_provider_gets_404_on_a_registration(client_for, method, suffix, body):
    owner, coordinator = client_for("care_provider"), client_for("coordinator")
    registration = create_registration(owner)
    url = f"{REGISTRATIONS}/{registration['id']}{suffix}"
    response = client_for("care_provider").request(method, url, json=body, headers={"If-Match": "*"})
    not_found(response, f"no registration {registration['id']}")
    assert registration["client_ref"] not in response.text
    # Not even the refused read is recorded as a read: nothing was shown.
    assert audit_trail(coordinator, registration["id"]) == [("create", str(owner.org.id))]
    stored = owner.get(f"{REGISTRATIONS}/{registration['id']}").json()
    assert (stored["status"], stored["contract"], stored["version"]) == ("active", "any", 1)
    assert stored == registration


def test_a_listing_never_shows_another_corporations_dwellings(client_for):
    mine_client, other = client_for("corporation"), client_for("corporation")
    mine = create_dwelling(mine_client)
    theirs = create_dwelling(other)
    listed = mine_client.get(DWELLINGS).json()
    assert ([d["id"] for d in listed["items"]], listed["total"]) == ([mine["id"]], 1)
    assert ([d["id"] for d in other.get(DWELLINGS).json()["items"]]) == [theirs["id"]]
    assert mine_client.get(DWELLINGS, params={"status": "offered"}).json()["total"] == 1


def test_a_listing_never_shows_another_care_providers_registrations(client_for):
    mine_client, other = client_for("care_provider"), client_for("care_provider")
    coordinator = client_for("coordinator")
    mine = create_registration(mine_client)
    theirs = create_registration(other)
    listed = mine_client.get(REGISTRATIONS).json()
    assert ([r["id"] for r in listed["items"]], listed["total"]) == ([mine["id"]], 1)
    assert mine_client.get(REGISTRATIONS, params={"status": "active"}).json()["total"] == 1
    # Listing records a read of what was shown, and of nothing else.
    assert audit_trail(coordinator, theirs["id"]) == [("create", str(other.org.id))]


# --- ids in paths --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "field"),
    [("corporation", DWELLINGS, "path.dwelling_id"), ("care_provider", REGISTRATIONS, "path.registration_id")],
)
def test_an_id_that_is_no_uuid_is_422(client_for, kind, path, field):
    errors = field_errors(client_for(kind).get(f"{path}/42"))
    assert field in errors
    assert list(errors) == [field]
