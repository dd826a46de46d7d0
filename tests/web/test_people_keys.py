"""Mensen en sleutels without a browser: only admins find it, an invitation shows its set-up link once, the rules
of `/v1/people` hold (the last admin stays one) with the service's refusal in words, and keys are created, rotated
and revoked as `/v1/keys` does."""

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.organisations.models import ApiKey, OrganisationKind
from service.people.models import Person, PersonRole, SetupToken
from tests.web.signed_in import Browser, person_in, sign_in


@pytest.fixture(params=[OrganisationKind.coordinator, OrganisationKind.corporation])
def admin(request, app, session, make_org) -> Browser:
    org, key = make_org(request.param)
    return sign_in(app, session, org, key)


def test_only_admins_see_the_screen_and_its_entry_in_the_navigation(app, session, make_org, admin):
    assert admin.get("/mensen").status_code == 200
    assert 'href="/mensen"' in admin.get("/account").text
    member = sign_in(app, session, admin.organisation, admin.api_key, role=PersonRole.member)
    assert 'href="/mensen"' not in member.get("/account").text
    for path in ("/mensen", "/mensen/uitnodigen", "/mensen/sleutels", f"/mensen/{admin.person.id}"):
        assert member.get(path).status_code == 404, path
    assert member.post("/mensen/uitnodigen", {"naam": "X", "email": "x@x.nl"}).status_code == 404


def test_the_list_shows_the_organisations_people_only_with_counts(app, session, make_org, admin):
    other_org, _key = make_org(OrganisationKind.care_provider)
    stranger = person_in(session, other_org)
    page = admin.get("/mensen")
    assert admin.person.name in page.text and stranger.name not in page.text
    assert re.search(r'Actief <span class="utrecht-badge-counter">1</span>', page.text)
    assert admin.get(f"/mensen/{stranger.id}").status_code == 404


def test_an_invitation_shows_the_set_up_link_once(admin, session):
    invited = admin.post("/mensen/uitnodigen", {"naam": "Fatima de Vries", "email": "Fatima@Example.nl",
                                                "rol": "member"})
    assert invited.status_code == 201
    link = re.search(r'<code class="ds-secret" id="set-up-link">([^<]+)</code>', invited.text).group(1)
    token = link.split("token=")[1]
    person = session.exec(select(Person).where(Person.email == "fatima@example.nl")).one()
    assert person.organisation_id == admin.organisation.id and person.role == "member"
    assert session.exec(select(SetupToken).where(SetupToken.person_id == person.id)).one()
    for path in ("/mensen", f"/mensen/{person.id}"):
        page = admin.get(path)
        assert "Fatima de Vries" in page.text and token not in page.text
    assert admin.client.get(f"/v1/auth/setup?token={token}").json()["email"] == "fatima@example.nl"


def test_an_invitation_with_bad_fields_keeps_what_was_typed(admin):
    refused = admin.post("/mensen/uitnodigen", {"naam": "  ", "email": "geen-adres", "rol": "admin"})
    assert refused.status_code == 422
    assert 'href="#naam">Vul de naam in.</a>' in refused.text
    assert 'href="#email">Vul een e-mailadres in zoals naam@voorbeeld.nl.</a>' in refused.text
    assert 'value="geen-adres"' in refused.text and 'value="admin" checked' in refused.text


def test_an_e_mail_address_in_use_is_refused_in_words(admin):
    taken = admin.post("/mensen/uitnodigen", {"naam": "Dubbel", "email": admin.person.email.upper()})
    assert taken.status_code == 409 and "Er is al iemand met dit e-mailadres." in taken.text


def test_the_last_admin_stays_an_admin_and_the_service_says_why(admin, session):
    refused = admin.post(f"/mensen/{admin.person.id}/rol", {"rol": "member"})
    assert refused.status_code == 409
    assert "Dit is de laatste beheerder van de organisatie. Maak eerst iemand anders beheerder." in refused.text
    refused = admin.post(f"/mensen/{admin.person.id}/deactiveren")
    assert refused.status_code == 409 and "laatste beheerder" in refused.text
    session.refresh(admin.person)
    assert admin.person.role == "admin" and admin.person.active


def test_a_role_change_and_a_deactivation_are_the_services(admin, session):
    colleague = person_in(session, admin.organisation, role=PersonRole.member)
    changed = admin.post(f"/mensen/{colleague.id}/rol", {"rol": "admin"})
    assert changed.status_code == 303 and changed.headers["location"] == f"/mensen/{colleague.id}?gedaan=rol"
    assert "De rol is gewijzigd." in admin.get(changed.headers["location"]).text
    assert admin.get(f"/mensen/{colleague.id}/deactiveren").status_code == 200
    gone = admin.post(f"/mensen/{colleague.id}/deactiveren")
    assert gone.status_code == 303
    session.refresh(colleague)
    assert not colleague.active and colleague.role == "admin"
    listed = admin.get("/mensen?status=gedeactiveerd")
    assert colleague.name in listed.text and "gedeactiveerd op" in listed.text


