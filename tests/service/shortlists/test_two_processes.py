"""Two `doorstroom serve` processes on one database: one client stays on at most one open shortlist.

Each process keeps its own prepared registration pool and catches up from the change sequence; candidates are
claimed under row locks and the partial unique index on live candidates is the backstop. These tests start two
real server processes (`--workers 1` each, own port on 127.0.0.1, one fresh migrated database; on SQLite both
share the database file and BEGIN IMMEDIATE serialises their writes) and race them over HTTP.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlmodel import Session

from service import migrations
from service.db import make_engine
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from tests import factories
from tests.service.workflow.flow import DWELLING_AT, TODAY, World, single
from tests.world import link_home

DOORSTROOM = str(Path(sys.executable).with_name("doorstroom"))
PROBLEM_JSON = "application/problem+json"
LIVE = ("proposed", "published", "selected", "accepted")
START_SECONDS = 60
REQUEST_SECONDS = 30


ENCRYPTION_KEY = Fernet.generate_key().decode()

# --- two server processes -------------------------------------------------------------------------------------


@dataclass
class Server:
    """One `doorstroom serve` process: its name, base URL, process and the file its stderr goes to."""

    name: str
    base: str
    process: subprocess.Popen[bytes]
    stderr: Path

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.stderr.read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"level": "unparsed", "msg": raw})
        return lines

    def excerpt(self, lines: int = 40) -> str:
        tail = self.stderr.read_text(errors="replace").splitlines()[-lines:]
        return f"--- stderr of server {self.name} ({self.base}), last {len(tail)} lines ---\n" + "\n".join(tail)


def _free_ports(count: int) -> list[int]:
    """Distinct free ports on 127.0.0.1 (all probes are held open together, so no two are the same)."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {seconds} s waiting for {what}"
        time.sleep(0.1)


def _stop(server: Server) -> None:
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def _trouble(server: Server) -> list[dict[str, Any]]:
    """Log lines of a server that tell of a failure: a 5xx answer, a warning or error, a traceback."""
    return [line for line in server.log_lines()
            if line.get("level") in {"warning", "error", "critical"} or int(line.get("status") or 0) >= 500
            or "Traceback" in str(line.get("msg")) or "exc_info" in line]


@contextmanager
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one migrated database; killed afterwards, and their logs checked for failures."""
    migrations.upgrade(database_url)  # once, so the two never race each other through the migrations
    # Both servers encrypt and decrypt with the same key, as replicas of one service do.
    env = {**os.environ, "DOORSTROOM_DATABASE_URL": database_url, "DOORSTROOM_TICK_SECONDS": "0",
           "DOORSTROOM_ENCRYPTION_KEYS": ENCRYPTION_KEY}
    servers: list[Server] = []
    try:
        for name, port in zip("AB", _free_ports(2), strict=True):
            stderr = tmp_path / f"serve-{name}.err"
            with stderr.open("w") as sink:
                process = subprocess.Popen(
                    [DOORSTROOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                    env=env, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
            servers.append(Server(name=name, base=f"http://127.0.0.1:{port}", process=process, stderr=stderr))
        for server in servers:
            def ready(server: Server = server) -> bool:
                assert server.process.poll() is None, server.excerpt()
                try:
                    return httpx.get(f"{server.base}/readyz", timeout=2).status_code == 200
                except httpx.TransportError:
                    return False

            _wait_for(ready, START_SECONDS, f"/readyz of server {server.name} to answer 200")
        yield servers[0], servers[1]
    finally:
        for server in servers:
            _stop(server)
    for server in servers:
        trouble = _trouble(server)
        assert not trouble, f"server {server.name} logged failures: {trouble}\n{server.excerpt()}"


# --- organisations and clients --------------------------------------------------------------------------------


KINDS = ("coordinator", "corporation", "care_provider")


def _keys(engine: Engine) -> dict[str, str]:
    """One organisation of each kind, created directly in the database; kind -> plain API key."""
    keys = {}
    with Session(engine, expire_on_commit=False) as session:
        for kind in KINDS:
            issued = create_organisation(session=session, kind=OrganisationKind(kind),
                                         name=f"{kind} {uuid.uuid4().hex[:6]}")
            link_home(session, issued.organisation)
            keys[kind] = issued.api_key
        session.commit()
    return keys


@dataclass
class Side:
    """The three partners' clients against one server."""

    server: Server
    coordinator: httpx.Client
    corporation: httpx.Client
    care: httpx.Client


