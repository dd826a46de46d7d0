"""Fixtures of the events tests: a controlled clock, a webhook receiver on 127.0.0.1, and a committing app.

Deliveries are made by `deliver_due`, which opens its own sessions on an engine, so the delivery tests run on a
database of their own whose requests really commit; the feed and subscription tests use the rolled-back one.
"""

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service import clock
from service.events import service as events
from service.events.models import Delivery
from service.organisations.models import Organisation
from tests.clock import START, Clock
from tests.service.workflow.conftest import Committing


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """`service.clock.now` at START, moved only by `advance`."""
    controlled = Clock(START)
    monkeypatch.setattr(clock, "now", controlled)
    return controlled




@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The client deliveries go out with; no proxies from the environment, so 127.0.0.1 is reached directly."""
    with httpx.Client(trust_env=False) as client:
        yield client


class Outbox(Committing):
    """A committing app and its engine: organisations with keys, events emitted and committed, deliveries read back."""

    def emit(self, org: Organisation, type: str = "offer_made", **payload: Any) -> int:
        """Emit one event for `org` in a committed transaction of its own; returns the event id."""
        with Session(self.engine, expire_on_commit=False) as session:
            event = events.emit(session=session, recipient_id=org.id, type=type, entity_type="registration",
                                entity_id=uuid.uuid4(), payload=payload or {"step": type})
            session.commit()
        assert event.id is not None
        return event.id

    def deliveries(self) -> list[Delivery]:
        """Every delivery in the database."""
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(Delivery)))

    def deliver(self, client: httpx.Client) -> int:
        """One pass of the delivery worker; returns how many deliveries it tried."""
        return events.deliver_due(engine=self.engine, client=client, policy=self.policy)


@pytest.fixture
def outbox(committed_app: tuple[FastAPI, Engine]) -> Outbox:
    """Organisations and events on a database of their own whose transactions really commit."""
    return Outbox(*committed_app)


def hook(client: TestClient, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
    """Register a webhook over HTTP and return the answer (the only one that shows the secret)."""
    created = client.post("/v1/webhooks", json={"url": url, "event_types": event_types or []})
    assert created.status_code == 201, created.text
    return created.json()
