"""API keys managed by their organisation's admins: create with a name and an expiry, list, rotate with a grace
period, revoke; a revoked or expired key answers 401 at once; the CLI does the same as the operator."""

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli
from service.people.models import PersonRole
from tests.service.helpers import field_errors, problem
from tests.service.people.conftest import sign_in

KEYS = "/v1/keys"
INVALID = "the API key is not valid"


def _machine(app, api_key: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {api_key}"})


def _create(admin, **document):
    response = admin.post(KEYS, json={"name": "vacature-feed", **document})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_admin_creates_a_named_key_that_works_and_is_listed_without_its_secret(signed_in, frozen_clock):
    admin = signed_in("corporation")
    created = _create(admin)
    assert created["api_key"].startswith(f"ds_{created['prefix']}_")
    assert (created["name"], created["state"], created["created_by_person_id"]) == \
        ("vacature-feed", "active", str(admin.account.person.id))
    machine = _machine(admin.app, created["api_key"])
    assert machine.get("/v1/dwellings").status_code == 200
    listed = admin.get(KEYS).json()
    assert listed["total"] == 2  # the organisation's first key and this one
    mine = next(k for k in listed["items"] if k["id"] == created["id"])
    assert mine["last_used_at"] == "2026-12-01T09:30:00Z"
    assert created["api_key"] not in admin.get(KEYS).text


def test_last_used_is_written_at_most_once_a_minute(signed_in, frozen_clock):
    admin = signed_in("corporation")
    created = _create(admin)
    machine = _machine(admin.app, created["api_key"])

    def last_used() -> str:
        return next(k for k in admin.get(KEYS).json()["items"] if k["id"] == created["id"])["last_used_at"]

    machine.get("/v1/dwellings")
    frozen_clock.advance(seconds=59)
    machine.get("/v1/dwellings")
    assert last_used() == "2026-12-01T09:30:00Z"
    frozen_clock.advance(seconds=1)
    machine.get("/v1/dwellings")
    assert last_used() == "2026-12-01T09:31:00Z"


def test_an_expired_key_answers_401_at_once(signed_in, frozen_clock):
    admin = signed_in("corporation")
    created = _create(admin, expires_at="2026-12-01T10:00:00+00:00")
    machine = _machine(admin.app, created["api_key"])
    frozen_clock.advance(minutes=29, seconds=59)
    assert machine.get("/v1/dwellings").status_code == 200
    assert admin.get("/v1/auth/me").status_code == 200  # the admin's session is kept alive
    frozen_clock.advance(seconds=1)
    assert problem(machine.get("/v1/dwellings"), 401)["detail"] == INVALID
    assert next(k for k in admin.get(KEYS).json()["items"] if k["id"] == created["id"])["state"] == "expired"


def test_a_rotated_key_works_through_its_grace_period_then_401(signed_in, frozen_clock):
    admin = signed_in("care_provider")
    old = _create(admin)
    rotated = admin.post(f"{KEYS}/{old['id']}/rotate", json={"grace_hours": 48})
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert (new["name"], new["rotated_from_id"], new["state"]) == ("vacature-feed", old["id"], "active")
    listed = {k["id"]: k for k in admin.get(KEYS).json()["items"]}
    assert (listed[old["id"]]["state"], listed[old["id"]]["revoked_at"]) == ("rotating", "2026-12-03T09:30:00Z")
    old_machine, new_machine = _machine(admin.app, old["api_key"]), _machine(admin.app, new["api_key"])
    frozen_clock.advance(hours=47, minutes=59)
    assert old_machine.get("/v1/registrations").status_code == 200
    assert new_machine.get("/v1/registrations").status_code == 200
    frozen_clock.advance(minutes=1)
    assert problem(old_machine.get("/v1/registrations"), 401)["detail"] == INVALID
    assert new_machine.get("/v1/registrations").status_code == 200
    # A key that is no longer active cannot be rotated again (the admin signs in again: 48 hours have passed).
    sign_in(admin, admin.account)
    assert problem(admin.post(f"{KEYS}/{old['id']}/rotate", json={}), 409)["current_state"] == "revoked"


def test_the_grace_period_is_at_most_seven_days(signed_in):
    admin = signed_in("corporation")
    old = _create(admin)
    assert set(field_errors(admin.post(f"{KEYS}/{old['id']}/rotate", json={"grace_hours": 169}))) == {"grace_hours"}
    assert set(field_errors(admin.post(f"{KEYS}/{old['id']}/rotate", json={"grace_hours": -1}))) == {"grace_hours"}


def test_a_revoked_key_answers_401_at_once_even_during_a_grace_period(signed_in):
    admin = signed_in("corporation")
    old = _create(admin)
    new = admin.post(f"{KEYS}/{old['id']}/rotate", json={"grace_hours": 168}).json()
    for key in (old, new):
        revoked = admin.post(f"{KEYS}/{key['id']}/revoke")
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        assert problem(_machine(admin.app, key["api_key"]).get("/v1/dwellings"), 401)["detail"] == INVALID


def test_keys_of_another_organisation_are_404_and_members_and_keys_may_not_manage(signed_in, client_for):
    one, two = signed_in("corporation"), signed_in("corporation")
    theirs = _create(two)
    problem(one.post(f"{KEYS}/{theirs['id']}/revoke"), 404)
    problem(one.post(f"{KEYS}/{theirs['id']}/rotate", json={}), 404)
    assert theirs["id"] not in one.get(KEYS).text
    member = signed_in("corporation", role=PersonRole.member)
    problem(member.post(KEYS, json={"name": "x"}), 403)
    problem(client_for("corporation").get(KEYS), 403)


def test_bad_key_documents_name_each_field(signed_in):
    admin = signed_in("corporation")
    errors = field_errors(admin.post(KEYS, json={"name": "", "expires_at": "2027-01-01T00:00:00", "x": 1}))
    assert set(errors) == {"name", "expires_at", "x"}
    past = field_errors(admin.post(KEYS, json={"name": "oud", "expires_at": "2026-11-30T00:00:00Z"}))
    assert past == {"expires_at": "expires_at must be in the future"}


def test_key_operations_are_audited_under_the_admin(signed_in, client_for):
    admin = signed_in("corporation")
    old = _create(admin)
    new = admin.post(f"{KEYS}/{old['id']}/rotate", json={"grace_hours": 1}).json()
    admin.post(f"{KEYS}/{new['id']}/revoke")
    records = client_for("coordinator").get("/v1/audit", params={"person_id": str(admin.account.person.id),
                                                                 "limit": 100}).json()["items"]
    about_keys = sorted((r["action"], r["entity_id"]) for r in records if r["entity_type"] == "api_key")
    assert about_keys == sorted([("create", old["id"]), ("rotate", old["id"]), ("revoke", new["id"])])
    assert {r["organisation_id"] for r in records} == {str(admin.org.id)}


def test_the_cli_creates_lists_rotates_and_revokes_keys(cli_env):
    runner = CliRunner()

    def run(*args: str) -> object:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    org = run("org", "create", "--kind", "corporation", "--name", "Sleutelbeheer")
    created = run("key", "create", "--org", org["id"], "--name", "feed", "--expires-at", "2099-01-01T00:00:00Z")
    assert created["api_key"] and created["expires_at"] == "2099-01-01T00:00:00Z"
    listed = run("key", "list", "--org", org["id"])
    assert {k["name"] for k in listed} == {"first key", "feed"} and "api_key" not in listed[0]
    rotated = run("key", "rotate", created["id"], "--grace-hours", "2")
    assert rotated["rotated_from_id"] == created["id"]
    revoked = run("key", "revoke", created["id"])
    assert revoked["state"] == "revoked"
    from service.config import Settings
    from service.main import create_app

    app = create_app(Settings(database_url=cli_env))
    assert problem(_machine(app, created["api_key"]).get("/v1/dwellings"), 401)["detail"] == INVALID
    assert _machine(app, rotated["api_key"]).get("/v1/dwellings").status_code == 200
    assert _machine(app, org["api_key"]).get("/v1/dwellings").status_code == 200
    bad = runner.invoke(cli, ["key", "rotate", created["id"], "--grace-hours", "200"])
    assert bad.exit_code == 2
    naive = runner.invoke(cli, ["key", "create", "--org", org["id"], "--name", "x", "--expires-at", "2099-01-01"])
    assert naive.exit_code == 2 and "with a zone" in naive.output


def test_an_expiry_beyond_a_century_is_422_not_a_server_error(signed_in):
    # 9999-12-31T23:59:59-01:00 lies in the year 10000 in UTC, which no database stores.
    admin = signed_in("corporation")
    response = admin.post(KEYS, json={"name": "ver-weg", "expires_at": "9999-12-31T23:59:59-01:00"})
    assert field_errors(response) == {"expires_at": "must lie within 100 years from now"}
