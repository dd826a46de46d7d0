"""Time the coordinator's pages (werkvoorraad per tab, a voordracht, a dossier) at scale, through the HTTP stack.

    python -m bench.web_pages --registrations 20000 --dwellings 2000 [--database-url URL] [--requests 30]

Creates its own database (a temporary SQLite file unless --database-url names an empty PostgreSQL database) and
fills it in bulk, the way bench.service_offer does: a coordinator running two regions (U16 and Drechtsteden) beside
another office's region, their corporations and care providers, the registrations with their versions, and the
dwellings a year of work leaves behind, with their shortlists and candidates in every state (to review, with the
corporation, offer running, past the deadline, without candidates, let, withdrawn, and shortlists superseded by a
round) and an audit trail of their transitions. A coordinator person then signs in through the pages as anyone
would (password, then the TOTP code) and each page is requested `--requests` times after a few warm-up requests,
through the ASGI app with its middleware and one transaction per request. Pages this checkout does not have yet
(404) are skipped and named. Prints one JSON document: median and p95 per page in milliseconds.
"""

import argparse
import html
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, text, update
from sqlmodel import Session, col, select

from service import migrations
from service.audit.models import AuditRecord
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.demo import DRECHTSTEDEN_ALBLASSERWAARD, U16
from service.dwellings import service as dwellings_service
from service.dwellings.models import Dwelling
from service.dwellings.schemas import DwellingCreate
from service.main import create_app
from service.organisations import service as organisations
from service.organisations.models import Organisation, OrganisationKind
from service.people import service as people
from service.people.models import PersonRole
from service.regions import scope
from service.regions import service as regions_service
from service.regions.schemas import Policy, RegionPut
from service.registrations import service as registrations
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from service.shortlists.models import MatchingRun, Shortlist, ShortlistCandidate
from service.shortlists.pool import versions
from service.workflow.worklist import Filters, Tab, work_list
from tests import factories

EMAIL, PASSWORD = "coordinator@bench.doorstroom.example", "bench-coordinator-password-2026"
# Another office's region: its dwellings and registrations are in the same tables but never on our pages.
OTHER = ["GM0363", "GM0362", "GM0437"]
REGIONS = {"U16": [m.code for m in U16], "DRECHTSTEDEN": [m.code for m in DRECHTSTEDEN_ALBLASSERWAARD],
           "AMSTEL": OTHER}
SHARE = {"U16": 0.45, "DRECHTSTEDEN": 0.35, "AMSTEL": 0.20}
# Where the dwellings stand (a year of work): the rest of each state's share is let.
STATES = {"offered": 0.05, "shortlisted": 0.20, "published": 0.12, "candidate_selected": 0.08, "withdrawn": 0.06,
          "let": 0.49}
BATCH = 5000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]


def _stats(seconds: list[float], cpu: list[float], statements: list[int]) -> dict[str, float]:
    """Wall time (what a person waits), the process's CPU time (less sensitive to a busy machine) and SQL
    statements, per request."""
    return {"median_ms": round(statistics.median(seconds) * 1000, 1), "p95_ms": round(_p95(seconds) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1), "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
            "sql_statements": max(statements), "n": len(seconds)}


class _Rows:
    """Rows to insert in bulk, per model, in an order the foreign keys accept."""

    def __init__(self) -> None:
        self.rows: dict[type, list[dict[str, Any]]] = {}

    def add(self, model: type, **row: Any) -> uuid.UUID:
        row.setdefault("id", uuid.uuid4())
        self.rows.setdefault(model, []).append(row)
        identifier: uuid.UUID = row["id"]
        return identifier

    def insert(self, session: Session, *models: type) -> None:
        for model in models:
            rows = self.rows.pop(model, [])
            for start in range(0, len(rows), BATCH):
                session.execute(insert(model), rows[start:start + BATCH])


