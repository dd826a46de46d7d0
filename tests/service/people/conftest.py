"""Fixtures of the people tests: a controlled clock, a cheap password hasher, people with passwords (and TOTP),
and HTTPS clients that keep the session cookie (it is `Secure`, so plain http would never send it back)."""

import uuid
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock
from service.organisations.models import Organisation, OrganisationKind
from service.people import passwords
from service.people import service as people_service
from service.people.models import Person, PersonRole
from tests.clock import START, Clock

PASSWORD = "lange-wandeling-langs-de-vecht"
SIGN_IN = "/v1/auth/sign-in"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """`service.clock.now` at START, moved only by `advance`."""
    controlled = Clock(START)
    monkeypatch.setattr(clock, "now", controlled)
    return controlled


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with the smallest parameters, so the tests do not spend 50 ms and 64 MiB a hash."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def totp_code(secret: str, *, steps: int = 0) -> str:
    """The TOTP code of the controlled clock's step (moved by `steps`)."""
    return pyotp.TOTP(secret).generate_otp(int(clock.now().timestamp()) // 30 + steps)


class Account:
    """A person with a known password (and TOTP secret), in an organisation."""

    def __init__(self, person: Person, org: Organisation, secret: str | None) -> None:
        self.person, self.org, self.secret = person, org, secret
        self.email = person.email


@pytest.fixture
def make_account(session: Session, make_org: Callable[..., tuple[Organisation, str]]) -> Callable[..., Account]:
    """A person of a new (or the given) organisation, with PASSWORD, and TOTP enrolled when `totp`."""

    def _make(kind: str = "corporation", *, role: PersonRole = PersonRole.admin, totp: bool = False,
              org: Organisation | None = None, email: str | None = None) -> Account:
        if org is None:
            org, _ = make_org(kind)
        person, _ = people_service.create_person(
            session=session, organisation=org, email=email or f"p-{uuid.uuid4().hex[:10]}@example.org",
            name="Test Person", role=role)
        people_service.set_password_directly(session=session, person=person, password=PASSWORD)
        secret = None
        if totp:
            secret = pyotp.random_base32()
            person.totp_secret, person.totp_enabled_at = secret, clock.now()
            session.add(person)
        session.commit()
        return Account(person, org, secret)

    return _make


@pytest.fixture
def browser(app: Any) -> Callable[[], TestClient]:
    """A new HTTPS client without credentials that keeps cookies, like a browser."""
    return lambda: TestClient(app, base_url="https://testserver")


def sign_in(client: TestClient, account: Account, *, second_factor: bool = True) -> dict[str, Any]:
    """Sign in with the password (and the TOTP code when enrolled); sets the CSRF header; returns the answer."""
    answer = client.post(SIGN_IN, json={"email": account.email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if second_factor and body["stage"] == "second_factor_required":
        assert account.secret is not None
        client.headers["X-CSRF-Token"] = body["csrf_token"]
        answer = client.post("/v1/auth/second-factor", json={"code": totp_code(account.secret)})
        assert answer.status_code == 200, answer.text
        body = answer.json()
    client.headers["X-CSRF-Token"] = body["csrf_token"]
    return body


@pytest.fixture
def signed_in(make_account: Callable[..., Account], browser: Callable[[], TestClient]) -> Callable[..., TestClient]:
    """A browser signed in (past the second factor) as a new person of a new organisation of `kind`."""

    def _signed_in(kind: str = "corporation", *, role: PersonRole = PersonRole.admin,
                   org: Organisation | None = None) -> TestClient:
        account = make_account(kind, role=role, totp=OrganisationKind(kind) is not OrganisationKind.corporation,
                               org=org)
        client = browser()
        sign_in(client, account)
        client.account = account  # type: ignore[attr-defined]
        client.org = account.org  # type: ignore[attr-defined]
        return client

    return _signed_in
