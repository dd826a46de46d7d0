"""SQLite's writers queue at the writer gate in order of arrival, and every way a transaction ends opens it."""

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from service import migrations
from service.config import Settings
from service.db import READ_ONLY, SQLITE_BUSY_SECONDS, get_session, make_engine, transaction, writer_gate
from service.main import create_app
from service.writer_gate import WriterGate
from tests.service.helpers import problem
from tests.service.workflow.conftest import Committing
from tests.service.workflow.flow import single


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def test_waiters_get_the_gate_in_the_order_they_came():
    gate = WriterGate()
    first = object()
    gate.acquire(first, timeout=1)
    order: list[int] = []
    threads = []
    for n in range(5):
        def take(n: int = n) -> None:
            holder = object()
            gate.acquire(holder, timeout=10)
            order.append(n)
            gate.release(holder)
        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: gate.queued == n + 1, f"waiter {n} to queue")
    gate.release(first)
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]
    assert gate.free


def test_a_wait_that_runs_out_says_database_is_locked_and_leaves_the_queue():
    gate = WriterGate()
    holder = object()
    gate.acquire(holder, timeout=1)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        gate.acquire(object(), timeout=0.05)
    assert gate.queued == 0
    gate.release(holder)
    later = object()
    gate.acquire(later, timeout=0.05)  # free again at once: the timed-out waiter took nothing with it
    assert gate.holds(later)


def test_only_the_holder_can_release_and_a_holder_may_ask_again():
    gate = WriterGate()
    holder, other = object(), object()
    gate.acquire(holder, timeout=1)
    gate.acquire(holder, timeout=0.01)  # a connection that has the gate does not wait for itself
    gate.release(other)
    assert gate.holds(holder)
    gate.release(holder)
    assert gate.free


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/gate.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    yield engine
    engine.dispose()


def test_commit_rollback_and_a_failed_transaction_each_open_the_gate(engine):
    gate = writer_gate(engine)
    assert gate is not None and gate.free
    with Session(engine) as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        assert not gate.free  # taken when the writing transaction began
        session.commit()
        assert gate.free
        session.execute(text("UPDATE counter SET n = n + 1"))
        session.rollback()
        assert gate.free
    with pytest.raises(ZeroDivisionError), Session(engine) as session:
        session.execute(text("UPDATE counter SET n = n + 1"))
        raise ZeroDivisionError  # the session closes without commit: the pool's reset rolls back
    assert gate.free
    with Session(engine.execution_options(**{READ_ONLY: True})) as reader:
        assert reader.execute(text("SELECT n FROM counter")).scalar_one() == 1
        assert gate.free  # work that only reads never takes the gate


def test_a_connection_kept_open_gives_the_gate_back_when_its_transaction_ends(engine):
    gate = writer_gate(engine)
    with engine.connect() as connection:
        for end in (connection.commit, connection.rollback):
            connection.execute(text("UPDATE counter SET n = n + 1"))
            assert not gate.free
            end()
            assert gate.free  # the connection is still checked out, yet the next writer may go


def test_many_concurrent_read_modify_writes_all_succeed_and_none_is_lost(engine):
    failures: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(20):
                with Session(engine) as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with Session(engine) as session:
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 12 * 20
    assert writer_gate(engine).free


def test_postgresql_engines_have_no_gate():
    assert writer_gate(make_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")) is None


def test_a_registration_is_looked_up_and_checked_before_it_waits_for_the_write_lock(tmp_path):
    url = f"sqlite:///{tmp_path}/office.db"
    migrations.upgrade(url)
    engine = make_engine(url)
    application = create_app(Settings(database_url=url, dev_mode=True))

    def _session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield from transaction(session)

    application.dependency_overrides[get_session] = _session
    care = Committing(application, engine).client("care_provider")
    gate = writer_gate(engine)
    assert gate is not None
    writer = object()  # another writer, in the middle of its transaction
    gate.acquire(writer, timeout=1)
    try:
        started = time.monotonic()
        unknown_place = care.post("/v1/registrations", json=single(preferred_municipalities=["GM9999"]))
        unknown_region = care.post("/v1/registrations", json=single(region="ZZ99"))
        waited = time.monotonic() - started
    finally:
        gate.release(writer)
    assert [e["field"] for e in problem(unknown_place, 422)["errors"]] == ["preferred_municipalities.0"]
    assert [e["field"] for e in problem(unknown_region, 422)["errors"]] == ["region"]
    # Refused while the lock was taken, not after waiting out its 15 s for "database is locked".
    assert waited < SQLITE_BUSY_SECONDS
    assert care.post("/v1/registrations", json=single()).status_code == 201
    engine.dispose()
