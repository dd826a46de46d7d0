"""The migrations are the schema: they upgrade, downgrade to base and upgrade again, and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import service.models  # noqa: F401
from service import migrations
from service.db import make_engine
from service.metadata import metadata

TABLES = {"organisation", "api_key", "municipality", "dwelling", "registration", "audit_record"}


def test_upgrade_downgrade_to_base_and_upgrade_again(fresh_database_url):
    engine = make_engine(fresh_database_url)
    try:
        migrations.upgrade(fresh_database_url)
        assert TABLES <= set(inspect(engine).get_table_names())
        migrations.downgrade(fresh_database_url, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrations.upgrade(fresh_database_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM municipality")).scalar() == 342
            assert migrations.current_revision(connection) == migrations.head_revision()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine):
    # A model change without a migration shows up here as a difference.
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/pragmas.db")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
