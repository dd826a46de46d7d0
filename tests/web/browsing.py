"""A signed-in person's browser without a browser: a TestClient with a live session of a person of an organisation,
and the CSRF token its forms carry."""

import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from service import clock
from service.auth import SESSION_COOKIE
from service.organisations.models import Organisation
from service.people import service as people_service
from service.people import sessions
from service.people.models import PersonRole

HTML = {"accept": "text/html"}


class WebClient:
    """Pages as one person sees them: `get` and `post` (with the session's CSRF token) ask for HTML."""

    def __init__(self, client: TestClient, csrf_token: str) -> None:
        self.client, self.csrf_token = client, csrf_token

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, headers=HTML, **kwargs)

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, csrf: bool = True) -> Response:
        fields: dict[str, list[str]] = {}
        for name, value in (data.items() if isinstance(data, dict) else data):
            fields.setdefault(name, []).append(str(value))
        if csrf:
            fields["csrf_token"] = [self.csrf_token]
        return self.client.post(path, data=fields, headers=HTML, follow_redirects=False)


def signed_in(app: FastAPI, session: Session, org: Organisation) -> WebClient:
    """A new person of `org`, signed in past the second factor, in a client of their own."""
    person, _link = people_service.create_person(session=session, organisation=org, name="Test",
                                                 email=f"p-{uuid.uuid4().hex[:10]}@test.doorstroom.example",
                                                 role=PersonRole.admin)
    people_service.set_password_directly(session=session, person=person, password="a long enough password 1")
    person.totp_secret, person.totp_enabled_at = "JBSWY3DPEHPK3PXP", clock.now()
    session.add(person)
    signed = sessions.sign_in(session=session, email=person.email, password="a long enough password 1",
                              address="127.0.0.1", user_agent="test")
    signed = sessions.complete_second_factor(session=session, signed=signed, how="totp")
    session.commit()
    client = TestClient(app, base_url="https://testserver")  # the cookies are Secure
    client.cookies.set(SESSION_COOKIE, signed.token)
    return WebClient(client, sessions.csrf_token_for(signed.token))


def errors_of(html: str) -> list[tuple[str, str]]:
    """The error summary's (field id, message) links, in order."""
    summary = re.search(r'id="foutmeldingen".*?</div>', html, re.S)
    if not summary:
        return []
    return [(field, re.sub(r"\s+", " ", text).strip())
            for field, text in re.findall(r'<a class="utrecht-link" href="#([^"]+)">(.*?)</a>', summary.group(0), re.S)]


def field_message(html: str, field: str) -> str | None:
    """The message shown beside a field."""
    found = re.search(rf'id="{re.escape(field)}-fout">(.*?)</p>', html, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else None
