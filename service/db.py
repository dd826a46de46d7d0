"""The database engine and the per-request session that owns the transaction."""

from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from service.config import get_settings

# An execution option for work that never writes (on SQLite it then does not take the write lock).
READ_ONLY = "doorstroom_read_only"


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
                           connect_args={"check_same_thread": False, "timeout": 15})
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """SQLite pragmas, and BEGIN IMMEDIATE so a read-then-write transaction never fails on a stale snapshot."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that SAVEPOINT and BEGIN IMMEDIATE work as written.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers queue on the database lock up front instead of failing later with "database is locked":
        # that is what makes the version checks on updates safe under concurrency. Work that only reads
        # (READ_ONLY) begins deferred, so it does not hold up the writers.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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


# scope="function": commit before the response is sent, so a 2xx never reports a transaction that then failed.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
