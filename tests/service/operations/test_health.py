"""Liveness, readiness, request ids and the JSON log lines."""

import json
import logging
from collections.abc import Iterator

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session

from service import config, db, middleware
from service.config import Settings
from service.db import get_session, make_engine, transaction
from service.logging import JsonFormatter
from service.main import create_app
from service.request_context import set_request_id
from tests.service.helpers import problem


def test_healthz_answers_without_a_key(anonymous):
    assert anonymous.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_a_migrated_database_ready(anonymous):
    response = anonymous.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


def test_readyz_probes_the_database_the_requests_use(anonymous, tmp_path, monkeypatch):
    # The environment names another, empty database; the app's requests (and so its probe) use the test's.
    monkeypatch.setenv("DOORSTROOM_DATABASE_URL", f"sqlite:///{tmp_path}/elsewhere.db")
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        response = anonymous.get("/readyz")
    finally:
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
    assert response.status_code == 200, response.text


def _probe(engine: Engine) -> Response:
    """GET /readyz of an app whose requests use `engine`."""
    app = create_app(Settings(database_url="sqlite://"))

    def _session() -> Iterator[Session]:
        with Session(engine) as session:
            yield from transaction(session)

    app.dependency_overrides[get_session] = _session
    return TestClient(app).get("/readyz")


def test_readyz_is_unavailable_when_the_schema_is_not_migrated(tmp_path):
    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    body = problem(_probe(empty), 503)
    empty.dispose()
    assert "doorstroom db upgrade" in body["detail"]


def test_readyz_is_unavailable_when_the_database_is_unreachable():
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    body = problem(_probe(unreachable), 503)
    assert body["title"] == "Service Unavailable"
    assert body["detail"] == "the database cannot be reached (OperationalError)"


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(anonymous):
    generated = anonymous.get("/healthz").headers["x-request-id"]
    assert len(generated) >= 8
    assert anonymous.get("/healthz", headers={"X-Request-ID": "partner-trace-0001"}).headers["x-request-id"] \
        == "partner-trace-0001"
    # An id that could smuggle text into the logs is replaced.
    assert anonymous.get("/healthz", headers={"X-Request-ID": "bad id\twith tab"}).headers["x-request-id"] \
        != "bad id\twith tab"


def test_problem_documents_carry_the_request_id(anonymous):
    response = anonymous.get("/v1/dwellings", headers={"X-Request-ID": "trace-problem-01"})
    assert response.status_code == 401
    assert response.json()["request_id"] == "trace-problem-01"


def test_access_log_lines_carry_method_path_status_and_duration(anonymous, caplog, monkeypatch):
    # The middleware's clock reads 10.0 s when the request starts and 10.25 s when it is answered.
    ticks = iter([10.0, 10.25])
    monkeypatch.setattr(middleware, "perf_counter", lambda: next(ticks, 10.25))
    with caplog.at_level(logging.INFO, logger="doorstroom.access"):
        anonymous.get("/healthz", headers={"X-Request-ID": "trace-logline-01"})
    access = [r for r in caplog.records if r.name == "doorstroom.access"]
    assert access, "no access log line"
    assert (access[-1].method, access[-1].path, access[-1].status) == ("GET", "/healthz", 200)
    assert access[-1].duration_ms == 250.0


def test_log_lines_are_one_json_object_with_the_request_id():
    set_request_id("trace-json-01")
    try:
        record = logging.makeLogRecord({"name": "doorstroom.access", "levelname": "INFO", "msg": "request",
                                        "status": 201, "path": "/v1/dwellings"})
        line = json.loads(JsonFormatter().format(record))
    finally:
        set_request_id(None)
    assert line["request_id"] == "trace-json-01"
    assert line["status"] == 201 and line["path"] == "/v1/dwellings" and line["msg"] == "request"
    assert line["level"] == "info" and line["ts"].endswith("+00:00")
