"""Running the Alembic migrations from code (the CLI, `serve` and the tests all go through here)."""

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the project's migrations against `database_url`."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`; at head, also version the registrations that have no version yet."""
    command.upgrade(alembic_config(database_url), revision)
    if revision == "head":
        _version_unversioned_registrations(database_url)


def _version_unversioned_registrations(database_url: str) -> None:
    # Registrations stored before versions existed (migration 0005), or inserted in bulk, get their first version so
    # that the matcher's pool sees them. A data step in Python: the matcher document is the service's own code.
    from sqlmodel import Session

    from service.db import make_engine
    from service.shortlists.pool import versions

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            if versions.record_missing(session):
                session.commit()
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to `revision` (`base` removes everything)."""
    command.downgrade(alembic_config(database_url), revision)


@lru_cache
def head_revision() -> str | None:
    """The newest migration the code ships."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The migration a database is at."""
    return MigrationContext.configure(connection).get_current_revision()
