"""A coordinator person signed in (password and second factor) for page tests without a browser, and the small
readers those tests share."""

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.audit.models import AuditRecord
from service.auth import SESSION_COOKIE
from service.organisations.models import Organisation
from service.people import service as people_service
from service.people import sessions
from service.people.models import PersonRole

HTML = {"accept": "text/html"}


class PageClient(TestClient):
    """A browser-like client of a signed-in person: `csrf` is the token their forms carry."""

    csrf: str
    person_id: uuid.UUID

    def form(self, path: str, data: dict[str, object]) -> object:
        """Post a form as the page would (with the CSRF token), without following the redirect."""
        return self.post(path, data={**data, "csrf_token": self.csrf}, headers=HTML, follow_redirects=False)

    def page(self, path: str) -> object:
        return self.get(path, headers=HTML)


def signed_in(app: FastAPI, session: Session, org: Organisation, name: str = "Coördinator Test") -> PageClient:
    """A person of `org` with TOTP enrolled, past both sign-in steps, as a client holding their session cookie."""
    email = f"person-{uuid.uuid4().hex[:8]}@test.doorstroom.example"
    person, _link = people_service.create_person(session=session, organisation=org, email=email, name=name,
                                                 role=PersonRole.admin)
    password = f"test-{uuid.uuid4().hex}"
    people_service.set_password_directly(session=session, person=person, password=password)
    person.totp_secret, person.totp_enabled_at = "JBSWY3DPEHPK3PXP", clock.now()
    session.add(person)
    signed = sessions.sign_in(session=session, email=email, password=password, address="testclient",
                              user_agent=None)
    signed = sessions.complete_second_factor(session=session, signed=signed, how="totp")
    session.commit()
    client = PageClient(app, base_url="https://testserver")  # the cookies are Secure
    client.cookies.set(SESSION_COOKIE, signed.token)
    client.csrf = sessions.csrf_token_for(signed.token)
    client.person_id = person.id
    return client


def reads_of(session: Session, entity_id: str) -> list[AuditRecord]:
    """The `read` records of a registration, oldest first."""
    return list(session.exec(select(AuditRecord).where(col(AuditRecord.entity_id) == uuid.UUID(entity_id),
                                                       col(AuditRecord.action) == "read")
                             .order_by(col(AuditRecord.at), col(AuditRecord.id))))


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id (tags dropped, spaces squeezed), for asserting what a person reads."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|div|dd|table|ul|ol|section)>', html, re.S)
    assert match, f"no element #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())