@contextmanager
def sides(servers: tuple[Server, Server], keys: dict[str, str]) -> Iterator[tuple[Side, Side]]:
    with ExitStack() as stack:
        out = []
        for server in servers:
            clients = [stack.enter_context(_client(server, keys[kind])) for kind in KINDS]
            out.append(Side(server, *clients))
        yield out[0], out[1]


def _client(server: Server, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=REQUEST_SECONDS)


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together by a barrier; their answers in order."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        start.wait(timeout=20)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [f.result(timeout=REQUEST_SECONDS * 2) for f in futures]


def _offer_doc(**overrides: Any) -> dict[str, Any]:
    doc = factories.dwelling(location=DWELLING_AT, available_from=TODAY.isoformat())
    doc.update(overrides)
    return doc


def _context(servers: tuple[Server, Server], *responses: httpx.Response) -> str:
    """What to show when an answer was wrong: the requests and answers, and both servers' stderr."""
    shown = [f"{r.request.method} {r.request.url} -> {r.status_code} {r.text[:2000]}" for r in responses]
    return "\n".join([*shown, *(s.excerpt() for s in servers)])


# --- the invariants, straight from the database ---------------------------------------------------------------


def _uuid(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def assert_invariants(engine: Engine) -> dict[str, list[tuple[str, str, str]]]:
    """One live candidate per registration at most, and registration statuses that agree with the candidates.

    Returns registration id -> its live candidate rows (candidate status, shortlist status, dwelling id).
    """
    live = ", ".join(f"'{s}'" for s in LIVE)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.registration_id, c.status, s.status, s.dwelling_id FROM shortlist_candidate c "
            f"JOIN shortlist s ON s.id = c.shortlist_id WHERE c.status IN ({live})")).all()
        statuses = {_uuid(rid): status for rid, status in connection.execute(
            text("SELECT id, status FROM registration")).all()}
    by_registration: dict[str, list[tuple[str, str, str]]] = {}
    for rid, candidate_status, shortlist_status, dwelling_id in rows:
        by_registration.setdefault(_uuid(rid), []).append((candidate_status, shortlist_status, _uuid(dwelling_id)))
    doubled = {rid: found for rid, found in by_registration.items() if len(found) > 1}
    assert not doubled, f"registrations with more than one live candidate row: {doubled}"
    for rid, [(candidate_status, shortlist_status, dwelling_id)] in by_registration.items():
        if candidate_status in ("proposed", "published") and shortlist_status in ("proposed", "published"):
            assert statuses[rid] == "nominated", (rid, statuses[rid], candidate_status, shortlist_status, dwelling_id)
        if candidate_status == "selected":
            assert statuses[rid] == "offered", (rid, statuses[rid], dwelling_id)
    active_but_live = {rid: by_registration[rid] for rid, status in statuses.items()
                       if status == "active" and rid in by_registration}
    assert not active_but_live, f"active registrations with a live candidate row: {active_but_live}"
    return by_registration


