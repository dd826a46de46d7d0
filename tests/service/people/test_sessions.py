"""Server-side sessions: idle and absolute expiry on a controlled clock, listing and revoking, sign-out and sign-out
everywhere, CSRF on every state-changing request made with the cookie, and the audit naming the person."""

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.errors import NotFound
from service.organisations import service as organisations_service
from service.people import service as people_service
from service.people.models import Person, PersonRole, PersonSession, SetupPurpose, SetupToken
from service.privacy.retention import apply_retention
from tests import factories
from tests.service.helpers import create_registration, problem
from tests.service.people.conftest import PASSWORD, sign_in

ME = "/v1/auth/me"
SESSIONS = "/v1/auth/sessions"
ENDED = "the session has ended or is not valid; sign in again"


def test_a_session_ends_after_30_idle_minutes(signed_in, frozen_clock):
    client = signed_in("corporation")
    for _ in range(3):  # used every 29 minutes, it lives on
        frozen_clock.advance(minutes=29)
        assert client.get("/v1/dwellings").status_code == 200
    frozen_clock.advance(minutes=30)
    assert problem(client.get("/v1/dwellings"), 401)["detail"] == ENDED
    assert problem(client.get(ME), 401)["detail"] == ENDED


def test_a_session_ends_12_hours_after_sign_in_however_busy(signed_in, frozen_clock):
    client = signed_in("coordinator")
    for _ in range(35):  # 11 h 40 min of work, a request every 20 minutes
        frozen_clock.advance(minutes=20)
        assert client.get(ME).status_code == 200
    frozen_clock.advance(minutes=19, seconds=59)
    assert client.get(ME).status_code == 200
    frozen_clock.advance(seconds=1)
    problem(client.get(ME), 401)


def test_sessions_are_listed_and_another_one_can_be_revoked(make_account, browser):
    account = make_account("corporation")
    laptop, phone = browser(), browser()
    sign_in(laptop, account)
    sign_in(phone, account)
    listed = laptop.get(SESSIONS).json()
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    phone_id = next(s["id"] for s in listed if not s["current"])
    assert laptop.delete(f"{SESSIONS}/{phone_id}").status_code == 204
    assert problem(phone.get(ME), 401)["detail"] == ENDED
    assert laptop.get(ME).status_code == 200
    assert [s["current"] for s in laptop.get(SESSIONS).json()] == [True]
    problem(laptop.delete(f"{SESSIONS}/{phone_id}"), 404)


def test_another_persons_session_cannot_be_revoked(make_account, browser):
    mine, theirs = browser(), browser()
    sign_in(mine, make_account("corporation"))
    sign_in(theirs, make_account("corporation"))
    their_id = theirs.get(SESSIONS).json()[0]["id"]
    problem(mine.delete(f"{SESSIONS}/{their_id}"), 404)
    assert theirs.get(ME).status_code == 200


def test_sign_out_ends_this_session_only(make_account, browser, client_for):
    account = make_account("corporation")
    laptop, phone = browser(), browser()
    sign_in(laptop, account)
    sign_in(phone, account)
    out = laptop.post("/v1/auth/sign-out")
    assert out.status_code == 204
    assert 'doorstroom_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    problem(laptop.get(ME), 401)
    assert phone.get(ME).status_code == 200


def test_sign_out_everywhere_ends_every_session(make_account, browser, client_for, frozen_clock):
    account = make_account("care_provider", totp=True)
    clients = [browser() for _ in range(3)]
    for client in clients:
        sign_in(client, account)
        frozen_clock.advance(seconds=30)  # each sign-in needs a fresh TOTP code
    assert clients[0].post("/v1/auth/sign-out-everywhere").status_code == 204
    problem(clients[0].get(ME), 401)  # its cookie was cleared too
    for client in clients[1:]:
        assert problem(client.get(ME), 401)["detail"] == ENDED
    records = client_for("coordinator").get("/v1/audit", params={"entity_id": str(account.person.id),
                                                                 "action": "sign_out_everywhere"}).json()["items"]
    assert [(r["detail"]["sessions_ended"], r["person_id"]) for r in records] == [(3, str(account.person.id))]


