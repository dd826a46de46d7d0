"""Requests in progress are limited, so that many concurrent requests queue instead of stalling the service."""

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from service.middleware import ConcurrencyLimitMiddleware
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from tests import factories
from tests.world import link_home


def _on_a_loop_of_its_own(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `main` on a new event loop in a thread of its own (a browser test's loop may run in this thread)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, main()).result(timeout=60)


def _gauged_app(limit: int, release: asyncio.Event | None = None) -> tuple[ConcurrencyLimitMiddleware, list[int]]:
    """An app whose handler records how many requests are inside at once (and may wait for `release`)."""
    inside = [0]
    most: list[int] = []

    async def work(_request: Request) -> JSONResponse:
        inside[0] += 1
        most.append(inside[0])
        if release is not None:
            await release.wait()
        else:
            await asyncio.sleep(0.02)
        inside[0] -= 1
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/work", work), Route("/healthz", work)])
    return ConcurrencyLimitMiddleware(app, limit=limit), most


def test_no_more_requests_than_the_limit_are_inside_at_once_and_the_rest_wait_their_turn():
    limited, most = _gauged_app(limit=3)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
            answers = await asyncio.gather(*(client.get("/work") for _ in range(12)))
        assert [a.status_code for a in answers] == [200] * 12

    _on_a_loop_of_its_own(main)
    assert max(most) == 3
    assert len(most) == 12


def test_the_probes_answer_while_every_slot_is_taken():
    async def main() -> None:
        release = asyncio.Event()
        limited, most = _gauged_app(limit=2, release=release)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
            held = [asyncio.create_task(client.get("/work")) for _ in range(3)]
            while len(most) < 2:
                await asyncio.sleep(0.01)
            probe = asyncio.create_task(client.get("/healthz"))
            while len(most) < 3:  # the probe got in although both slots are taken and a request waits
                await asyncio.sleep(0.01)
            assert not any(task.done() for task in held)
            release.set()
            assert (await probe).status_code == 200
            assert [(await task).status_code for task in held] == [200] * 3

    _on_a_loop_of_its_own(main)


def test_sixty_audited_reads_at_once_on_one_server_all_answer(committed_app):
    """Sixty requests through one event loop, each taking the database's write lock (the read is audited).

    Without the limit every handler thread ended up waiting for the lock while its holder waited for a thread, and
    SQLite answered 500 "database is locked" after its 15 s busy timeout."""
    app, engine = committed_app
    with Session(engine) as session:
        issued = create_organisation(session=session, kind=OrganisationKind.care_provider, name="Veel Tegelijk")
        link_home(session, issued.organisation)
        session.commit()
    headers = {"Authorization": f"Bearer {issued.api_key}"}
    with TestClient(app, headers=headers) as client:
        created = client.post("/v1/registrations", json=factories.registration())
        assert created.status_code == 201, created.text
        url = f"/v1/registrations/{created.json()['id']}"
        start = threading.Barrier(60)

        def read(_: int) -> int:
            start.wait(timeout=30)
            return client.get(url).status_code

        with ThreadPoolExecutor(max_workers=60) as pool:
            statuses = list(pool.map(read, range(60)))
    assert statuses == [200] * 60


def test_a_bad_body_is_refused_while_another_transaction_holds_the_write_lock(committed_app, backend):
    """Authorising and validating take no write lock: a 422 does not wait for (or time out on) another writer.

    On SQLite the other writer holds the database's one write lock; on PostgreSQL it holds the key's row."""
    app, engine = committed_app
    with Session(engine) as session:
        issued = create_organisation(session=session, kind=OrganisationKind.care_provider, name="Snel Geweigerd")
        link_home(session, issued.organisation)
        session.commit()
    client = TestClient(app, headers={"Authorization": f"Bearer {issued.api_key}"})
    assert client.get("/v1/registrations").status_code == 200  # the key's use is noted: nothing left to write
    with engine.connect() as other:
        other.begin()  # on SQLite: BEGIN IMMEDIATE (service/db.py), the write lock
        if backend == "postgresql":
            other.exec_driver_sql("SELECT id FROM api_key FOR UPDATE")
        refused = client.post("/v1/registrations", json=factories.registration(birth_year="nineteen"))
        other.rollback()
    assert refused.status_code == 422, refused.text
    assert "birth_year" in refused.text
