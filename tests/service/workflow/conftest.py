"""A committing application on a fresh database, for tests that need real transactions (threads, the tick)."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service import migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.main import create_app
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from tests.service.workflow.flow import World


class Committing:
    """An app whose requests really commit, its engine, and a way to get a client of a new organisation."""

    def __init__(self, app: FastAPI, engine: Engine) -> None:
        self.app, self.engine = app, engine

    def client(self, kind: str, name: str | None = None) -> TestClient:
        with Session(self.engine, expire_on_commit=False) as session:
            issued = create_organisation(session=session, kind=OrganisationKind(kind), name=name or kind)
            session.commit()
        client = TestClient(self.app, headers={"Authorization": f"Bearer {issued.api_key}"})
        client.org = issued.organisation  # type: ignore[attr-defined]
        return client

    def twin(self, client: TestClient) -> TestClient:
        """Another client (for another thread) of the same organisation."""
        return TestClient(self.app, headers=dict(client.headers))


@pytest.fixture
def committing(fresh_database_url: str) -> Iterator[Committing]:
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    application = create_app(Settings(database_url=fresh_database_url))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    application.dependency_overrides[get_session] = _session
    yield Committing(application, engine)
    engine.dispose()


@pytest.fixture
def world(client_for) -> World:  # type: ignore[no-untyped-def]
    """A coordinator, corporation and care provider in region U16 on the test's rolled-back database."""
    return World(client_for("coordinator"), client_for("corporation"), client_for("care_provider"))