def _organisations(session: Session) -> dict[str, Any]:
    """Two offices (ours runs U16 and Drechtsteden), corporations and care providers linked to their regions."""
    def org(kind: OrganisationKind, name: str) -> Organisation:
        return organisations.create_organisation(session=session, kind=kind, name=name).organisation

    ours, theirs = org(OrganisationKind.coordinator, "Bench office"), org(OrganisationKind.coordinator, "Other")
    for code, municipalities in REGIONS.items():
        owner = theirs if code == "AMSTEL" else ours
        regions_service.put_region(session=session, org=owner, code=code, data=RegionPut(
            name=code, municipality_codes=municipalities, policy=Policy(min_tie_years=1)))
    corporations = {"U16": [org(OrganisationKind.corporation, f"Corporation U16 {i}") for i in range(2)],
                    "DRECHTSTEDEN": [org(OrganisationKind.corporation, "Corporation Drechtsteden")],
                    "AMSTEL": [org(OrganisationKind.corporation, "Corporation Amstel")]}
    providers = {code: [org(OrganisationKind.care_provider, f"Care {code} {i}") for i in range(2)]
                 for code in REGIONS}
    for code in REGIONS:
        for partner in corporations[code] + providers[code]:
            scope.link(session=session, by=None, organisation=partner, region_code=code)
    session.flush()
    return {"coordinator": ours, "corporations": corporations, "providers": providers}


