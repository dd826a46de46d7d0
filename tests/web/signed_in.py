"""A person signed in through the pages, for page tests with TestClient: password, then the TOTP code."""

import re
from dataclasses import dataclass
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from service import clock
from service.organisations.models import Organisation, OrganisationKind
from service.people import service as people_service
from service.people.models import Person, PersonRole

HTML = {"accept": "text/html"}
PASSWORD = "a long enough password 1"


@dataclass
class Browser:
    """A TestClient with a signed-in person's session, and what the tests need of them."""

    client: TestClient
    person: Person
    organisation: Organisation
    api_key: str

    def csrf(self, path: str = "/account") -> str:
        """The session's CSRF token, as a page's forms carry it."""
        return csrf_of(self.client.get(path, headers=HTML).text)

    def get(self, path: str) -> Response:
        """A page, as a browser asks for it (redirects not followed)."""
        return self.client.get(path, headers=HTML, follow_redirects=False)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        """A form posted with the session's CSRF token (redirects not followed)."""
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(path, data=form, headers=HTML, follow_redirects=False, **kwargs)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def person_in(session: Session, organisation: Organisation, *, role: PersonRole = PersonRole.admin,
              totp_secret: str | None = None) -> Person:
    """A person with a password (and TOTP enrolled when a secret is given) in `organisation`."""
    email = f"p-{organisation.id.hex[:6]}-{pyotp.random_base32()[:6].lower()}@x.nl"
    person, _link = people_service.create_person(session=session, organisation=organisation, email=email,
                                                 name=f"Persoon {email[:12]}", role=role)
    people_service.set_password_directly(session=session, person=person, password=PASSWORD)
    if totp_secret:
        person.totp_secret = totp_secret
        person.totp_enabled_at = clock.now()
        session.add(person)
    session.commit()
    return person


def sign_in(app: Any, session: Session, organisation: Organisation, api_key: str, *,
            role: PersonRole = PersonRole.admin) -> Browser:
    """A browser in which a new person of `organisation` has signed in (with the second factor where required)."""
    secret = pyotp.random_base32()
    needs_code = organisation.kind in (OrganisationKind.coordinator.value, OrganisationKind.care_provider.value)
    person = person_in(session, organisation, role=role, totp_secret=secret if needs_code else None)
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    token = csrf_of(client.get("/inloggen", headers=HTML).text)
    answer = client.post("/inloggen", data={"email": person.email, "wachtwoord": PASSWORD, "csrf_token": token},
                         headers=HTML, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    if needs_code:
        step = client.get("/inloggen/tweede-stap", headers=HTML)
        answer = client.post("/inloggen/tweede-stap", data={"code": pyotp.TOTP(secret).now(),
                                                           "csrf_token": csrf_of(step.text)},
                             headers=HTML, follow_redirects=False)
        assert answer.status_code == 303, answer.text
    return Browser(client=client, person=person, organisation=organisation, api_key=api_key)