def test_a_reset_shows_a_new_link_once_and_can_clear_the_second_factor(admin, session):
    colleague = person_in(session, admin.organisation, totp_secret="JBSWY3DPEHPK3PXP")
    answer = admin.post(f"/mensen/{colleague.id}/herstellen", {"tweestaps": "ja"})
    assert answer.status_code == 200 and 'id="set-up-link"' in answer.text
    assert "De tweestapsverificatie is gewist" in answer.text
    session.refresh(colleague)
    assert colleague.totp_secret is None


def test_a_key_is_shown_once_works_and_stops_when_revoked(app, admin, session):
    created = admin.post("/mensen/sleutels", {"naam": "Koppeling woningsysteem", "vervalt": ""})
    assert created.status_code == 201
    api_key = re.search(r'<code class="ds-secret" id="api-sleutel">([^<]+)</code>', created.text).group(1)
    api = TestClient(app, headers={"Authorization": f"Bearer {api_key}"})
    assert api.get("/v1/regions").status_code == 200
    key = session.exec(select(ApiKey).where(ApiKey.name == "Koppeling woningsysteem")).one()
    assert key.created_by_person_id == admin.person.id
    listed = admin.get("/mensen/sleutels")
    assert "Koppeling woningsysteem" in listed.text and api_key not in listed.text and key.prefix in listed.text
    assert admin.get(f"/mensen/sleutels/{key.id}/intrekken").status_code == 200
    revoked = admin.post(f"/mensen/sleutels/{key.id}/intrekken")
    assert revoked.headers["location"] == "/mensen/sleutels?gedaan=ingetrokken"
    assert api.get("/v1/regions").status_code == 401
    assert "ingetrokken" in admin.get(revoked.headers["location"]).text


def test_a_rotation_shows_the_new_key_once_and_the_old_one_works_through_its_grace(app, admin, session):
    old = TestClient(app, headers={"Authorization": f"Bearer {admin.api_key}"})
    first = session.exec(select(ApiKey).where(ApiKey.organisation_id == admin.organisation.id)).one()
    refused = admin.post(f"/mensen/sleutels/{first.id}/vervangen", {"uren": "200"})
    assert refused.status_code == 422 and 'href="#uren">Dit mag hoogstens 168 zijn.</a>' in refused.text
    rotated = admin.post(f"/mensen/sleutels/{first.id}/vervangen", {"uren": "2"})
    assert rotated.status_code == 201
    new_key = re.search(r'id="api-sleutel">([^<]+)<', rotated.text).group(1)
    assert 'id="overgangstijd"' in rotated.text and first.prefix in rotated.text
    assert old.get("/v1/regions").status_code == 200  # still, during the grace period
    new = TestClient(app, headers={"Authorization": f"Bearer {new_key}"})
    assert new.get("/v1/regions").status_code == 200
    again = admin.post(f"/mensen/sleutels/{first.id}/vervangen", {"uren": "2"})
    assert again.status_code == 409 and "Alleen een sleutel die werkt" in again.text


def test_a_key_needs_a_name_and_an_expiry_date_in_the_future(admin):
    refused = admin.post("/mensen/sleutels", {"naam": "", "vervalt": "31-12-2001"})
    assert refused.status_code == 422
    assert 'href="#naam">Geef de sleutel een naam.</a>' in refused.text
    past = admin.post("/mensen/sleutels", {"naam": "Oud", "vervalt": "2001-12-31"})
    assert past.status_code == 422 and "De datum moet in de toekomst liggen." in past.text
    nonsense = admin.post("/mensen/sleutels", {"naam": "Raar", "vervalt": "morgen"})
    assert nonsense.status_code == 422 and 'href="#vervalt"' in nonsense.text
    assert admin.post("/mensen/sleutels", {"naam": "Ver", "vervalt": "9999-12-31"}).status_code == 422


def test_another_organisations_key_answers_404(admin, make_org, session):
    _org, _key = make_org(OrganisationKind.coordinator)
    foreign = session.exec(select(ApiKey).where(ApiKey.organisation_id == _org.id)).one()
    for path in (f"/mensen/sleutels/{foreign.id}", f"/mensen/sleutels/{foreign.id}/intrekken"):
        assert admin.get(path).status_code == 404
    assert admin.post(f"/mensen/sleutels/{foreign.id}/intrekken").status_code == 404
    assert admin.get(f"/mensen/sleutels/{uuid.uuid4()}").status_code == 404