def _fill(url: str, n_registrations: int, n_dwellings: int, seed: int = 0) -> None:
    """The world in bulk: registrations with versions, dwellings with shortlists, candidates and audit trails."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        orgs = _organisations(session)
        _person(session, orgs["coordinator"])
        session.commit()
        rows = _Rows()
        form = registrations._columns(RegistrationCreate.model_validate(
            factories.registration(household={"adults": 1, "children": []})))
        by_region: dict[str, list[uuid.UUID]] = {code: [] for code in REGIONS}
        for i in range(n_registrations):
            code = rng.choices(list(SHARE), weights=list(SHARE.values()))[0]
            created = now - timedelta(days=rng.uniform(0, 700))
            by_region[code].append(rows.add(
                Registration, **form, care_provider_id=rng.choice(orgs["providers"][code]).id, region_code=code,
                client_ref=f"B{i}", create_digest="bench", form_version="1", status="active", created_at=created,
                updated_at=created, consented_at=created, waiting_since=created - timedelta(days=rng.randint(0, 400))))
        rows.insert(session, Registration)
        session.commit()
        run = rows.add(MatchingRun, kind="round", solver_status="OPTIMAL", dwellings=n_dwellings,
                       registrations=n_registrations, eligible_pairs=0, filled_slots=0, objective=0, bound=0.0,
                       gap=0.0, seconds={}, policy_versions={}, skipped={}, regions=list(REGIONS), inputs=b"",
                       created_at=now - timedelta(days=365))
        statuses = _dwellings(rows, rng, orgs, by_region, n_dwellings, run, now)
        rows.insert(session, MatchingRun, Dwelling, Shortlist, ShortlistCandidate, AuditRecord)
        session.commit()
        for status in ("nominated", "offered", "housed"):  # the candidates' registrations, in bulk per status
            ids = [r for r, s in statuses.items() if s == status]
            for start in range(0, len(ids), BATCH):
                session.execute(update(Registration).where(col(Registration.id).in_(ids[start:start + BATCH]))
                                .values(status=status))
        session.commit()
        # Their versions, as the pool of a running service would have them.
        versions.record_missing(session)
        session.commit()
    engine.dispose()


def _dwellings(rows: _Rows, rng: random.Random, orgs: dict[str, Any], by_region: dict[str, list[uuid.UUID]],
               n: int, run: uuid.UUID, now: datetime) -> dict[uuid.UUID, str]:
    """Dwellings in every state with their shortlists, candidates and audit records; the registrations' statuses."""
    base = dwellings_service._columns(DwellingCreate.model_validate(factories.dwelling()))
    free = {code: rng.sample(ids, len(ids)) for code, ids in by_region.items()}  # never live on two shortlists
    statuses: dict[uuid.UUID, str] = {}

    def take(code: str, status: str) -> uuid.UUID:
        reg = free[code].pop()
        statuses[reg] = status
        return reg

    def audit(entity_type: str, entity_id: uuid.UUID, at: datetime, before: str | None, after: str,
              org: Organisation | None, **detail: Any) -> None:
        rows.add(AuditRecord, at=at, organisation_id=org.id if org else None, action="transition",
                 entity_type=entity_type, entity_id=entity_id, detail={"from": before, "to": after, **detail})

    def shortlist(dwelling: uuid.UUID, status: str, at: datetime, candidates: list[tuple[uuid.UUID, str]],
                  chosen: dict[str, Any] | None = None, **extra: Any) -> uuid.UUID:
        sid = rows.add(Shortlist, dwelling_id=dwelling, run_id=run, status=status, policy_version="v1",
                       excluded={"HOUSEHOLD_FIT": rng.randint(0, 900), "AVAILABILITY": rng.randint(0, 3000)},
                       eligible_count=rng.randint(3, 400) if candidates else 0, created_at=at, updated_at=at, **extra)
        for rank, (reg, cstatus) in enumerate(candidates, start=1):
            cid = rows.add(ShortlistCandidate, shortlist_id=sid, registration_id=reg, rank=rank,
                           score=rng.randint(100, 900), score_breakdown={"waiting": 500}, status=cstatus,
                           updated_at=at, **(chosen if chosen and rank == 1 else {}))
            audit("shortlist_candidate", cid, at, "proposed", cstatus, None, dwelling_id=str(dwelling),
                  registration_id=str(reg))
        return sid

    for i in range(n):
        code = rng.choices(list(SHARE), weights=list(SHARE.values()))[0]
        municipality = rng.choice(REGIONS[code])
        corporation = rng.choice(orgs["corporations"][code])
        state = rng.choices(list(STATES), weights=list(STATES.values()))[0]
        recent = state in ("offered", "shortlisted", "published", "candidate_selected")
        created = now - timedelta(days=rng.uniform(0.1, 30) if recent else rng.uniform(30, 365))
        dwelling = rows.add(Dwelling, **{**base, "municipality_code": municipality,
                                         "neighbourhood_code": f"BU{municipality[2:]}{rng.randint(1, 4):02d}00",
                                         "city": municipality, "street": f"Benchstraat {i % 97}",
                                         "house_number": i % 250 + 1, "bare_rent_cents": rng.randint(46000, 76000)},
                            corporation_id=corporation.id, external_ref=f"BENCH-{i:05d}", create_digest="bench",
                            status=state, version=3, created_at=created, updated_at=created)
        audit("dwelling", dwelling, created, None, "offered", corporation)
        if rng.random() < 0.4:  # a round proposed for it before, and superseded its shortlist
            reg = rng.choice(by_region[code])
            shortlist(dwelling, "superseded", created, [(reg, "released")])
        published = created + timedelta(days=rng.uniform(0.5, 3))
        if state == "offered":
            shortlist(dwelling, "proposed", created, [])
        elif state == "shortlisted":
            shortlist(dwelling, "proposed", created, [(take(code, "nominated"), "proposed") for _ in range(3)])
            audit("dwelling", dwelling, created, "offered", "shortlisted", None)
        elif state == "published":
            late = rng.random() < 0.15
            published = now - timedelta(days=rng.uniform(11, 20) if late else rng.uniform(0.2, 9))
            shortlist(dwelling, "published", created, [(take(code, "nominated"), "published") for _ in range(3)],
                      published_at=published, select_by=published + timedelta(days=10))
            audit("dwelling", dwelling, published, "shortlisted", "published", orgs["coordinator"])
        elif state == "candidate_selected":
            late = rng.random() < 0.1
            offered = now - timedelta(days=rng.uniform(8, 12) if late else rng.uniform(0.2, 6))
            chosen = {"offered_at": offered, "answer_by": offered + timedelta(days=7)}
            shortlist(dwelling, "published", created,
                      [(take(code, "offered"), "selected"), (take(code, "nominated"), "published"),
                       (take(code, "nominated"), "published")],
                      chosen=chosen, published_at=published, select_by=published + timedelta(days=10))
            audit("dwelling", dwelling, offered, "published", "candidate_selected", corporation)
        else:  # let or withdrawn: the shortlist is closed; a let one housed its first candidate
            housed = take(code, "housed") if state == "let" else rng.choice(by_region[code])
            shortlist(dwelling, "closed", created, [(housed, "let" if state == "let" else "released"),
                                                    (rng.choice(by_region[code]), "released")])
            audit("dwelling", dwelling, published + timedelta(days=20), "candidate_selected", state, corporation)
            if state == "let":
                row = rows.rows[Dwelling][-1]
                row.update(let_registration_id=housed, let_contract_type="regular",
                           let_start_date=(published + timedelta(days=rng.randint(20, 40))).date())
    return statuses


def _person(session: Session, coordinator: Organisation) -> None:
    """The coordinator's person, with a password and TOTP enrolled (their office sees special-category data)."""
    person, _link = people.create_person(session=session, organisation=coordinator, email=EMAIL, name="Bench",
                                         role=PersonRole.admin)
    people.set_password_directly(session=session, person=person, password=PASSWORD)
    person.totp_secret, person.totp_enabled_at = pyotp.random_base32(), datetime.now(UTC)
    session.add(person)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no csrf_token field on the page"
    return html.unescape(found.group(1))


