"""A committing application on a fresh database, for tests that need real transactions (threads, the tick)."""


import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.events.urls import WebhookPolicy
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from tests.service.workflow.flow import World
from tests.world import link_home


class Committing:
    """An app whose requests really commit, its engine, and a way to get a client of a new organisation."""

    def __init__(self, app: FastAPI, engine: Engine) -> None:
        self.app, self.engine = app, engine
        # What the app's settings allow webhooks (the tests' local receiver): deliveries run with the same.
        self.policy = WebhookPolicy.from_settings(app.state.settings)

    def client(self, kind: str, name: str | None = None) -> TestClient:
        with Session(self.engine, expire_on_commit=False) as session:
            issued = create_organisation(session=session, kind=OrganisationKind(kind), name=name or kind)
            link_home(session, issued.organisation)
            session.commit()
        client = TestClient(self.app, headers={"Authorization": f"Bearer {issued.api_key}"})
        client.org = issued.organisation  # type: ignore[attr-defined]
        return client

    def twin(self, client: TestClient) -> TestClient:
        """Another client (for another thread) of the same organisation."""
        return TestClient(self.app, headers=dict(client.headers))


@pytest.fixture
def committing(committed_app: tuple[FastAPI, Engine]) -> Committing:
    """Clients of organisations on a database whose requests really commit."""
    return Committing(*committed_app)


@pytest.fixture
def world(client_for) -> World:  # type: ignore[no-untyped-def]
    """A coordinator, corporation and care provider in region U16 on the test's rolled-back database."""
    return World(client_for("coordinator"), client_for("corporation"), client_for("care_provider"))
