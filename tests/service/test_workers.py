"""Several workers: `serve --workers N` on PostgreSQL, and a periodic tick that runs at most once at a time.

On PostgreSQL the tick holds an advisory lock that every worker and replica contends for; SQLite has no such lock
and serves from one process, so there each test checks what SQLite does instead.
"""

import json
import logging
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
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from service import config
from service.cli import app as cli
from service.config import Settings
from service.db import make_engine
from service.organisations.models import OrganisationKind
from service.organisations.service import create_organisation
from service.shortlists.models import MatchingRound
from service.tick import TICK_LOCK_KEY, run_tick
from service.workflow import deadlines
from tests.service.workflow.conftest import Committing
from tests.service.workflow.flow import World
from tests.world import link_home

DOORSTROOM = str(Path(sys.executable).with_name("doorstroom"))
SKIPPED = "tick skipped: another worker or replica is running it"
LATER = datetime.now(UTC) + timedelta(days=10)


def _libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def _lock_held_elsewhere(database_url: str) -> Iterator[None]:
    """Hold the tick lock from a session of its own, as another worker or replica would.

    A worker's tick holds the lock while it runs (on a slow machine, long enough to be caught at it): wait up to
    10 s for that tick to end; a lock that stays taken is a failure."""
    with psycopg.connect(_libpq_url(database_url), autocommit=True) as other:
        _wait_for(lambda: other.execute("SELECT pg_try_advisory_lock(%s)", (TICK_LOCK_KEY,)).fetchone() == (True,),
                  10, "the tick lock to be free")
        yield
        other.execute("SELECT pg_advisory_unlock(%s)", (TICK_LOCK_KEY,))


@pytest.fixture
def paused(committed_app: tuple[FastAPI, Engine]) -> tuple[World, str, Engine]:
    """A registration paused for a day, so a tick at LATER has one resume to apply; with its world and engine."""
    committing = Committing(*committed_app)
    w = World(committing.client("coordinator"), committing.client("corporation"), committing.client("care_provider"))
    registration = w.register()
    w.ok(w.pause(registration, days=1))
    return w, registration, committing.engine


def _client() -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(204)))


def test_a_tick_skips_while_another_holds_the_lock_and_runs_once_it_is_free(backend, fresh_database_url, paused,
                                                                            caplog):
    w, registration, engine = paused
    caplog.set_level(logging.DEBUG, logger="doorstroom.tick")
    with _client() as client:
        if backend == "postgresql":
            with _lock_held_elsewhere(fresh_database_url):
                skipped = run_tick(engine=engine, client=client, at=LATER)
            assert skipped["skipped"] == 1 and not any(v for k, v in skipped.items() if k != "skipped")
            assert w.registration_status(registration) == "paused"
            skips = [r for r in caplog.records if r.getMessage() == SKIPPED]
            assert [(r.levelno, getattr(r, "tick", None)) for r in skips] == [(logging.INFO, "skipped")]
            caplog.clear()
        ran = run_tick(engine=engine, client=client, at=LATER)
    assert ran["skipped"] == 0 and ran["registrations_resumed"] == 1
    assert w.registration_status(registration) == "active"
    assert SKIPPED not in caplog.messages
    if backend == "postgresql":
        # A skipped tick reports the same keys as one that ran, so a caller never meets a missing count.
        assert set(skipped) == set(ran)
        assert "tick lock held" in caplog.messages


def test_a_failing_tick_frees_the_lock_for_the_next(backend, fresh_database_url, paused, monkeypatch):
    w, registration, engine = paused
    apply_expiry = deadlines.apply_expiry

    def broken(**kwargs: Any) -> dict[str, int]:
        raise RuntimeError("tick broke")

    monkeypatch.setattr(deadlines, "apply_expiry", broken)
    with _client() as client:
        with pytest.raises(RuntimeError, match="tick broke"):
            run_tick(engine=engine, client=client, at=LATER)
        if backend == "postgresql":
            with _lock_held_elsewhere(fresh_database_url):  # asserts the lock can be taken
                pass
        monkeypatch.setattr(deadlines, "apply_expiry", apply_expiry)
        ran = run_tick(engine=engine, client=client, at=LATER)
    assert ran["skipped"] == 0 and ran["registrations_resumed"] == 1
    assert w.registration_status(registration) == "active"