def _candidate_rows(engine: Engine, registration_id: str) -> list[tuple[str, str]]:
    """Every candidate row of a registration, any status: (candidate status, dwelling id)."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.registration_id, c.status, s.dwelling_id FROM shortlist_candidate c "
            "JOIN shortlist s ON s.id = c.shortlist_id")).all()
    return [(status, _uuid(dwelling)) for rid, status, dwelling in rows if _uuid(rid) == registration_id]


def _claim_attempts(engine: Engine) -> list[int]:
    """How many solves each instant shortlist took to claim its candidates (for diagnosing a short shortlist)."""
    with engine.connect() as connection:
        runs = connection.execute(text("SELECT seconds FROM matching_run WHERE kind = 'instant'")).scalars().all()
    return [(run if isinstance(run, dict) else json.loads(run)).get("claim_attempts", 0) for run in runs]


@contextmanager
def _setup(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[tuple[Server, Server], Side, Side, World,
                                                                      Engine]]:
    """Two servers, partners' clients on each, region U16 set up through server A, and an engine for SQL."""
    engine = make_engine(fresh_database_url)
    try:
        with two_servers(fresh_database_url, tmp_path) as servers:
            keys = _keys(engine)
            with sides(servers, keys) as (a, b):
                world = World(a.coordinator, a.corporation, a.care)
                yield servers, a, b, world, engine
    finally:
        engine.dispose()


# --- the tests ------------------------------------------------------------------------------------------------


def test_ten_offers_at_once_through_two_servers_nominate_thirty_distinct_clients(fresh_database_url, tmp_path):
    with _setup(fresh_database_url, tmp_path) as (servers, a, b, w, engine):
        registered = {w.register(care=(a, b)[i % 2].care) for i in range(30)}
        assert len(registered) == 30
        sending = [(a, b)[i % 2] for i in range(10)]
        clients = [_client(side.server, str(side.corporation.headers["Authorization"]).removeprefix("Bearer "))
                   for side in sending]
        try:
            for client in clients:  # connect before the barrier, so the offers really go out together
                assert client.get("/healthz").status_code == 200
            started = time.monotonic()
            offers = _at_once([lambda c=client: c.post("/v1/dwellings", json=_offer_doc()) for client in clients])
            took = time.monotonic() - started
        finally:
            for client in clients:
                client.close()
        wrong = [r for r in offers if r.status_code != 201]
        assert not wrong, _context(servers, *wrong)
        assert took < REQUEST_SECONDS, took

        dwellings = [r.json()["id"] for r in offers]
        seen: list[str] = []
        for dwelling_id, side in zip(dwellings, sending, strict=True):
            shortlist = side.coordinator.get(f"/v1/dwellings/{dwelling_id}/shortlist")
            assert shortlist.status_code == 200, _context(servers, shortlist)
            candidates = [c["registration_id"] for c in shortlist.json()["candidates"]]
            assert len(candidates) == 3, _context(servers, shortlist) + f"\nclaim attempts: {_claim_attempts(engine)}"
            assert w.dwelling_status(dwelling_id) == "shortlisted"
            seen += candidates
        assert len(seen) == 30 and set(seen) == registered, sorted(seen)

        live = assert_invariants(engine)
        assert set(live) == registered
        assert {rows[0][2] for rows in live.values()} == set(dwellings)
        assert all(rows[0][:2] == ("proposed", "proposed") for rows in live.values())


