"""The `doorstroom` command against a fresh database of each backend."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from service import config, db
from service.cli import app as cli
from service.config import Settings
from service.main import create_app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_db_upgrade_creates_the_schema_with_every_municipality(cli_env):
    _run("db", "upgrade")
    with db.get_engine().connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM municipality")).scalar() == 342
        assert connection.execute(text("SELECT name FROM municipality WHERE code = 'GM0344'")).scalar() == "Utrecht"


def test_org_create_prints_a_key_that_works_once_and_is_stored_hashed(cli_env):
    _run("db", "upgrade")
    created = json.loads(_run("org", "create", "--kind", "corporation", "--name", "Woonstichting Test"))
    assert set(created) == {"id", "kind", "name", "api_key"}
    with db.get_engine().connect() as connection:
        stored = connection.execute(text("SELECT key_hash, prefix FROM api_key")).all()
    assert len(stored) == 1
    assert created["api_key"] not in {stored[0].key_hash, stored[0].prefix}

    client = TestClient(create_app(Settings(database_url=cli_env)))
    assert client.get("/v1/dwellings", headers={"Authorization": f"Bearer {created['api_key']}"}).status_code == 200
    assert client.get("/v1/dwellings", headers={"Authorization": f"Bearer {created['api_key']}x"}).status_code == 401
    listed = json.loads(_run("org", "list"))
    assert [o["id"] for o in listed] == [created["id"]] and "api_key" not in listed[0]


def test_org_create_refuses_an_unknown_kind(cli_env):
    _run("db", "upgrade")
    result = runner.invoke(cli, ["org", "create", "--kind", "landlord", "--name", "X"])
    assert result.exit_code != 0


def test_demo_loads_both_regions_and_prints_working_keys(cli_env, tmp_path):
    keys_file = tmp_path / "keys.json"
    printed = runner.invoke(cli, ["demo", "--keys-file", str(keys_file)])
    assert printed.exit_code == 0, printed.output
    keys = json.loads(printed.stdout)
    assert json.loads(keys_file.read_text()) == keys
    # The block after the people: each key on one line with its role, organisation and place in the keys file.
    table = [line.split() for line in printed.stderr.splitlines() if " ds_" in line]
    expected = [["coordinator", keys["coordinator"]["name"], "coordinator", keys["coordinator"]["api_key"]]]
    expected += [["corporation", c["name"], f"corporations[{i}]", c["api_key"]]
                 for i, c in enumerate(keys["corporations"])]
    expected += [["care provider", c["name"], f"care_providers[{i}]", c["api_key"]]
                 for i, c in enumerate(keys["care_providers"])]
    assert [" ".join(row) for row in table] == [" ".join(" ".join(cell.split()) for cell in row) for row in expected]
    # The README promises one coordinator, three corporations and four care providers, 241 registrations and 101
    # dwellings (a year of them: tests/service/test_demo.py checks where they stand).
    assert (len(keys["corporations"]), len(keys["care_providers"])) == (3, 4)
    assert len({c["api_key"] for c in (keys["coordinator"], *keys["corporations"], *keys["care_providers"])}) == 8
    client = TestClient(create_app(Settings(database_url=cli_env)))
    coordinator = {"Authorization": f"Bearer {keys['coordinator']['api_key']}"}
    dwellings = client.get("/v1/dwellings?limit=100", headers=coordinator).json()
    registrations = client.get("/v1/registrations?limit=100", headers=coordinator).json()
    assert dwellings["total"] == sum(c["dwellings"] for c in keys["corporations"]) == 101
    assert registrations["total"] == sum(c["registrations"] for c in keys["care_providers"]) == 241
    municipalities = {d["municipality_code"] for d in dwellings["items"]}
    assert "GM0344" in municipalities and "GM0505" in municipalities  # Utrecht (U16) and Dordrecht
    needs = {r["low_stimulus"] for r in registrations["items"]} | {r["contract"] for r in registrations["items"]}
    assert {"required", "not_needed", "flip_required", "any"} <= needs
    # One person per kind of organisation, signing in with the printed password; where two-factor sign-in is
    # required, the first sign-in may only enrol.
    people = {p["kind"]: p for p in keys["people"]}
    assert set(people) == {"coordinator", "care_provider", "corporation"}
    browser = TestClient(create_app(Settings(database_url=cli_env)), base_url="https://testserver")
    stages = {kind: browser.post("/v1/auth/sign-in", json={"email": p["email"], "password": p["password"]})
              .json()["stage"] for kind, p in people.items()}
    assert stages == {"coordinator": "enrolment_required", "care_provider": "enrolment_required",
                      "corporation": "signed_in"}
    # A second demo into the same database would duplicate partners: refused.
    assert runner.invoke(cli, ["demo"]).exit_code == 1


def test_a_bad_setting_stops_the_cli_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("DOORSTROOM_DATABASE_URL", "mysql://nowhere/db")
    config.get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["db", "upgrade"])
    finally:
        config.get_settings.cache_clear()
    assert result.exit_code == 2
    assert "DOORSTROOM_DATABASE_URL" in result.output


def test_the_operator_links_organisations_to_regions_and_places_unplaced_registrations(cli_env):
    _run("db", "upgrade")
    org = json.loads(_run("org", "create", "--kind", "coordinator", "--name", "Bureau Drechtsteden"))
    refused = runner.invoke(cli, ["org", "regions", "--org", org["id"], "--add", "DRE"])
    assert (refused.exit_code, refused.output.strip()) == (2, "error: no region DRE")
    assert json.loads(_run("org", "regions", "--org", org["id"]))["regions"] == []
    assert json.loads(_run("registrations", "unplaced")) == []
    missing = runner.invoke(cli, ["registrations", "place", "--registration", org["id"], "--region", "DRE",
                                  "--reason", "imported list"])
    assert (missing.exit_code, missing.output.strip()) == (2, f"error: no registration {org['id']}")