def test_two_ticks_at_once_never_overlap_on_postgresql_and_are_serialised_by_sqlite(backend, paused, monkeypatch):
    w, registration, engine = paused
    apply_expiry = deadlines.apply_expiry
    state = threading.Condition()
    inside = {"now": 0, "most": 0, "finished": 0}

    def slow_expiry(**kwargs: Any) -> dict[str, int]:
        with state:
            inside["now"] += 1
            inside["most"] = max(inside["most"], inside["now"])
            state.notify_all()
            # Stay in the tick until the other thread has either given up (skipped) or come in too, so an overlap
            # is certain to be seen if the lock allowed one, however the threads are scheduled.
            assert state.wait_for(lambda: inside["now"] == 2 or inside["finished"] >= 1, timeout=10)
        try:
            return apply_expiry(**kwargs)
        finally:
            with state:
                inside["now"] -= 1

    monkeypatch.setattr(deadlines, "apply_expiry", slow_expiry)
    start = threading.Barrier(2)

    def tick() -> dict[str, int]:
        start.wait(timeout=10)
        try:
            with _client() as client:
                return run_tick(engine=engine, client=client, at=LATER)
        finally:
            with state:
                inside["finished"] += 1
                state.notify_all()

    results = []
    with ThreadPoolExecutor(2) as pool:
        for _ in range(3):
            inside.update(now=0, finished=0)
            futures = [pool.submit(tick), pool.submit(tick)]
            results.append([f.result(timeout=30) for f in futures])

    flags = [sorted(r["skipped"] for r in pair) for pair in results]
    if backend == "postgresql":
        assert inside["most"] == 1
        assert flags == [[0, 1]] * 3
    else:
        # No tick lock on SQLite: both run, and BEGIN IMMEDIATE makes the second see what the first committed.
        assert inside["most"] == 2
        assert flags == [[0, 0]] * 3
    assert sum(r["registrations_resumed"] for pair in results for r in pair) == 1
    assert w.registration_status(registration) == "active"


def test_doorstroom_tick_says_when_another_process_is_running_the_tick(backend, cli_env):
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    if backend == "postgresql":
        with _lock_held_elsewhere(cli_env):
            result = runner.invoke(cli, ["tick"])
        # Exit 0: for cron a tick that another worker is running is not a failure.
        assert result.exit_code == 0 and json.loads(result.stdout)["skipped"] == 1
        assert SKIPPED in result.stderr
    result = runner.invoke(cli, ["tick"])
    assert result.exit_code == 0 and json.loads(result.stdout)["skipped"] == 0 and SKIPPED not in result.stderr


