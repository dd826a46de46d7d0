"""Time `POST /v1/dwellings` (which shortlists the new dwelling at once) against many stored registrations.

    python -m bench.service_offer --registrations 20000 [--database-url URL] [--offers 5]

Creates its own database (a temporary SQLite file unless --database-url names an empty one), inserts the
registrations in bulk, then times each offer end to end through the HTTP stack. Prints one JSON line.
"""

import argparse
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session

from service import migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.main import create_app
from service.organisations import service as organisations
from service.organisations.models import OrganisationKind
from service.registrations import service as registrations
from service.registrations.models import Registration
from service.registrations.schemas import RegistrationCreate
from tests import factories


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=20000)
    parser.add_argument("--offers", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        care = organisations.create_organisation(session=session, kind=OrganisationKind.care_provider, name="c")
        corporation = organisations.create_organisation(session=session, kind=OrganisationKind.corporation, name="w")
        session.commit()
        document = RegistrationCreate.model_validate(factories.registration(household={"adults": 1, "children": []}))
        columns = registrations._columns(document)
        rows = [dict(columns, id=uuid.uuid4(), care_provider_id=care.organisation.id, client_ref=f"B{i}",
                     create_digest="bench", form_version="1", status="active") for i in range(args.registrations)]
        session.execute(insert(Registration), rows)
        session.commit()
    app = create_app(Settings(database_url=url, tick_seconds=0))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    client = TestClient(app, headers={"Authorization": f"Bearer {corporation.api_key}"})
    seconds = []
    for _ in range(args.offers):
        started = time.perf_counter()
        response = client.post("/v1/dwellings", json=factories.dwelling(available_from=factories.TODAY.isoformat()))
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 201, response.text
    print(json.dumps({"registrations": args.registrations, "backend": url.split(":")[0], "offers": args.offers,
                      "median_s": round(statistics.median(seconds), 3), "max_s": round(max(seconds), 3)}))
    engine.dispose()


if __name__ == "__main__":
    main()