def test_a_state_changing_request_on_the_cookie_needs_the_csrf_token(signed_in):
    client = signed_in("corporation")
    token = client.headers.pop("X-CSRF-Token")
    missing = client.post("/v1/dwellings", json=factories.dwelling())
    assert "CSRF" in problem(missing, 403)["detail"]
    other = token[:-1] + ("1" if token.endswith("0") else "0")
    wrong = client.post("/v1/dwellings", json=factories.dwelling(), headers={"X-CSRF-Token": other})
    problem(wrong, 403)
    problem(client.post("/v1/auth/sign-out"), 403)
    assert client.get("/v1/dwellings").json()["total"] == 0  # nothing was written; reads need no token
    made = client.post("/v1/dwellings", json=factories.dwelling(), headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text


def test_a_form_post_may_carry_the_csrf_token_as_a_field(signed_in):
    client = signed_in("corporation")
    token = client.headers.pop("X-CSRF-Token")
    assert problem(client.post("/v1/auth/sign-out", data={"csrf_token": "nope"}), 403)
    assert client.post("/v1/auth/sign-out", data={"csrf_token": token}).status_code == 204


def test_a_request_with_an_api_key_needs_no_csrf_token(client_for):
    corporation = client_for("corporation")
    assert "X-CSRF-Token" not in corporation.headers
    assert corporation.post("/v1/dwellings", json=factories.dwelling()).status_code == 201


def test_a_persons_reads_are_audited_under_their_name_and_a_keys_under_the_key(signed_in, client_for, session):
    coordinator = signed_in("coordinator", role=PersonRole.member)
    care = client_for("care_provider")
    registration = create_registration(care)
    assert coordinator.get(f"/v1/registrations/{registration['id']}").status_code == 200
    auditor = client_for("coordinator")
    person_id = str(coordinator.account.person.id)
    by_person = auditor.get("/v1/audit", params={"person_id": person_id, "entity_id": registration["id"]}).json()
    assert [(r["action"], r["organisation_id"], r["api_key_id"]) for r in by_person["items"]] == \
        [("read", str(coordinator.org.id), None)]
    [key] = organisations_service.list_keys(session=session, organisation=care.org)
    by_key = auditor.get("/v1/audit", params={"api_key_id": str(key.id), "entity_id": registration["id"]}).json()
    assert [(r["action"], r["organisation_id"], r["person_id"]) for r in by_key["items"]] == \
        [("create", str(care.org.id), None)]
    assert {r["api_key_id"] for r in by_key["items"]} == {str(key.id)}


def test_the_access_log_names_ids_never_an_email_address(signed_in, caplog):
    client = signed_in("corporation")
    caplog.clear()
    client.get("/v1/dwellings")
    lines = [r for r in caplog.records if r.name == "doorstroom.access"]
    assert lines and lines[-1].person_id == str(client.account.person.id)
    assert all(client.account.email not in r.getMessage() and client.account.email not in str(r.__dict__)
               for r in caplog.records)
    assert all(client.cookies["doorstroom_session"] not in str(r.__dict__) for r in caplog.records)


def test_a_bearer_key_wins_over_a_cookie(signed_in, client_for):
    person = signed_in("corporation")
    other = client_for("care_provider")
    both = TestClient(person.app, base_url="https://testserver", cookies=dict(person.cookies),
                      headers={"Authorization": other.headers["Authorization"]})
    assert both.get("/v1/registrations").status_code == 200  # the care provider's key acts, not the corporation


def _sessions_of(session, account) -> int:  # type: ignore[no-untyped-def]
    return len(session.exec(select(PersonSession).where(PersonSession.person_id == account.person.id)).all())


def test_the_tick_deletes_sessions_that_ended_and_keeps_the_live_ones(make_account, browser, session, frozen_clock):
    idle, busy = make_account("corporation"), make_account("corporation")
    left_idle = browser()
    sign_in(left_idle, idle)
    frozen_clock.advance(minutes=30)  # idle for exactly the timeout: ended
    laptop, phone = browser(), browser()
    sign_in(laptop, busy)
    sign_in(phone, busy)
    phone_id = next(s["id"] for s in laptop.get(SESSIONS).json() if not s["current"])
    assert laptop.delete(f"{SESSIONS}/{phone_id}").status_code == 204
    assert (_sessions_of(session, idle), _sessions_of(session, busy)) == (1, 2)

    counts = apply_retention(session=session, at=frozen_clock.moment)

    assert counts["sessions_deleted"] >= 2
    assert (_sessions_of(session, idle), _sessions_of(session, busy)) == (0, 1)
    assert laptop.get(ME).status_code == 200
    frozen_clock.advance(hours=12)  # past its absolute end, however busy
    apply_retention(session=session, at=frozen_clock.moment)
    assert _sessions_of(session, busy) == 0


def test_the_tick_deletes_set_up_links_once_used_replaced_or_expired(session, make_org, frozen_clock):
    org, _ = make_org("corporation")
    person, replaced = people_service.create_person(session=session, organisation=org, name="Nieuwe Collega",
                                                    email=f"n-{uuid.uuid4().hex[:8]}@example.org",
                                                    role=PersonRole.member)
    current = people_service.issue_setup_link(session=session, person=person, purpose=SetupPurpose.setup)
    used_by_other = people_service.create_person(session=session, organisation=org, name="Andere Collega",
                                                 email=f"a-{uuid.uuid4().hex[:8]}@example.org",
                                                 role=PersonRole.member)
    people_service.complete_setup(session=session, token=used_by_other[1].token, password=PASSWORD)

    def links(who: Person) -> int:
        return len(session.exec(select(SetupToken).where(SetupToken.person_id == who.id)).all())

    assert (links(person), links(used_by_other[0])) == (2, 1)
    apply_retention(session=session, at=frozen_clock.moment)
    assert (links(person), links(used_by_other[0])) == (1, 0)
    assert people_service.setup_info(session=session, token=current.token)[1].id == person.id
    with pytest.raises(NotFound):  # the replaced link is gone, and no more usable than before
        people_service.setup_info(session=session, token=replaced.token)

    frozen_clock.advance(hours=72)  # the current link's lifetime is up
    apply_retention(session=session, at=frozen_clock.moment)
    assert links(person) == 0
