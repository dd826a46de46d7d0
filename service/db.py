"""The database engine and the per-request session that owns the transaction."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated, Any, TypeVar
from weakref import WeakKeyDictionary

from fastapi import Depends
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from service.config import get_settings
from service.writer_gate import WriterGate

# An execution option for work that never writes (on SQLite it then does not take the write lock).
READ_ONLY = "doorstroom_read_only"
# How long a writer waits for the database before it gives up with "database is locked" (SQLite only).
SQLITE_BUSY_SECONDS = 15
_GATES: "WeakKeyDictionary[Engine, WriterGate]" = WeakKeyDictionary()
T = TypeVar("T")


def make_engine(url: str, *, echo: bool = False, connections: int = 5) -> Engine:
    """Create an engine holding up to `connections` (plus a few more when busy); SQLite gets WAL, foreign keys, a
    busy timeout and serialised writers.

    Statement parameters are hidden from errors (and echo): they are registrations' special-category data, and a
    database error's message ends up in logs.
    """
    pool = {"pool_size": connections, "max_overflow": 10}
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True, **pool)
    engine = create_engine(url, echo=echo, hide_parameters=True, **pool,
                           connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """SQLite pragmas, BEGIN IMMEDIATE so a read-then-write transaction never fails on a stale snapshot, and the
    writer gate (service/writer_gate.py) so that writers queue in order instead of polling the lock."""
    gate = _GATES[engine] = WriterGate()
    dialect = engine.dialect

    def _then_release(end: Callable[[Any], None]) -> Callable[[Any], None]:
        def ended(dbapi_connection: Any) -> None:
            try:
                end(dbapi_connection)
            finally:
                gate.release(_raw(dbapi_connection))
        return ended

    # The dialect is this engine's own: its commit and rollback (the pool's reset on return included) end the
    # transaction and then open the gate for the next writer.
    dialect.do_commit = _then_release(dialect.do_commit)  # type: ignore[method-assign,assignment]
    dialect.do_rollback = _then_release(dialect.do_rollback)  # type: ignore[method-assign,assignment]

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "close")
    def _on_release(dbapi_connection: Any, _record: Any) -> None:
        # A connection back in the pool, or closed, writes nothing: never let it keep the gate.
        gate.release(dbapi_connection)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that SAVEPOINT and BEGIN IMMEDIATE work as written.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers queue on the database lock up front instead of failing later with "database is locked":
        # that is what makes the version checks on updates safe under concurrency. Work that only reads
        # (READ_ONLY) begins deferred, so it does not hold up the writers.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
            return
        raw = _raw(connection.connection)
        gate.acquire(raw, timeout=SQLITE_BUSY_SECONDS)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.release(raw)
            raise


def writer_gate(engine: Engine) -> WriterGate | None:
    """The writer gate of a SQLite engine (None for PostgreSQL, which locks rows, not the database)."""
    return _GATES.get(engine)


def _raw(connection: Any) -> Any:
    """The sqlite3 connection behind a pooled connection (or the connection itself)."""
    return getattr(connection, "dbapi_connection", connection)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database: a connection for every request in progress."""
    settings = get_settings()
    return make_engine(settings.database_url, connections=settings.max_concurrent_requests)


def transaction(session: Session) -> Iterator[Session]:
    """Hand out a session, then commit when the work succeeded and roll back on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def get_session() -> Iterator[Session]:
    """One transaction per request: nothing a failed request did is left half-written."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield from transaction(session)


# In a session's info while its transaction holds a connection of the database (has begun there, not only in the
# session): set and cleared by the two listeners below.
_ON_DATABASE = "doorstroom.on_database"


@event.listens_for(Session, "after_begin")
def _on_database(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_ON_DATABASE] = True


@event.listens_for(Session, "after_transaction_end")
def _off_database(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_ON_DATABASE, None)


@contextmanager
def reading(session: Session) -> Iterator[Session]:
    """A session for the reads a request makes before its first write.

    On SQLite, while the request's transaction has not begun, a read-only session of its own: the write transaction
    (which takes the one write lock) then begins only at the first write, not while the request still looks things
    up and checks them. Objects read there are detached afterwards; `joined` gives one to the request's session.
    On PostgreSQL, which locks rows and not the database, and inside a transaction already
    begun, the request's own session.
    """
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "sqlite" and not session.info.get(_ON_DATABASE):
        with Session(bind.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as reader:
            yield reader
    else:
        yield session


def joined(session: Session, obj: T) -> T:
    """An object `reading` gave, as an object of the request's session (without reading it again)."""
    return obj if obj in session else session.merge(obj, load=False)


def commit_before_answering(session: Session) -> None:
    """Commit the request's work before its answer is built from the records: on SQLite the write lock is then
    given back before the answer is serialised, so no writer waits for that. The commit at the request's end then
    has nothing left to do; the answer reads only what the records already hold (expire_on_commit=False)."""
    session.commit()


# scope="function": commit before the response is sent, so a 2xx never reports a transaction that then failed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