def test_serve_refuses_fewer_than_one_worker(cli_env):
    result = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            lines.append({"level": "unparsed", "msg": raw})
    return lines


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {seconds} s waiting for {what}"
        time.sleep(0.2)


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int, stderr: Path) -> Iterator[str]:
    """A real `doorstroom serve` process (in a process group of its own) once /readyz answers 200, its base URL;
    the group is stopped afterwards."""
    with stderr.open("w") as sink:
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sink, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def ready() -> bool:
            assert server.poll() is None, stderr.read_text()
            try:
                return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(ready, 60, "/readyz to answer 200")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def test_serve_with_two_workers_shares_one_tick_on_postgresql_and_is_refused_on_sqlite(backend, fresh_database_url,
                                                                                       tmp_path):
    port = _free_port()
    env = {**os.environ, "DOORSTROOM_DATABASE_URL": fresh_database_url, "DOORSTROOM_TICK_SECONDS": "1",
           "DOORSTROOM_LOG_LEVEL": "DEBUG", "DOORSTROOM_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    command = [DOORSTROOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    if backend == "sqlite":
        refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2
        assert "--workers > 1 needs PostgreSQL; SQLite serves from one process" in refused.stderr
        assert not Path(fresh_database_url.removeprefix("sqlite:///")).exists()  # refused before migrating
        return

    stderr = tmp_path / "serve.err"
    with serving(command, env, port, stderr) as base:
        engine = make_engine(fresh_database_url)
        with Session(engine, expire_on_commit=False) as session:
            key = create_organisation(session=session, kind=OrganisationKind.coordinator, name="workers").api_key
            session.commit()
        engine.dispose()
        with httpx.Client(base_url=base, timeout=5) as http:
            for _ in range(6):
                assert http.get("/v1/dwellings", headers={"Authorization": f"Bearer {key}"}).status_code == 200
            assert http.get("/v1/dwellings").status_code == 401
            assert http.get("/healthz").status_code == 200

        def messages() -> list[str]:
            return [line["msg"] for line in _log_lines(stderr)]

        _wait_for(lambda: sum(m.startswith("Started server process") for m in messages()) == 2, 30,
                  "two worker processes")
        _wait_for(lambda: messages().count("Application startup complete.") == 2, 30, "both workers' start-up")
        with _lock_held_elsewhere(fresh_database_url):
            _wait_for(lambda: messages().count(SKIPPED) >= 2, 20, "ticks skipped while the lock is held elsewhere")
            seen = len(messages())
        _wait_for(lambda: "tick lock held" in messages()[seen:], 20, "a tick once the lock is free")

    lines = _log_lines(stderr)
    assert len({line["msg"] for line in lines if line["msg"].startswith("Started server process")}) == 2
    assert sum(line["msg"].startswith("Started parent process") for line in lines) == 1
    problems = [line for line in lines if line["level"] in {"warning", "error", "critical"}
                or "Traceback" in line["msg"] or "Error" in line["msg"] or line["msg"] == "tick failed"]
    assert not problems, problems


@pytest.mark.parametrize(("env", "said"), [
    ({"DOORSTROOM_PUBLIC_URL": "http://doorstroom.example.nl"}, "must start with https://"),
    ({"DOORSTROOM_RATE_LIMIT_ENABLED": "false"}, "rate limits are off for key, session, address"),
    ({"DOORSTROOM_RATE_LIMIT_PER_SESSION": "off"}, "rate limits are off for session"),
    ({"DOORSTROOM_ENCRYPTION_KEYS": ""}, "DOORSTROOM_ENCRYPTION_KEYS is not set"),
])
def test_serve_refuses_insecure_settings_outside_development(cli_env, monkeypatch, env, said):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config.get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "insecure settings outside development" in result.output and said in result.output


def test_development_may_use_plain_http_for_a_local_address_only():
    key = Fernet.generate_key().decode()
    assert Settings(public_url="http://127.0.0.1:8000", encryption_keys=key).insecure_reasons() == []
    assert Settings(public_url="https://doorstroom.example.nl", encryption_keys=key).insecure_reasons() == []
    assert Settings(public_url="http://doorstroom.example.nl").insecure_reasons()


def test_a_round_started_on_two_workers_answers_202_and_is_run_by_one_of_them_to_the_end(backend, fresh_database_url,
                                                                                        tmp_path):
    if backend == "sqlite":
        pytest.skip("SQLite serves from one process (the refusal is tested above)")
    port = _free_port()
    env = {**os.environ, "DOORSTROOM_DATABASE_URL": fresh_database_url, "DOORSTROOM_TICK_SECONDS": "1",
           "DOORSTROOM_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    command = [DOORSTROOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    stderr = tmp_path / "serve.err"
    with serving(command, env, port, stderr) as base:
        engine = make_engine(fresh_database_url)
        with Session(engine, expire_on_commit=False) as session:
            issued = create_organisation(session=session, kind=OrganisationKind.coordinator, name="rondes")
            link_home(session, issued.organisation)
            session.commit()
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {issued.api_key}"}) as http:
            started = http.post("/v1/matching-rounds", json={"max_seconds": 1})
            assert started.status_code == 202, started.text
            refused_or_done = http.post("/v1/matching-rounds", json={"max_seconds": 1})
            assert refused_or_done.status_code in (202, 409), refused_or_done.text
            if refused_or_done.status_code == 409:
                assert refused_or_done.json()["existing_id"] == started.json()["id"]

            def finished() -> bool:
                return http.get(started.headers["location"]).json()["state"] in ("finished", "failed")

            _wait_for(finished, 60, "the round to finish")
            assert http.get(started.headers["location"]).json()["state"] == "finished"
        with Session(engine) as session:
            done = session.get(MatchingRound, uuid.UUID(started.json()["id"]))
            assert done is not None and done.worker is not None and done.started_at is not None
        engine.dispose()