def sign_in(client: TestClient, secret: str) -> None:
    """Sign in through the pages: the form's token, the password, then the TOTP code."""
    form = client.get("/inloggen")
    response = client.post("/inloggen", data={"email": EMAIL, "wachtwoord": PASSWORD, "csrf_token": _csrf(form.text)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/inloggen/tweede-stap", response.text
    second = client.get("/inloggen/tweede-stap")
    code = pyotp.TOTP(secret, interval=30).now()
    response = client.post("/inloggen/tweede-stap", data={"code": code, "csrf_token": _csrf(second.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert client.get("/werkvoorraad").status_code == 200


class _Statements:
    """Counts the SQL statements the engine sends."""

    def __init__(self, engine: Engine) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.n += 1


def _time(client: TestClient, statements: _Statements, path: str, requests: int,
          warm_up: int = 3) -> dict[str, float] | None:
    """Median and p95 of `requests` GETs of `path` after a few warm-up ones; None when the page does not exist."""
    first = client.get(path)
    if first.status_code == 404:
        return None
    assert first.status_code == 200, (path, first.status_code, first.text[:500])
    for _ in range(warm_up - 1):
        client.get(path)
    seconds, cpu, counts = [], [], []
    for _ in range(requests):
        statements.n = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        counts.append(statements.n)
        assert response.status_code == 200, (path, response.status_code)
    return _stats(seconds, cpu, counts)


def _counts(engine: Any) -> dict[str, int]:
    """The coordinator's count per tab, as the page shows them (what the figures are a page of)."""
    with Session(engine) as session:
        coordinator = session.exec(select(Organisation).where(Organisation.name == "Bench office")).one()
        found = work_list(session=session, org=coordinator, tab=Tab.to_review, filters=Filters(), limit=1, offset=0)
        return {tab.value: n for tab, n in found.counts.items()}


def _some(engine: Any, query: str) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text(query)).scalar_one())


def main() -> None:
    """Build the world, sign in, time every page and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=20000)
    parser.add_argument("--dwellings", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--database-url", default=None, help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrations.upgrade(url)
    started = time.perf_counter()
    _fill(url, args.registrations, args.dwellings)
    fill_s = time.perf_counter() - started
    engine = make_engine(url)
    # The session's rate limit is checked as always, only set high enough for this many requests in a row.
    app = create_app(Settings(database_url=url, tick_seconds=0, log_level="WARNING",
                              rate_limit_per_session="100000/minute"))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    # Entered once, as a server would run: one event loop for every request. https, as the cookies are Secure.
    client = TestClient(app, base_url="https://testserver").__enter__()
    sign_in(client, _some(engine, f"SELECT totp_secret FROM person WHERE email = '{EMAIL}'"))
    counts = _counts(engine)
    statements = _Statements(engine)
    pages = {f"werkvoorraad?tab={tab.value}": f"/werkvoorraad?tab={tab.value}" for tab in Tab}
    pages["werkvoorraad filtered (region, municipality)"] = "/werkvoorraad?tab=verhuurd&regio=U16&gemeente=GM0344"
    shortlisted = _some(engine, "SELECT id FROM dwelling WHERE status = 'shortlisted' ORDER BY created_at LIMIT 1")
    nominated = _some(engine, "SELECT id FROM registration WHERE status = 'nominated' AND region_code = 'U16' "
                              "ORDER BY waiting_since LIMIT 1")
    pages["voordracht"] = f"/voordracht/{uuid.UUID(shortlisted)}"
    pages["dossier"] = f"/dossier/{uuid.UUID(nominated)}"
    timed: dict[str, Any] = {}
    skipped = []
    for name, path in pages.items():
        figures = _time(client, statements, path, args.requests)
        if figures is None:
            skipped.append(name)
            print(f"skipped {name}: {path} answers 404 (not built in this checkout)", file=sys.stderr)
        else:
            timed[name] = figures
            print(f"{name:<45} median {figures['median_ms']:>6.1f} ms  p95 {figures['p95_ms']:>6.1f} ms  "
                  f"cpu {figures['cpu_median_ms']:>6.1f} ms  {figures['sql_statements']} statements", file=sys.stderr)
    print(json.dumps({"registrations": args.registrations, "dwellings": args.dwellings,
                      "backend": url.split(":")[0].split("+")[0], "fill_s": round(fill_s, 1),
                      "werkvoorraad_counts": counts, "requests_per_page": args.requests, "pages": timed,
                      "skipped": skipped,
                      "as_of": date.today().isoformat()}, indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
