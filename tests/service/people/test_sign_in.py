"""Signing in over HTTP: password, then TOTP (with a controlled clock) or a recovery code; enrolment forced where
two-factor sign-in is required; the throttle, without telling which e-mail addresses exist; every step audited."""

from fastapi.testclient import TestClient

from service.people.models import PersonRole
from tests.service.helpers import problem
from tests.service.people.conftest import PASSWORD, SIGN_IN, sign_in, totp_code

ME = "/v1/auth/me"


def _audit_actions(coordinator: TestClient, person_id: str) -> list[str]:
    """The actions audited about a person, sorted (the clock stands still, so they share one time)."""
    response = coordinator.get("/v1/audit", params={"entity_id": person_id, "limit": 100})
    assert response.status_code == 200, response.text
    return sorted(r["action"] for r in response.json()["items"])


def test_a_corporation_person_signs_in_with_a_password_alone_and_acts_on_the_api(make_account, browser, client_for):
    account = make_account("corporation")
    client = browser()
    answer = client.post(SIGN_IN, json={"email": account.email.upper(), "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stage"] == "signed_in" and body["person"]["id"] == str(account.person.id)
    cookie = answer.headers["set-cookie"]
    assert "doorstroom_session=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower()
    # The cookie holds the token; the database only a hash of it, and the answer no secret but the CSRF token.
    assert client.cookies["doorstroom_session"] not in answer.text
    assert client.get("/v1/dwellings").status_code == 200
    me = client.get(ME).json()
    assert (me["organisation"]["id"], me["two_factor_required"]) == (str(account.org.id), False)
    assert "audit" not in me and "password" not in str(me).lower().replace("password_set", "")
    assert _audit_actions(client_for("coordinator"), str(account.person.id)) == ["invite", "sign_in"]


def test_a_wrong_password_and_an_unknown_address_get_the_same_401(make_account, browser):
    account = make_account("corporation")
    wrong = browser().post(SIGN_IN, json={"email": account.email, "password": PASSWORD + "x"})
    unknown = browser().post(SIGN_IN, json={"email": "nobody-here@example.org", "password": PASSWORD})
    assert problem(wrong, 401)["detail"] == problem(unknown, 401)["detail"] == "the e-mail address or password is wrong"
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers


def test_a_deactivated_persons_right_password_gets_the_same_401(make_account, browser, session):
    account = make_account("corporation")
    account.person.active = False
    session.add(account.person)
    session.commit()
    refused = browser().post(SIGN_IN, json={"email": account.email, "password": PASSWORD})
    assert problem(refused, 401)["detail"] == "the e-mail address or password is wrong"


def test_five_failures_throttle_an_account_alike_whether_or_not_it_exists(make_account, browser, frozen_clock,
                                                                          client_for):
    account = make_account("corporation")
    for email in (account.email, "ghost@example.org"):
        client = browser()
        for _ in range(5):
            assert client.post(SIGN_IN, json={"email": email, "password": "not-the-password"}).status_code == 401
        # Now even the right password is refused, with the same message for the real and the unknown account.
        throttled = client.post(SIGN_IN, json={"email": email, "password": PASSWORD})
        body = problem(throttled, 429)
        assert body["detail"] == "too many failed sign-in attempts; try again in 15 minutes"
        assert throttled.headers["retry-after"] == "900"
    frozen_clock.advance(minutes=15, seconds=1)
    assert sign_in(browser(), account)["stage"] == "signed_in"
    actions = _audit_actions(client_for("coordinator"), str(account.person.id))
    assert actions == sorted(["invite"] + ["sign_in_failed"] * 5 + ["sign_in"])


def test_twenty_failures_from_one_address_throttle_every_account_from_it(make_account, browser):
    account = make_account("corporation")
    client = browser()
    for i in range(20):
        assert client.post(SIGN_IN, json={"email": f"guess-{i}@example.org", "password": "x" * 12}).status_code == 401
    problem(client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}), 429)


