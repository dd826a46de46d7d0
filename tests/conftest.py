"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, inside a transaction rolled back after.

The schema is built by `alembic upgrade head`, never `create_all`, so the migrations are what the tests exercise.
PostgreSQL is reached at DOORSTROOM_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust auth); each run
creates and drops its own throwaway databases. PostgreSQL being unreachable is an error, never a silent skip.
"""

import ipaddress
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service import config, db, migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.events import urls
from service.main import create_app
from service.organisations import service as organisations_service
from service.organisations.models import Organisation, OrganisationKind
from tests.world import link_home

# The tests' webhook receiver listens on 127.0.0.1: the apps the tests build let webhooks through to it.
WEBHOOK_ALLOWED_HOSTS = "127.0.0.1"
POSTGRES_ADMIN_URL = os.environ.get("DOORSTROOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def throwaway_database(backend: str, tmp_dir: str, admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty database for `backend` (PostgreSQL's on the server of `admin_url`), removed afterwards; yields
    its SQLAlchemy URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir}/doorstroom-{uuid.uuid4().hex[:8]}.db"
        return
    name = f"doorstroom_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(database_url=admin_url.rsplit("/", 1)[0] + f"/{name}").database_url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this run of a test uses."""
    return request.param


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated throwaway database shared by the tests of one backend."""
    with throwaway_database(backend, str(tmp_path_factory.mktemp("db"))) as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine of the shared test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_database_url(backend: str, tmp_path: object) -> Iterator[str]:
    """An empty database of its own, for tests of migrations and the CLI that commit for real."""
    with throwaway_database(backend, str(tmp_path)) as url:
        yield url


@pytest.fixture
def cli_env(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the CLI at a fresh database; the cached settings and engine are reset around the test."""
    monkeypatch.setenv("DOORSTROOM_DATABASE_URL", fresh_database_url)
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield fresh_database_url
    db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def committed_app(fresh_database_url: str) -> Iterator[tuple[FastAPI, Engine]]:
    """The app on a migrated database of its own whose requests really commit (threads, webhooks), and its engine."""
    migrations.upgrade(fresh_database_url)
    engine = make_engine(fresh_database_url)
    # Local development (plain http) and the local receiver allowed, as the deliveries go to it for real.
    application = create_app(Settings(database_url=fresh_database_url, dev_mode=True,
                                      webhook_allowed_hosts=WEBHOOK_ALLOWED_HOSTS))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    application.dependency_overrides[get_session] = _session
    yield application, engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test; commits become savepoints."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def app(session: Session, database_url: str):  # type: ignore[no-untyped-def]
    """The application with its per-request session bound to the test's transaction."""
    application = create_app(Settings(database_url=database_url, webhook_allowed_hosts=WEBHOOK_ALLOWED_HOSTS))

    def _session() -> Iterator[Session]:
        yield from transaction(session)

    application.dependency_overrides[get_session] = _session
    return application


@pytest.fixture
def make_org(session: Session) -> Callable[..., tuple[Organisation, str]]:
    """Create an organisation of a kind; returns it with its plain API key."""

    def _make(kind: OrganisationKind | str, name: str | None = None, home: bool = True) -> tuple[Organisation, str]:
        kind = OrganisationKind(kind)
        issued = organisations_service.create_organisation(
            session=session, kind=kind, name=name or f"{kind.value} {uuid.uuid4().hex[:6]}"
        )
        if home:
            link_home(session, issued.organisation)
        session.commit()
        return issued.organisation, issued.api_key

    return _make


@pytest.fixture
def client_for(app, make_org) -> Callable[..., TestClient]:  # type: ignore[no-untyped-def]
    """An HTTP client authenticated as a new organisation of the given kind (`.org` holds the organisation)."""

    def _client(kind: OrganisationKind | str, name: str | None = None, home: bool = True) -> TestClient:
        org, key = make_org(kind, name, home)
        client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        client.org = org  # type: ignore[attr-defined]
        return client

    return _client


@pytest.fixture
def anonymous(app) -> TestClient:  # type: ignore[no-untyped-def]
    """An HTTP client without an API key."""
    return TestClient(app)


class FakeDNS:
    """Host names the tests may use in webhook URLs and what they resolve to; any other name does not resolve.

    The tests never ask real DNS: `service.events.urls.lookup` is replaced by `resolve` for every test."""

    def __init__(self) -> None:
        # Public addresses (never contacted: deliveries to these names go through a mock transport).
        self.names: dict[str, list[str]] = {"hooks.example.nl": ["93.184.215.14"], "care.example": ["93.184.215.15"],
                                            "corporation.example": ["93.184.215.16"]}
        self.asked: list[str] = []

    def resolve(self, host: str, port: int) -> list[urls.IPAddress]:
        self.asked.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in self.names[host]]


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    """Fake DNS for webhook URLs (see FakeDNS); a test adds names to `dns.names`."""
    fake = FakeDNS()
    monkeypatch.setattr(urls, "lookup", fake.resolve)
    return fake
