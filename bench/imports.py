"""Time the waiting-list import of a generated workbook, as a coordinator uploads it: the dry run, then the import.

    python -m bench.imports --rows 20000 [--database-url URL] [--no-import]

Creates its own database (a temporary SQLite file unless --database-url names an empty PostgreSQL database) with
region U16 and a coordinator and two care providers working in it, generates a workbook of `--rows` registrations
(every column of the template filled, lists included, one row in a hundred with a bad cell), and posts it to
`POST /v1/imports/registrations?dry_run=true` through the ASGI app. Then it posts the same list without the bad
cells with `dry_run=false`: the real import, all rows in one transaction (unless --no-import). Prints one JSON
document: the workbook's size, the seconds (wall and CPU: the machine may be shared) to read it and to check it
in the service, the seconds of each whole request, the problems found and the registrations the import created.
"""

import argparse
import json
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from service import migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.imports import registrations as imports
from service.imports.tables import XLSX_TYPE, read_table, xlsx_bytes
from service.main import create_app
from service.organisations import service as organisations
from service.organisations.models import OrganisationKind
from service.regions import scope
from service.regions.models import Region, RegionMunicipality, RegionPolicyVersion
from service.regions.schemas import Policy

MUNICIPALITIES = ("GM0344", "GM0356", "GM0355")


def workbook(*, rows: int, providers: list[str], seed: int = 7, bad: bool = True) -> bytes:
    """A waiting list of `rows` clients over `providers`; every hundredth row has a bad birth year (when `bad`)."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    header = list(imports.COLUMNS)
    out = []
    for i in range(rows):
        row = {**imports.EXAMPLES[i % 2], "care_provider": providers[i % len(providers)], "client_ref": f"WL-{i:06d}",
               "birth_year": str(today.year - rng.randint(18, 60)),
               "ready_from": (today + timedelta(days=rng.randint(-200, 200))).isoformat(),
               "regional_ties": f"{rng.choice(MUNICIPALITIES)}:{rng.randint(0, 10)}:0",
               "waiting_since": (today - timedelta(days=rng.randint(30, 1500))).isoformat()}
        if bad and i % 100 == 99:
            row["birth_year"] = "onbekend"
        out.append([row[c] for c in header])
    return xlsx_bytes(sheets=[("registrations", header, out)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--no-import", action="store_true", help="time the dry run only")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench-imports.db"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        session.add(Region(code="U16", name="U16", policy_version=1))
        session.flush()
        session.add(RegionPolicyVersion(region_code="U16", version=1, policy=Policy().model_dump(mode="json")))
        session.add_all(RegionMunicipality(municipality_code=c, region_code="U16") for c in MUNICIPALITIES)
        session.flush()
        coordinator = organisations.create_organisation(session=session, kind=OrganisationKind.coordinator,
                                                        name="Bench office")
        names = ["Bench shelter A", "Bench shelter B"]
        for org in [coordinator.organisation] + [
                organisations.create_organisation(session=session, kind=OrganisationKind.care_provider,
                                                  name=n).organisation for n in names]:
            scope.link(session=session, by=None, organisation=org, region_code="U16")
        session.commit()
    started = time.perf_counter()
    body = workbook(rows=args.rows, providers=names)
    write_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    table = read_table(body=body, media_type=XLSX_TYPE)
    read_s, read_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    with Session(engine) as session:
        coordinator_org = organisations.get_organisation(session=session,
                                                         organisation_id=coordinator.organisation.id)
        assert coordinator_org is not None
        started, cpu = time.perf_counter(), time.process_time()
        report = imports.check(session=session, coordinator=coordinator_org, table=table, filename="bench.xlsx")
        check_s, check_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    app = create_app(Settings(database_url=url))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    client = TestClient(app, headers={"Authorization": f"Bearer {coordinator.api_key}"})
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post("/v1/imports/registrations", params={"dry_run": "true", "filename": "bench.xlsx"},
                           content=body, headers={"Content-Type": XLSX_TYPE})
    request_s, request_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert response.status_code == 200, response.text
    figures: dict[str, object] = {
        "rows": args.rows, "workbook_bytes": len(body), "write_s": round(write_s, 2), "read_s": round(read_s, 2),
        "read_cpu_s": round(read_cpu_s, 2), "check_s": round(check_s, 2), "check_cpu_s": round(check_cpu_s, 2),
        "dry_run_request_s": round(request_s, 2), "dry_run_request_cpu_s": round(request_cpu_s, 2),
        "problems": len(report.problems), "valid_rows": len(report.checked), "database": url.split(":", 1)[0]}
    if not args.no_import:
        clean = workbook(rows=args.rows, providers=names, bad=False)
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post("/v1/imports/registrations", params={"dry_run": "false", "filename": "bench.xlsx"},
                               content=clean, headers={"Content-Type": XLSX_TYPE})
        figures |= {"import_request_s": round(time.perf_counter() - started, 2),
                    "import_request_cpu_s": round(time.process_time() - cpu, 2)}
        assert response.status_code == 200, response.text
        figures["created"] = response.json()["created"]
    print(json.dumps(figures, indent=2))
    engine.dispose()


if __name__ == "__main__":
    main()