def test_a_coordinator_without_totp_may_only_enrol_and_is_signed_in_after_confirming(make_account, browser,
                                                                                    frozen_clock, client_for):
    account = make_account("coordinator")
    client = browser()
    body = client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
    assert body["stage"] == "enrolment_required"
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    refused = client.get("/v1/registrations")
    assert "enrol first" in problem(refused, 403)["detail"]
    assert client.get(ME).json()["stage"] == "enrolment_required"

    enrolment = client.post("/v1/auth/totp/enrol").json()
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/Doorstroom:")
    assert f"secret={enrolment['secret']}" in enrolment["otpauth_uri"]
    assert enrolment["qr_svg"].startswith("<svg") and enrolment["qr_svg"].endswith("</svg>")
    problem(client.post("/v1/auth/totp/confirm", json={"code": totp_code(enrolment["secret"], steps=5)}), 401)
    old_cookie = client.cookies["doorstroom_session"]
    confirmed = client.post("/v1/auth/totp/confirm", json={"code": totp_code(enrolment["secret"])})
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["stage"] == "signed_in" and len(set(body["recovery_codes"])) == 10
    # After the second factor the session goes on under a new token (and a new CSRF token).
    assert client.cookies["doorstroom_session"] != old_cookie
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    assert client.get("/v1/registrations").status_code == 200
    stale = TestClient(client.app, base_url="https://testserver", cookies={"doorstroom_session": old_cookie})
    problem(stale.get(ME), 401)
    assert _audit_actions(client_for("coordinator"), str(account.person.id)) == sorted([
        "invite", "sign_in", "totp_enrolment_started", "sign_in_failed", "totp_enrolled", "second_factor"])


def test_a_care_provider_with_totp_needs_the_code_and_a_code_works_once(make_account, browser, frozen_clock):
    account = make_account("care_provider", totp=True)
    client = browser()
    body = client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
    assert body["stage"] == "second_factor_required"
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    problem(client.get("/v1/registrations"), 403)
    problem(client.post("/v1/auth/totp/enrol"), 403)  # a password alone cannot replace the second factor

    # Codes of two steps away are refused; one step of drift either way is accepted.
    assert client.post("/v1/auth/second-factor", json={"code": totp_code(account.secret, steps=-2)}).status_code == 401
    assert client.post("/v1/auth/second-factor", json={"code": totp_code(account.secret, steps=2)}).status_code == 401
    code = totp_code(account.secret, steps=-1)
    assert client.post("/v1/auth/second-factor", json={"code": code}).status_code == 200

    # The same code again, in another sign-in, is a replay.
    other = browser()
    body = other.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
    other.headers["X-CSRF-Token"] = body["csrf_token"]
    assert problem(other.post("/v1/auth/second-factor", json={"code": code}), 401)["detail"] == \
        "the code is wrong or was used before"
    frozen_clock.advance(seconds=30)
    assert other.post("/v1/auth/second-factor", json={"code": totp_code(account.secret)}).status_code == 200


def test_a_malformed_code_is_422_naming_the_field(make_account, browser):
    account = make_account("coordinator", totp=True)
    client = browser()
    body = client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    errors = problem(client.post("/v1/auth/second-factor", json={"code": "12ab56"}), 422)["errors"]
    assert [e["field"] for e in errors] == ["code"]
    errors = problem(browser().post(SIGN_IN, json={"email": "not-an-address", "password": ""}), 422)["errors"]
    assert {e["field"] for e in errors} == {"email", "password"}


def test_recovery_codes_sign_in_once_each(make_account, browser, frozen_clock):
    account = make_account("coordinator")
    client = browser()
    body = client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    secret = client.post("/v1/auth/totp/enrol").json()["secret"]
    codes = client.post("/v1/auth/totp/confirm", json={"code": totp_code(secret)}).json()["recovery_codes"]

    def start() -> TestClient:
        fresh = browser()
        answer = fresh.post(SIGN_IN, json={"email": account.email, "password": PASSWORD}).json()
        assert answer["stage"] == "second_factor_required"
        fresh.headers["X-CSRF-Token"] = answer["csrf_token"]
        return fresh

    first = start().post("/v1/auth/recovery", json={"code": codes[0].upper()})
    assert first.status_code == 200, first.text
    assert (first.json()["stage"], first.json()["remaining_recovery_codes"]) == ("signed_in", 9)
    again = start().post("/v1/auth/recovery", json={"code": codes[0]})
    assert problem(again, 401)["detail"] == "the code is wrong or was used before"
    assert start().post("/v1/auth/recovery", json={"code": codes[1]}).json()["remaining_recovery_codes"] == 8


def test_a_signed_in_member_acts_in_the_organisations_role_on_existing_routes(signed_in, client_for):
    care = signed_in("care_provider", role=PersonRole.member)
    from tests import factories

    created = care.post("/v1/registrations", json=factories.registration())
    assert created.status_code == 201, created.text
    assert created.json()["care_provider_id"] == str(care.org.id)
    refused = care.post("/v1/dwellings", json=factories.dwelling())
    assert problem(refused, 403)["detail"] == "this operation is for corporation; your organisation is a care_provider"
