"""Optimistic concurrency: a stale If-Match never overwrites a newer change, also when requests truly race."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session

from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from tests import factories
from tests.service.helpers import create_dwelling, if_match, problem
from tests.world import link_home

DWELLINGS = "/v1/dwellings"
N = 8


def test_a_stale_if_match_loses_to_the_change_made_after_it_was_read(client_for, app):
    first = client_for("corporation")
    second = TestClient(app, headers=first.headers)  # a second user of the same corporation
    created = create_dwelling(first)
    url = f"{DWELLINGS}/{created['id']}"
    assert first.get(url).headers["etag"] == second.get(url).headers["etag"] == '"1"'

    won = first.patch(url, json={"floor": 2}, headers=if_match(1))
    lost = second.patch(url, json={"floor": 7}, headers=if_match(1))

    assert won.status_code == 200, won.text
    problem(lost, 412)
    stored = first.get(url).json()
    assert (stored["floor"], stored["version"]) == (2, 2)


# --- truly concurrent requests, each committing in its own transaction ---------------------------------------------


@pytest.fixture
def committing_app(committed_app: tuple[FastAPI, Engine]) -> Iterator[tuple[FastAPI, str]]:
    """The committing app and a corporation's API key."""
    application, engine = committed_app
    with Session(engine) as session:
        issued = create_organisation(session=session, kind=OrganisationKind.corporation, name="Gelijktijdig Wonen")
        link_home(session, issued.organisation)
        key = issued.api_key
        session.commit()
    yield application, key


def _race(app: FastAPI, key: str, requests: list[Callable[[TestClient], Response]]) -> list[Response]:
    """Send the requests from threads at once, each through its own client."""
    start = threading.Barrier(len(requests))

    def send(request: Callable[[TestClient], Response]) -> Response:
        client = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        start.wait(timeout=30)
        return request(client)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def _patch_floor(url: str, floor: int) -> Callable[[TestClient], Response]:
    return lambda client: client.patch(url, json={"floor": floor}, headers=if_match(1))


def test_concurrent_patches_with_the_same_if_match_let_exactly_one_win(committing_app):
    app, key = committing_app
    owner = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    url = f"{DWELLINGS}/{create_dwelling(owner)['id']}"

    responses = _race(app, key, [_patch_floor(url, floor) for floor in range(10, 10 + N)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (N - 1), [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    stored = owner.get(url).json()
    assert stored["version"] == 2
    assert stored["floor"] == winner["floor"]


def test_concurrent_identical_offers_make_one_dwelling(committing_app):
    app, key = committing_app
    doc: dict[str, Any] = factories.dwelling()

    responses = _race(app, key, [lambda client: client.post(DWELLINGS, json=doc)] * 2)

    assert sorted(r.status_code for r in responses) == [200, 201], [r.text for r in responses]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    listed = TestClient(app, headers={"Authorization": f"Bearer {key}"}).get(DWELLINGS).json()
    assert listed["total"] == 1
