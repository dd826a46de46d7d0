"""Time `POST /v1/dwellings` (which shortlists the new dwelling at once) against many stored registrations.

    python -m bench.service_offer --registrations 20000 [--database-url URL] [--offers 100] [--concurrent 10]

Creates its own database (a temporary SQLite file unless --database-url names an empty PostgreSQL database),
inserts the registrations in bulk and gives them their versions, then times offers end to end through the HTTP
stack (the ASGI app with its middleware, one transaction per request). The first offer prepares the worker's pool
(cold start) and is reported apart; the figures after it are with the pool warm. Beside them: the matcher alone
on the same prepared pool. With --concurrent N it also sends N offers at the same instant from N threads, several
times, and reports each request's time. Prints one JSON document.
"""

import argparse
import json
import math
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session

import matching
from service import migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.housing_figures import housing_figures
from service.main import create_app
from service.organisations import service as organisations
from service.organisations.models import OrganisationKind
from service.registrations import service as registrations
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.shortlists import service as shortlists
from service.shortlists import snapshot
from service.shortlists.pool import versions
from service.shortlists.pool.pool import RegistrationPool
from service.shortlists.rows import DwellingRow
from tests import factories, world


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(np.ceil(0.99 * len(ordered))) - 1)]
    return {"median_ms": round(statistics.median(ordered) * 1000, 1), "p99_ms": round(p99 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "n": len(ordered)}


def _fill(url: str, n: int) -> str:
    """Registrations in bulk (with varied waiting starts), their versions, and a corporation; returns its key."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        care = organisations.create_organisation(session=session, kind=OrganisationKind.care_provider, name="c")
        corporation = organisations.create_organisation(session=session, kind=OrganisationKind.corporation, name="w")
        # Both work in one region (U16 around Utrecht), whose list every registration is on.
        world.link_home(session, care.organisation)
        world.link_home(session, corporation.organisation)
        session.commit()
        document = RegistrationCreate.model_validate(factories.registration(household={"adults": 1, "children": []}))
        columns = registrations._columns(document)
        rng = np.random.default_rng(0)
        now = factories.TODAY
        rows = [dict(columns, id=uuid.uuid4(), care_provider_id=care.organisation.id, region_code=world.HOME_REGION,
                     client_ref=f"B{i}",
                     create_digest="bench", form_version="1", status="active",
                     waiting_since=_midnight(now, int(rng.integers(0, 1500)))) for i in range(n)]
        for start in range(0, n, 5000):
            session.execute(insert(Registration), rows[start:start + 5000])
        session.commit()
        versions.record_missing(session)
        session.commit()
    engine.dispose()
    return corporation.api_key


def _midnight(today: Any, days_ago: int) -> Any:
    from datetime import UTC, datetime, time, timedelta
    return datetime.combine(today - timedelta(days=days_ago), time(), tzinfo=UTC)


def _offer(client: TestClient) -> float:
    started = time.perf_counter()
    response = client.post("/v1/dwellings", json=factories.dwelling())
    elapsed = time.perf_counter() - started
    assert response.status_code == 201, response.text
    # Every offer must really shortlist (the registrations are ready by the dwelling's date and fit it).
    assert response.json()["status"] == "shortlisted", response.text
    return elapsed


def _matcher_alone(engine: Any, repeats: int = 50) -> dict[str, float]:
    """The instant shortlist alone on a warm pool, for the same dwelling (no database, no HTTP)."""
    with Session(engine, expire_on_commit=False) as session:
        context = snapshot.context(session=session, reference=factories.TODAY)
        pool = RegistrationPool()
        pool.view(session, shortlists.pool_key(context), housing_figures(), shortlists.DEFAULT_POLICY)
        view = pool.view(session, shortlists.pool_key(context), housing_figures(), shortlists.DEFAULT_POLICY)
        dwelling = DwellingRow(
            id=str(uuid.uuid4()), max_occupants=2, bedrooms=1, suitable_for_children=False, bare_rent_cents=60000,
            floor_area_m2=45.0, floor=0, has_elevator=False, wheelchair_accessible=False, gallery_access=False,
            shared_entrance_households=2, next_to_business=False, busy_road=False, lat=52.09, lon=5.12,
            neighbourhood_code="BU03440101", municipality_code="GM0344", contract_types=("regular",),
            available_from=date.fromisoformat(factories.dwelling()["available_from"]),
            nearest_place_m=(math.inf,) * len(matching.CATEGORIES))
        problem = shortlists._problem(view.prepared.registrations, [dwelling], context, [], view.prepared.row_of)
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = matching.instant_shortlist(problem, 0, prepared=view.prepared.tables,
                                                available=view.available, members=view.members)
            seconds.append(time.perf_counter() - started)
            (shortlist,) = result.shortlists
            assert len(shortlist.candidates) == 3, shortlist.excluded
    return _ms(seconds)


def main() -> None:
    """Run the benchmark and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=20000)
    parser.add_argument("--offers", type=int, default=100)
    parser.add_argument("--concurrent", type=int, default=10, help="offers sent at once in the second mode (0: off)")
    parser.add_argument("--bursts", type=int, default=5, help="how many times the concurrent offers are sent")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrations.upgrade(url)
    started = time.perf_counter()
    key = _fill(url, args.registrations)
    fill_s = time.perf_counter() - started
    engine = make_engine(url)
    app = create_app(Settings(database_url=url, tick_seconds=0, log_level="WARNING"))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    # Entered once, as a server would run: one event loop for every request, not a new one per request.
    client = TestClient(app, headers={"Authorization": f"Bearer {key}"}).__enter__()
    cold = _offer(client)
    warm = [_offer(client) for _ in range(args.offers)]
    report: dict[str, Any] = {
        "registrations": args.registrations, "backend": url.split(":")[0].split("+")[0],
        "fill_and_versions_s": round(fill_s, 1), "cold_first_offer_ms": round(cold * 1000, 1),
        "offer_warm": _ms(warm), "matcher_alone": _matcher_alone(engine),
    }
    if args.concurrent:
        clients = [TestClient(app, headers={"Authorization": f"Bearer {key}"}).__enter__()
                   for _ in range(args.concurrent)]
        each: list[float] = []
        walls: list[float] = []
        for _ in range(args.bursts):
            barrier = threading.Barrier(args.concurrent)

            def send(c: TestClient, barrier: threading.Barrier = barrier) -> float:
                barrier.wait(timeout=60)
                return _offer(c)

            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrent) as executor:
                each += list(executor.map(send, clients))
            walls.append(time.perf_counter() - t0)
        report["concurrent"] = {"at_once": args.concurrent, "bursts": args.bursts, "offer": _ms(each),
                                "burst_wall_ms_median": round(statistics.median(walls) * 1000, 1)}
    print(json.dumps(report, indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
