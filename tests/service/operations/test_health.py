"""Liveness, readiness, request ids and the JSON log lines."""

import json
import logging

from fastapi.testclient import TestClient

from service import middleware
from service.config import Settings
from service.logging import JsonFormatter
from service.main import create_app
from service.request_context import set_request_id
from tests.service.helpers import problem


def test_healthz_answers_without_a_key(anonymous):
    assert anonymous.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_a_migrated_database_ready(monkeypatch, database_url):
    from service.db import make_engine

    migrated = make_engine(database_url)
    monkeypatch.setattr("service.health.routes.get_engine", lambda: migrated)
    response = TestClient(create_app(Settings(database_url=database_url))).get("/readyz")
    migrated.dispose()
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_readyz_is_unavailable_when_the_schema_is_not_migrated(tmp_path, monkeypatch):
    from service.db import make_engine

    empty = make_engine(f"sqlite:///{tmp_path}/empty.db")
    monkeypatch.setattr("service.health.routes.get_engine", lambda: empty)
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}/empty.db")))
    body = problem(client.get("/readyz"), 503)
    assert "doorstroom db upgrade" in body["detail"]


def test_readyz_is_unavailable_when_the_database_is_unreachable(monkeypatch):
    from service.db import make_engine

    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr("service.health.routes.get_engine", lambda: unreachable)
    client = TestClient(create_app(Settings(database_url="sqlite://")))
    body = problem(client.get("/readyz"), 503)
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
