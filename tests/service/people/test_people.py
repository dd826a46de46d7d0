"""People of an organisation: invitations with one-time set-up links (72 hours), the password policy, roles and
deactivation by the organisation's admins; nobody else manages them."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from service.cli import app as cli
from service.people import passwords
from service.people.models import PersonRole
from tests.service.helpers import field_errors, problem
from tests.service.people.conftest import PASSWORD, SIGN_IN

PEOPLE = "/v1/people"
SETUP = "/v1/auth/setup"


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _invite(admin, email="nieuw@example.org", role="member"):
    response = admin.post(PEOPLE, json={"email": email, "name": "Nieuwe Collega", "role": role})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_admin_invites_a_person_who_sets_a_password_once_and_signs_in(signed_in, browser):
    admin = signed_in("corporation")
    invited = _invite(admin, email="Nieuw.Collega@Example.org")
    assert invited["person"]["email"] == "nieuw.collega@example.org"
    assert (invited["person"]["password_set"], invited["person"]["role"]) == (False, "member")
    assert invited["setup_link"].startswith("http://127.0.0.1:8000/instellen?token=")
    token = _token(invited["setup_link"])
    anonymous = browser()
    info = anonymous.get(SETUP, params={"token": token}).json()
    assert (info["email"], info["organisation_name"], info["purpose"]) == \
        ("nieuw.collega@example.org", admin.org.name, "setup")
    assert info["expires_at"] == "2026-12-04T09:30:00Z"  # 72 hours after the controlled clock's start

    done = anonymous.post(SETUP, json={"token": token, "password": PASSWORD})
    assert done.status_code == 200 and done.json()["password_set"] is True
    again = anonymous.post(SETUP, json={"token": token, "password": PASSWORD + "!"})
    assert "not valid" in problem(again, 404)["detail"]
    signed = anonymous.post(SIGN_IN, json={"email": "NIEUW.collega@example.org", "password": PASSWORD})
    assert signed.json()["stage"] == "signed_in"


def test_a_set_up_link_expires_after_72_hours(signed_in, browser, frozen_clock):
    token = _token(_invite(signed_in("corporation"))["setup_link"])
    frozen_clock.advance(hours=72)
    problem(browser().get(SETUP, params={"token": token}), 404)
    problem(browser().post(SETUP, json={"token": token, "password": PASSWORD}), 404)


@pytest.mark.parametrize(("password", "message"), [
    ("kort-maar-ok", None),
    ("elf-tekens!", "must be at least 12 characters"),
    ("qwerty123456", "is on the list of commonly used passwords; choose another"),
    ("Password1234!", "is on the list of commonly used passwords; choose another"),  # "password" + digits
    ("sunshinesunshine", "is on the list of commonly used passwords; choose another"),  # said twice
    ("aaaaaaaaaaaaaaaab", "has too few different characters"),
])
def test_the_password_policy(password, message):
    assert passwords.policy_problem(password) == message


def test_a_refused_password_is_422_naming_the_field_and_the_link_still_works(signed_in, browser):
    token = _token(_invite(signed_in("corporation"))["setup_link"])
    errors = field_errors(browser().post(SETUP, json={"token": token, "password": "1q2w3e4r5t6y"}))
    assert errors == {"password": "is on the list of commonly used passwords; choose another"}
    assert browser().post(SETUP, json={"token": token, "password": PASSWORD}).status_code == 200


def test_the_shipped_list_is_large_and_lower_cased():
    common = passwords.common_passwords()
    assert len(common) > 19_000 and "123456" in common and all(p == p.lower() for p in common)


def test_e_mail_addresses_are_unique_without_case(signed_in):
    admin = signed_in("corporation")
    _invite(admin, email="dubbel@example.org")
    taken = admin.post(PEOPLE, json={"email": "DUBBEL@example.org", "name": "X"})
    assert problem(taken, 409)["detail"] == "a person with this e-mail address already exists"


def test_bad_invitations_name_each_field(signed_in):
    errors = field_errors(signed_in("corporation").post(PEOPLE, json={"email": "nope", "name": "", "role": "boss",
                                                                      "extra": 1}))
    assert set(errors) == {"email", "name", "role", "extra"}


def test_only_a_signed_in_admin_manages_people(signed_in, client_for):
    member = signed_in("corporation", role=PersonRole.member)
    detail = "this operation is for the organisation's admins, signed in"
    assert problem(member.get(PEOPLE), 403)["detail"] == detail
    assert problem(member.post(PEOPLE, json={"email": "x@example.org", "name": "X"}), 403)["detail"] == detail
    assert problem(client_for("corporation").get(PEOPLE), 403)["detail"] == detail  # an API key is no person


def test_roles_change_and_the_last_admin_stays_one(signed_in):
    admin = signed_in("care_provider")
    me = str(admin.account.person.id)
    other = _invite(admin)["person"]["id"]
    assert problem(admin.patch(f"{PEOPLE}/{me}", json={"role": "member"}), 409)["detail"].startswith(
        "this is the organisation's last admin")
    assert admin.patch(f"{PEOPLE}/{other}", json={"role": "admin"}).json()["role"] == "admin"
    listed = admin.get(PEOPLE).json()
    assert listed["total"] == 2 and {p["role"] for p in listed["items"]} == {"admin"}


def test_another_organisations_person_is_404(signed_in):
    one, two = signed_in("corporation"), signed_in("corporation")
    theirs = str(two.account.person.id)
    problem(one.get(f"{PEOPLE}/{theirs}"), 404)
    problem(one.post(f"{PEOPLE}/{theirs}/deactivate"), 404)
    assert str(two.account.person.id) not in one.get(PEOPLE).text


def test_deactivation_ends_the_persons_sessions_at_once(signed_in, make_account, browser):
    admin = signed_in("corporation")
    colleague = make_account(org=admin.org, role=PersonRole.member)
    theirs = browser()
    assert theirs.post(SIGN_IN, json={"email": colleague.email, "password": PASSWORD}).status_code == 200
    gone = admin.post(f"{PEOPLE}/{colleague.person.id}/deactivate")
    assert gone.status_code == 200 and gone.json()["active"] is False
    problem(theirs.get("/v1/dwellings"), 401)
    problem(browser().post(SIGN_IN, json={"email": colleague.email, "password": PASSWORD}), 401)
    assert admin.get(PEOPLE, params={"active": False}).json()["total"] == 1


def test_a_reset_link_sets_a_new_password_and_may_clear_two_factor(signed_in, make_account, browser):
    admin = signed_in("coordinator")
    colleague = make_account(org=admin.org, role=PersonRole.member, totp=True)
    reset = admin.post(f"{PEOPLE}/{colleague.person.id}/reset", json={"reset_two_factor": True})
    assert reset.status_code == 200, reset.text
    new_password = "een-heel-ander-wachtwoord"
    assert browser().post(SETUP, json={"token": _token(reset.json()["setup_link"]),
                                       "password": new_password}).status_code == 200
    problem(browser().post(SIGN_IN, json={"email": colleague.email, "password": PASSWORD}), 401)
    answer = browser().post(SIGN_IN, json={"email": colleague.email, "password": new_password}).json()
    assert answer["stage"] == "enrolment_required"  # two-factor sign-in must be enrolled again


def test_user_create_prints_a_set_up_link_that_works(cli_env, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    org = json.loads(runner.invoke(cli, ["org", "create", "--kind", "care_provider", "--name", "Zorg"]).stdout)
    monkeypatch.setenv("DOORSTROOM_PUBLIC_URL", "https://doorstroom.example.nl")
    from service import config

    config.get_settings.cache_clear()
    result = runner.invoke(cli, ["user", "create", "--org", org["id"], "--email", "Eerste@Zorg.example",
                                 "--name", "Eerste Beheerder", "--admin"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert (created["email"], created["role"]) == ("eerste@zorg.example", "admin")
    assert created["setup_link"].startswith("https://doorstroom.example.nl/instellen?token=")
    from sqlalchemy import text

    from service import db

    with db.get_engine().connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM person_setup_token")).scalar_one()
    assert _token(created["setup_link"]) not in stored
    assert passwords.digest(_token(created["setup_link"])) == stored
    again = runner.invoke(cli, ["user", "create", "--org", org["id"], "--email", "EERSTE@zorg.example",
                                "--name", "X"])
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(cli, ["user", "create", "--org", org["id"], "--email", "nope", "--name", "X"])
    assert bad.exit_code == 2
    listed = json.loads(runner.invoke(cli, ["user", "list", "--org", org["id"]]).stdout)
    assert [p["email"] for p in listed] == ["eerste@zorg.example"]
