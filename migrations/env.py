"""Alembic environment: the URL comes from the caller or from Settings; the target is the SQLModel metadata."""

from alembic import context

import service.models  # noqa: F401  (registers every table on the metadata)
from service.config import get_settings
from service.db import make_engine
from service.metadata import metadata
from service.sqltypes import UTCDateTime

config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render project column types as plain SQLAlchemy ones, so revisions never import service code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without connecting."""
    context.configure(url=_database_url(), target_metadata=metadata, literal_binds=True, compare_type=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations over a real connection, one transaction for the whole run."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch: SQLite cannot ALTER most things, so changes there are done by copying the table. Copying a
    # table that other rows refer to fails while foreign keys are enforced, so SQLite migrates with them off and
    # checks every reference afterwards (the pragma only takes effect outside a transaction, hence the raw cursor).
    sqlite = connection.dialect.name == "sqlite" and not connection.in_transaction()
    if sqlite:
        _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True, render_as_batch=True,
                          render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = _pragma(connection, "PRAGMA foreign_key_check")
            if broken:
                raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
    finally:
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection, statement: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
