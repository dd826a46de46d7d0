"""Doorstroom's ingest and reads under load, side by side with the anchor apps in one run.

    python -m bench.load [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
                         [--connections 32] [--seconds 10] [--registrations 200]

Each app runs in its own `uvicorn` process (one worker, 127.0.0.1, access log off) and `wrk` (Debian's package;
`apt-get install wrk`) sends `--connections` concurrent requests for `--seconds`, after a two-second warm-up:

- the bare FastAPI app (`bench/anchors.py`): the HTTP stack alone;
- the naive FastAPI + SQLModel app: a plain insert of the registration document, and a read of one row;
- Doorstroom: `POST /v1/registrations` (form v1, every check, audit row and idempotency key kept; each request a
  new client), `GET /v1/registrations/{id}` by its care provider, `GET /v1/dwellings/{id}/shortlist` by a
  coordinator of the region.

Doorstroom runs on a database of its own (a temporary SQLite file, or a throwaway database on the PostgreSQL
server that --database-url names), migrated and seeded with `--registrations` registrations and one shortlisted
dwelling; the naive app gets its own database of the same kind. Prints one table and the ratios to the naive app,
and with --json the figures as one JSON document. Targets (issue 16): ingest and both reads >= 1.0x the naive app,
p99 <= 100 ms, no errors.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from sqlmodel import Session

from service import migrations
from service.config import Settings, get_settings
from service.db import get_session, make_engine, transaction
from service.organisations import service as organisations
from service.organisations.models import OrganisationKind
from tests import factories, world
from tests.conftest import throwaway_database

# A request body template: __REF__ becomes a client reference unique to the wrk thread and request.
_LUA = """
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local method, path, body = %(method)s, %(path)s, %(body)s
local headers = %(headers)s
request = function()
  counter = counter + 1
  local this_body = nil
  if body then this_body = body:gsub("__REF__", "L" .. tid .. "-" .. counter) end
  return wrk.format(method, path, headers, this_body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Scenario:
    """One measured request kind."""

    name: str
    app: str
    method: str
    path: str
    key: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Figure:
    """What wrk measured for one scenario."""

    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int


def _lua(text: str | None) -> str:
    return "nil" if text is None else json.dumps(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(factory: str, env: dict[str, str]) -> Iterator[str]:
    """`uvicorn --factory` in its own process; yields its base URL once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--no-access-log", "--log-level", "warning"],
        env={**os.environ, **env}, cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{factory} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wrk(base: str, scenario: Scenario, *, connections: int, seconds: float, tmp: str) -> Figure:
    headers = {"Content-Type": "application/json"}
    if scenario.key:
        headers["Authorization"] = f"Bearer {scenario.key}"
    headers_lua = "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"
    script = Path(tmp) / f"{uuid.uuid4().hex}.lua"
    script.write_text(_LUA % {"method": _lua(scenario.method), "path": _lua(scenario.path),
                              "body": _lua(scenario.body), "headers": headers_lua})

    def run(duration: float) -> dict[str, int]:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--timeout", "30s", "-s", str(script), base],
            capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
        line = next(line for line in out.stdout.splitlines() if line.startswith("BENCH "))
        return dict(json.loads(line[len("BENCH "):]))

    run(2)  # warm-up: connections opened, caches and pools filled
    r = run(seconds)
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return Figure(name=scenario.name, requests_per_s=round(r["requests"] / (r["duration_us"] / 1e6), 1),
                  p50_ms=round(r["p50_us"] / 1000, 1), p99_ms=round(r["p99_us"] / 1000, 1),
                  max_ms=round(r["max_us"] / 1000, 1), errors=errors)


@dataclass(frozen=True)
class Seeded:
    """The keys and ids the scenarios use."""

    care_key: str
    coordinator_key: str
    registration_id: str
    dwelling_id: str


def _seed(url: str, registrations: int, encryption_key: str) -> Seeded:
    """The organisations of the home region, `registrations` registrations and one shortlisted dwelling."""
    from fastapi.testclient import TestClient

    from service.main import create_app

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        keys: dict[OrganisationKind, str] = {}
        for kind in (OrganisationKind.care_provider, OrganisationKind.corporation, OrganisationKind.coordinator):
            issued = organisations.create_organisation(session=session, kind=kind, name=f"bench {kind.value}")
            world.link_home(session, issued.organisation)
            keys[kind] = issued.api_key
        session.commit()
    app = create_app(Settings(database_url=url, tick_seconds=0, log_level="WARNING", rate_limit_enabled=False,
                              encryption_keys=encryption_key))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    with TestClient(app) as client:
        care = {"Authorization": f"Bearer {keys[OrganisationKind.care_provider]}"}
        first = ""
        for _ in range(registrations):
            answer = client.post("/v1/registrations", json=factories.registration(), headers=care)
            answer.raise_for_status()
            first = first or answer.json()["id"]
        dwelling = client.post("/v1/dwellings", json=factories.dwelling(),
                               headers={"Authorization": f"Bearer {keys[OrganisationKind.corporation]}"})
        dwelling.raise_for_status()
    engine.dispose()
    return Seeded(care_key=keys[OrganisationKind.care_provider],
                  coordinator_key=keys[OrganisationKind.coordinator],
                  registration_id=first, dwelling_id=dwelling.json()["id"])


def _naive_row(base: str, body: str) -> str:
    answer = httpx.post(base + "/naive", content=body.replace("__REF__", "seed"),
                        headers={"Content-Type": "application/json"})
    answer.raise_for_status()
    return str(answer.json()["id"])


def run(*, admin_url: str | None, connections: int, seconds: float, registrations: int) -> list[Figure]:
    """Every scenario, app by app, in one run."""
    document = factories.registration()
    document["client_ref"] = "__REF__"
    body = json.dumps(document)
    figures: list[Figure] = []
    backend = "sqlite" if admin_url is None else "postgresql"
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(backend, tmp, admin_url or "") as naive_url, \
            throwaway_database(backend, tmp, admin_url or "") as url:
        encryption_key = Fernet.generate_key().decode()
        # The seeding encrypts with the process's settings, as the server will: the same key for both.
        os.environ["DOORSTROOM_ENCRYPTION_KEYS"] = encryption_key
        get_settings.cache_clear()
        seeded = _seed(url, registrations, encryption_key)

        def measure(base: str, scenario: Scenario) -> None:
            figures.append(_wrk(base, scenario, connections=connections, seconds=seconds, tmp=tmp))
            print(f"  {figures[-1]}", file=sys.stderr)

        with _server("bench.anchors:bare_app", {}) as base:
            measure(base, Scenario("bare GET", "bare", "GET", "/bare"))
        with _server("bench.anchors:naive_app", {"BENCH_DATABASE_URL": naive_url}) as base:
            measure(base, Scenario("naive insert", "naive", "POST", "/naive", body=body))
            measure(base, Scenario("naive read", "naive", "GET", f"/naive/{_naive_row(base, body)}"))
        env = {"DOORSTROOM_DATABASE_URL": url, "DOORSTROOM_TICK_SECONDS": "0", "DOORSTROOM_LOG_LEVEL": "WARNING",
               "DOORSTROOM_RATE_LIMIT_ENABLED": "false", "DOORSTROOM_ENCRYPTION_KEYS": encryption_key}
        with _server("service.main:create_app", env) as base:
            measure(base, Scenario("POST /v1/registrations", "doorstroom", "POST", "/v1/registrations",
                                   key=seeded.care_key, body=body))
            measure(base, Scenario("GET /v1/registrations/{id}", "doorstroom", "GET",
                                   f"/v1/registrations/{seeded.registration_id}", key=seeded.care_key))
            measure(base, Scenario("GET /v1/dwellings/{id}/shortlist", "doorstroom", "GET",
                                   f"/v1/dwellings/{seeded.dwelling_id}/shortlist", key=seeded.coordinator_key))
    return figures


RATIOS = (("ingest", "POST /v1/registrations", "naive insert"),
          ("read registration", "GET /v1/registrations/{id}", "naive read"),
          ("read shortlist", "GET /v1/dwellings/{id}/shortlist", "naive read"))


def ratios(figures: list[Figure]) -> dict[str, float]:
    """Doorstroom's throughput over the naive app's, per kind of request (the target is >= 1.0)."""
    by_name = {f.name: f for f in figures}
    return {label: round(by_name[ours].requests_per_s / by_name[anchor].requests_per_s, 2)
            for label, ours, anchor in RATIOS}


def table(figures: list[Figure], backend: str) -> str:
    """The figures and the ratios as a Markdown table."""
    lines = [f"| {backend} | req/s | p50 ms | p99 ms | max ms | errors |", "|---|---|---|---|---|---|"]
    lines += [f"| {f.name} | {f.requests_per_s} | {f.p50_ms} | {f.p99_ms} | {f.max_ms} | {f.errors} |"
              for f in figures]
    lines += [f"| ratio {label} | {value}x | | | | |" for label, value in ratios(figures).items()]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print its table (and with --json the figures)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server's admin database (default: SQLite files)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench.load needs wrk: apt-get install wrk")
    figures = run(admin_url=args.database_url, connections=args.connections, seconds=args.seconds,
                  registrations=args.registrations)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(table(figures, backend))
    if args.json:
        print(json.dumps({"backend": backend, "figures": [asdict(f) for f in figures], "ratios": ratios(figures)},
                         indent=1))


if __name__ == "__main__":
    main()