def test_a_stale_pool_never_proposes_a_changed_registration(fresh_database_url, tmp_path):
    with _setup(fresh_database_url, tmp_path) as (servers, a, b, w, engine):
        # Ranked by waiting time: each one registered waited ten days less than the one before.
        first = [w.register() for _ in range(13)]
        # Warm both pools: server A's offer takes the three longest waiting, server B's the next three.
        warm_a = w.offer(corporation=a.corporation)
        warm_b = w.offer(corporation=b.corporation)
        assert w.ranked(warm_a) == first[0:3]
        assert w.ranked(warm_b) == first[3:6]
        changed, withdrawn, free = first[6], first[7], first[8:]

        # Through server A: the longest waiting free client now needs a wheelchair (the offers are not
        # wheelchair accessible), the next one withdraws, and a new client with the longest wait of all registers.
        path = f"/v1/registrations/{changed}"
        current = a.care.get(path)
        assert current.status_code == 200, current.text
        patched = a.care.patch(path, json={"accessibility": {"wheelchair": True, "no_stairs": False}},
                               headers={"If-Match": current.headers["etag"]})
        assert patched.status_code == 200, _context(servers, patched)
        gone = a.care.post(f"/v1/registrations/{withdrawn}/withdraw", json={"reason": "moved abroad"})
        assert gone.status_code == 200, _context(servers, gone)
        created = a.care.post("/v1/registrations", json=single())
        assert created.status_code == 201, _context(servers, created)
        newest = created.json()["id"]
        since = (TODAY - timedelta(days=3000)).isoformat() + "T00:00:00Z"
        moved = a.coordinator.put(f"/v1/registrations/{newest}/waiting-since",
                                  json={"waiting_since": since, "reason": "imported list"})
        assert moved.status_code == 200, _context(servers, moved)

        # Through server B, whose pool was built before those changes.
        offered = [w.offer(corporation=b.corporation, wheelchair_accessible=False)
                   for _ in range(2)]
        lists = [b.coordinator.get(f"/v1/dwellings/{d}/shortlist") for d in offered]
        ranked = [[c["registration_id"] for c in r.json()["candidates"]] for r in lists]
        assert ranked == [[newest, free[0], free[1]], [free[2], free[3], free[4]]], _context(servers, *lists)
        assert changed not in sum(ranked, []) and withdrawn not in sum(ranked, [])

        assert _candidate_rows(engine, changed) == [] and _candidate_rows(engine, withdrawn) == []
        assert w.registration_status(changed) == "active"
        assert w.registration_status(withdrawn) == "withdrawn"
        live = assert_invariants(engine)
        assert set(live) == {*first[:6], newest, *free}


def test_one_client_cannot_be_selected_on_two_dwellings_at_once(fresh_database_url, tmp_path):
    with _setup(fresh_database_url, tmp_path) as (servers, a, b, w, engine):
        for _ in range(6):
            w.register()
        dwelling_a = w.offer(corporation=a.corporation)
        dwelling_b = w.offer(corporation=b.corporation)
        on_a, on_b = w.ranked(dwelling_a), w.ranked(dwelling_b)
        assert len(on_a) == len(on_b) == 3 and not set(on_a) & set(on_b)
        w.ok(w.publish(dwelling_a, client=a.coordinator))
        w.ok(w.publish(dwelling_b, client=b.coordinator))

        x = on_a[0]
        answers = _at_once([lambda: w.select(dwelling_a, x, client=a.corporation),
                            lambda: w.select(dwelling_b, x, client=b.corporation)])
        codes = [r.status_code for r in answers]
        assert codes.count(200) == 1 and all(c == 200 or 400 <= c < 500 for c in codes), _context(servers, *answers)
        # X is a candidate of dwelling A only, so the select on A is the one that succeeds.
        assert codes[0] == 200, _context(servers, *answers)
        refused = answers[1]
        assert refused.headers["content-type"].startswith(PROBLEM_JSON), _context(servers, refused)
        assert refused.json()["status"] == refused.status_code and refused.json()["title"]
        assert [c["status"] for c in answers[0].json()["candidates"] if c["registration_id"] == x] == ["selected"]
        assert _candidate_rows(engine, x) == [("selected", dwelling_a)]
        assert w.registration_status(x) == "offered"
        assert w.dwelling_status(dwelling_b) == "published"

        # The same select of a candidate of B, sent through both servers at once: one offer, one conflict.
        y = on_b[0]
        answers = _at_once([lambda: w.select(dwelling_b, y, client=a.corporation),
                            lambda: w.select(dwelling_b, y, client=b.corporation)])
        codes = sorted(r.status_code for r in answers)
        assert codes == [200, 409], _context(servers, *answers)
        conflict = next(r for r in answers if r.status_code == 409)
        assert conflict.headers["content-type"].startswith(PROBLEM_JSON), _context(servers, conflict)
        assert _candidate_rows(engine, y) == [("selected", dwelling_b)]
        assert w.registration_status(y) == "offered"

        live = assert_invariants(engine)
        assert sum(1 for rows in live.values() if rows[0][0] == "selected") == 2
