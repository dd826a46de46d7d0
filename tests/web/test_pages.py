"""The page layer without a browser: headers, CSRF on the sign-in form, errors as pages, and the API untouched."""

import re

from fastapi.testclient import TestClient

from service.organisations.models import OrganisationKind
from service.people import service as people_service
from service.people.models import PersonRole

HTML = {"accept": "text/html"}


def _person(session, make_org, kind=OrganisationKind.corporation):
    org, _key = make_org(kind)
    person, _link = people_service.create_person(session=session, organisation=org, email=f"p-{org.id.hex[:8]}@x.nl",
                                                 name="P", role=PersonRole.admin)
    people_service.set_password_directly(session=session, person=person, password="a long enough password 1")
    session.commit()
    return person


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_page_carries_a_strict_policy_and_is_never_cached(app):
    response = TestClient(app).get("/inloggen", headers=HTML)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<html lang="nl"' in response.text


def test_the_sign_in_form_is_refused_without_its_token_and_accepted_with_it(app, session, make_org):
    person = _person(session, make_org)
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    form = {"email": person.email, "wachtwoord": "a long enough password 1"}
    refused = client.post("/inloggen", data=form, headers=HTML, follow_redirects=False)
    assert refused.status_code == 403 and "Geen toegang" in refused.text
    token = _csrf(client.get("/inloggen", headers=HTML).text)
    accepted = client.post("/inloggen", data={**form, "csrf_token": token}, headers=HTML, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/woningen"


def test_a_wrong_password_renders_the_form_again_and_counts_for_the_throttle(app, session, make_org):
    person = _person(session, make_org)
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    token = _csrf(client.get("/inloggen", headers=HTML).text)
    for _ in range(5):
        wrong = client.post("/inloggen", data={"email": person.email, "wachtwoord": "nope", "csrf_token": token},
                            headers=HTML)
        assert wrong.status_code == 401 and "klopt niet" in wrong.text
    throttled = client.post("/inloggen", data={"email": person.email, "wachtwoord": "a long enough password 1",
                                               "csrf_token": token}, headers=HTML)
    assert throttled.status_code == 429 and "Te veel mislukte pogingen" in throttled.text
    assert throttled.headers["retry-after"]


def test_a_page_without_a_session_goes_to_sign_in_and_remembers_where_it_was_going(app):
    response = TestClient(app).get("/werkvoorraad?tab=verlopen", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?volgende=/werkvoorraad%3Ftab%3Dverlopen"


def test_the_sign_in_page_never_sends_a_person_to_another_site(app, session, make_org):
    person = _person(session, make_org)
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    token = _csrf(client.get("/inloggen", headers=HTML).text)
    answer = client.post("/inloggen", data={"email": person.email, "wachtwoord": "a long enough password 1",
                                            "csrf_token": token, "volgende": "//evil.example/x"},
                         headers=HTML, follow_redirects=False)
    assert answer.headers["location"] == "/woningen"


def test_unknown_paths_answer_a_page_to_browsers_and_problem_json_to_machines(app):
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    page = client.get("/bestaat-niet", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    api = client.get("/v1/bestaat-niet", headers=HTML)
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    machine = client.get("/bestaat-niet")
    assert machine.headers["content-type"] == "application/problem+json"
