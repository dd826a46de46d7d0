"""A database error is logged without the data it failed on: the request id, the route and the error class only."""

import logging
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from service.logging import JsonFormatter, configure_logging
from tests import factories
from tests.service.helpers import problem

NOTES = "Schuldhulp sinds maart; verslaving aan alcohol"
INCOME = "31987.65"


def _refuse_new_registrations(session, backend: str) -> None:
    """Make the database itself refuse the next registration row (undone when the test's transaction rolls back).

    On PostgreSQL a failing CHECK answers with `DETAIL: Failing row contains (...)`: the whole row, notes and all.
    """
    if backend == "postgresql":
        session.execute(text("ALTER TABLE registration ADD CONSTRAINT test_refuse_all CHECK (false) NOT VALID"))
    else:
        session.execute(text("CREATE TRIGGER test_refuse_all BEFORE INSERT ON registration "
                             "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
    session.commit()


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured record as the service writes it (JSON, extras and tracebacks included), and as pytest does."""
    formatter = JsonFormatter()
    return [formatter.format(r) for r in caplog.records] + [caplog.text]


def test_a_database_error_is_logged_without_the_row(app, session, backend, make_org, logged):
    _org, key = make_org("care_provider")
    _refuse_new_registrations(session, backend)
    client = TestClient(app, headers={"Authorization": f"Bearer {key}", "X-Request-ID": "trace-db-error-1"},
                        raise_server_exceptions=False)
    doc = factories.registration(notes=NOTES, annual_income=INCOME)

    failed = client.post("/v1/registrations", json=doc)

    problem(failed, 500)
    # Sent from outside every middleware, the 500 still carries the headers every other answer gets.
    assert (failed.headers["cache-control"], failed.headers["x-content-type-options"],
            failed.headers["referrer-policy"]) == ("no-store", "nosniff", "no-referrer")
    errors = [r for r in logged.records if r.name == "doorstroom.errors"]
    assert len(errors) == 1
    error = errors[0]
    assert (error.route, error.method) == ("/v1/registrations", "POST")
    assert "IntegrityError" in error.error_class
    assert "trace-db-error-1" in JsonFormatter().format(error)
    for line in _lines(logged):
        for personal in (NOTES, INCOME, doc["client_ref"], "Failing row"):
            assert personal not in line


def test_a_database_error_logged_elsewhere_loses_its_message(session, backend):
    try:
        session.execute(text("SELECT * FROM no_such_table WHERE notes = :notes"), {"notes": NOTES})
    except Exception:
        record = logging.makeLogRecord({"msg": "tick failed", "exc_info": sys.exc_info()})
    finally:
        session.rollback()
    line = JsonFormatter().format(record)
    assert NOTES not in line
    assert "[SQL:" not in line
    assert "ProgrammingError" in line or "OperationalError" in line


def test_the_servers_copy_of_an_unhandled_error_is_dropped(caplog):
    configure_logging("INFO")  # installs the filter (and replaces the root's handlers: put pytest's back)
    logging.getLogger().addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    server = logging.getLogger("uvicorn.error")
    try:
        raise ValueError(NOTES)
    except ValueError as exc:
        # What uvicorn does with the error Starlette re-raises after the app's handler answered 500.
        server.error("Exception in ASGI application\n", exc_info=exc)
    server.info("Started server process")
    assert [r.getMessage() for r in caplog.records if r.name == "uvicorn.error"] == ["Started server process"]
