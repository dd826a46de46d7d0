"""The committed contract fuzzed: schemathesis sends generated requests to every operation of openapi/openapi.json
with an API key of each kind of organisation, on SQLite and on PostgreSQL. No answer may be a server error, and
each must have a status, a media type, headers and a body that the contract documents for its operation; a 405
names in Allow the methods the contract has for the path.

The committed file is the contract partners code against (tests/test_openapi.py keeps it equal to the app's), so
it is what is loaded, not the live app's schema. Each backend gets a migrated database of its own for this module,
so what the fuzzer writes stays there. A dwelling, a registration and the links to the home region are seeded, and
path ids are now and then replaced by the seeded ones, so operations on a record get past the 404.

All of schemathesis's phases run: its examples phase (the contract's examples), the coverage phase (boundary and
invalid values of every parameter and field, undocumented methods; deterministic, not bounded by max-examples)
and MAX_EXAMPLES generated requests per operation and key. Generation is derandomised: every run sends the same
requests, so a failure here is reproducible and CI does not flake.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlmodel import Session

from service import migrations
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.main import create_app
from service.openapi_export import COMMITTED
from service.organisations import service as organisations_service
from service.organisations.models import OrganisationKind
from tests.conftest import throwaway_database
from tests.service.helpers import create_dwelling, create_registration
from tests.world import HOME_REGION, link_home

ROLES = (OrganisationKind.coordinator, OrganisationKind.care_provider, OrganisationKind.corporation)
# Generated requests per operation and key, on top of the examples and coverage phases: about 5,000 requests per
# key and backend in all (4,100 of them the coverage phase's), 30,000 in all, some 3.5 minutes of one core.
MAX_EXAMPLES = 10
# The four the contract promises (no 5xx; documented status, media type and body), the documented headers, and the
# checks on methods and required headers. Not run: ignored_auth, which re-sends a request itself and cannot reach
# an in-process app when the schema comes from a file (who may call what is test_access.py's and
# test_access_matrix.py's), and positive_data_acceptance / negative_data_rejection, which count every 4xx to
# schema-valid data as an error although the service checks more than a schema says (municipality codes, states,
# If-Match) and which our replaced Authorization header confuses.
CHECKS: list[CheckFunction] = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
    response_headers_conformance, unsupported_method, allow_header_conformance, missing_required_header,
]

CONFIG = schemathesis.Config.from_dict({
    # The same requests on every run, and no example database carried between runs.
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # A busy 2-core machine must not fail a run on generation speed (Hypothesis's CI profile suppresses it too).
    "suppress-health-check": ["too_slow"],
})
schema = schemathesis.openapi.from_path(COMMITTED, config=CONFIG)

# The seeded records by path parameter name (`code`, `dwelling_id`, ...), set while the module's app is up.
SEEDED: dict[str, str] = {}


@schema.hook
def flatmap_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
    """Either the generated path parameters or the same with every seeded one put in, half and half."""
    if not path_parameters:
        return st.just(path_parameters)
    seeded = {**path_parameters, **{name: value for name, value in SEEDED.items() if name in path_parameters}}
    return st.just(path_parameters) if seeded == path_parameters else st.sampled_from([path_parameters, seeded])


@dataclass
class Fuzzed:
    """The app under test and the API key of each kind of organisation."""

    app: FastAPI
    keys: dict[OrganisationKind, str]


@pytest.fixture(scope="module")
def fuzzed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The app on a migrated database of its own that really commits, an organisation per kind and a little data."""
    with throwaway_database(backend, str(tmp_path_factory.mktemp("fuzz"))) as url:
        migrations.upgrade(url)
        engine = make_engine(url)
        # No periodic task, and no rate limits: the fuzzer's requests are under test, not a 429 after many.
        app = create_app(Settings(database_url=url, tick_seconds=0, rate_limit_enabled=False))

        def _session() -> Iterator[Session]:
            with Session(engine, expire_on_commit=False) as session:
                yield from transaction(session)

        app.dependency_overrides[get_session] = _session
        keys: dict[OrganisationKind, str] = {}
        with Session(engine, expire_on_commit=False) as session:
            for kind in ROLES:
                issued = organisations_service.create_organisation(
                    session=session, kind=kind, name=f"fuzz {kind.value} {uuid.uuid4().hex[:6]}")
                link_home(session, issued.organisation)
                keys[kind] = issued.api_key
                if kind is OrganisationKind.care_provider:
                    SEEDED["organisation_id"] = str(issued.organisation.id)
            session.commit()
        SEEDED["code"] = HOME_REGION
        SEEDED["dwelling_id"] = create_dwelling(_client(app, keys[OrganisationKind.corporation]))["id"]
        SEEDED["registration_id"] = create_registration(_client(app, keys[OrganisationKind.care_provider]))["id"]
        try:
            yield Fuzzed(app=app, keys=keys)
        finally:
            SEEDED.clear()
            engine.dispose()


def _client(app: FastAPI, key: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("role", ROLES, ids=[kind.value for kind in ROLES])
@schema.parametrize()
def test_every_answer_is_documented(case: schemathesis.Case, role: OrganisationKind, fuzzed: Fuzzed) -> None:
    # 60 s, not schemathesis' 10: on a loaded 2-core machine a request waiting behind a background round's
    # transaction timed out at 10 s once; a real hang still fails.
    case.call_and_validate(app=fuzzed.app, headers={"Authorization": f"Bearer {fuzzed.keys[role]}"}, checks=CHECKS,
                           timeout=60)
